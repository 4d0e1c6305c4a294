package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

func TestAccAgentSecretsDataSource_allAndFiltered(t *testing.T) {
	m := newAccMock(t)
	secrets := map[string]mockserver.AriaSecret{}
	revokedWeb := m.PutAriaSecret("web") // revoked by the next one, which takes its name
	for _, name := range []string{"web", "api", "batch"} {
		secrets[name] = m.PutAriaSecret(name)
	}
	// Small pages, so that the list is read page by page.
	m.SetAriaMaxPageSize(2)
	object := func(s mockserver.AriaSecret, status string) knownvalue.Check {
		return knownvalue.ObjectExact(map[string]knownvalue.Check{
			"id":                knownvalue.StringExact(s.ID),
			"name":              knownvalue.StringExact(s.Name),
			"status":            knownvalue.StringExact(status),
			"modification_time": knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`)),
		})
	}
	secretObject := func(name string) knownvalue.Check { return object(secrets[name], "ACTIVE") }
	revoked := object(revokedWeb, "REVOKED")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: m.config(`
data "agentfleet_agent_secrets" "all" {}
data "agentfleet_agent_secrets" "web" { name = "web" }
data "agentfleet_agent_secrets" "none" { name = "we" }
`),
			ConfigStateChecks: []statecheck.StateCheck{
				// In the API's order, which is by name, revoked secrets included.
				statecheck.ExpectKnownValue("data.agentfleet_agent_secrets.all", tfjsonpath.New("secrets"),
					knownvalue.ListExact([]knownvalue.Check{secretObject("api"), secretObject("batch"), revoked, secretObject("web")})),
				statecheck.ExpectKnownValue("data.agentfleet_agent_secrets.web", tfjsonpath.New("secrets"),
					knownvalue.ListExact([]knownvalue.Check{revoked, secretObject("web")})),
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
