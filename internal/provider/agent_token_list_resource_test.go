package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// Terraform 1.14 and later: `terraform query` finds the tokens made outside Terraform, by label
// or all of them, with their identities, and never their values.
func TestAccAgentTokenList_terraformQuery(t *testing.T) {
	m := newAccMock(t)
	byHand := m.PutMonitoringToken("made-by-hand")
	other := m.PutMonitoringToken("other")
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Query: true,
				Config: m.providerConfig() + `
list "agentfleet_agent_token" "by_label" {
  provider = agentfleet
  config {
    label = "made-by-hand"
  }
}

list "agentfleet_agent_token" "all" {
  provider         = agentfleet
  include_resource = true
}
`,
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("agentfleet_agent_token.by_label", 1),
					querycheck.ExpectIdentity("agentfleet_agent_token.by_label", map[string]knownvalue.Check{"id": knownvalue.StringExact(byHand)}),
					querycheck.ExpectLength("agentfleet_agent_token.all", 2),
					querycheck.ExpectIdentity("agentfleet_agent_token.all", map[string]knownvalue.Check{"id": knownvalue.StringExact(other)}),
					querycheck.ExpectResourceDisplayName("agentfleet_agent_token.all",
						queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"id": knownvalue.StringExact(other)}), knownvalue.StringExact("other")),
					querycheck.ExpectResourceKnownValues("agentfleet_agent_token.all",
						queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"id": knownvalue.StringExact(byHand)}),
						[]querycheck.KnownValueCheck{
							{Path: tfjsonpath.New("label"), KnownValue: knownvalue.StringExact("made-by-hand")},
							{Path: tfjsonpath.New("token"), KnownValue: knownvalue.Null()},
						}),
				},
			},
		},
	})
}

// Terraform 1.14 and later: a list whose items have no id cannot give identities, and the query
// says which field is missing rather than finding tokens with empty ids.
func TestAccAgentTokenList_terraformQueryWithoutIDsIsAnError(t *testing.T) {
	m := newAccMock(t)
	m.PutMonitoringToken("made-by-hand")
	m.SetMonitoringListWithoutIDs(true)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Query: true,
			Config: m.providerConfig() + `
list "agentfleet_agent_token" "all" {
  provider = agentfleet
}
`,
			ExpectError: regexp.MustCompile(`(?s)Unable to list agent tokens.*no "id" field`),
		}},
	})
}
