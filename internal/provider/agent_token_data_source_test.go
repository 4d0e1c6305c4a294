package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccAgentTokenDataSource_byID(t *testing.T) {
	m := newAccMock(t)
	id := m.PutMonitoringToken("existing")
	want := m.MonitoringTokens()[0].Token
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: m.config(fmt.Sprintf(`data "agentfleet_agent_token" "test" { id = %q }`, id)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.agentfleet_agent_token.test", tfjsonpath.New("label"), knownvalue.StringExact("existing")),
				statecheck.ExpectKnownValue("data.agentfleet_agent_token.test", tfjsonpath.New("token"), knownvalue.StringExact(want)),
				statecheck.ExpectSensitiveValue("data.agentfleet_agent_token.test", tfjsonpath.New("token")),
			},
		}},
	})
}

func TestAccAgentTokenDataSource_unknownID(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:      m.config(`data "agentfleet_agent_token" "test" { id = "tk-missing" }`),
			ExpectError: regexp.MustCompile(`(?s)Unable to read agent token.*HTTP 404 Not Found`),
		}},
	})
}

// More tokens than one page (monitoringPageSize is 100) prove the data source walks every page.
func TestAccAgentTokensDataSource_allPages(t *testing.T) {
	m := newAccMock(t)
	// More than one of the client's pages of 1000 (the API's largest).
	const total, labelled, pages = 1050, 4, 2
	for i := 0; i < total; i++ {
		label := "bulk"
		if i%300 == 0 {
			label = "special"
		}
		m.PutMonitoringToken(label)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: m.config(`
data "agentfleet_agent_tokens" "all" {}
data "agentfleet_agent_tokens" "special" { label = "special" }
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.agentfleet_agent_tokens.all", tfjsonpath.New("tokens"), knownvalue.ListSizeExact(total)),
				statecheck.ExpectKnownValue("data.agentfleet_agent_tokens.special", tfjsonpath.New("tokens"), knownvalue.ListSizeExact(labelled)),
				statecheck.ExpectKnownValue("data.agentfleet_agent_tokens.special", tfjsonpath.New("tokens").AtSliceIndex(0).AtMapKey("label"),
					knownvalue.StringExact("special")),
			},
			Check: func(*terraform.State) error {
				// Two data sources, every page once each, and nothing fetched twice per read.
				if got := m.Calls("GET " + "/monitoring/v1.0/{tenant}/agent_tokens"); got%pages != 0 || got == 0 {
					return fmt.Errorf("list calls %d; want a whole number of %d-page walks", got, pages)
				}
				return nil
			},
		}},
	})
}
