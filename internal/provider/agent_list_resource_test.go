package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// Terraform 1.14 and later: `terraform query` finds the agents made outside Terraform, every page
// of them (pages capped below the limit asked for, whose total_count is the page's length), with
// the filters the API applies and the state the provider applies, with their identities and
// never a client secret; and it stops at the limit Terraform asks for.
func TestAccAgentListQuery_pagesAndFilters(t *testing.T) {
	m := newAccMock(t)
	const total = 130
	for i := range total {
		m.PutSpaceONEAgent(fmt.Sprintf("sa-%04d", i), "bulk")
	}
	m.SetSpaceONEAgentState("sa-0007", "DISABLED")
	m.SetSpaceONEAgentState("sa-0120", "DISABLED")
	m.ExpireSpaceONEAgent("sa-0042")
	m.SetSpaceONEPageCap(40)
	byHand := m.SpaceONEAgents()[99]
	identityOf := func(serviceAccountID string) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"service_account_id": knownvalue.StringExact(serviceAccountID)}
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Query: true,
				Config: m.providerConfig() + fmt.Sprintf(`
list "agentfleet_agent" "all" {
  provider         = agentfleet
  include_resource = true
  limit            = 1000
}

list "agentfleet_agent" "disabled" {
  provider = agentfleet
  config {
    state = "DISABLED"
  }
}

list "agentfleet_agent" "by_service_account" {
  provider = agentfleet
  config {
    service_account_id = %[1]q
  }
}

list "agentfleet_agent" "by_agent_id" {
  provider = agentfleet
  config {
    agent_id = %[2]q
  }
}

list "agentfleet_agent" "first" {
  provider = agentfleet
  limit    = 5
}
`, byHand.ServiceAccountID, byHand.AgentID),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("agentfleet_agent.all", total),
					querycheck.ExpectIdentity("agentfleet_agent.all", identityOf("sa-0129")),
					querycheck.ExpectResourceDisplayName("agentfleet_agent.all", queryfilter.ByResourceIdentity(identityOf(byHand.ServiceAccountID)),
						knownvalue.StringExact(byHand.ServiceAccountID+" (cluster bulk)")),
					querycheck.ExpectResourceKnownValues("agentfleet_agent.all", queryfilter.ByResourceIdentity(identityOf(byHand.ServiceAccountID)),
						[]querycheck.KnownValueCheck{
							{Path: tfjsonpath.New("agent_id"), KnownValue: knownvalue.StringExact(byHand.AgentID)},
							{Path: tfjsonpath.New("client_id"), KnownValue: knownvalue.StringExact(byHand.ClientID)},
							{Path: tfjsonpath.New("options").AtMapKey("cluster_name"), KnownValue: knownvalue.StringExact("bulk")},
							{Path: tfjsonpath.New("enabled"), KnownValue: knownvalue.Bool(true)},
							{Path: tfjsonpath.New("client_secret"), KnownValue: knownvalue.Null()},
						}),
					querycheck.ExpectResourceKnownValues("agentfleet_agent.all", queryfilter.ByResourceIdentity(identityOf("sa-0042")),
						[]querycheck.KnownValueCheck{{Path: tfjsonpath.New("state"), KnownValue: knownvalue.StringExact("EXPIRED")}}),
					querycheck.ExpectLength("agentfleet_agent.disabled", 2),
					querycheck.ExpectIdentity("agentfleet_agent.disabled", identityOf("sa-0007")),
					querycheck.ExpectIdentity("agentfleet_agent.disabled", identityOf("sa-0120")),
					querycheck.ExpectLength("agentfleet_agent.by_service_account", 1),
					querycheck.ExpectIdentity("agentfleet_agent.by_service_account", identityOf(byHand.ServiceAccountID)),
					querycheck.ExpectLength("agentfleet_agent.by_agent_id", 1),
					querycheck.ExpectIdentity("agentfleet_agent.by_agent_id", identityOf(byHand.ServiceAccountID)),
					querycheck.ExpectLength("agentfleet_agent.first", 5),
				},
			},
		},
	})
}

// Terraform 1.14 and later: a query on an unconfigured platform says which block to add, and
// bad filters fail before any API call.
func TestAccAgentListQuery_refusals(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Query:       true,
				Config:      "provider \"agentfleet\" {}\n\nlist \"agentfleet_agent\" \"all\" {\n  provider = agentfleet\n}\n",
				ExpectError: phrase("spaceone platform is not configured", "AGENTFLEET_SPACEONE_ENDPOINT"),
			},
			{
				Query:       true,
				Config:      m.providerConfig() + "\nlist \"agentfleet_agent\" \"bad\" {\n  provider = agentfleet\n  config {\n    state = \"ACTIVE\"\n  }\n}\n",
				ExpectError: phrase("state value must be one of"),
			},
		},
	})
	m.expectNoCalls(t)
}

// A result never carries a client secret, even from a server that sent one on a list.
func TestAgentListedFromAPI_neverASecret(t *testing.T) {
	m := agentListedFromAPI(&client.Agent{ServiceAccountID: "sa-1", AgentID: "agent-1", ClientSecret: "s3cr3t", State: client.AgentDisabled})
	if !m.ClientSecret.IsNull() {
		t.Errorf("client_secret = %s, want null", m.ClientSecret)
	}
	if m.ServiceAccountID.ValueString() != "sa-1" || m.Enabled.ValueBool() || !m.RegenerateTriggers.IsNull() || !m.RotateBefore.IsNull() {
		t.Errorf("listed agent = %+v, want sa-1 disabled with the configuration-only arguments null", m)
	}
}
