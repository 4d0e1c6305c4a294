package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

// Terraform 1.14 and later: `terraform query` finds the service accounts of the provider's
// region, across every page of the list, by the API's filters scope, scope_id and status, with
// their identities (id and region).
func TestAccServiceAccountList_terraformQuery(t *testing.T) {
	m := newAccMock(t)
	const bulk = 510 // more than one page of 500
	for i := range bulk {
		m.PutK0rdentServiceAccount(k0rdentRegion, mockserver.K0rdentServiceAccount{
			ID: fmt.Sprintf("sa-bulk-%03d", i), DisplayName: "bulk", Scope: "organization", ScopeID: "org-bulk",
		})
	}
	for _, sa := range []mockserver.K0rdentServiceAccount{
		{ID: "sa-proj-a", DisplayName: "Made by hand", Scope: "project", ScopeID: "proj-a", Roles: []string{"compute.deployer"}},
		{ID: "sa-proj-a-off", DisplayName: "Switched off", Scope: "project", ScopeID: "proj-a", Status: "disabled"},
		{ID: "sa-proj-b", DisplayName: "Other project", Scope: "project", ScopeID: "proj-b"},
	} {
		m.PutK0rdentServiceAccount(k0rdentRegion, sa)
	}
	m.PutK0rdentServiceAccount("eu-west", mockserver.K0rdentServiceAccount{ID: "sa-elsewhere", DisplayName: "x", Scope: "project", ScopeID: "proj-a"})
	id := func(id string) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"id": knownvalue.StringExact(id), "region": knownvalue.StringExact(k0rdentRegion)}
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Query: true,
			Config: m.providerConfig() + `
# Terraform stops a list at 100 results unless told otherwise.
list "agentfleet_service_account" "all" {
  provider = agentfleet
  limit    = 1000
}

list "agentfleet_service_account" "project_a" {
  provider         = agentfleet
  include_resource = true
  config {
    scope    = "project"
    scope_id = "proj-a"
  }
}

list "agentfleet_service_account" "active_in_a" {
  provider = agentfleet
  config {
    scope_id = "proj-a"
    status   = "active"
  }
}

list "agentfleet_service_account" "disabled" {
  provider = agentfleet
  config {
    status = "disabled"
  }
}
`,
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("agentfleet_service_account.all", bulk+3),
				querycheck.ExpectIdentity("agentfleet_service_account.all", id(fmt.Sprintf("sa-bulk-%03d", bulk-1))),
				querycheck.ExpectNoIdentity("agentfleet_service_account.all",
					map[string]knownvalue.Check{"id": knownvalue.StringExact("sa-elsewhere"), "region": knownvalue.StringExact("eu-west")}),
				querycheck.ExpectLength("agentfleet_service_account.project_a", 2),
				querycheck.ExpectResourceDisplayName("agentfleet_service_account.project_a",
					queryfilter.ByResourceIdentity(id("sa-proj-a")), knownvalue.StringExact("Made by hand")),
				querycheck.ExpectResourceKnownValues("agentfleet_service_account.project_a",
					queryfilter.ByResourceIdentity(id("sa-proj-a")),
					[]querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("scope_id"), KnownValue: knownvalue.StringExact("proj-a")},
						{Path: tfjsonpath.New("region"), KnownValue: knownvalue.StringExact(k0rdentRegion)},
						{Path: tfjsonpath.New("client_id"), KnownValue: knownvalue.StringExact("sa-proj-a@myorg.iam")},
						{Path: tfjsonpath.New("roles"), KnownValue: knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("compute.deployer")})},
					}),
				querycheck.ExpectLength("agentfleet_service_account.active_in_a", 1),
				querycheck.ExpectIdentity("agentfleet_service_account.active_in_a", id("sa-proj-a")),
				querycheck.ExpectLength("agentfleet_service_account.disabled", 1),
				querycheck.ExpectIdentity("agentfleet_service_account.disabled", id("sa-proj-a-off")),
			},
		}},
	})
	// Two pages of the whole list, and one of each list the API filtered: the filters reach it.
	if n := m.Calls("GET " + k0rdentAccountsRoute); n != 2+3 {
		t.Fatalf("%d list pages read, want 5", n)
	}
}
