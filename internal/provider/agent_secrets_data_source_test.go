package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccAgentSecretsDataSource_allAndFiltered(t *testing.T) {
	m := newAccMock(t)
	secrets := map[string]string{}
	for _, name := range []string{"web", "api", "batch"} {
		secrets[name] = m.PutAriaSecret(name).ID
	}
	secretObject := func(name string) knownvalue.Check {
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"id":     knownvalue.StringExact(secrets[name]),
			"name":   knownvalue.StringExact(name),
			"status": knownvalue.StringExact("ACTIVE"),
		})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: m.config(`
data "agentfleet_agent_secrets" "all" {}
data "agentfleet_agent_secrets" "web" { name = "web" }
data "agentfleet_agent_secrets" "none" { name = "we" }
`),
			ConfigStateChecks: []statecheck.StateCheck{
				// In the API's order, which is by name.
				statecheck.ExpectKnownValue("data.agentfleet_agent_secrets.all", tfjsonpath.New("secrets"),
					knownvalue.ListExact([]knownvalue.Check{secretObject("api"), secretObject("batch"), secretObject("web")})),
				statecheck.ExpectKnownValue("data.agentfleet_agent_secrets.web", tfjsonpath.New("secrets"),
					knownvalue.ListExact([]knownvalue.Check{secretObject("web")})),
				// No match is an empty list, not an error, so configurations can test for presence.
				statecheck.ExpectKnownValue("data.agentfleet_agent_secrets.none", tfjsonpath.New("secrets"), knownvalue.ListSizeExact(0)),
			},
		}},
	})
}

func TestAccAgentSecretsDataSource_empty(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: m.config(`data "agentfleet_agent_secrets" "all" {}`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.agentfleet_agent_secrets.all", tfjsonpath.New("secrets"), knownvalue.ListSizeExact(0)),
			},
		}},
	})
}
