package provider

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Trigger maps: null, known, and unknown as a whole or in one element.
var (
	noTriggers      = types.MapNull(types.StringType)
	triggersOne     = types.MapValueMust(types.StringType, map[string]attr.Value{"rotated": types.StringValue("1")})
	triggersTwo     = types.MapValueMust(types.StringType, map[string]attr.Value{"rotated": types.StringValue("2")})
	triggersUnknown = types.MapUnknown(types.StringType)
	triggerUnknown  = types.MapValueMust(types.StringType, map[string]attr.Value{"rotated": types.StringUnknown()})
)

func TestTriggersRegeneration(t *testing.T) {
	secret, noSecret := types.StringValue("s3cr3t"), types.StringNull()
	tests := []struct {
		name           string
		planned, prior types.Map
		priorSecret    types.String
		want           regeneration
	}{
		{"unchanged", triggersOne, triggersOne, secret, noRegeneration},
		{"changed", triggersTwo, triggersOne, secret, regenerates},
		{"set for the first time", triggersOne, noTriggers, secret, regenerates},
		{"removed", noTriggers, triggersOne, secret, regenerates},
		{"never set", noTriggers, noTriggers, secret, noRegeneration},
		{"unknown as a whole", triggersUnknown, triggersOne, secret, mayRegenerate},
		{"one element unknown", triggerUnknown, triggersOne, secret, mayRegenerate},
		{"unknown, first time", triggersUnknown, noTriggers, secret, mayRegenerate},
		// An import: no triggers and no secret in state.
		{"adopted after an import", triggersOne, noTriggers, noSecret, noRegeneration},
		{"adopted unknown after an import", triggersUnknown, noTriggers, noSecret, noRegeneration},
		{"none after an import", noTriggers, noTriggers, noSecret, noRegeneration},
		// Adopted once, the triggers are in state: a change regenerates, and brings a secret.
		{"changed after adoption", triggersTwo, triggersOne, noSecret, regenerates},
		{"unchanged after adoption", triggersOne, triggersOne, noSecret, noRegeneration},
		{"unknown after adoption", triggerUnknown, triggersOne, noSecret, mayRegenerate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := triggersRegeneration(tc.planned, tc.prior, tc.priorSecret); got != tc.want {
				t.Fatalf("triggersRegeneration = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestPlannedAgentState(t *testing.T) {
	prior := func(state string, enabled bool) *agentResourceModel {
		m := agentResourceModel{Enabled: types.BoolValue(enabled)}
		m.State = types.StringValue(state)
		return &m
	}
	on, off, unknown := types.BoolValue(true), types.BoolValue(false), types.BoolUnknown()
	tests := []struct {
		name    string
		enabled types.Bool
		prior   *agentResourceModel
		regen   regeneration
		want    types.String
	}{
		{"create enabled", on, nil, noRegeneration, types.StringValue("ENABLED")},
		{"create disabled", off, nil, noRegeneration, types.StringValue("DISABLED")},
		{"create, enabled unknown", unknown, nil, noRegeneration, types.StringUnknown()},
		{"disable", off, prior("ENABLED", true), noRegeneration, types.StringValue("DISABLED")},
		{"enable", on, prior("DISABLED", false), regenerates, types.StringValue("ENABLED")},
		{"unchanged", on, prior("ENABLED", true), noRegeneration, types.StringValue("ENABLED")},
		{"unchanged, regenerated", off, prior("DISABLED", false), regenerates, types.StringValue("DISABLED")},
		{"unchanged, may regenerate", on, prior("ENABLED", true), mayRegenerate, types.StringValue("ENABLED")},
		{"expired, unchanged", on, prior("EXPIRED", true), noRegeneration, types.StringValue("EXPIRED")},
		{"expired, regenerated", on, prior("EXPIRED", true), regenerates, types.StringUnknown()},
		{"expired, may regenerate", on, prior("EXPIRED", true), mayRegenerate, types.StringUnknown()},
		{"expired, disabled", off, prior("EXPIRED", true), noRegeneration, types.StringValue("DISABLED")},
		{"enabled unknown", unknown, prior("ENABLED", true), noRegeneration, types.StringUnknown()},
		{"enabled unknown, regenerated", unknown, prior("DISABLED", false), regenerates, types.StringUnknown()},
		{"enabled unknown, expired", unknown, prior("EXPIRED", false), mayRegenerate, types.StringUnknown()},
		{"no state in state", on, &agentResourceModel{Enabled: on}, noRegeneration, types.StringValue("ENABLED")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := plannedAgentState(tc.enabled, tc.prior, tc.regen); !got.Equal(tc.want) {
				t.Fatalf("plannedAgentState = %s, want %s", got, tc.want)
			}
		})
	}
}

// The agent of the rotation tests: created a year before its expiry, 2026-01-20, seen on
// 2026-01-01.
var (
	rotationNow    = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rotationExpiry = "2026-01-20T00:00:00.000Z"
)

func priorAgent(triggers types.Map, secret types.String, state string, enabled bool) agentResourceModel {
	m := agentResourceModel{
		RegenerateTriggers: triggers,
		RotateBefore:       types.StringNull(),
		Enabled:            types.BoolValue(enabled),
		ClientSecret:       secret,
	}
	m.State = types.StringValue(state)
	m.ClientID = types.StringValue("client-1")
	m.CreatedAt = rfc3339("2025-01-20T00:00:00.125Z")
	m.ExpiredAt = rfc3339(rotationExpiry)
	return m
}

func TestAgentRotation(t *testing.T) {
	prior := priorAgent(noTriggers, types.StringValue("s"), "ENABLED", true)
	moved := &agentRegeneration{At: time.Date(2025, 1, 20, 0, 0, 0, 0, time.UTC), ExpiredAt: "2026-01-20T00:00:00Z", Moved: true}
	stuck := &agentRegeneration{At: time.Date(2025, 12, 30, 0, 0, 0, 0, time.UTC), ExpiredAt: "2026-01-20T00:00:00Z", Moved: false}
	recent := &agentRegeneration{At: time.Date(2025, 12, 30, 0, 0, 0, 0, time.UTC), ExpiredAt: "2026-01-20T00:00:00Z", Moved: true}
	other := &agentRegeneration{At: time.Date(2025, 12, 30, 0, 0, 0, 0, time.UTC), ExpiredAt: "2025-06-01T00:00:00Z", Moved: false}
	tests := []struct {
		name         string
		rotateBefore types.String
		last         *agentRegeneration
		want         rotationVerdict
	}{
		{"not due", types.StringValue("24h"), nil, rotationNotDue},
		{"due, never regenerated", types.StringValue("720h"), nil, rotationDue},
		{"due, last regeneration moved the expiry a year", types.StringValue("720h"), moved, rotationDue},
		{"beyond the lifetime from created_at", types.StringValue("9000h"), nil, rotationEndless},
		// The last regeneration, two days ago, left an expiry 19 days later: a lifetime of 21 days.
		{"beyond the lifetime from the last regeneration", types.StringValue("720h"), recent, rotationEndless},
		{"within the lifetime from the last regeneration", types.StringValue("480h"), recent, rotationDue},
		{"last regeneration did not move the expiry", types.StringValue("720h"), stuck, rotationStuck},
		{"stuck, but not due", types.StringValue("24h"), stuck, rotationNotDue},
		// Another secret than the last regeneration made: regenerated outside Terraform since.
		{"a regeneration of another secret", types.StringValue("720h"), other, rotationDue},
		{"rotate_before unknown", types.StringUnknown(), stuck, rotationUnknown},
		{"no rotate_before", types.StringNull(), stuck, rotationNotDue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := agentRotation(tc.rotateBefore, prior, tc.last, rotationNow); got.verdict != tc.want {
				t.Fatalf("agentRotation = %+v, want verdict %d", got, tc.want)
			}
		})
	}
}

// A plan made with values unknown until apply must agree with the plan Terraform makes at apply
// time, whatever those values turn out to be: every value known in the first plan is the value
// of the second. Otherwise Terraform fails the apply with "Provider produced inconsistent final
// plan". This checks planAgent for every combination of known, unknown and null inputs.
func TestPlanAgentAgreesWithEveryFinalPlan(t *testing.T) {
	type choice[T any] struct {
		name    string
		value   T
		resolve []T // what an unknown value may turn out to be; nil for a known one
	}
	enabled := []choice[types.Bool]{
		{"enabled", types.BoolValue(true), nil},
		{"disabled", types.BoolValue(false), nil},
		{"enabled unknown", types.BoolUnknown(), []types.Bool{types.BoolValue(true), types.BoolValue(false)}},
	}
	triggers := []choice[types.Map]{
		{"no triggers", noTriggers, nil},
		{"triggers 1", triggersOne, nil},
		{"triggers 2", triggersTwo, nil},
		{"triggers unknown", triggersUnknown, []types.Map{noTriggers, triggersOne, triggersTwo}},
		{"a trigger unknown", triggerUnknown, []types.Map{triggersOne, triggersTwo}},
	}
	rotateBefore := []choice[types.String]{
		{"no rotate_before", types.StringNull(), nil},
		{"not due", types.StringValue("24h"), nil},
		{"due", types.StringValue("720h"), nil},
		{"beyond the lifetime", types.StringValue("9000h"), nil},
		{"rotate_before unknown", types.StringUnknown(), []types.String{types.StringNull(), types.StringValue("24h"), types.StringValue("720h"), types.StringValue("9000h")}},
	}
	priors := map[string]*agentResourceModel{"create": nil}
	for _, p := range []struct {
		name     string
		triggers types.Map
		secret   types.String
		state    string
		enabled  bool
	}{
		{"enabled", triggersOne, types.StringValue("s"), "ENABLED", true},
		{"disabled", triggersOne, types.StringValue("s"), "DISABLED", false},
		{"expired", noTriggers, types.StringValue("s"), "EXPIRED", true},
		{"imported", noTriggers, types.StringNull(), "ENABLED", true},
	} {
		m := priorAgent(p.triggers, p.secret, p.state, p.enabled)
		priors[p.name] = &m
	}
	lasts := map[string]*agentRegeneration{
		"never regenerated": nil,
		"stuck":             {At: time.Date(2025, 12, 30, 0, 0, 0, 0, time.UTC), ExpiredAt: rotationExpiry, Moved: false},
	}
	for priorName, prior := range priors {
		for lastName, last := range lasts {
			for _, e := range enabled {
				for _, tr := range triggers {
					for _, rb := range rotateBefore {
						name := fmt.Sprintf("%s, %s, %s, %s, %s", priorName, lastName, e.name, tr.name, rb.name)
						first, _ := planAgent(plannedAgent(prior, e.value, tr.value, rb.value), prior, last, rotationNow)
						for _, ev := range orKnown(e.resolve, e.value) {
							for _, tv := range orKnown(tr.resolve, tr.value) {
								for _, rv := range orKnown(rb.resolve, rb.value) {
									final, _ := planAgent(plannedAgent(prior, ev, tv, rv), prior, last, rotationNow)
									if err := agreesWith(first, final); err != nil {
										t.Errorf("%s, resolved to %s, %s, %s: %v", name, ev, tv, rv, err)
									}
								}
							}
						}
					}
				}
			}
		}
	}
}

// orKnown is what a value may turn out to be at apply: the resolutions of an unknown one, or the
// known one itself.
func orKnown[T any](resolve []T, known T) []T {
	if resolve == nil {
		return []T{known}
	}
	return resolve
}

// plannedAgent is the plan Terraform proposes before ModifyPlan: the configured values, and the
// computed ones as their plan modifiers leave them (the prior state's, or unknown on a create).
func plannedAgent(prior *agentResourceModel, enabled types.Bool, triggers types.Map, rotateBefore types.String) agentResourceModel {
	var m agentResourceModel
	if prior != nil {
		m = *prior
		m.State = types.StringUnknown() // no plan modifier: unknown in any update
	} else {
		m.ClientSecret, m.ClientID, m.State = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
		m.ExpiredAt, m.CreatedAt = timetypes.NewRFC3339Unknown(), timetypes.NewRFC3339Unknown()
	}
	m.Enabled, m.RegenerateTriggers, m.RotateBefore = enabled, triggers, rotateBefore
	return m
}

// agreesWith fails when a value known in the first plan differs in the final one.
func agreesWith(first, final agentResourceModel) error {
	for name, pair := range map[string][2]attr.Value{
		"client_secret": {first.ClientSecret, final.ClientSecret},
		"client_id":     {first.ClientID, final.ClientID},
		"expired_at":    {first.ExpiredAt, final.ExpiredAt},
		"state":         {first.State, final.State},
	} {
		if !pair[0].IsUnknown() && !pair[0].Equal(pair[1]) {
			return fmt.Errorf("%s planned %s, then %s", name, pair[0], pair[1])
		}
	}
	return nil
}

// memoryPrivate is private state in memory, as the framework hands it to a resource.
type memoryPrivate map[string][]byte

func (p memoryPrivate) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	return p[key], nil
}

func (p memoryPrivate) SetKey(_ context.Context, key string, value []byte) diag.Diagnostics {
	p[key] = value
	return nil
}

func TestLastRegenerationInPrivateState(t *testing.T) {
	ctx := context.Background()
	private := memoryPrivate{}
	if last := lastRegeneration(ctx, private); last != nil {
		t.Fatalf("no regeneration recorded, read %+v", last)
	}
	at := time.Date(2025, 12, 30, 0, 0, 0, 0, time.FixedZone("JST", 9*3600))
	for _, tc := range []struct {
		before, after string
		moved         bool
	}{
		{"2026-01-20T00:00:00.000Z", "2026-12-30T00:00:00.000Z", true},
		{"2026-01-20T00:00:00.000Z", "2026-01-20T00:00:00Z", false}, // the same instant, written differently
		{"", "2026-01-20T00:00:00Z", true},
	} {
		if diags := recordRegeneration(ctx, private, at, tc.before, tc.after); diags.HasError() {
			t.Fatal(diags)
		}
		want := agentRegeneration{At: at.UTC(), ExpiredAt: tc.after, Moved: tc.moved}
		if last := lastRegeneration(ctx, private); last == nil || *last != want {
			t.Fatalf("read %+v after recording %+v", last, want)
		}
	}
	private[lastRegenerationKey] = []byte("not json")
	if last := lastRegeneration(ctx, private); last != nil {
		t.Fatalf("an unreadable record read as %+v", last)
	}
}

// What planAgent plans in the cases the resource's documentation describes.
func TestPlanAgent(t *testing.T) {
	enabled, imported := priorAgent(triggersOne, types.StringValue("s"), "ENABLED", true), priorAgent(noTriggers, types.StringNull(), "ENABLED", true)
	stuck := &agentRegeneration{At: time.Date(2025, 12, 30, 0, 0, 0, 0, time.UTC), ExpiredAt: rotationExpiry, Moved: false}
	tests := []struct {
		name               string
		prior              *agentResourceModel
		last               *agentRegeneration
		enabled            types.Bool
		triggers           types.Map
		rotateBefore       types.String
		regenerates, state bool // whether the secret and the state are planned unknown
		verdict            rotationVerdict
	}{
		{"create", nil, nil, types.BoolValue(true), triggersOne, types.StringValue("720h"), false, false, rotationNotDue},
		{"nothing changes", &enabled, nil, types.BoolValue(true), triggersOne, types.StringNull(), false, false, rotationNotDue},
		{"triggers change", &enabled, nil, types.BoolValue(true), triggersTwo, types.StringNull(), true, false, rotationNotDue},
		{"triggers change, enabled unknown", &enabled, nil, types.BoolUnknown(), triggersTwo, types.StringNull(), true, true, rotationNotDue},
		{"enabled unknown alone", &enabled, nil, types.BoolUnknown(), triggersOne, types.StringNull(), false, true, rotationNotDue},
		{"due", &enabled, nil, types.BoolValue(true), triggersOne, types.StringValue("720h"), true, false, rotationDue},
		{"rotate_before unknown", &enabled, nil, types.BoolValue(true), triggersOne, types.StringUnknown(), true, false, rotationUnknown},
		{"beyond the lifetime", &enabled, nil, types.BoolValue(true), triggersOne, types.StringValue("9000h"), false, false, rotationEndless},
		{"stuck", &enabled, stuck, types.BoolValue(true), triggersOne, types.StringValue("720h"), false, false, rotationStuck},
		{"stuck, triggers change", &enabled, stuck, types.BoolValue(true), triggersTwo, types.StringValue("720h"), true, false, rotationStuck},
		{"imported, triggers adopted", &imported, nil, types.BoolValue(true), triggersOne, types.StringNull(), false, false, rotationNotDue},
		{"imported, due", &imported, nil, types.BoolValue(true), triggersOne, types.StringValue("720h"), true, false, rotationDue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, check := planAgent(plannedAgent(tc.prior, tc.enabled, tc.triggers, tc.rotateBefore), tc.prior, tc.last, rotationNow)
			secretUnknown := got.ClientSecret.IsUnknown() && got.ClientID.IsUnknown() && got.ExpiredAt.IsUnknown()
			if tc.prior != nil && (secretUnknown != tc.regenerates || got.ClientSecret.IsUnknown() != tc.regenerates) {
				t.Errorf("secret, client id and expiry unknown: %t, want %t", secretUnknown, tc.regenerates)
			}
			if got.State.IsUnknown() != tc.state || check.verdict != tc.verdict {
				t.Errorf("state %s, verdict %d; want unknown %t, verdict %d", got.State, check.verdict, tc.state, tc.verdict)
			}
		})
	}
}
