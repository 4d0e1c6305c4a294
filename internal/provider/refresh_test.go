package provider

import (
	"fmt"
	"maps"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

// Refresh at the cost of a list call: with batch_reads (on by default for Cloud Monitoring,
// Aria Operations for Logs and k0rdent IAM), a refresh reads each family from one list, and
// stays right: drift and deletions made outside Terraform are found, the provider's own writes
// are never hidden, and a list that fails sends the reads back to one call each. And with
// max_requests_per_second, the provider keeps under a platform's rate limit.

const (
	tokensRoute = "GET " + mockserver.MonitoringPrefix + "/{tenant}/agent_tokens"
	tokenRoute  = tokensRoute + "/{id}"
	fleetToken  = "agentfleet_agent_token.fleet"
)

func tokenFleet(count int) string { return agentTokenFleetConfig(count, "fleet") }

// tokenID returns the id of the fleet's token i in the mock, by its label.
func (m *accMock) tokenID(t *testing.T, i int) string {
	t.Helper()
	for _, tok := range m.MonitoringTokens() {
		if tok.Label == fmt.Sprintf("fleet-%d", i) {
			return tok.ID
		}
	}
	t.Fatalf("the mock holds no token labelled fleet-%d", i)
	return ""
}

// expectRefreshCalls checks, after a step, the calls of token reads since the counters were
// reset: at most lists lists of the tokens (one per refresh the step ran), and exactly gets
// GETs of single tokens.
func (m *accMock) expectRefreshCalls(lists, gets int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if n := m.Calls(tokensRoute); n < 1 || n > lists {
			return fmt.Errorf("%d lists of agent tokens, want 1 to %d: one per refresh", n, lists)
		}
		if n := m.Calls(tokenRoute); n != gets {
			return fmt.Errorf("%d GETs of single agent tokens, want %d", n, gets)
		}
		return nil
	}
}

// A label changed and a token deleted outside Terraform are seen by the next plan, read from
// the list; the deleted one is confirmed by its own GET and created again. After the provider's
// own writes (that update and that create), the plan is empty and the state matches the platform.
func TestAccRefresh_batchedReadsFindDriftAndDeletions(t *testing.T) {
	const count = 6
	m := newAccMock(t)
	config := m.config(tokenFleet(count))
	var gone string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentTokensDestroyed,
		Steps: []resource.TestStep{
			{Config: config, Check: m.checkAgentTokenFleet(count, "fleet")},
			{
				PreConfig: func() {
					m.SetMonitoringTokenLabel(m.tokenID(t, 1), "changed outside Terraform")
					gone = m.tokenID(t, 2)
					m.DeleteMonitoringToken(gone)
					m.ResetCalls()
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(fleetToken+"[1]", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction(fleetToken+"[2]", plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(fleetToken+"[0]", plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction(fleetToken+"[5]", plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(
					m.checkAgentTokenFleet(count, "fleet"),
					func(*terraform.State) error {
						// The deleted token's own GET confirmed it gone (404) in the plan's refresh;
						// the create read its new token back. Every other read came from a list.
						if n := m.Calls(tokenRoute); n != 2 {
							return fmt.Errorf("%d GETs of single tokens, want 2: the deleted one's and the new one's", n)
						}
						return nil
					},
				),
			},
		},
	})
}

// A list that fails leaves the refresh right: the reads make their own GETs, drift is still
// found, and nothing leaves state.
func TestAccRefresh_failedListFallsBackToSingleReads(t *testing.T) {
	const count = 4
	m := newAccMock(t)
	config := m.config(tokenFleet(count))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentTokensDestroyed,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					m.SetMonitoringTokenLabel(m.tokenID(t, 3), "changed outside Terraform")
					m.ResetCalls()
					m.FailNext(http.StatusForbidden) // the refresh's list, its first call
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				Check:              m.expectRefreshCalls(1, count),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(fleetToken+"[3]", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(fleetToken+"[0]", plancheck.ResourceActionNoop),
				}},
				Check: m.checkAgentTokenFleet(count, "fleet"),
			},
		},
	})
}

// A refresh of many resources of several families costs one list per family (the credentials:
// per service account), and no read of a single object.
func TestAccRefresh_callsOfALargeRefresh(t *testing.T) {
	const tokens, secrets, accounts = 120, 30, 20
	m := newAccMock(t)
	config := m.config(tokenFleet(tokens) + fmt.Sprintf(`
resource "agentfleet_agent_secret" "fleet" {
  count = %d
  name  = "fleet-${count.index}"
}

resource "agentfleet_service_account" "fleet" {
  count        = %d
  display_name = "fleet ${count.index}"
  scope        = "project"
  scope_id     = "proj-fleet"
}

resource "agentfleet_service_account_credential" "fleet" {
  count              = %[2]d
  service_account_id = agentfleet_service_account.fleet[count.index].id
}
`, secrets, accounts))
	reads := map[string]int{}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentTokensDestroyed,
		Steps: []resource.TestStep{
			{Config: config},
			{PreConfig: m.ResetCalls, Config: config, PlanOnly: true},
			{
				// PlanOnly steps run no Check: the calls of the step above are taken here.
				PreConfig: func() { maps.Copy(reads, m.AllCalls()) },
				Config:    config,
				PlanOnly:  true,
			},
		},
	})
	k0rdent := "GET " + mockserver.K0rdentPrefix + "/v1/regions/{region}/iam/service-accounts"
	perRefresh := map[string]int{
		tokensRoute: 1,
		"GET " + mockserver.AriaLogsPrefix + "/api/v2/agent/secrets": 1,
		k0rdent:                       1,
		k0rdent + "/{id}/credentials": accounts, // one list per service account
	}
	refreshes := reads[tokensRoute]
	if refreshes < 1 {
		t.Fatalf("the plan listed no tokens: %v", reads)
	}
	total := 0
	for route, n := range reads {
		total += n
		want, listed := perRefresh[route]
		switch {
		case route == "POST "+mockserver.VCFOperationsPrefix+"/suite-api/api/auth/token/acquire",
			route == "POST "+mockserver.VCFOperationsPrefix+"/suite-api/api/auth/token/exchange":
			// Aria's JWT, once per provider process.
		case !listed:
			t.Errorf("%d calls of %s during the refresh, want none: every read comes from a list", n, route)
		case n != want*refreshes:
			t.Errorf("%d calls of %s in %d refresh(es), want %d per refresh", n, route, refreshes, want)
		}
	}
	resources := tokens + secrets + 2*accounts
	t.Logf("%d refresh(es) of %d resources made %d calls: %v", refreshes, resources, total, reads)
}

// With the mock answering 429 beyond 20 requests a second, an apply with
// max_requests_per_second = 15 is never turned away: every create and read waits its turn.
func TestAccRefresh_rateLimitKeepsUnderThePlatformsLimit(t *testing.T) {
	const count = 12 // 24 calls: about 1.6s at 15 a second
	m := newAccMock(t)
	m.SetFaults(mockserver.Faults{RateLimit: 20, RateBurst: 2})
	config := m.configIn("monitoring", "max_requests_per_second = 15", tokenFleet(count))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentTokensDestroyed,
		Steps: []resource.TestStep{{
			Config: config,
			Check: resource.ComposeTestCheckFunc(
				m.checkAgentTokenFleet(count, "fleet"),
				func(*terraform.State) error {
					if limited := m.RateLimited(); len(limited) != 0 {
						return fmt.Errorf("the mock turned requests away over its rate limit: %v", limited)
					}
					return nil
				},
			),
		}},
	})
}

// batch_reads switches each platform: off by default for SpaceONE, on where it is set; on by
// default for Cloud Monitoring, off where the environment says so.
func TestAccRefresh_batchReadsSwitch(t *testing.T) {
	const agents, tokens = 3, 3
	m := newAccMock(t)
	agentsConfig := ""
	for i := range agents {
		agentsConfig += fmt.Sprintf("\nresource \"agentfleet_agent\" \"a%d\" {\n  service_account_id = \"sa-switch%d\"\n  options = { cluster_name = \"c%d\" }\n}\n", i, i, i)
	}
	spaceone := "POST " + mockserver.SpaceONEAgentRoute
	batchedAgents := m.configIn("spaceone", "batch_reads = true", tokenFleet(tokens)+agentsConfig)
	reads := map[string]int{}
	take := func() { clear(reads); maps.Copy(reads, m.AllCalls()); m.ResetCalls() }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{Config: m.config(tokenFleet(tokens) + agentsConfig)},
			{PreConfig: m.ResetCalls, Config: m.config(tokenFleet(tokens) + agentsConfig), PlanOnly: true},
			{
				PreConfig: func() {
					take()
					if reads[spaceone+"/get"] != agents || reads[spaceone+"/list"] != 0 || reads[tokensRoute] != 1 || reads[tokenRoute] != 0 {
						t.Errorf("by default: %v; want an agent/get per agent, and the tokens from one list", reads)
					}
					t.Setenv("AGENTFLEET_MONITORING_BATCH_READS", "false")
				},
				Config:   batchedAgents,
				PlanOnly: true,
			},
			{
				PreConfig: func() {
					take()
					// SpaceONE's list walk ends with an empty page.
					if reads[spaceone+"/get"] != 0 || reads[spaceone+"/list"] != 2 || reads[tokensRoute] != 0 || reads[tokenRoute] != tokens {
						t.Errorf("switched: %v; want the agents from one walk of the list, and a GET per token", reads)
					}
				},
				Config:   batchedAgents,
				PlanOnly: true,
			},
		},
	})
}
