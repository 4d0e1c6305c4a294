package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

const agentAddr = "agentfleet_agent.test"

// agentConfig renders an agent; extra holds further arguments as HCL lines.
func agentConfig(serviceAccountID, clusterName, extra string) string {
	return fmt.Sprintf(`
resource "agentfleet_agent" "test" {
  service_account_id = %q
  options = {
    cluster_name = %q
  }
  %s
}
`, serviceAccountID, clusterName, extra)
}

func (m *accMock) checkAgentsDestroyed(*terraform.State) error {
	if agents := m.SpaceONEAgents(); len(agents) != 0 {
		return fmt.Errorf("%d agents left on the platform after destroy", len(agents))
	}
	return nil
}

// checkAgentMatchesMock compares the agent in state with the one agent on the platform,
// including the secret, which proves the state holds the secret that works.
func (m *accMock) checkAgentMatchesMock(wantState string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		agents := m.SpaceONEAgents()
		if len(agents) != 1 {
			return fmt.Errorf("the platform holds %d agents, want 1", len(agents))
		}
		a := agents[0]
		for attr, want := range map[string]string{
			"agent_id": a.AgentID, "client_id": a.ClientID, "client_secret": a.ClientSecret, "state": a.State, "expired_at": a.ExpiredAt,
		} {
			got, err := stateAttr(s, agentAddr, attr)
			if err != nil {
				return err
			}
			if got != want && (attr != "expired_at" || !sameTimestamp(got, want)) {
				return fmt.Errorf("state %s does not match the platform's", attr)
			}
		}
		if a.State != wantState {
			return fmt.Errorf("the platform's agent is %s, want %s", a.State, wantState)
		}
		return nil
	}
}

// sameTimestamp reports whether two RFC 3339 timestamps name the same instant, however precisely
// each is written.
func sameTimestamp(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	return errA == nil && errB == nil && ta.Equal(tb)
}

func expectAction(action plancheck.ResourceActionType) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(agentAddr, action)}}
}

func TestAccAgent_lifecycle(t *testing.T) {
	m := newAccMock(t)
	sameSecret := statecheck.CompareValue(compare.ValuesSame())
	sameAgent := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentsDestroyed,
		Steps: []resource.TestStep{
			{
				Config:           m.config(agentConfig("sa-a120f6d21c4e", "k8s-prd", "")),
				ConfigPlanChecks: expectAction(plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(agentAddr, tfjsonpath.New("agent_id"), knownvalue.StringRegexp(regexp.MustCompile(`^agent-`))),
					statecheck.ExpectKnownValue(agentAddr, tfjsonpath.New("state"), knownvalue.StringExact("ENABLED")),
					statecheck.ExpectKnownValue(agentAddr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(agentAddr, tfjsonpath.New("options").AtMapKey("kube_state_metrics"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(agentAddr, tfjsonpath.New("role_type"), knownvalue.StringExact("WORKSPACE_OWNER")),
					statecheck.ExpectSensitiveValue(agentAddr, tfjsonpath.New("client_secret")),
					sameSecret.AddStateValue(agentAddr, tfjsonpath.New("client_secret")),
					sameAgent.AddStateValue(agentAddr, tfjsonpath.New("agent_id")),
				},
				Check: m.checkAgentMatchesMock("ENABLED"),
			},
			{
				ResourceName:      agentAddr,
				ImportState:       true,
				ImportStateId:     "sa-a120f6d21c4e",
				ImportStateVerify: true,
				// The API never returns the secret after create; after import it is null.
				ImportStateVerifyIgnore: []string{"client_secret"},
			},
			{
				Config:           m.config(agentConfig("sa-a120f6d21c4e", "k8s-prd", "enabled = false")),
				ConfigPlanChecks: expectAction(plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(agentAddr, tfjsonpath.New("state"), knownvalue.StringExact("DISABLED")),
					sameSecret.AddStateValue(agentAddr, tfjsonpath.New("client_secret")),
					sameAgent.AddStateValue(agentAddr, tfjsonpath.New("agent_id")),
				},
				Check: m.checkAgentMatchesMock("DISABLED"),
			},
			{
				Config:           m.config(agentConfig("sa-a120f6d21c4e", "k8s-prd", "enabled = true")),
				ConfigPlanChecks: expectAction(plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(agentAddr, tfjsonpath.New("state"), knownvalue.StringExact("ENABLED")),
					sameSecret.AddStateValue(agentAddr, tfjsonpath.New("client_secret")),
					sameAgent.AddStateValue(agentAddr, tfjsonpath.New("agent_id")),
				},
				Check: m.checkAgentMatchesMock("ENABLED"),
			},
			{
				// Options cannot change in place.
				Config:           m.config(agentConfig("sa-a120f6d21c4e", "k8s-stg", "")),
				ConfigPlanChecks: expectAction(plancheck.ResourceActionDestroyBeforeCreate),
				Check:            m.checkAgentMatchesMock("ENABLED"),
			},
		},
	})
}

// configWithSpaceONE is the mock's configuration with an extra line in its spaceone block.
func (m *accMock) configWithSpaceONE(extra, resources string) string {
	token := fmt.Sprintf("token    = %q\n", m.Credentials().SpaceONEToken)
	return strings.Replace(m.config(resources), token, token+"    "+extra+"\n", 1)
}

// expectSpaceONERoute is a check that every agent call went to route (a mockserver route such as
// mockserver.SpaceONEAgentRoute) and none to other.
func (m *accMock) expectSpaceONERoute(route, other string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if n := m.Calls("POST " + route + "/create"); n != 1 {
			return fmt.Errorf("%d creates reached %s, want 1: %v", n, route, m.AllCalls())
		}
		for pattern, n := range m.AllCalls() {
			if strings.HasPrefix(pattern, "POST "+other+"/") && n > 0 {
				return fmt.Errorf("%d calls reached %s: %v", n, pattern, m.AllCalls())
			}
		}
		return nil
	}
}

// By default the agent API is called at /identity/agent/<verb>, as SpaceONE's REST front end
// serves it; path_prefix (or its environment variable) moves it, for a gRPC gateway's /identity/v2.
func TestAccAgent_pathPrefix(t *testing.T) {
	tests := map[string]struct {
		extra, env   string
		route, other string
	}{
		"default":              {route: mockserver.SpaceONEAgentRoute, other: mockserver.SpaceONEGatewayAgentRoute},
		"grpc gateway":         {extra: `path_prefix = "/identity/v2"`, route: mockserver.SpaceONEGatewayAgentRoute, other: mockserver.SpaceONEAgentRoute},
		"from the environment": {env: "/identity/v2", route: mockserver.SpaceONEGatewayAgentRoute, other: mockserver.SpaceONEAgentRoute},
		"explicit default":     {extra: `path_prefix = "/identity"`, env: "/identity/v2", route: mockserver.SpaceONEAgentRoute, other: mockserver.SpaceONEGatewayAgentRoute},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("AGENTFLEET_SPACEONE_PATH_PREFIX", tc.env)
			}
			m := newAccMock(t)
			config := m.configWithSpaceONE(tc.extra, agentConfig("sa-1", "c", ""))
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             m.checkAgentsDestroyed,
				Steps: []resource.TestStep{
					{
						Config: config,
						Check:  resource.ComposeTestCheckFunc(m.checkAgentMatchesMock("ENABLED"), m.expectSpaceONERoute(tc.route, tc.other)),
					},
					{ResourceName: agentAddr, ImportState: true, ImportStateId: "sa-1", ImportStateVerify: true,
						ImportStateVerifyIgnore: []string{"client_secret"}, Config: config},
				},
			})
			if n := m.Calls("POST " + tc.route + "/delete"); n != 1 {
				t.Fatalf("%d deletes reached %s, want 1", n, tc.route)
			}
		})
	}
}

func TestAccAgent_createdDisabled(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentsDestroyed,
		Steps: []resource.TestStep{{
			Config: m.config(agentConfig("sa-1", "c", "enabled = false")),
			Check:  m.checkAgentMatchesMock("DISABLED"),
		}},
	})
}

func TestAccAgent_regenerateTriggers(t *testing.T) {
	m := newAccMock(t)
	secretChanges := statecheck.CompareValue(compare.ValuesDiffer())
	clientChanges := statecheck.CompareValue(compare.ValuesDiffer())
	sameAgent := statecheck.CompareValue(compare.ValuesSame())
	step := func(trigger string) resource.TestStep {
		return resource.TestStep{
			Config: m.config(agentConfig("sa-1", "c", fmt.Sprintf("regenerate_triggers = { rotated = %q }", trigger))),
			ConfigStateChecks: []statecheck.StateCheck{
				secretChanges.AddStateValue(agentAddr, tfjsonpath.New("client_secret")),
				clientChanges.AddStateValue(agentAddr, tfjsonpath.New("client_id")),
				sameAgent.AddStateValue(agentAddr, tfjsonpath.New("agent_id")),
			},
			Check: m.checkAgentMatchesMock("ENABLED"),
		}
	}
	// SpaceONE's regenerate issues a new client id with the new secret: both are unknown in the plan.
	second := step("2026-02")
	second.ConfigPlanChecks = resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(agentAddr, plancheck.ResourceActionUpdate),
		plancheck.ExpectUnknownValue(agentAddr, tfjsonpath.New("client_secret")),
		plancheck.ExpectUnknownValue(agentAddr, tfjsonpath.New("client_id")),
	}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentsDestroyed,
		Steps:                    []resource.TestStep{step("2026-01"), second},
	})
}

func TestAccAgent_rotateBeforeExpiry(t *testing.T) {
	m := newAccMock(t)
	config := m.config(agentConfig("sa-1", "c", `rotate_before = "720h"`))
	secretChanges := statecheck.CompareValue(compare.ValuesDiffer())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentsDestroyed,
		Steps: []resource.TestStep{
			{
				// A fresh secret expires in a year: nothing to rotate, and the plan after apply is empty.
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{secretChanges.AddStateValue(agentAddr, tfjsonpath.New("client_secret"))},
			},
			{
				PreConfig: func() {
					if !m.AgeSpaceONEAgent("sa-1", 365*24*time.Hour-72*time.Hour) {
						t.Fatal("no agent sa-1 in the mock")
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(agentAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(agentAddr, tfjsonpath.New("client_secret")),
					plancheck.ExpectUnknownValue(agentAddr, tfjsonpath.New("expired_at")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					secretChanges.AddStateValue(agentAddr, tfjsonpath.New("client_secret")),
					statecheck.ExpectKnownValue(agentAddr, tfjsonpath.New("expired_at"), knownvalue.StringFunc(func(v string) error {
						expiry, err := time.Parse(time.RFC3339, v)
						if err == nil && time.Until(expiry) < 300*24*time.Hour {
							err = fmt.Errorf("expiry %s was not moved by the rotation", v)
						}
						return err
					})),
				},
				Check: m.checkAgentMatchesMock("ENABLED"),
			},
		},
	})
}

func TestAccAgent_drift(t *testing.T) {
	m := newAccMock(t)
	config := m.config(agentConfig("sa-1", "c", ""))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentsDestroyed,
		Steps: []resource.TestStep{
			{Config: config},
			{
				// Disabled in the console: the plan enables it again, in place.
				PreConfig:        func() { m.SetSpaceONEAgentState("sa-1", "DISABLED") },
				Config:           config,
				ConfigPlanChecks: expectAction(plancheck.ResourceActionUpdate),
				Check:            m.checkAgentMatchesMock("ENABLED"),
			},
			{
				// Deleted in the console: the plan creates it again.
				PreConfig:        func() { m.DeleteSpaceONEAgent("sa-1") },
				Config:           config,
				ConfigPlanChecks: expectAction(plancheck.ResourceActionCreate),
				Check:            m.checkAgentMatchesMock("ENABLED"),
			},
		},
	})
}

func TestAccAgent_invalidInputFailsAtPlan(t *testing.T) {
	m := newAccMock(t)
	tests := map[string]struct{ config, want string }{
		"service account id": {agentConfig("SA 1", "c", ""), `(?s)service_account_id.*must be a SpaceONE service account id`},
		"blank cluster name": {agentConfig("sa-1", " ", ""), `(?s)cluster_name.*must not be blank`},
		"rotate_before":      {agentConfig("sa-1", "c", `rotate_before = "a month"`), `(?s)Invalid duration.*rotate_before`},
		"missing options": {`
resource "agentfleet_agent" "test" {
  service_account_id = "sa-1"
}`, `(?s)The argument "options" is required`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      m.config(tc.config),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
	m.expectNoCalls(t)
}

func TestAccAgent_importRejectsMalformedID(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:        m.config(agentConfig("sa-1", "c", "")),
			ResourceName:  agentAddr,
			ImportState:   true,
			ImportStateId: "agent-123",
			ExpectError:   regexp.MustCompile(`Import an agent by the id of its service account`),
		}},
	})
	m.expectNoCalls(t)
}

func TestAccAgent_duplicateIsAClearError(t *testing.T) {
	m := newAccMock(t)
	existing := m.PutSpaceONEAgent("sa-1", "c")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: m.config(agentConfig("sa-1", "c", "")),
			ExpectError: phrase("Unable to create agent", "SpaceONE API returned HTTP 400 Bad Request: ERROR_EXIST_RESOURCE",
				"service_account(sa-1)", "Service account sa-1 already has agent "+existing.AgentID, "terraform import"),
		}},
	})
	if agents := m.SpaceONEAgents(); len(agents) != 1 || agents[0].ClientSecret != existing.ClientSecret {
		t.Fatal("a rejected duplicate create changed the existing agent")
	}
}

// The create is committed but its answer, the only one with the client secret, is lost. The
// agent the service account now has may be another workspace's made at the same moment, so it
// is not regenerated (that would cut off whoever holds its secret): the apply fails naming it
// and how to take it over, and its secret is unchanged.
func TestAccAgent_lostCreateAnswerNamesTheAgentAndLeavesItAlone(t *testing.T) {
	for _, lost := range lostAnswers {
		t.Run(lost.name, func(t *testing.T) {
			m := newAccMock(t)
			m.failLosingTheAnswer(t, lost.status, m.config(agentConfig("sa-1", "c", "")), phrase("Unable to create agent",
				"may have been carried out", "service account sa-1 now has agent", "not regenerated", "terraform import",
				"change regenerate_triggers"))
			if agents := m.SpaceONEAgents(); len(agents) != 1 {
				t.Fatalf("the platform holds %d agents, want the one the lost create made", len(agents))
			}
			if n := m.Calls("POST " + mockserver.SpaceONEAgentRoute + "/regenerate"); n != 0 {
				t.Fatalf("%d regenerates sent, want 0", n)
			}
		})
	}
}

// An agent SpaceONE reports EXPIRED keeps the enabled value Terraform set, so the plan stays empty
// and only state shows EXPIRED; that also holds after import. Changing enabled still works, and
// a regeneration on an expired agent plans state as unknown, since the API does not say
// whether a new secret ends the expiry.
func TestAccAgent_expired(t *testing.T) {
	m := newAccMock(t)
	expire := func() {
		if !m.ExpireSpaceONEAgent("sa-1") {
			t.Fatal("no agent sa-1 in the mock")
		}
	}
	expectExpired := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(agentAddr, tfjsonpath.New("state"), knownvalue.StringExact("EXPIRED")),
		statecheck.ExpectKnownValue(agentAddr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentsDestroyed,
		Steps: []resource.TestStep{
			{Config: m.config(agentConfig("sa-1", "c", ""))},
			{
				PreConfig:         expire,
				Config:            m.config(agentConfig("sa-1", "c", "")),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: expectExpired,
				Check:             m.checkAgentMatchesMock("EXPIRED"),
			},
			{
				ResourceName: agentAddr, ImportState: true, ImportStateId: "sa-1", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"client_secret"},
			},
			{
				Config: m.config(agentConfig("sa-1", "c", `regenerate_triggers = { rotated = "1" }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(agentAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(agentAddr, tfjsonpath.New("state")),
				}},
				ConfigStateChecks: expectExpired,
				Check:             m.checkAgentMatchesMock("EXPIRED"),
			},
			{
				Config:           m.config(agentConfig("sa-1", "c", `regenerate_triggers = { rotated = "1" }`+"\nenabled = false")),
				ConfigPlanChecks: expectAction(plancheck.ResourceActionUpdate),
				Check:            m.checkAgentMatchesMock("DISABLED"),
			},
			{
				// A disabled agent that expires stays enabled = false.
				PreConfig:        expire,
				Config:           m.config(agentConfig("sa-1", "c", `regenerate_triggers = { rotated = "1" }`+"\nenabled = false")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(agentAddr, tfjsonpath.New("state"), knownvalue.StringExact("EXPIRED")),
					statecheck.ExpectKnownValue(agentAddr, tfjsonpath.New("enabled"), knownvalue.Bool(false)),
				},
			},
			{
				Config:           m.config(agentConfig("sa-1", "c", `regenerate_triggers = { rotated = "1" }`)),
				ConfigPlanChecks: expectAction(plancheck.ResourceActionUpdate),
				Check:            m.checkAgentMatchesMock("ENABLED"),
			},
		},
	})
}

// An update that regenerates the secret and then fails to disable the agent keeps what the
// regeneration changed: the new secret and the new client id (the old ones no longer work) and
// the triggers that asked for it, so the next plan only disables, and does not regenerate again.
func TestAccAgent_regenerationKeptWhenDisableFails(t *testing.T) {
	m := mockserver.New(mockserver.DefaultCredentials())
	var failDisable atomic.Bool
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failDisable.Load() && strings.HasSuffix(r.URL.Path, "/agent/disable") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"detail":{"code":"ERROR_INVALID_PARAMETER","message":"Parameter is invalid. (key = state)"}}`))
			return
		}
		m.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	acc := &accMock{Server: m, URL: ts.URL, Endpoints: m.Endpoints(ts.URL)}
	changed := acc.config(agentConfig("sa-1", "c", "regenerate_triggers = { rotated = \"2\" }\nenabled = false"))
	platformValue := func(field func(mockserver.SpaceONEAgent) string) knownvalue.Check {
		return knownvalue.StringFunc(func(v string) error {
			if want := field(m.SpaceONEAgents()[0]); v != want {
				return fmt.Errorf("the plan keeps %q, the platform holds %q", v, want)
			}
			return nil
		})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             acc.checkAgentsDestroyed,
		Steps: []resource.TestStep{
			{Config: acc.config(agentConfig("sa-1", "c", "regenerate_triggers = { rotated = \"1\" }"))},
			{
				PreConfig:   func() { failDisable.Store(true) },
				Config:      changed,
				ExpectError: phrase("Unable to change whether the agent is enabled", "ERROR_INVALID_PARAMETER"),
			},
			{
				PreConfig: func() { failDisable.Store(false) },
				Config:    changed,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(agentAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(agentAddr, tfjsonpath.New("client_id"), platformValue(func(a mockserver.SpaceONEAgent) string { return a.ClientID })),
					plancheck.ExpectKnownValue(agentAddr, tfjsonpath.New("expired_at"), platformValue(func(a mockserver.SpaceONEAgent) string { return a.ExpiredAt })),
				}},
				Check: acc.checkAgentMatchesMock("DISABLED"),
			},
		},
	})
	if n := m.Calls("POST " + mockserver.SpaceONEAgentRoute + "/regenerate"); n != 1 {
		t.Fatalf("%d regenerates, want 1", n)
	}
}

// A path_prefix that nothing serves answers FastAPI's bare 404: the refresh fails with an error
// that points at path_prefix, instead of taking the agent for deleted and planning a new one.
// With the prefix fixed, the agent is still in state and the plan is empty.
func TestAccAgent_unservedPathPrefixKeepsState(t *testing.T) {
	m := newAccMock(t)
	config := agentConfig("sa-1", "c", "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentsDestroyed,
		Steps: []resource.TestStep{
			{Config: m.config(config), Check: m.checkAgentMatchesMock("ENABLED")},
			{
				Config: m.configWithSpaceONE(`path_prefix = "/identity/v1"`, config),
				ExpectError: phrase("Unable to read agent", "SpaceONE API returned HTTP 404", "POST /identity/v1/agent/get",
					"check the path prefix", "path_prefix in the provider's spaceone block (AGENTFLEET_SPACEONE_PATH_PREFIX)"),
			},
			{
				Config:           m.config(config),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            m.checkAgentMatchesMock("ENABLED"),
			},
		},
	})
}

// Terraform 1.12 and later: the agent's identity is its service account id, import blocks find
// the agent by identity and by string id alike, and an agent deleted outside Terraform still
// leaves state (with its identity) so that the plan creates it again.
func TestAccAgent_importByIdentity(t *testing.T) {
	m := newAccMock(t)
	config := m.config(agentConfig("sa-a120f6d21c4e", "k8s-prd", ""))
	identity := map[string]knownvalue.Check{"service_account_id": knownvalue.StringExact("sa-a120f6d21c4e")}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(agentAddr, identity),
					statecheck.ExpectIdentityValueMatchesState(agentAddr, tfjsonpath.New("service_account_id")),
				},
			},
			{
				ResourceName:    agentAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(agentAddr, tfjsonpath.New("agent_id"), knownvalue.StringRegexp(regexp.MustCompile(`^agent-`))),
					plancheck.ExpectKnownValue(agentAddr, tfjsonpath.New("client_secret"), knownvalue.Null()),
				}},
			},
			{
				ResourceName:    agentAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				PreConfig:         func() { m.DeleteSpaceONEAgent("sa-a120f6d21c4e") },
				Config:            config,
				ConfigPlanChecks:  expectAction(plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectIdentity(agentAddr, identity)},
				Check:             m.checkAgentMatchesMock("ENABLED"),
			},
		},
	})
}

// watchAgentTimes is a terraform_data that follows the agent's timestamps, as anything built on
// them would: a refresh that rewrites one plans an update of it.
const watchAgentTimes = `
resource "terraform_data" "times" {
  input = [agentfleet_agent.test.created_at, agentfleet_agent.test.expired_at]
}
`

// A server that writes timestamps in another precision on writes than on reads (the same
// instant as "…46.520204Z" and "…46.520Z", or "…00.000Z" and "…00Z") ends an enable, a disable,
// a regeneration and a rotation without an inconsistent result, and a refresh after them plans
// nothing, not even for what follows the timestamps.
func TestAccAgent_timestampsInAnotherPrecision(t *testing.T) {
	bringExpiryClose := func(m *accMock) func() {
		return func() {
			if !m.AgeSpaceONEAgent("sa-1", 365*24*time.Hour-72*time.Hour) {
				t.Fatal("no agent sa-1 in the mock")
			}
		}
	}
	tests := map[string]func(m *accMock) []resource.TestStep{
		"enable and disable": func(m *accMock) []resource.TestStep {
			return []resource.TestStep{
				{Config: m.config(agentConfig("sa-1", "c", ""))},
				{Config: m.config(agentConfig("sa-1", "c", "enabled = false")), Check: m.checkAgentMatchesMock("DISABLED")},
				{Config: m.config(agentConfig("sa-1", "c", "enabled = true")), Check: m.checkAgentMatchesMock("ENABLED")},
			}
		},
		"regenerate": func(m *accMock) []resource.TestStep {
			return []resource.TestStep{
				{Config: m.config(agentConfig("sa-1", "c", `regenerate_triggers = { rotated = "1" }`))},
				{
					Config:           m.config(agentConfig("sa-1", "c", `regenerate_triggers = { rotated = "2" }`)),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectUnknownValue(agentAddr, tfjsonpath.New("client_secret"))}},
					Check:            m.checkAgentMatchesMock("ENABLED"),
				},
			}
		},
		"rotation": func(m *accMock) []resource.TestStep {
			config := m.config(agentConfig("sa-1", "c", `rotate_before = "720h"`))
			return []resource.TestStep{
				{Config: config},
				{
					PreConfig:        bringExpiryClose(m),
					Config:           config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectUnknownValue(agentAddr, tfjsonpath.New("client_secret"))}},
					Check:            m.checkAgentMatchesMock("ENABLED"),
				},
			}
		},
		"refresh": func(m *accMock) []resource.TestStep {
			emptyAfterRefresh := resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
			return []resource.TestStep{
				{Config: m.config(agentConfig("sa-1", "c", "") + watchAgentTimes), ConfigPlanChecks: emptyAfterRefresh},
				{Config: m.config(agentConfig("sa-1", "c", "enabled = false") + watchAgentTimes), ConfigPlanChecks: emptyAfterRefresh},
				{Config: m.config(agentConfig("sa-1", "c", `regenerate_triggers = { rotated = "1" }`) + watchAgentTimes), ConfigPlanChecks: emptyAfterRefresh},
			}
		},
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) {
			m := newAccMock(t)
			m.SetTimePrecisionDrift(true)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             m.checkAgentsDestroyed,
				Steps:                    steps(m),
			})
		})
	}
}

// After an import, the state has no regenerate_triggers (Terraform never saw any), and no
// client secret. A configuration with triggers adopts them in place without regenerating, which
// would cut off the agents that use the live secret; a later change of the triggers regenerates.
func TestAccAgent_importAdoptsRegenerateTriggers(t *testing.T) {
	m := newAccMock(t)
	existing := m.PutSpaceONEAgent("sa-1", "c")
	config := func(trigger string) string {
		return m.config(agentConfig("sa-1", "c", fmt.Sprintf("regenerate_triggers = { rotated = %q }", trigger)))
	}
	regenerates := func() int { return m.Calls("POST " + mockserver.SpaceONEAgentRoute + "/regenerate") }
	liveSecretKept := func(*terraform.State) error {
		if n, a := regenerates(), m.SpaceONEAgents()[0]; n != 0 || a.ClientSecret != existing.ClientSecret || a.ClientID != existing.ClientID {
			return fmt.Errorf("%d regenerates, the live secret kept: %t; want none, and the secret kept", n, a.ClientSecret == existing.ClientSecret)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentsDestroyed,
		Steps: []resource.TestStep{
			{Config: config("1"), ResourceName: agentAddr, ImportState: true, ImportStateId: "sa-1", ImportStatePersist: true},
			{
				Config: config("1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(agentAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(agentAddr, tfjsonpath.New("client_secret"), knownvalue.Null()),
					plancheck.ExpectKnownValue(agentAddr, tfjsonpath.New("client_id"), knownvalue.StringExact(existing.ClientID)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(agentAddr, tfjsonpath.New("regenerate_triggers"), knownvalue.MapExact(map[string]knownvalue.Check{
						"rotated": knownvalue.StringExact("1"),
					})),
				},
				Check: liveSecretKept,
			},
			{
				Config:           config("2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectUnknownValue(agentAddr, tfjsonpath.New("client_secret"))}},
				Check:            m.checkAgentMatchesMock("ENABLED"),
			},
		},
	})
	if n := regenerates(); n != 1 {
		t.Fatalf("%d regenerates, want 1: for the change of the triggers after they were adopted", n)
	}
}

// unknownUntilApply is a terraform_data whose output, value, is known only after apply: it is
// created in the step that first uses it.
func unknownUntilApply(name, value string) string {
	return fmt.Sprintf("\nresource \"terraform_data\" %q {\n  input = %s\n}\n", name, value)
}

// Values known only after apply plan without errors, and the apply does what the final values
// say: enabled unknown while the triggers change ("Provider produced inconsistent final plan"
// before), and the whole options object unknown ("Value Conversion Error" before), on create and
// on a replacement.
func TestAccAgent_unknownAtPlan(t *testing.T) {
	tests := map[string]func(m *accMock) []resource.TestStep{
		"enabled while the triggers change": func(m *accMock) []resource.TestStep {
			return []resource.TestStep{
				{Config: m.config(agentConfig("sa-1", "c", `regenerate_triggers = { rotated = "1" }`))},
				{
					Config: m.config(unknownUntilApply("switch", "false") +
						agentConfig("sa-1", "c", "regenerate_triggers = { rotated = \"2\" }\nenabled = terraform_data.switch.output")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(agentAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(agentAddr, tfjsonpath.New("client_secret")),
						plancheck.ExpectUnknownValue(agentAddr, tfjsonpath.New("state")),
					}},
					Check: m.checkAgentMatchesMock("DISABLED"),
				},
			}
		},
		"enabled alone": func(m *accMock) []resource.TestStep {
			return []resource.TestStep{
				{Config: m.config(agentConfig("sa-1", "c", ""))},
				{
					Config: m.config(unknownUntilApply("switch", "false") + agentConfig("sa-1", "c", "enabled = terraform_data.switch.output")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectKnownValue(agentAddr, tfjsonpath.New("client_secret"), knownvalue.NotNull()),
					}},
					Check: m.checkAgentMatchesMock("DISABLED"),
				},
			}
		},
		"options on create": func(m *accMock) []resource.TestStep {
			return []resource.TestStep{{
				Config: m.config(unknownUntilApply("options", `{ cluster_name = "c", kube_state_metrics = true, prometheus_node_exporter = false }`) + `
resource "agentfleet_agent" "test" {
  service_account_id = "sa-1"
  options            = terraform_data.options.output
}
`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(agentAddr, tfjsonpath.New("options").AtMapKey("kube_state_metrics"), knownvalue.Bool(true)),
				},
				Check: m.checkAgentMatchesMock("ENABLED"),
			}}
		},
		"options on a replacement": func(m *accMock) []resource.TestStep {
			return []resource.TestStep{
				{Config: m.config(agentConfig("sa-1", "c", ""))},
				{
					Config: m.config(unknownUntilApply("options", `{ cluster_name = "d", kube_state_metrics = false, prometheus_node_exporter = false }`) + `
resource "agentfleet_agent" "test" {
  service_account_id = "sa-1"
  options            = terraform_data.options.output
}
`),
					ConfigPlanChecks: expectAction(plancheck.ResourceActionDestroyBeforeCreate),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(agentAddr, tfjsonpath.New("options").AtMapKey("cluster_name"), knownvalue.StringExact("d")),
					},
					Check: m.checkAgentMatchesMock("ENABLED"),
				},
			}
		},
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) {
			m := newAccMock(t)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             m.checkAgentsDestroyed,
				Steps:                    steps(m),
			})
		})
	}
}

// A rotate_before that a new secret would be within at once would regenerate the secret on every
// plan. The plan warns instead and regenerates nothing: when rotate_before is not shorter than
// the secret's lifetime (from created_at, or from the provider's last regeneration, to
// expired_at), and when the last regeneration did not move expired_at at all.
func TestAccAgent_rotateBeforeBeyondLifetime(t *testing.T) {
	t.Run("longer than the lifetime", func(t *testing.T) {
		m := newAccMock(t)
		warnings := &planWarnings{}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: warnings.factories(),
			CheckDestroy:             m.checkAgentsDestroyed,
			Steps: []resource.TestStep{{
				// The mock's secrets live a year, 8760h.
				Config:           m.config(agentConfig("sa-1", "c", `rotate_before = "9000h"`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			}},
		})
		warnings.expect(t, phrase("Rotation would never end", "rotate_before (9000h)", "not shorter", "lifetime", "8760h", "does not regenerate"))
		if n := m.Calls("POST " + mockserver.SpaceONEAgentRoute + "/regenerate"); n != 0 {
			t.Fatalf("%d regenerates, want none", n)
		}
	})
	t.Run("regenerate keeps the expiry", func(t *testing.T) {
		m := newAccMock(t)
		m.SetSpaceONERegenerateKeepsExpiry(true)
		warnings := &planWarnings{}
		config := m.config(agentConfig("sa-1", "c", `rotate_before = "720h"`))
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: warnings.factories(),
			CheckDestroy:             m.checkAgentsDestroyed,
			Steps: []resource.TestStep{
				{Config: config},
				{
					// Due: regenerated once, which leaves the expiry where it was; the plan after it
					// is empty.
					PreConfig:        func() { m.AgeSpaceONEAgent("sa-1", 365*24*time.Hour-72*time.Hour) },
					Config:           config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
					Check:            m.checkAgentMatchesMock("ENABLED"),
				},
			},
		})
		warnings.expect(t, phrase("Rotation would never end", "last regeneration", "did not move", "expired_at", "regenerate_triggers"))
		if n := m.Calls("POST " + mockserver.SpaceONEAgentRoute + "/regenerate"); n != 1 {
			t.Fatalf("%d regenerates, want 1", n)
		}
	})
}

// The same through an import block (Terraform 1.5 and later): the plan that imports the agent
// adopts the configured triggers, and plans no regeneration.
func TestAccAgent_importBlockAdoptsRegenerateTriggers(t *testing.T) {
	m := newAccMock(t)
	config := m.config(agentConfig("sa-1", "c", `regenerate_triggers = { rotated = "1" }`))
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_5_0)},
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentsDestroyed,
		Steps: []resource.TestStep{
			{Config: config},
			{
				// The import plan updates the agent in place, only to record the triggers.
				Config:             config,
				ResourceName:       agentAddr,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithID,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(agentAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(agentAddr, tfjsonpath.New("client_secret"), knownvalue.Null()),
					plancheck.ExpectKnownValue(agentAddr, tfjsonpath.New("client_id"), knownvalue.StringFunc(func(v string) error {
						if want := m.SpaceONEAgents()[0].ClientID; v != want {
							return fmt.Errorf("client_id planned %q, the live one is %q", v, want)
						}
						return nil
					})),
				}},
			},
		},
	})
	if n := m.Calls("POST " + mockserver.SpaceONEAgentRoute + "/regenerate"); n != 0 {
		t.Fatalf("%d regenerates, want none", n)
	}
}

// pause is a terraform_data that takes seconds to create: what depends on it is applied that
// much later, and so is Terraform's plan of it at apply time.
func pause(seconds int) string {
	return fmt.Sprintf("\nresource \"terraform_data\" \"pause\" {\n  provisioner \"local-exec\" {\n    command = \"sleep %d\"\n  }\n}\n", seconds)
}

// Rotation is judged at the refresh: an expiry that comes within rotate_before between the plan
// and the apply (here while another resource takes its time; as well with a saved plan applied
// later) changes nothing in the plan Terraform makes again at apply time, which before ended in
// "Provider produced inconsistent final plan". The next plan rotates.
func TestAccAgent_rotationJudgedAtRefresh(t *testing.T) {
	m := newAccMock(t)
	// The pause is created, and waited for, in the step that first has it.
	config := func(extra string) string {
		return m.config(pause(20) + agentConfig("sa-1", "c", "rotate_before = \"720h\"\ndepends_on = [terraform_data.pause]\n"+extra))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentsDestroyed,
		Steps: []resource.TestStep{
			{Config: m.config(agentConfig("sa-1", "c", `rotate_before = "720h"`))},
			{
				// Due 15 seconds from now: after the plan, before the apply reaches the agent.
				PreConfig:          func() { m.AgeSpaceONEAgent("sa-1", 365*24*time.Hour-720*time.Hour-15*time.Second) },
				Config:             config("enabled = false"),
				ConfigPlanChecks:   resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectKnownValue(agentAddr, tfjsonpath.New("client_secret"), knownvalue.NotNull())}},
				ExpectNonEmptyPlan: true,
				Check:              m.checkAgentMatchesMock("DISABLED"),
			},
			{
				Config:           config("enabled = false"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectUnknownValue(agentAddr, tfjsonpath.New("client_secret"))}},
				Check:            m.checkAgentMatchesMock("DISABLED"),
			},
		},
	})
}
