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
	// More agents than one page (100), whose total_count counts only that page, prove the list
	// walks every page.
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

// A server may cap its pages below the limit the provider asks for, and its total_count is the
// page's length: a capped first page of 2 out of 4 must still give all 4.
func TestAccAgentsDataSource_cappedPages(t *testing.T) {
	m := newAccMock(t)
	for i := range 4 {
		m.PutSpaceONEAgent(fmt.Sprintf("sa-%d", i), "capped")
	}
	m.SetSpaceONEPageCap(2)
	agents := m.SpaceONEAgents()
	checks := []statecheck.StateCheck{
		statecheck.ExpectKnownValue("data.agentfleet_agents.all", tfjsonpath.New("agents"), knownvalue.ListSizeExact(len(agents))),
	}
	for i, a := range agents {
		checks = append(checks, statecheck.ExpectKnownValue("data.agentfleet_agents.all",
			tfjsonpath.New("agents").AtSliceIndex(i).AtMapKey("agent_id"), knownvalue.StringExact(a.AgentID)))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:            m.config(`data "agentfleet_agents" "all" {}`),
			ConfigStateChecks: checks,
		}},
	})
}

// EXPIRED is a state the data sources show and the list filters by.
func TestAccAgentDataSources_expired(t *testing.T) {
	m := newAccMock(t)
	for i := range 3 {
		m.PutSpaceONEAgent(fmt.Sprintf("sa-%d", i), "c")
	}
	m.ExpireSpaceONEAgent("sa-1")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: m.config(`
data "agentfleet_agent" "expired" {
  service_account_id = "sa-1"
}
data "agentfleet_agents" "expired" {
  state = "EXPIRED"
}
data "agentfleet_agents" "enabled" {
  state = "ENABLED"
}
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.agentfleet_agent.expired", tfjsonpath.New("state"), knownvalue.StringExact("EXPIRED")),
				statecheck.ExpectKnownValue("data.agentfleet_agents.expired", tfjsonpath.New("agents"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{
						"service_account_id": knownvalue.StringExact("sa-1"), "state": knownvalue.StringExact("EXPIRED"),
					}),
				})),
				statecheck.ExpectKnownValue("data.agentfleet_agents.enabled", tfjsonpath.New("agents"), knownvalue.ListSizeExact(2)),
			},
		}},
	})
}
