package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
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

const agentTokenAddr = "agentfleet_agent_token.test"

func agentTokenConfig(label string) string {
	return fmt.Sprintf(`
resource "agentfleet_agent_token" "test" {
  label = %q
}
`, label)
}

// checkAgentTokensDestroyed is a CheckDestroy that asks the mock store.
func (m *accMock) checkAgentTokensDestroyed(*terraform.State) error {
	if toks := m.MonitoringTokens(); len(toks) != 0 {
		return fmt.Errorf("%d agent tokens left on the platform after destroy: %+v", len(toks), toks)
	}
	return nil
}

// checkAgentTokenMatchesMock compares the resource in state with the one token in the mock.
func (m *accMock) checkAgentTokenMatchesMock(label string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		toks := m.MonitoringTokens()
		if len(toks) != 1 {
			return fmt.Errorf("the platform holds %d agent tokens, want exactly 1", len(toks))
		}
		id, token, err := stateToken(s)
		if err != nil {
			return err
		}
		if toks[0].ID != id || toks[0].Token != token || toks[0].Label != label {
			return fmt.Errorf("state (id %s, label %s) does not match the platform's token %s labelled %q", id, label, toks[0].ID, toks[0].Label)
		}
		return nil
	}
}

// stateToken reads the id and the value of agentTokenAddr from state.
func stateToken(s *terraform.State) (id, token string, err error) {
	if id, err = stateAttr(s, agentTokenAddr, "id"); err != nil {
		return "", "", err
	}
	token, err = stateAttr(s, agentTokenAddr, "token")
	return id, token, err
}

func TestAccAgentToken_lifecycle(t *testing.T) {
	m := newAccMock(t)
	tokenUnchanged := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentTokensDestroyed,
		Steps: []resource.TestStep{
			{
				Config: m.config(agentTokenConfig("web")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(agentTokenAddr, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(agentTokenAddr, tfjsonpath.New("label"), knownvalue.StringExact("web")),
					statecheck.ExpectKnownValue(agentTokenAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^tk\d+\.`))),
					statecheck.ExpectSensitiveValue(agentTokenAddr, tfjsonpath.New("token")),
					tokenUnchanged.AddStateValue(agentTokenAddr, tfjsonpath.New("token")),
				},
				Check: m.checkAgentTokenMatchesMock("web"),
			},
			{
				ResourceName:      agentTokenAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				Config: m.config(agentTokenConfig("api")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(agentTokenAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(agentTokenAddr, tfjsonpath.New("label"), knownvalue.StringExact("api")),
					tokenUnchanged.AddStateValue(agentTokenAddr, tfjsonpath.New("token")),
				},
				Check: m.checkAgentTokenMatchesMock("api"),
			},
		},
	})
}

func TestAccAgentToken_defaultLabel(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentTokensDestroyed,
		Steps: []resource.TestStep{{
			Config: m.config(`resource "agentfleet_agent_token" "test" {}`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(agentTokenAddr, tfjsonpath.New("label"), knownvalue.StringExact("")),
			},
			Check: m.checkAgentTokenMatchesMock(""),
		}},
	})
}

func TestAccAgentToken_drift(t *testing.T) {
	m := newAccMock(t)
	var id string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentTokensDestroyed,
		Steps: []resource.TestStep{
			{
				Config: m.config(agentTokenConfig("web")),
				Check:  captureAttr(agentTokenAddr, "id", &id),
			},
			{
				// A label changed in the platform's console is set back in place.
				PreConfig: func() {
					if !m.SetMonitoringTokenLabel(id, "changed by hand") {
						t.Fatalf("token %s is not in the mock", id)
					}
				},
				Config: m.config(agentTokenConfig("web")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(agentTokenAddr, plancheck.ResourceActionUpdate)},
				},
				Check: m.checkAgentTokenMatchesMock("web"),
			},
			{
				// A token deleted outside Terraform leaves state, and the plan creates it again.
				PreConfig: func() {
					if !m.DeleteMonitoringToken(id) {
						t.Fatalf("token %s is not in the mock", id)
					}
				},
				Config: m.config(agentTokenConfig("web")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(agentTokenAddr, plancheck.ResourceActionCreate)},
				},
				Check: resource.ComposeTestCheckFunc(
					m.checkAgentTokenMatchesMock("web"),
					expectNewID(agentTokenAddr, &id),
				),
			},
		},
	})
}

func TestAccAgentToken_labelTooLongFailsAtPlan(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:      m.config(agentTokenConfig(strings.Repeat("x", maxAgentTokenLabel+1))),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Attribute label string length must be at most 255`),
		}},
	})
	m.expectNoCalls(t)
}

func TestAccAgentToken_importRejectsMalformedID(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:        m.config(agentTokenConfig("web")),
			ResourceName:  agentTokenAddr,
			ImportState:   true,
			ImportStateId: "not/an id",
			ExpectError:   regexp.MustCompile(`Import an agent token by its id`),
		}},
	})
	m.expectNoCalls(t)
}

func TestAccAgentToken_apiErrorNamesPlatform(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			PreConfig: func() { m.FailNext(400) },
			Config:    m.config(agentTokenConfig("web")),
			ExpectError: regexp.MustCompile(
				`(?s)Unable to create agent token.*Rackspace Cloud Monitoring API returned HTTP 400 Bad Request`),
		}},
	})
	if toks := m.MonitoringTokens(); len(toks) != 0 {
		t.Fatalf("a rejected create left %d tokens", len(toks))
	}
}

func TestAccAgentToken_retriesTransientFailures(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentTokensDestroyed,
		Steps: []resource.TestStep{{
			PreConfig: func() { m.FailNext(503, 429, 0) },
			Config:    m.config(agentTokenConfig("web")),
			Check:     m.checkAgentTokenMatchesMock("web"),
		}},
	})
}

// The create is committed but its answer lost: the create carried a label no other create
// carries, so the one token holding it is the one it made, and is adopted, value and all, then
// given its configured label.
func TestAccAgentToken_lostCreateAnswerAdoptsTheToken(t *testing.T) {
	for _, lost := range lostAnswers {
		t.Run(lost.name, func(t *testing.T) {
			m := newAccMock(t)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             m.checkAgentTokensDestroyed,
				Steps: []resource.TestStep{{
					PreConfig: func() { m.GatewayErrorNextWrites(lost.status, 1) },
					Config:    m.config(agentTokenConfig("web")),
					Check:     m.checkAgentTokenMatchesMock("web"),
				}},
			})
			if n := m.Calls("POST /monitoring/v1.0/{tenant}/agent_tokens"); n != 1 {
				t.Fatalf("%d creates sent, want 1: a lost answer is resolved by the create's own label, not by sending the create again", n)
			}
		})
	}
}

// A token made outside Terraform has the configured label: after a lost answer it is never taken
// for ours (only the label this create carried proves that), so it is left as it was, and state
// holds the token the create made.
func TestAccAgentToken_lostCreateAnswerNeverAdoptsANamesake(t *testing.T) {
	m := newAccMock(t)
	other := m.PutMonitoringToken("web")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			PreConfig: func() { m.DropNextWrites(1) },
			Config:    m.config(agentTokenConfig("web")),
			Check: func(s *terraform.State) error {
				id, err := stateAttr(s, agentTokenAddr, "id")
				if err != nil {
					return err
				}
				if id == other {
					return fmt.Errorf("state adopted %s, the token made outside Terraform", id)
				}
				return nil
			},
		}},
	})
	toks := m.MonitoringTokens()
	if len(toks) != 1 || toks[0].ID != other || toks[0].Label != "web" {
		t.Fatalf("after destroy the platform holds %+v, want only the token made outside Terraform, untouched", toks)
	}
}

// The token is created but setting its configured label fails: it is saved in state, tainted,
// instead of being left behind, and the next apply replaces it, deleting the unfinished one.
func TestAccAgentToken_failedRelabelIsSavedTainted(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentTokensDestroyed,
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { m.FailNextOn("PUT /monitoring/v1.0/{tenant}/agent_tokens/{id}", http.StatusBadRequest) },
				Config:      m.config(agentTokenConfig("web")),
				ExpectError: phrase("Unable to create agent token", "was created labelled", "agentfleet-create-", "HTTP 400"),
			},
			{
				Config: m.config(agentTokenConfig("web")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(agentTokenAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: m.checkAgentTokenMatchesMock("web"),
			},
		},
	})
}

// Two workspaces (two Terraform runs, each with its own provider process and client) create a
// token with the same label at the same moment, and the answer of the first create to arrive is
// lost. Each ends with its own token: the one that lost its answer finds its token by the label
// its create carried, and neither adopts nor deletes the other's.
func TestAccAgentToken_concurrentCreatorsKeepTheirOwnTokens(t *testing.T) {
	m := newAccMock(t)
	m.SetFaults(mockserver.Faults{Latency: 50 * time.Millisecond}) // so that the two creates overlap
	m.DropNextWrites(1)
	var bothReady sync.WaitGroup
	bothReady.Add(2)
	ids := make([]string, 2)
	t.Run("workspaces", func(t *testing.T) {
		for i := range ids {
			t.Run(fmt.Sprint("workspace-", i), func(t *testing.T) {
				t.Parallel()
				resource.Test(t, resource.TestCase{
					ProtoV6ProviderFactories: ownProviderProcess(),
					Steps: []resource.TestStep{{
						PreConfig: func() { bothReady.Done(); bothReady.Wait() },
						Config:    m.config(agentTokenConfig("web")),
						Check:     resource.ComposeTestCheckFunc(captureAttr(agentTokenAddr, "id", &ids[i]), m.checkAgentTokenOnPlatform("web")),
					}},
				})
			})
		}
	})
	if ids[0] == "" || ids[0] == ids[1] {
		t.Fatalf("the workspaces hold tokens %q and %q: want two tokens, one each", ids[0], ids[1])
	}
	if d, left := m.Calls("DELETE /monitoring/v1.0/{tenant}/agent_tokens/{id}"), m.MonitoringTokens(); d != 2 || len(left) != 0 {
		t.Fatalf("%d deletes sent and %d tokens left: want one delete per workspace's destroy, and nothing left", d, len(left))
	}
}

// ownProviderProcess is a provider factory of its own provider, for a test that runs two
// Terraform runs at once as two workspaces would, each with its own provider process.
func ownProviderProcess() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){"agentfleet": providerserver.NewProtocol6WithError(New("test")())}
}

// checkAgentTokenOnPlatform checks that the token in state is on the platform with its value and
// label, whatever other tokens the platform holds.
func (m *accMock) checkAgentTokenOnPlatform(label string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, token, err := stateToken(s)
		if err != nil {
			return err
		}
		for _, t := range m.MonitoringTokens() {
			if t.ID == id {
				if t.Token != token || t.Label != label {
					return fmt.Errorf("token %s is labelled %q on the platform, with another value than state's", id, t.Label)
				}
				return nil
			}
		}
		return fmt.Errorf("token %s of state is not on the platform", id)
	}
}

// Against a list whose items have no id (the seed's example): after a lost answer the token
// carrying the label cannot be adopted, so the apply fails saying why, and nothing enters state
// with an empty id.
func TestAccAgentToken_lostCreateAnswerWithListWithoutIDsAdoptsNothing(t *testing.T) {
	m := newAccMock(t)
	m.SetMonitoringListWithoutIDs(true)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			PreConfig:   func() { m.DropNextWrites(1) },
			Config:      m.config(agentTokenConfig("web")),
			ExpectError: phrase("Unable to create agent token", `agent token labelled "agentfleet-create-`, `is listed`, `no "id" field`),
		}},
	})
	if toks := m.MonitoringTokens(); len(toks) != 1 {
		t.Fatalf("the platform holds %d tokens, want 1: the one the lost create made, and no second", len(toks))
	}
	if n := m.Calls("GET /monitoring/v1.0/{tenant}/agent_tokens/{id}"); n != 0 {
		t.Fatalf("%d token reads: nothing may be read by an id the list did not give", n)
	}
}

// agentTokenFleetConfig is count tokens labelled prefix-0, prefix-1, ...
func agentTokenFleetConfig(count int, prefix string) string {
	return fmt.Sprintf(`
resource "agentfleet_agent_token" "fleet" {
  count = %d
  label = "%s-${count.index}"
}
`, count, prefix)
}

// checkAgentTokenFleet checks that the platform holds each label exactly once, and exactly the
// tokens in state, with their values.
func (m *accMock) checkAgentTokenFleet(count int, prefix string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		var labels, want []string
		values := map[string]string{}
		for _, tok := range m.MonitoringTokens() {
			labels = append(labels, tok.Label)
			values[tok.ID] = tok.Token
		}
		for i := range count {
			want = append(want, fmt.Sprintf("%s-%d", prefix, i))
		}
		errs := append(sameKeys("agent token", labels, want),
			matchState("agent token", stateByType(s)["agentfleet_agent_token"], "id", "token", values)...)
		if len(errs) > 0 {
			return fmt.Errorf("the platform does not hold exactly the configured tokens:\n  %s", strings.Join(errs, "\n  "))
		}
		return nil
	}
}

// Over its rate limit Cloud Monitoring answers 400 limitReached with Reply-After, not 429. An
// apply of several tokens goes through such answers: each create turned away is sent again, once,
// the wait is capped by retry_wait_max (Reply-After says 1s, the provider waits 20ms), and each
// token exists once. Reads and in-place updates go through them too.
func TestAccAgentToken_rateLimitedWith400LimitReached(t *testing.T) {
	const tokens, turnedAway = 5, 5
	m, wire := newFaultMock(t)
	m.SetFaults(mockserver.Faults{LimitReached: true, RetryAfter: 1})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentTokensDestroyed,
		Steps: []resource.TestStep{
			{
				// With the switch on, these 429s are answered 400 limitReached. A create's token
				// is read only after its create succeeded, so every one of them meets a create.
				PreConfig: func() {
					m.FailNext(slices.Repeat([]int{http.StatusTooManyRequests}, turnedAway)...)
				},
				Config: m.config(agentTokenFleetConfig(tokens, "rl")),
				Check: resource.ComposeTestCheckFunc(
					m.checkAgentTokenFleet(tokens, "rl"),
					func(*terraform.State) error {
						wire.mu.Lock()
						defer wire.mu.Unlock()
						if wire.statuses[http.StatusBadRequest] != turnedAway || wire.statuses[http.StatusTooManyRequests] != 0 {
							return fmt.Errorf("the mock answered %d x 400 and %d x 429, want %d x 400 limitReached and no 429",
								wire.statuses[http.StatusBadRequest], wire.statuses[http.StatusTooManyRequests], turnedAway)
						}
						if posts := m.Calls("POST " + mockserver.MonitoringPrefix + "/{tenant}/agent_tokens"); posts != tokens+turnedAway {
							return fmt.Errorf("%d creates sent, want %d: each turned away once and sent again once", posts, tokens+turnedAway)
						}
						return nil
					},
				),
			},
			{
				// The helper injects the same answer whatever the switch says; here it meets the
				// refresh and the in-place updates.
				PreConfig: func() {
					m.SetFaults(mockserver.Faults{RetryAfter: 1})
					m.FailNextLimitReached(3)
				},
				Config: m.config(agentTokenFleetConfig(tokens, "relabelled")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("agentfleet_agent_token.fleet[0]", plancheck.ResourceActionUpdate)},
				},
				Check: m.checkAgentTokenFleet(tokens, "relabelled"),
			},
		},
	})
}

// Terraform 1.12 and later: the token's identity is its id, and an import block can name it by
// identity as well as by id.
func TestAccAgentToken_importByIdentity(t *testing.T) {
	m := newAccMock(t)
	idInState := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentTokensDestroyed,
		Steps: []resource.TestStep{
			{
				Config: m.config(agentTokenConfig("web")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(agentTokenAddr, map[string]knownvalue.Check{
						"id": knownvalue.StringRegexp(regexp.MustCompile(`^tk\d+\.`)),
					}),
					statecheck.ExpectIdentityValueMatchesState(agentTokenAddr, tfjsonpath.New("id")),
					idInState.AddStateValue(agentTokenAddr, tfjsonpath.New("id")),
				},
			},
			{
				ResourceName:    agentTokenAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				ResourceName:    agentTokenAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
		},
	})
}
