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

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

// More accounts than one page (the client asks for 500, the API's maximum) prove the data source
// walks every page; the filters go to the API, so a filtered list is one page here.
func TestAccServiceAccountsDataSource_allPagesAndFilters(t *testing.T) {
	m := newAccMock(t)
	const total, inProject = 600, 20
	for i := range total {
		sa := mockserver.K0rdentServiceAccount{DisplayName: fmt.Sprintf("bulk %d", i), Scope: "organization", ScopeID: "org-1"}
		if i%30 == 0 {
			sa.Scope, sa.ScopeID = "project", "proj-abc123"
		}
		m.PutK0rdentServiceAccount(k0rdentRegion, sa)
	}
	m.PutK0rdentServiceAccount("another-region", mockserver.K0rdentServiceAccount{DisplayName: "elsewhere", Scope: "project", ScopeID: "proj-abc123"})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: m.config(`
data "agentfleet_service_accounts" "all" {}
data "agentfleet_service_accounts" "project" {
  scope    = "project"
  scope_id = "proj-abc123"
}
data "agentfleet_service_accounts" "none" { scope_id = "proj-nothing" }
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.agentfleet_service_accounts.all", tfjsonpath.New("service_accounts"), knownvalue.ListSizeExact(total)),
				statecheck.ExpectKnownValue("data.agentfleet_service_accounts.project", tfjsonpath.New("service_accounts"), knownvalue.ListSizeExact(inProject)),
				statecheck.ExpectKnownValue("data.agentfleet_service_accounts.project",
					tfjsonpath.New("service_accounts").AtSliceIndex(0).AtMapKey("scope_id"), knownvalue.StringExact("proj-abc123")),
				statecheck.ExpectKnownValue("data.agentfleet_service_accounts.none", tfjsonpath.New("service_accounts"), knownvalue.ListSizeExact(0)),
			},
			Check: func(*terraform.State) error {
				// Per read of the three data sources: two pages of the whole list, and one page
				// each of the two lists the API filtered; nothing fetched twice.
				if got := m.Calls("GET " + k0rdentAccountsRoute); got%4 != 0 || got == 0 {
					return fmt.Errorf("list calls %d; want a whole number of reads of 2 + 1 + 1 pages", got)
				}
				return nil
			},
		}},
	})
}

func TestAccServiceAccountsDataSource_invalidScopeFailsAtPlan(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:      m.config(`data "agentfleet_service_accounts" "test" { scope = "folder" }`),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`scope\s+value\s+must\s+be\s+one\s+of`),
		}},
	})
	m.expectNoCalls(t)
}
