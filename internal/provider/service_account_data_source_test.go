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

func TestAccServiceAccountDataSource_byID(t *testing.T) {
	m := newAccMock(t)
	sa := m.PutK0rdentServiceAccount(k0rdentRegion, mockserver.K0rdentServiceAccount{
		ID: "sa-existing", DisplayName: "Existing", Description: "made in the console",
		Scope: "organization", ScopeID: "org-1", Roles: []string{"iam.viewer"},
	})
	const addr = "data.agentfleet_service_account.test"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: m.config(`data "agentfleet_service_account" "test" { id = "sa-existing" }`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("display_name"), knownvalue.StringExact("Existing")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("description"), knownvalue.StringExact("made in the console")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("scope"), knownvalue.StringExact("organization")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("scope_id"), knownvalue.StringExact("org-1")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("region"), knownvalue.StringExact(k0rdentRegion)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("roles"), knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("iam.viewer")})),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("uid"), knownvalue.StringExact(sa.UID)),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("client_id"), knownvalue.StringExact("sa-existing@myorg.iam")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("active_credential_count"), knownvalue.Int64Exact(0)),
			},
		}},
	})
}

func TestAccServiceAccountDataSource_unknownID(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:      m.config(`data "agentfleet_service_account" "test" { id = "sa-missing" }`),
			ExpectError: regexp.MustCompile(`(?s)Unable\s+to\s+read\s+service\s+account.*HTTP\s+404\s+Not\s+Found`),
		}},
	})
}

func TestAccServiceAccountDataSource_invalidIDFailsAtPlan(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:      m.config(`data "agentfleet_service_account" "test" { id = "Not_An_ID" }`),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`Attribute\s+id\s+must\s+be\s+lowercase\s+letters`),
		}},
	})
	m.expectNoCalls(t)
}
