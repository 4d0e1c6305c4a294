package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccDynamicAccountDataSource_byName(t *testing.T) {
	m := newAccMock(t)
	m.PutArmoryAccount("prod-k8s", "agent-1_spinnaker", true)
	m.PutArmoryAccount("dev-k8s", "", false)
	const dynamic, inactive, static = "data.agentfleet_dynamic_account.dynamic", "data.agentfleet_dynamic_account.inactive", "data.agentfleet_dynamic_account.static"
	agentID := knownvalue.StringRegexp(regexp.MustCompile(`^agent-1-`))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: m.config(`
data "agentfleet_dynamic_account" "dynamic" { name = "prod-k8s" }
data "agentfleet_dynamic_account" "inactive" { name = "dev-k8s" }
data "agentfleet_dynamic_account" "static" { name = "static-agent-account-01" }
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dynamic, tfjsonpath.New("zone_id"), knownvalue.StringExact("agent-1_spinnaker")),
				statecheck.ExpectKnownValue(dynamic, tfjsonpath.New("type"), knownvalue.StringExact("kubernetes")),
				statecheck.ExpectKnownValue(dynamic, tfjsonpath.New("source"), knownvalue.StringExact("clouddriver")),
				statecheck.ExpectKnownValue(dynamic, tfjsonpath.New("state"), knownvalue.StringExact("ACTIVE")),
				statecheck.ExpectKnownValue(dynamic, tfjsonpath.New("agents"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{"agent_id": agentID, "caching": knownvalue.Bool(true)}),
					knownvalue.ObjectExact(map[string]knownvalue.Check{"agent_id": agentID, "caching": knownvalue.Bool(false)}),
				})),
				statecheck.ExpectKnownValue(dynamic, tfjsonpath.New("last_assignment_msg"),
					knownvalue.StringRegexp(regexp.MustCompile(`^successfully assigned to Agent agent-1-`))),

				statecheck.ExpectKnownValue(inactive, tfjsonpath.New("zone_id"), knownvalue.Null()),
				statecheck.ExpectKnownValue(inactive, tfjsonpath.New("state"), knownvalue.StringExact("INACTIVE")),
				statecheck.ExpectKnownValue(inactive, tfjsonpath.New("agents"), knownvalue.ListSizeExact(0)),
				statecheck.ExpectKnownValue(inactive, tfjsonpath.New("last_assignment_msg"), knownvalue.StringExact("")),

				statecheck.ExpectKnownValue(static, tfjsonpath.New("source"), knownvalue.StringExact("static-agent-config")),
				statecheck.ExpectKnownValue(static, tfjsonpath.New("state"), knownvalue.StringExact("ACTIVE")),
			},
		}},
	})
}

// An account Clouddriver knows but has not migrated is not managed by the Scale Agent.
func TestAccDynamicAccountDataSource_notFound(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:      m.config(`data "agentfleet_dynamic_account" "test" { name = "prod-k8s" }`),
			ExpectError: regexp.MustCompile(`(?s)Unable to read dynamic account.*HTTP 404 Not Found.*"prod-k8s"`),
		}},
	})
}

func TestAccDynamicAccountDataSource_emptyNameFailsAtPlan(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:      m.config(`data "agentfleet_dynamic_account" "test" { name = "" }`),
			ExpectError: regexp.MustCompile(`(?s)Attribute\s+name\s+string\s+length\s+must\s+be\s+at\s+least\s+1`),
		}},
	})
	m.expectNoCalls(t)
}
