package provider

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

const (
	dynamicAccountAddr = "agentfleet_dynamic_account.test"
	// armoryRoute is the collection route as the mock counts it.
	armoryRoute = "/clouddriver/armory/accounts"
)

// writeOnlyArguments skips tests of write-only arguments on Terraform older than 1.11.
var writeOnlyArguments = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)}

// dynamicAccountConfig is the resource under test with the given arguments.
func dynamicAccountConfig(arguments string) string {
	return fmt.Sprintf("\nresource \"agentfleet_dynamic_account\" \"test\" {\n%s\n}\n", arguments)
}

// armoryAccount returns the migrated account of that name in the mock store.
func (m *accMock) armoryAccount(name string) (mockserver.ArmoryAccount, bool) {
	for _, a := range m.ArmoryAccounts() {
		if a.Name == name {
			return a, true
		}
	}
	return mockserver.ArmoryAccount{}, false
}

// checkDynamicAccountsDestroyed is a CheckDestroy that asks the mock store.
func (m *accMock) checkDynamicAccountsDestroyed(*terraform.State) error {
	if accounts := m.ArmoryAccounts(); len(accounts) != 0 {
		return fmt.Errorf("%d dynamic accounts left on the platform after destroy: %+v", len(accounts), accounts)
	}
	return nil
}

// checkArmoryAccount compares the mock's account with the expected state and zone.
func (m *accMock) checkArmoryAccount(name, state, zone string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		a, ok := m.armoryAccount(name)
		if !ok {
			return fmt.Errorf("account %s is not migrated on the platform", name)
		}
		if a.State != state || a.ZoneID != zone {
			return fmt.Errorf("the platform's account %s is %s in zone %q, want %s in zone %q", name, a.State, a.ZoneID, state, zone)
		}
		return nil
	}
}

// checkKubeconfigsSent checks every kubeconfig the platform received for the account, in order.
func (m *accMock) checkKubeconfigsSent(name string, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := m.ArmoryKubeconfigs(name); !slices.Equal(got, want) {
			return fmt.Errorf("the platform received kubeconfigs %q, want %q", got, want)
		}
		return nil
	}
}

// activeOnAgents checks the account in state is ACTIVE on the two Agents of the zone's deployment.
func activeOnAgents(deployment string) []statecheck.StateCheck {
	agentID := knownvalue.StringRegexp(regexp.MustCompile(`^` + regexp.QuoteMeta(deployment) + `-[0-9a-f]{10}-[a-z0-9]{5}$`))
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("state"), knownvalue.StringExact("ACTIVE")),
		statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("active"), knownvalue.Bool(true)),
		statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("agents"), knownvalue.ListExact([]knownvalue.Check{
			knownvalue.ObjectExact(map[string]knownvalue.Check{"agent_id": agentID, "caching": knownvalue.Bool(true)}),
			knownvalue.ObjectExact(map[string]knownvalue.Check{"agent_id": agentID, "caching": knownvalue.Bool(false)}),
		})),
		statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("last_assignment_msg"),
			knownvalue.StringRegexp(regexp.MustCompile(`^successfully assigned to Agent `+regexp.QuoteMeta(deployment)+`-`))),
	}
}

func expectAccountAction(action plancheck.ResourceActionType) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(dynamicAccountAddr, action)}}
}

// callsSince remembers the mock's counter of a route so a later check can ask how many calls
// came after.
type callsSince struct {
	m     *accMock
	route string
	mark  int
}

func (c *callsSince) reset(*terraform.State) error {
	c.mark = c.m.Calls(c.route)
	return nil
}

// expect checks that exactly n calls of the route came since the last reset.
func (c *callsSince) expect(n int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := c.m.Calls(c.route) - c.mark; got != n {
			return fmt.Errorf("%d calls of %s, want %d", got, c.route, n)
		}
		return c.reset(nil)
	}
}

// zoneConfig is the account prod-k8s pinned to zone.
func (m *accMock) zoneConfig(zone string) string {
	return m.config(dynamicAccountConfig(fmt.Sprintf("name = \"prod-k8s\"\nzone_id = %q", zone)))
}

func TestAccDynamicAccount_lifecycle(t *testing.T) {
	m := newAccMock(t)
	m.SetArmoryAssignDelay(400 * time.Millisecond) // long enough that an apply that did not wait would see ACTIVATING
	patches := &callsSince{m: m, route: "PATCH " + armoryRoute}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkDynamicAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config:           m.zoneConfig("agent-1_spinnaker"),
				ConfigPlanChecks: expectAccountAction(plancheck.ResourceActionCreate),
				ConfigStateChecks: append(activeOnAgents("agent-1"),
					statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("zone_id"), knownvalue.StringExact("agent-1_spinnaker")),
					statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("type"), knownvalue.StringExact("kubernetes")),
					statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("source"), knownvalue.StringExact("clouddriver")),
					statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("kubeconfig_file"), knownvalue.Null()),
				),
				Check: resource.ComposeTestCheckFunc(m.checkArmoryAccount("prod-k8s", "ACTIVE", "agent-1_spinnaker"), patches.reset),
			},
			{
				ResourceName:                         dynamicAccountAddr,
				ImportState:                          true,
				ImportStateId:                        "prod-k8s",
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "name",
			},
			{
				// A new zone is applied in place. The account is ACTIVE, and the platform refuses
				// to activate an ACTIVE account, so this passes only by deactivating it first:
				// two PATCHes, and no second POST (which the platform would refuse with 409).
				Config:            m.zoneConfig("agent-2_spinnaker"),
				ConfigPlanChecks:  expectAccountAction(plancheck.ResourceActionUpdate),
				ConfigStateChecks: activeOnAgents("agent-2"),
				Check: resource.ComposeTestCheckFunc(
					m.checkArmoryAccount("prod-k8s", "ACTIVE", "agent-2_spinnaker"),
					patches.expect(2),
					m.expectCalls("POST "+armoryRoute, 1),
				),
			},
			{
				// A PATCH cannot unpin an account: removing the zone replaces it, and the new one,
				// activated without a zone, takes the zone of the Agent that took it, with no diff
				// afterwards.
				Config:           m.config(dynamicAccountConfig(`name = "prod-k8s"`)),
				ConfigPlanChecks: expectAccountAction(plancheck.ResourceActionDestroyBeforeCreate),
				ConfigStateChecks: append(activeOnAgents("armory-agent"),
					statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("zone_id"), knownvalue.StringExact(mockserver.ArmoryDefaultZone))),
				Check: resource.ComposeTestCheckFunc(m.checkArmoryAccount("prod-k8s", "ACTIVE", mockserver.ArmoryDefaultZone), patches.reset),
			},
			{
				// Deactivated and waited for: the platform passes through DEACTIVATING. The zone
				// the platform chose stays without a replacement.
				Config:           m.config(dynamicAccountConfig(`name = "prod-k8s"` + "\n" + `active = false`)),
				ConfigPlanChecks: expectAccountAction(plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("state"), knownvalue.StringExact("INACTIVE")),
					statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("active"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("agents"), knownvalue.ListSizeExact(0)),
					statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("zone_id"), knownvalue.StringExact(mockserver.ArmoryDefaultZone)),
				},
				Check: resource.ComposeTestCheckFunc(m.checkArmoryAccount("prod-k8s", "INACTIVE", mockserver.ArmoryDefaultZone), patches.expect(1)),
			},
			{
				// An INACTIVE account is activated at once, without a deactivation.
				Config:            m.config(dynamicAccountConfig(`name = "prod-k8s"` + "\n" + `active = true`)),
				ConfigPlanChecks:  expectAccountAction(plancheck.ResourceActionUpdate),
				ConfigStateChecks: activeOnAgents("armory-agent"),
				Check:             resource.ComposeTestCheckFunc(m.checkArmoryAccount("prod-k8s", "ACTIVE", mockserver.ArmoryDefaultZone), patches.expect(1)),
			},
			{
				// Naming the zone the platform chose changes nothing, and neither does leaving it
				// out again: the configuration asks for what the account has either way.
				Config:           m.zoneConfig(mockserver.ArmoryDefaultZone),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config:           m.config(dynamicAccountConfig(`name = "prod-k8s"`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Pinned by the configuration to another zone, in place; removing that pin then
				// replaces the account.
				Config:            m.zoneConfig("agent-3_spinnaker"),
				ConfigPlanChecks:  expectAccountAction(plancheck.ResourceActionUpdate),
				ConfigStateChecks: activeOnAgents("agent-3"),
			},
			{
				Config:            m.config(dynamicAccountConfig(`name = "prod-k8s"`)),
				ConfigPlanChecks:  expectAccountAction(plancheck.ResourceActionDestroyBeforeCreate),
				ConfigStateChecks: activeOnAgents("armory-agent"),
				Check:             m.checkArmoryAccount("prod-k8s", "ACTIVE", mockserver.ArmoryDefaultZone),
			},
			{
				// A new name is another account.
				Config:            m.config(dynamicAccountConfig(`name = "staging-k8s"`)),
				ConfigPlanChecks:  expectAccountAction(plancheck.ResourceActionDestroyBeforeCreate),
				ConfigStateChecks: activeOnAgents("armory-agent"),
				Check: resource.ComposeTestCheckFunc(
					m.checkArmoryAccount("staging-k8s", "ACTIVE", mockserver.ArmoryDefaultZone),
					func(*terraform.State) error {
						if _, ok := m.armoryAccount("prod-k8s"); ok {
							return fmt.Errorf("the replaced account prod-k8s is still migrated")
						}
						return nil
					},
				),
			},
		},
	})
}

// expectCalls checks the mock's total count of a route.
func (m *accMock) expectCalls(route string, n int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := m.Calls(route); got != n {
			return fmt.Errorf("%d calls of %s, want %d", got, route, n)
		}
		return nil
	}
}

// Importing an account pinned to a zone, with no zone in the configuration, plans the
// replacement that alone can unpin it: who pinned it is unknown, and a silent no-op would leave
// it pinned against the configuration.
func TestAccDynamicAccount_importedZoneRemovalReplaces(t *testing.T) {
	m := newAccMock(t)
	m.PutArmoryAccount("prod-k8s", "agent-1_spinnaker", true)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkDynamicAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config:             m.zoneConfig("agent-1_spinnaker"),
				ResourceName:       dynamicAccountAddr,
				ImportState:        true,
				ImportStateId:      "prod-k8s",
				ImportStatePersist: true,
			},
			{
				Config:           m.zoneConfig("agent-1_spinnaker"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				PreConfig:         func() { m.SetArmoryAssignDelay(50 * time.Millisecond) },
				Config:            m.config(dynamicAccountConfig(`name = "prod-k8s"`)),
				ConfigPlanChecks:  expectAccountAction(plancheck.ResourceActionDestroyBeforeCreate),
				ConfigStateChecks: activeOnAgents("armory-agent"),
				Check:             m.checkArmoryAccount("prod-k8s", "ACTIVE", mockserver.ArmoryDefaultZone),
			},
		},
	})
}

// The platform's answer may carry the state in "state" (the draft page) or in no field at all
// (seed 003's example). Without one, an account with Agents reads as ACTIVE: the create does not
// wait out its timeout, and the plan afterwards is empty.
func TestAccDynamicAccount_stateFieldReadings(t *testing.T) {
	for _, field := range []string{mockserver.ArmoryStateFieldState, mockserver.ArmoryStateFieldNone} {
		t.Run("field "+field, func(t *testing.T) {
			m := newAccMock(t)
			m.SetArmoryAssignDelay(50 * time.Millisecond)
			m.SetArmoryStateField(field)
			inactive := m.config(dynamicAccountConfig("name = \"prod-k8s\"\nzone_id = \"z1_ns\"\nactive = false"))
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             m.checkDynamicAccountsDestroyed,
				Steps: []resource.TestStep{
					{
						Config:            m.config(dynamicAccountConfig("name = \"prod-k8s\"\nzone_id = \"z1_ns\"\ntimeouts {\n  create = \"20s\"\n}")),
						ConfigStateChecks: activeOnAgents("z1"),
					},
					{
						Config: inactive,
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("state"), knownvalue.StringExact("INACTIVE")),
							statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("active"), knownvalue.Bool(false)),
						},
						Check: m.checkArmoryAccount("prod-k8s", "INACTIVE", "z1_ns"),
					},
					{Config: inactive, PlanOnly: true},
				},
			})
		})
	}
}

// Creating an account that is not ACTIVE yet waits for it: with a 1.5s assignment the create
// cannot return before the account is ACTIVE.
func TestAccDynamicAccount_createWaitsForAssignment(t *testing.T) {
	m := newAccMock(t)
	m.SetArmoryAssignDelay(1500 * time.Millisecond)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkDynamicAccountsDestroyed,
		Steps: []resource.TestStep{{
			Config:            m.config(dynamicAccountConfig(`name = "prod-k8s"`)),
			ConfigStateChecks: activeOnAgents("armory-agent"),
			Check: func(*terraform.State) error {
				// A few reads while ACTIVATING, spaced by the backing-off poll, not a busy loop.
				if n := m.Calls("GET " + armoryRoute + "/{name}"); n < 3 || n > 12 {
					return fmt.Errorf("%d reads of the account, want a handful while it was assigning", n)
				}
				return nil
			},
		}},
	})
}

func TestAccDynamicAccount_kubeconfigFile(t *testing.T) {
	m := newAccMock(t)
	m.SetArmoryAssignDelay(50 * time.Millisecond)
	const first, second = "encryptedFile:k8s!n:kubeconfig!k:config!ns:one", "encryptedFile:k8s!n:kubeconfig!k:config!ns:two"
	config := func(kubeconfig, zone string) string {
		return m.config(dynamicAccountConfig(fmt.Sprintf("name = \"prod-k8s\"\nkubeconfig_file = %q\nzone_id = %q", kubeconfig, zone)))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkDynamicAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: config(first, "z1_ns"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("kubeconfig_file"), knownvalue.StringExact(first)),
					statecheck.ExpectSensitiveValue(dynamicAccountAddr, tfjsonpath.New("kubeconfig_file")),
				},
				Check: m.checkKubeconfigsSent("prod-k8s", first),
			},
			{
				ResourceName:                         dynamicAccountAddr,
				ImportState:                          true,
				ImportStateId:                        "prod-k8s",
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "name",
				// The API never returns the kubeconfig, so an import cannot know it.
				ImportStateVerifyIgnore: []string{"kubeconfig_file"},
			},
			{
				// A zone change does not send the unchanged kubeconfig again.
				Config:           config(first, "z2_ns"),
				ConfigPlanChecks: expectAccountAction(plancheck.ResourceActionUpdate),
				Check:            m.checkKubeconfigsSent("prod-k8s", first),
			},
			{
				// A new kubeconfig for the ACTIVE account goes with its activation again, after a
				// deactivation (the mock refuses to activate an ACTIVE account).
				Config:            config(second, "z2_ns"),
				ConfigPlanChecks:  expectAccountAction(plancheck.ResourceActionUpdate),
				ConfigStateChecks: activeOnAgents("z2"),
				Check: resource.ComposeTestCheckFunc(
					m.checkKubeconfigsSent("prod-k8s", first, second),
					m.expectCalls("POST "+armoryRoute, 1),
				),
			},
		},
	})
}

// A kubeconfig change whose activation fails is saved with the kubeconfig state had before, not
// the planned one: the next plan shows the change again and sends the kubeconfig again.
func TestAccDynamicAccount_failedKubeconfigUpdateIsSentAgain(t *testing.T) {
	m := newAccMock(t)
	m.SetArmoryAssignDelay(50 * time.Millisecond)
	const first, second = "encryptedFile:k8s!n:kubeconfig!k:config!ns:one", "encryptedFile:k8s!n:kubeconfig!k:config!ns:two"
	config := func(kubeconfig string) string {
		return m.config(dynamicAccountConfig(fmt.Sprintf("name = \"prod-k8s\"\nzone_id = \"z1_ns\"\nkubeconfig_file = %q", kubeconfig)))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkDynamicAccountsDestroyed,
		Steps: []resource.TestStep{
			{Config: config(first), ConfigStateChecks: activeOnAgents("z1")},
			{
				PreConfig: func() { m.FailArmoryAssignment("prod-k8s", "the new kubeconfig is invalid") },
				Config:    config(second),
				ExpectError: regexp.MustCompile(`(?s)assignment\s+failed.*FAILED\s+with\s+the\s+message\s+"the\s+new\s+kubeconfig\s+is\s+invalid".*` +
					`state\s+FAILED.*next\s+plan\s+shows\s+the\s+change\s+of\s+active,\s+the\s+kubeconfig\s+again`),
			},
			{
				// The plan shows the kubeconfig change again (the prior kubeconfig was saved).
				Config:             config(second),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: config(second),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(dynamicAccountAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: append(activeOnAgents("z1"),
					statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("kubeconfig_file"), knownvalue.StringExact(second))),
				Check: m.checkKubeconfigsSent("prod-k8s", first, second, second),
			},
		},
	})
}

// responseLog keeps every response body a mock sent.
type responseLog struct {
	mu     sync.Mutex
	bodies bytes.Buffer
}

func (l *responseLog) contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Contains(l.bodies.Bytes(), []byte(s))
}

type teeResponseWriter struct {
	http.ResponseWriter
	log *responseLog
}

func (w teeResponseWriter) Write(b []byte) (int, error) {
	w.log.mu.Lock()
	w.log.bodies.Write(b)
	w.log.mu.Unlock()
	return w.ResponseWriter.Write(b)
}

// newRecordingAccMock is newAccMock with every response body kept, so a test can prove a secret
// never comes back from the API.
func newRecordingAccMock(t *testing.T) (*accMock, *responseLog) {
	t.Helper()
	m := mockserver.New(mockserver.DefaultCredentials())
	log := &responseLog{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.ServeHTTP(teeResponseWriter{ResponseWriter: w, log: log}, r)
	}))
	t.Cleanup(ts.Close)
	return &accMock{Server: m, URL: ts.URL, Endpoints: m.Endpoints(ts.URL)}, log
}

// checkSecretNowhere fails when the secret is in any attribute of any resource in state, or in
// any answer of the API.
func checkSecretNowhere(secret string, responses *responseLog) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for address, rs := range s.RootModule().Resources {
			for attr, value := range rs.Primary.Attributes {
				if strings.Contains(value, secret) {
					return fmt.Errorf("the write-only kubeconfig is in state at %s.%s", address, attr)
				}
			}
		}
		if responses.contains(secret) {
			return fmt.Errorf("an API response carries the write-only kubeconfig")
		}
		return nil
	}
}

func TestAccDynamicAccount_writeOnlyKubeconfig(t *testing.T) {
	m, responses := newRecordingAccMock(t)
	m.SetArmoryAssignDelay(50 * time.Millisecond)
	const first, second = "encrypted:wo-kubeconfig-first", "encrypted:wo-kubeconfig-second"
	config := func(kubeconfig string, version int) string {
		return m.config(dynamicAccountConfig(fmt.Sprintf(
			"name = \"prod-k8s\"\nkubeconfig_file_wo = %q\nkubeconfig_file_wo_version = %d", kubeconfig, version)))
	}
	noSecretInState := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("kubeconfig_file_wo"), knownvalue.Null()),
		statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("kubeconfig_file"), knownvalue.Null()),
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		TerraformVersionChecks:   writeOnlyArguments,
		CheckDestroy:             m.checkDynamicAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: config(first, 1),
				ConfigStateChecks: append(noSecretInState,
					statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("kubeconfig_file_wo_version"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("state"), knownvalue.StringExact("ACTIVE"))),
				Check: resource.ComposeTestCheckFunc(checkSecretNowhere(first, responses), m.checkKubeconfigsSent("prod-k8s", first)),
			},
			{
				// Terraform cannot see a write-only value change: nothing is planned or sent
				// until the version changes.
				Config:           config(second, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            m.checkKubeconfigsSent("prod-k8s", first),
			},
			{
				Config:            config(second, 2),
				ConfigPlanChecks:  expectAccountAction(plancheck.ResourceActionUpdate),
				ConfigStateChecks: noSecretInState,
				Check: resource.ComposeTestCheckFunc(
					checkSecretNowhere(first, responses), checkSecretNowhere(second, responses),
					m.checkKubeconfigsSent("prod-k8s", first, second),
				),
			},
		},
	})
}

func TestAccDynamicAccount_failedAssignmentIsSavedAndTainted(t *testing.T) {
	m := newAccMock(t)
	m.SetArmoryAssignDelay(50 * time.Millisecond)
	const message = "failed to connect to cluster: invalid kubeconfig"
	m.FailArmoryAssignment("prod-k8s", message)
	config := m.config(dynamicAccountConfig(`name = "prod-k8s"`))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkDynamicAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config:      config,
				ExpectError: regexp.MustCompile(`(?s)assignment\s+failed.*could\s+not\s+assign\s+account\s+"prod-k8s":\s+it\s+is\s+FAILED\s+with\s+the\s+message\s+"failed\s+to\s+connect\s+to\s+cluster:\s+invalid\s+kubeconfig".*saved\s+in\s+state`),
			},
			{
				// The account was saved to state, tainted: the next plan replaces it rather
				// than creating it, and the platform still holds the failed account meanwhile.
				PreConfig: func() {
					a, ok := m.armoryAccount("prod-k8s")
					if !ok || a.State != mockserver.ArmoryStateFailed || a.LastAssignmentMsg != message {
						t.Fatalf("after the failed create the platform holds %+v (found: %v), want the FAILED account", a, ok)
					}
				},
				Config:            config,
				ConfigPlanChecks:  expectAccountAction(plancheck.ResourceActionDestroyBeforeCreate),
				ConfigStateChecks: activeOnAgents("armory-agent"),
				Check:             m.checkArmoryAccount("prod-k8s", "ACTIVE", mockserver.ArmoryDefaultZone),
			},
		},
	})
}

// A failed update is no taint: the account is saved as the platform reports it (FAILED, in the
// new zone), so the next plan is not empty and assigns it again in place.
func TestAccDynamicAccount_failedUpdateIsAssignedAgain(t *testing.T) {
	m := newAccMock(t)
	m.SetArmoryAssignDelay(50 * time.Millisecond)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkDynamicAccountsDestroyed,
		Steps: []resource.TestStep{
			{Config: m.zoneConfig("z1_ns"), ConfigStateChecks: activeOnAgents("z1")},
			{
				PreConfig: func() { m.FailArmoryAssignment("prod-k8s", "no Agent in zone z2_ns") },
				Config:    m.zoneConfig("z2_ns"),
				ExpectError: regexp.MustCompile(`(?s)assignment\s+failed.*"no\s+Agent\s+in\s+zone\s+z2_ns".*` +
					`saved\s+the\s+account\s+as\s+the\s+platform\s+reports\s+it\s+\(state\s+FAILED,\s+zone\s+"z2_ns"\).*next\s+plan\s+shows\s+the\s+change\s+of\s+active\s+again`),
			},
			{
				Config:             m.zoneConfig("z2_ns"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: m.zoneConfig("z2_ns"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(dynamicAccountAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("active"), knownvalue.Bool(true)),
				}},
				ConfigStateChecks: activeOnAgents("z2"),
				Check:             m.checkArmoryAccount("prod-k8s", "ACTIVE", "z2_ns"),
			},
		},
	})
}

// FAILED and ORPHANED are settled: a wait that meets one ends at once with the platform's
// message, long before the timeout, in a create and in an update.
func TestAccDynamicAccount_failureStatesEndTheWaitAtOnce(t *testing.T) {
	for _, state := range []string{mockserver.ArmoryStateFailed, mockserver.ArmoryStateOrphaned} {
		t.Run(state, func(t *testing.T) {
			m := newAccMock(t)
			m.SetArmoryAssignDelay(300 * time.Millisecond)
			const timeout = 5 * time.Minute
			config := func(zone string) string {
				return m.config(dynamicAccountConfig(fmt.Sprintf("name = \"prod-k8s\"\nzone_id = %q\ntimeouts {\n  create = \"5m\"\n  update = \"5m\"\n}", zone)))
			}
			var started time.Time
			start := func() { started = time.Now() }
			failure := regexp.MustCompile(`(?s)assignment\s+failed.*it\s+is\s+` + state + `\s+with\s+the\s+message\s+"agents\s+gone"`)
			elapsed := func() {
				if d := time.Since(started); d > timeout/10 {
					t.Errorf("the failed wait took %s, want it to end at once", d)
				}
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             m.checkDynamicAccountsDestroyed,
				Steps: []resource.TestStep{
					{
						PreConfig:   func() { start(); m.EndArmoryAssignment("prod-k8s", state, "agents gone") },
						Config:      config("z1_ns"),
						ExpectError: failure,
					},
					{
						// Tainted: replaced, and ACTIVE this time.
						PreConfig:         elapsed,
						Config:            config("z1_ns"),
						ConfigPlanChecks:  expectAccountAction(plancheck.ResourceActionDestroyBeforeCreate),
						ConfigStateChecks: activeOnAgents("z1"),
					},
					{
						PreConfig:   func() { start(); m.EndArmoryAssignment("prod-k8s", state, "agents gone") },
						Config:      config("z2_ns"),
						ExpectError: failure,
					},
					{
						PreConfig:          elapsed,
						Config:             config("z2_ns"),
						PlanOnly:           true,
						ExpectNonEmptyPlan: true,
					},
				},
			})
		})
	}
}

func TestAccDynamicAccount_timeoutSavesPendingAccount(t *testing.T) {
	m := newAccMock(t)
	m.SetArmoryAssignDelay(time.Hour)
	config := func(timeout string) string {
		return m.config(dynamicAccountConfig(fmt.Sprintf("name = \"prod-k8s\"\ntimeouts {\n  create = %q\n}", timeout)))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkDynamicAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config:      config("1s"),
				ExpectError: regexp.MustCompile(`(?s)assignment\s+still\s+pending.*create\s+timeout\s+of\s+1s\s+\(state\s+"ACTIVATING"\).*saved\s+in\s+state`),
			},
			{
				PreConfig: func() {
					if a, ok := m.armoryAccount("prod-k8s"); !ok || a.State != mockserver.ArmoryStateActivating {
						t.Fatalf("after the timeout the platform holds %+v (found: %v), want the account still ACTIVATING", a, ok)
					}
					m.SetArmoryAssignDelay(50 * time.Millisecond)
				},
				Config:            config("30s"),
				ConfigPlanChecks:  expectAccountAction(plancheck.ResourceActionDestroyBeforeCreate),
				ConfigStateChecks: activeOnAgents("armory-agent"),
			},
		},
	})
}

func TestAccDynamicAccount_drift(t *testing.T) {
	m := newAccMock(t)
	m.SetArmoryAssignDelay(50 * time.Millisecond)
	active := m.config(dynamicAccountConfig(`name = "prod-k8s"`))
	inactive := m.config(dynamicAccountConfig(`name = "prod-k8s"` + "\n" + `active = false`))
	setState := func(state, message string) func() {
		return func() {
			if !m.SetArmoryAccountState("prod-k8s", state, message) {
				t.Fatal("prod-k8s is not migrated in the mock")
			}
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkDynamicAccountsDestroyed,
		Steps: []resource.TestStep{
			{Config: active, ConfigStateChecks: activeOnAgents("armory-agent")},
			{
				// Deactivated outside Terraform: assigned again in place.
				PreConfig:         setState(mockserver.ArmoryStateInactive, ""),
				Config:            active,
				ConfigPlanChecks:  expectAccountAction(plancheck.ResourceActionUpdate),
				ConfigStateChecks: activeOnAgents("armory-agent"),
			},
			{
				// An assignment that failed since (an Agent lost the cluster): assigned again.
				PreConfig:         setState(mockserver.ArmoryStateFailed, "agent lost connection to the cluster"),
				Config:            active,
				ConfigPlanChecks:  expectAccountAction(plancheck.ResourceActionUpdate),
				ConfigStateChecks: activeOnAgents("armory-agent"),
			},
			{
				// Deleted outside Terraform: created again.
				PreConfig: func() {
					if !m.DeleteArmoryAccount("prod-k8s") {
						t.Fatal("prod-k8s is not migrated in the mock")
					}
				},
				Config:            active,
				ConfigPlanChecks:  expectAccountAction(plancheck.ResourceActionCreate),
				ConfigStateChecks: activeOnAgents("armory-agent"),
			},
			{Config: inactive, Check: m.checkArmoryAccount("prod-k8s", "INACTIVE", mockserver.ArmoryDefaultZone)},
			{
				// Activated outside Terraform while it should be inactive: deactivated again.
				PreConfig:        setState(mockserver.ArmoryStateActive, ""),
				Config:           inactive,
				ConfigPlanChecks: expectAccountAction(plancheck.ResourceActionUpdate),
				Check:            m.checkArmoryAccount("prod-k8s", "INACTIVE", mockserver.ArmoryDefaultZone),
			},
		},
	})
}

func TestAccDynamicAccount_unknownNameFails(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: m.config(dynamicAccountConfig(`name = "not-in-clouddriver"`)),
			ExpectError: regexp.MustCompile(
				`(?s)Unable to create dynamic account.*Armory Scale Agent API returned HTTP 400 Bad\s+Request.*not\s+defined\s+in\s+Clouddriver:\s+"not-in-clouddriver"`),
		}},
	})
	if n := m.Calls("POST " + armoryRoute); n != 1 {
		t.Fatalf("%d migrations sent, want 1: a 400 is final", n)
	}
	if n := m.Calls("PATCH " + armoryRoute); n != 0 {
		t.Fatalf("%d assignments sent after a rejected migration, want 0", n)
	}
	if accounts := m.ArmoryAccounts(); len(accounts) != 0 {
		t.Fatalf("a rejected migration left %+v", accounts)
	}
}

// A migration whose answer was lost is not sent again blindly (a second POST answers 409): the
// account was unmanaged before it and is managed after it, so it is this create's, and the
// platform ends up with one account and Terraform with it in state.
func TestAccDynamicAccount_lostMigrationAnswerIsResolvedByReading(t *testing.T) {
	for _, lost := range lostAnswers {
		t.Run(lost.name, func(t *testing.T) {
			m := newAccMock(t)
			m.SetArmoryAssignDelay(50 * time.Millisecond)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             m.checkDynamicAccountsDestroyed,
				Steps: []resource.TestStep{{
					PreConfig:         func() { m.GatewayErrorNextWrites(lost.status, 1) },
					Config:            m.config(dynamicAccountConfig(`name = "prod-k8s"`)),
					ConfigStateChecks: activeOnAgents("armory-agent"),
					Check: func(*terraform.State) error {
						if n := m.Calls("POST " + armoryRoute); n != 1 {
							return fmt.Errorf("%d migrations sent, want 1: the read after the lost answer found the account", n)
						}
						if n := len(m.ArmoryAccounts()); n != 1 {
							return fmt.Errorf("the platform holds %d accounts, want 1", n)
						}
						return nil
					},
				}},
			})
		})
	}
}

func TestAccDynamicAccount_existingAccountMustBeImported(t *testing.T) {
	m := newAccMock(t)
	m.PutArmoryAccount("prod-k8s", "", true)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:      m.config(dynamicAccountConfig(`name = "prod-k8s"`)),
				ExpectError: regexp.MustCompile(`(?s)already\s+a\s+dynamic\s+account.*terraform\s+import`),
			},
			{
				Config:      m.config(dynamicAccountConfig(`name = "static-agent-account-01"`)),
				ExpectError: regexp.MustCompile(`(?s)Account is static.*Agent's\s+configuration\s+file`),
			},
		},
	})
	if n := m.Calls("POST "+armoryRoute) + m.Calls("PATCH "+armoryRoute); n != 0 {
		t.Fatalf("%d writes to accounts that were not Terraform's, want 0", n)
	}
}

func TestAccDynamicAccount_importRejections(t *testing.T) {
	m := newAccMock(t)
	config := m.config(dynamicAccountConfig(`name = "prod-k8s"`))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config:        config,
				ResourceName:  dynamicAccountAddr,
				ImportState:   true,
				ImportStateId: "prod k8s",
				ExpectError:   regexp.MustCompile(`Import a dynamic account by its Clouddriver account name`),
			},
			{
				Config:        config,
				ResourceName:  dynamicAccountAddr,
				ImportState:   true,
				ImportStateId: "static-agent-account-01",
				ExpectError:   regexp.MustCompile(`Cannot import a static account`),
			},
			{
				// Known to Clouddriver but not migrated: there is nothing to import.
				Config:        config,
				ResourceName:  dynamicAccountAddr,
				ImportState:   true,
				ImportStateId: "prod-k8s",
				ExpectError:   regexp.MustCompile(`Cannot import non-existent remote object`),
			},
		},
	})
}

func TestAccDynamicAccount_invalidArgumentsFailAtPlan(t *testing.T) {
	tests := []struct {
		name, arguments string
		want            *regexp.Regexp
	}{
		{
			"both kubeconfig forms",
			`kubeconfig_file = "a"` + "\n" + `kubeconfig_file_wo = "b"` + "\n" + `kubeconfig_file_wo_version = 1`,
			regexp.MustCompile(`(?s)Attribute\s+"kubeconfig_file(_wo)?"\s+cannot\s+be\s+specified\s+when\s+"kubeconfig_file(_wo)?"\s+is\s+specified`),
		},
		{
			"write-only without version",
			`kubeconfig_file_wo = "b"`,
			regexp.MustCompile(`(?s)Attribute\s+"kubeconfig_file_wo_version"\s+must\s+be\s+specified\s+when\s+"kubeconfig_file_wo"\s+is\s+specified`),
		},
		{
			"version without write-only",
			`kubeconfig_file_wo_version = 1`,
			regexp.MustCompile(`(?s)Attribute\s+"kubeconfig_file_wo"\s+must\s+be\s+specified\s+when\s+"kubeconfig_file_wo_version"\s+is\s+specified`),
		},
		{
			"empty zone",
			`zone_id = ""`,
			regexp.MustCompile(`(?s)Attribute\s+zone_id\s+string\s+length\s+must\s+be\s+at\s+least\s+1`),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newAccMock(t)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config:      m.config(dynamicAccountConfig(`name = "prod-k8s"` + "\n" + tt.arguments)),
					PlanOnly:    true,
					ExpectError: tt.want,
				}},
			})
			m.expectNoCalls(t)
		})
	}
}

// Changing only the timeouts is an update that calls nothing: there is nothing to tell the platform.
func TestAccDynamicAccount_timeoutsChangeCallsNoWrite(t *testing.T) {
	m := newAccMock(t)
	m.SetArmoryAssignDelay(50 * time.Millisecond)
	writes := func() int { return m.Calls("POST "+armoryRoute) + m.Calls("PATCH "+armoryRoute) }
	var before int
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkDynamicAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: m.config(dynamicAccountConfig(`name = "prod-k8s"`)),
				Check:  func(*terraform.State) error { before = writes(); return nil },
			},
			{
				Config:            m.config(dynamicAccountConfig("name = \"prod-k8s\"\ntimeouts {\n  update = \"1m\"\n}")),
				ConfigPlanChecks:  expectAccountAction(plancheck.ResourceActionUpdate),
				ConfigStateChecks: activeOnAgents("armory-agent"),
				Check: func(*terraform.State) error {
					if n := writes(); n != before {
						return fmt.Errorf("%d writes after a timeouts change, want none", n-before)
					}
					return nil
				},
			},
		},
	})
}

// Terraform 1.12 and later: the account's identity is its name, import blocks find it by
// identity and by string id alike, an account deleted outside Terraform still leaves state so
// that the plan creates it again, and the tainted account of a create whose assignment failed is
// replaced under the same identity.
func TestAccDynamicAccount_importByIdentity(t *testing.T) {
	m := newAccMock(t)
	m.SetArmoryAssignDelay(50 * time.Millisecond)
	config := m.zoneConfig("agent-1_spinnaker")
	identity := statecheck.ExpectIdentity(dynamicAccountAddr, map[string]knownvalue.Check{"name": knownvalue.StringExact("prod-k8s")})
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkDynamicAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					identity,
					statecheck.ExpectIdentityValueMatchesState(dynamicAccountAddr, tfjsonpath.New("name")),
				},
			},
			{
				ResourceName:    dynamicAccountAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("state"), knownvalue.StringExact("ACTIVE")),
					plancheck.ExpectKnownValue(dynamicAccountAddr, tfjsonpath.New("zone_id"), knownvalue.StringExact("agent-1_spinnaker")),
				}},
			},
			{
				ResourceName:    dynamicAccountAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   "prod-k8s",
			},
			{
				PreConfig: func() {
					if !m.DeleteArmoryAccount("prod-k8s") {
						t.Fatal("prod-k8s is not migrated in the mock")
					}
					m.FailArmoryAssignment("prod-k8s", "no Agent in zone agent-1_spinnaker")
				},
				Config:           config,
				ConfigPlanChecks: expectAccountAction(plancheck.ResourceActionCreate),
				ExpectError:      regexp.MustCompile(`(?s)assignment\s+failed.*no\s+Agent\s+in\s+zone`),
			},
			{
				// Saved tainted (its identity with it): replaced, under the same identity.
				Config:            config,
				ConfigPlanChecks:  expectAccountAction(plancheck.ResourceActionDestroyBeforeCreate),
				ConfigStateChecks: append(activeOnAgents("agent-1"), identity),
			},
		},
	})
}

// active and zone_id unknown until apply plan an update whose computed values are unknown, and
// the apply does what the final values say, without an inconsistent plan or result.
func TestAccDynamicAccount_unknownAtPlan(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkDynamicAccountsDestroyed,
		Steps: []resource.TestStep{
			{Config: m.zoneConfig("agent-1_spinnaker"), Check: m.checkArmoryAccount("prod-k8s", "ACTIVE", "agent-1_spinnaker")},
			{
				Config: m.config(unknownUntilApply("active", "false") + unknownUntilApply("zone", `"agent-2_spinnaker"`) +
					dynamicAccountConfig("name = \"prod-k8s\"\nzone_id = terraform_data.zone.output\nactive = terraform_data.active.output")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(dynamicAccountAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(dynamicAccountAddr, tfjsonpath.New("state")),
				}},
				Check: m.checkArmoryAccount("prod-k8s", "INACTIVE", "agent-2_spinnaker"),
			},
			{
				Config: m.config(unknownUntilApply("active", "true") + dynamicAccountConfig("name = \"prod-k8s\"\nactive = terraform_data.active.output\nzone_id = \"agent-2_spinnaker\"")),
				Check:  m.checkArmoryAccount("prod-k8s", "ACTIVE", "agent-2_spinnaker"),
			},
		},
	})
}
