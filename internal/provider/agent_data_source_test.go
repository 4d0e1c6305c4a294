package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccAgentDataSources(t *testing.T) {
	m := newAccMock(t)
	// More agents than one page (100) prove the list walks every page.
	const total = 230
	for i := 0; i < total; i++ {
		m.PutSpaceONEAgent(fmt.Sprintf("sa-%04d", i), "bulk")
	}
	for _, id := range []string{"sa-0007", "sa-0150", "sa-0229"} {
		m.SetSpaceONEAgentState(id, "DISABLED")
	}
	one := m.SpaceONEAgents()[42]
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: m.config(fmt.Sprintf(`
data "agentfleet_agent" "one" {
  service_account_id = %q
}
data "agentfleet_agents" "all" {}
data "agentfleet_agents" "disabled" {
  state = "DISABLED"
}
`, one.ServiceAccountID)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.agentfleet_agent.one", tfjsonpath.New("agent_id"), knownvalue.StringExact(one.AgentID)),
				statecheck.ExpectKnownValue("data.agentfleet_agent.one", tfjsonpath.New("options").AtMapKey("cluster_name"), knownvalue.StringExact("bulk")),
				statecheck.ExpectKnownValue("data.agentfleet_agents.all", tfjsonpath.New("agents"), knownvalue.ListSizeExact(total)),
				statecheck.ExpectKnownValue("data.agentfleet_agents.disabled", tfjsonpath.New("agents"), knownvalue.ListSizeExact(3)),
				statecheck.ExpectKnownValue("data.agentfleet_agents.disabled", tfjsonpath.New("agents").AtSliceIndex(0).AtMapKey("service_account_id"),
					knownvalue.StringExact("sa-0007")),
			},
		}},
	})
}
