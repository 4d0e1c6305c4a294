package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// A list whose items have no id (the seed's example shows only token and label) is an error that
// says which field is missing, not tokens with empty ids.
func TestAccAgentTokensDataSource_listWithoutIDsIsAnError(t *testing.T) {
	m := newAccMock(t)
	m.PutMonitoringToken("web")
	m.SetMonitoringListWithoutIDs(true)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:      m.config(`data "agentfleet_agent_tokens" "all" {}`),
			ExpectError: phrase("Unable to list agent tokens", "1 of the 1 agent tokens listed", `no "id" field`, `"web"`),
		}},
	})
}

// The token values go into state only when asked for: by default every token's value is null,
// and with include_values = true each is the platform's, sensitive. Ids and labels are there
// either way.
func TestAccAgentTokensDataSource_valuesOnlyWhenAsked(t *testing.T) {
	m := newAccMock(t)
	m.PutMonitoringToken("web")
	m.PutMonitoringToken("db")
	stored := m.MonitoringTokens()
	tokens := func(address string, value func(i int) knownvalue.Check) []statecheck.StateCheck {
		checks := []statecheck.StateCheck{statecheck.ExpectKnownValue(address, tfjsonpath.New("tokens"), knownvalue.ListSizeExact(len(stored)))}
		for i, tok := range stored {
			item := tfjsonpath.New("tokens").AtSliceIndex(i)
			checks = append(checks,
				statecheck.ExpectKnownValue(address, item.AtMapKey("id"), knownvalue.StringExact(tok.ID)),
				statecheck.ExpectKnownValue(address, item.AtMapKey("label"), knownvalue.StringExact(tok.Label)),
				statecheck.ExpectKnownValue(address, item.AtMapKey("token"), value(i)))
		}
		return checks
	}
	withValues := tokens("data.agentfleet_agent_tokens.with_values", func(i int) knownvalue.Check { return knownvalue.StringExact(stored[i].Token) })
	for i := range stored {
		withValues = append(withValues, statecheck.ExpectSensitiveValue("data.agentfleet_agent_tokens.with_values",
			tfjsonpath.New("tokens").AtSliceIndex(i).AtMapKey("token")))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: m.config(`
data "agentfleet_agent_tokens" "default" {}
data "agentfleet_agent_tokens" "without_values" {
  include_values = false
}
data "agentfleet_agent_tokens" "with_values" {
  include_values = true
}
`),
			ConfigStateChecks: append(append(append(withValues,
				tokens("data.agentfleet_agent_tokens.default", func(int) knownvalue.Check { return knownvalue.Null() })...),
				tokens("data.agentfleet_agent_tokens.without_values", func(int) knownvalue.Check { return knownvalue.Null() })...),
				statecheck.ExpectKnownValue("data.agentfleet_agent_tokens.default", tfjsonpath.New("include_values"), knownvalue.Null())),
		}},
	})
}
