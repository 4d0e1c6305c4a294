package provider

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

const reassignAction = "agentfleet_dynamic_account_reassign"

// The action driven through the plugin protocol, as Terraform drives it: ConfigureProvider, then
// PlanAction and InvokeAction, whose streamed events the tests read. terraform-plugin-testing
// (v1.16.0) has no step that invokes an action or shows its progress, so the tests below check
// the events and the mock store here, and TestAccDynamicAccountReassignAction_trigger checks the
// same action in a real Terraform 1.14+ apply.

// actionProviderServer is a provider server that serves actions, as the framework's does.
type actionProviderServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ActionServer
}

// actionHarness is one provider server configured against a mock, which records the body of
// every PATCH the provider sends.
type actionHarness struct {
	t      *testing.T
	m      *accMock
	server actionProviderServer
	schema *tfprotov6.GetProviderSchemaResponse

	mu      sync.Mutex
	patches []string
}

// newActionHarness starts the mock and a provider server configured with its armory block,
// or with no platform at all when withArmory is false.
func newActionHarness(t *testing.T, withArmory bool) *actionHarness {
	t.Helper()
	h := &actionHarness{t: t}
	store := mockserver.New(mockserver.DefaultCredentials())
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			body, _ := io.ReadAll(r.Body)
			h.mu.Lock()
			h.patches = append(h.patches, string(body))
			h.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		store.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	h.m = &accMock{Server: store, URL: ts.URL, Endpoints: store.Endpoints(ts.URL)}
	h.m.SetArmoryAssignDelay(300 * time.Millisecond) // an action that did not wait would end ACTIVATING

	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	var ok bool
	if h.server, ok = server.(actionProviderServer); !ok {
		t.Fatalf("the provider server %T serves no actions", server)
	}
	ctx := context.Background()
	if h.schema, err = server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{}); err != nil {
		t.Fatal(err)
	}
	providerType := h.schema.Provider.ValueType()
	settings := map[string]tftypes.Value{"retry_wait_min": tftypes.NewValue(tftypes.String, "1ms"), "retry_wait_max": tftypes.NewValue(tftypes.String, "20ms")}
	if withArmory {
		armoryType := providerType.(tftypes.Object).AttributeTypes["armory"]
		settings["armory"] = objectValue(t, armoryType, map[string]tftypes.Value{
			"endpoint": tftypes.NewValue(tftypes.String, h.m.Endpoints.Armory),
			"headers": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{
				mockserver.ArmoryAPIKeyHeader: tftypes.NewValue(tftypes.String, h.m.Credentials().ArmoryAPIKey),
			}),
		})
	}
	resp, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.14.0",
		Config:           dynamicValue(t, providerType, objectValue(t, providerType, settings)),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Fatalf("ConfigureProvider: %s: %s", d.Summary, d.Detail)
	}
	return h
}

// objectValue is an object of type typ with the given attributes, and every other one null.
func objectValue(t *testing.T, typ tftypes.Type, attrs map[string]tftypes.Value) tftypes.Value {
	t.Helper()
	object, ok := typ.(tftypes.Object)
	if !ok {
		t.Fatalf("%s is not an object type", typ)
	}
	values := map[string]tftypes.Value{}
	for name, attrType := range object.AttributeTypes {
		values[name] = tftypes.NewValue(attrType, nil)
		if v, ok := attrs[name]; ok {
			values[name] = v
		}
	}
	return tftypes.NewValue(typ, values)
}

func dynamicValue(t *testing.T, typ tftypes.Type, v tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// actionConfig is the action's configuration for the account, with a timeouts block when
// timeout is set.
func (h *actionHarness) actionConfig(name, timeout string) *tfprotov6.DynamicValue {
	typ := h.schema.ActionSchemas[reassignAction].Schema.ValueType()
	attrs := map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, name)}
	if timeout != "" {
		timeoutsType := typ.(tftypes.Object).AttributeTypes["timeouts"]
		attrs["timeouts"] = objectValue(h.t, timeoutsType, map[string]tftypes.Value{"invoke": tftypes.NewValue(tftypes.String, timeout)})
	}
	return dynamicValue(h.t, typ, objectValue(h.t, typ, attrs))
}

// invocation is what one InvokeAction streamed: the progress messages, in order, and the
// diagnostics of the completed event.
type invocation struct {
	progress []string
	diags    []*tfprotov6.Diagnostic
	took     time.Duration
}

func (h *actionHarness) invoke(name, timeout string) invocation {
	h.t.Helper()
	started := time.Now()
	stream, err := h.server.InvokeAction(context.Background(), &tfprotov6.InvokeActionRequest{ActionType: reassignAction, Config: h.actionConfig(name, timeout)})
	if err != nil {
		h.t.Fatal(err)
	}
	var got invocation
	completed := 0
	for event := range stream.Events {
		switch e := event.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			if completed > 0 {
				h.t.Errorf("progress %q after the completed event", e.Message)
			}
			got.progress = append(got.progress, e.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			completed++
			got.diags = e.Diagnostics
		}
	}
	if completed != 1 {
		h.t.Fatalf("%d completed events, want 1", completed)
	}
	got.took = time.Since(started)
	return got
}

// patchesSent returns the PATCH bodies the mock received, and forgets them.
func (h *actionHarness) patchesSent() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.patches
	h.patches = nil
	return out
}

// expectState fails unless the platform holds the account in state, now.
func (h *actionHarness) expectState(name, state string) {
	h.t.Helper()
	a, ok := h.m.armoryAccount(name)
	if !ok || a.State != state {
		h.t.Errorf("the platform holds %+v (found: %v), want %s %s", a, ok, name, state)
	}
}

func expectNoDiagnostics(t *testing.T, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	for _, d := range diags {
		t.Errorf("diagnostic: %s: %s", d.Summary, d.Detail)
	}
}

// expectError fails unless diags hold exactly one error, matching want in summary and detail.
func expectError(t *testing.T, diags []*tfprotov6.Diagnostic, want *regexp.Regexp) {
	t.Helper()
	if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityError || !want.MatchString(diags[0].Summary+": "+diags[0].Detail) {
		var got []string
		for _, d := range diags {
			got = append(got, d.Summary+": "+d.Detail)
		}
		t.Errorf("diagnostics %q, want one error matching %s", got, want)
	}
}

// expectProgress fails unless the messages are exactly the patterns, in order.
func expectProgress(t *testing.T, got []string, want ...string) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = regexp.MustCompile(want[i]).MatchString(got[i])
	}
	if !ok {
		t.Errorf("progress messages:\n  %s\nwant, in order:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// A FAILED account is activated again in its zone, once, without its kubeconfig, and the action
// ends only once it is ACTIVE, having named every state on the way.
func TestDynamicAccountReassignAction_failedIsActivatedAgain(t *testing.T) {
	h := newActionHarness(t, true)
	h.m.PutArmoryAccount("prod-k8s", "agent-1_spinnaker", true)
	h.m.SetArmoryAccountState("prod-k8s", mockserver.ArmoryStateFailed, "agent lost connection to the cluster")

	got := h.invoke("prod-k8s", "")

	expectNoDiagnostics(t, got.diags)
	h.expectState("prod-k8s", mockserver.ArmoryStateActive)
	if patches := h.patchesSent(); !slices.Equal(patches, []string{`[{"name":"prod-k8s","state":"ACTIVE","zoneId":"agent-1_spinnaker"}]`}) {
		t.Errorf("PATCH bodies %q, want one activation in the account's zone", patches)
	}
	if got.took < 300*time.Millisecond {
		t.Errorf("the action took %s, less than the assignment: it did not wait", got.took)
	}
	expectProgress(t, got.progress,
		`^prod-k8s is FAILED \("agent lost connection to the cluster"\): assigning it again in zone agent-1_spinnaker$`,
		`^prod-k8s is ACTIVATING$`,
		`^prod-k8s is ACTIVE on Agents agent-1-\S+, agent-1-\S+$`)
}

// The platform activates only an INACTIVE or FAILED account: an ORPHANED one is deactivated
// first, then activated, with a wait for each.
func TestDynamicAccountReassignAction_orphanedIsDeactivatedFirst(t *testing.T) {
	h := newActionHarness(t, true)
	h.m.PutArmoryAccount("prod-k8s", "", true)
	h.m.SetArmoryAccountState("prod-k8s", mockserver.ArmoryStateOrphaned, "no Agent manages the account")

	got := h.invoke("prod-k8s", "")

	expectNoDiagnostics(t, got.diags)
	h.expectState("prod-k8s", mockserver.ArmoryStateActive)
	want := []string{`[{"name":"prod-k8s","state":"INACTIVE"}]`, `[{"name":"prod-k8s","state":"ACTIVE","zoneId":"armory-agent_spinnaker"}]`}
	if patches := h.patchesSent(); !slices.Equal(patches, want) {
		t.Errorf("PATCH bodies %q, want %q", patches, want)
	}
	expectProgress(t, got.progress,
		`^prod-k8s is ORPHANED \("no Agent manages the account"\): deactivating it first, then assigning it again in zone armory-agent_spinnaker$`,
		`^prod-k8s is DEACTIVATING$`, `^prod-k8s is INACTIVE$`, `^prod-k8s is ACTIVATING$`, `^prod-k8s is ACTIVE on Agents `)
}

// An assignment that fails again ends the action at once with the platform's message.
func TestDynamicAccountReassignAction_failsAgainWithThePlatformsMessage(t *testing.T) {
	for _, state := range []string{mockserver.ArmoryStateFailed, mockserver.ArmoryStateOrphaned, mockserver.ArmoryStateDeleteFailed} {
		t.Run(state, func(t *testing.T) {
			h := newActionHarness(t, true)
			h.m.PutArmoryAccount("prod-k8s", "z1_ns", true)
			h.m.SetArmoryAccountState("prod-k8s", mockserver.ArmoryStateFailed, "invalid kubeconfig")
			h.m.EndArmoryAssignment("prod-k8s", state, "cluster unreachable")

			got := h.invoke("prod-k8s", "5m")

			expectError(t, got.diags, phrase("Dynamic account assignment failed", `account "prod-k8s": it is `+state+` with the message "cluster unreachable"`,
				"An action writes no Terraform state", "next refresh"))
			expectProgress(t, got.progress, `^prod-k8s is FAILED \("invalid kubeconfig"\)`, `^prod-k8s is ACTIVATING$`,
				`^prod-k8s is `+state+` \("cluster unreachable"\)$`)
			if got.took > 30*time.Second {
				t.Errorf("the failed action took %s, want it to end at once", got.took)
			}
		})
	}
}

// The wait is bounded by timeouts.invoke.
func TestDynamicAccountReassignAction_timeout(t *testing.T) {
	h := newActionHarness(t, true)
	h.m.PutArmoryAccount("prod-k8s", "z1_ns", false)
	h.m.SetArmoryAccountState("prod-k8s", mockserver.ArmoryStateFailed, "invalid kubeconfig")
	h.m.SetArmoryAssignDelay(time.Hour)

	got := h.invoke("prod-k8s", "1s")

	expectError(t, got.diags, phrase("Dynamic account assignment still pending", `invoke timeout of 1s (state "ACTIVATING")`, "raise timeouts.invoke"))
	if got.took > 10*time.Second {
		t.Errorf("the action took %s with a 1s timeout", got.took)
	}
	h.expectState("prod-k8s", mockserver.ArmoryStateActivating)
}

// Accounts that are not FAILED or ORPHANED are refused, with their state, and nothing is sent.
func TestDynamicAccountReassignAction_refusals(t *testing.T) {
	tests := []struct {
		name, state string
		want        *regexp.Regexp
	}{
		{"active", mockserver.ArmoryStateActive, phrase("Dynamic account not reassigned", `Account "acc" is ACTIVE already`)},
		{"inactive", mockserver.ArmoryStateInactive, phrase("not reassigned", `"acc" is INACTIVE`, "active = true on its agentfleet_dynamic_account")},
		{"activating", mockserver.ArmoryStateActivating, phrase("not reassigned", `"acc" is ACTIVATING, a transition under way`, "Wait until it settles")},
		{"deactivating", mockserver.ArmoryStateDeactivating, phrase("not reassigned", `"acc" is DEACTIVATING, a transition under way`)},
		{"delete failed", mockserver.ArmoryStateDeleteFailed, phrase("not reassigned", `"acc" is DELETE_FAILED`, `("disk full")`, "destroy it again")},
		{"static", "", phrase("not reassigned", `"static-agent-account-01" is defined in an Agent's configuration file`)},
		{"not migrated", "", phrase("Dynamic account not found", `"never-migrated" is not a dynamic account`, "HTTP 404")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newActionHarness(t, true)
			name := map[string]string{"static": "static-agent-account-01", "not migrated": "never-migrated"}[tc.name]
			if name == "" {
				name = "acc"
				h.m.PutArmoryAccount(name, "z1_ns", false)
				h.m.SetArmoryAccountState(name, tc.state, "disk full")
			}

			got := h.invoke(name, "")

			expectError(t, got.diags, tc.want)
			if len(got.progress) != 0 {
				t.Errorf("progress %q for a refused account", got.progress)
			}
			if patches := h.patchesSent(); len(patches) != 0 {
				t.Errorf("PATCH bodies %q for a refused account", patches)
			}
		})
	}
}

// Without an armory block the action is refused at plan time, and when invoked anyway, with the
// block and its environment variables named; no call is made.
func TestDynamicAccountReassignAction_platformNotConfigured(t *testing.T) {
	h := newActionHarness(t, false)
	want := phrase("The armory platform is not configured", "armory block", "AGENTFLEET_ARMORY_ENDPOINT")

	plan, err := h.server.PlanAction(context.Background(), &tfprotov6.PlanActionRequest{ActionType: reassignAction, Config: h.actionConfig("prod-k8s", "")})
	if err != nil {
		t.Fatal(err)
	}
	expectError(t, plan.Diagnostics, want)
	expectError(t, h.invoke("prod-k8s", "").diags, want)
	h.m.expectNoCalls(t)
}

// Terraform 1.14 and later: the action runs in a real apply, triggered after a resource is
// created (terraform_data, built into Terraform), and the apply ends only once the account is
// ACTIVE again; a second trigger, on an account that is ACTIVE now, fails the apply with the
// refusal. The resource's next refresh reads the new state.
func TestAccDynamicAccountReassignAction_trigger(t *testing.T) {
	m := newAccMock(t)
	m.SetArmoryAssignDelay(500 * time.Millisecond) // an apply that did not wait would leave it ACTIVATING
	m.PutArmoryAccount("prod-k8s", "agent-1_spinnaker", true)
	config := func(trigger string) string {
		return m.providerConfig() + `
action "agentfleet_dynamic_account_reassign" "prod" {
  config {
    name = "prod-k8s"
    timeouts {
      invoke = "2m"
    }
  }
}

resource "terraform_data" "trigger" {
  input = "` + trigger + `"
  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.agentfleet_dynamic_account_reassign.prod]
    }
  }
}
`
	}
	patches := &callsSince{m: m, route: "PATCH " + armoryRoute}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					m.SetArmoryAccountState("prod-k8s", mockserver.ArmoryStateFailed, "agent lost connection to the cluster")
					_ = patches.reset(nil)
				},
				Config: config("first"),
				Check: resource.ComposeTestCheckFunc(
					m.checkArmoryAccount("prod-k8s", mockserver.ArmoryStateActive, "agent-1_spinnaker"),
					patches.expect(1),
				),
			},
			{
				Config:      config("second"),
				ExpectError: phrase("Dynamic account not reassigned", `Account "prod-k8s" is ACTIVE already`),
			},
		},
	})
	if n := m.Calls("PATCH " + armoryRoute); n != 1 {
		t.Errorf("%d PATCH calls in all, want 1: the refused invocation sends none", n)
	}
}
