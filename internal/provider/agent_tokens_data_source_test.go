package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
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
