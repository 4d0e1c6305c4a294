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

// More accounts than one page (the client asks for 100) prove the data source walks every page.
func TestAccDynamicAccountsDataSource_allPages(t *testing.T) {
	m := newAccMock(t)
	const migrated, static = 130, 2
	for i := range migrated {
		m.PutArmoryAccount(fmt.Sprintf("bulk-%03d", i), "", i%2 == 0)
	}
	const all, dynamic, statics = "data.agentfleet_dynamic_accounts.all", "data.agentfleet_dynamic_accounts.dynamic", "data.agentfleet_dynamic_accounts.static"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: m.config(`
data "agentfleet_dynamic_accounts" "all" {}
data "agentfleet_dynamic_accounts" "dynamic" { source = "clouddriver" }
data "agentfleet_dynamic_accounts" "static" { source = "static-agent-config" }
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(all, tfjsonpath.New("accounts"), knownvalue.ListSizeExact(migrated+static)),
				// Sorted by name, across the page boundary.
				statecheck.ExpectKnownValue(all, tfjsonpath.New("accounts").AtSliceIndex(0).AtMapKey("name"), knownvalue.StringExact("bulk-000")),
				statecheck.ExpectKnownValue(all, tfjsonpath.New("accounts").AtSliceIndex(migrated-1).AtMapKey("name"), knownvalue.StringExact("bulk-129")),
				statecheck.ExpectKnownValue(all, tfjsonpath.New("accounts").AtSliceIndex(migrated).AtMapKey("name"),
					knownvalue.StringExact("static-agent-account-01")),
				statecheck.ExpectKnownValue(all, tfjsonpath.New("accounts").AtSliceIndex(0).AtMapKey("state"), knownvalue.StringExact("ACTIVE")),
				statecheck.ExpectKnownValue(all, tfjsonpath.New("accounts").AtSliceIndex(0).AtMapKey("agents"), knownvalue.ListSizeExact(2)),
				statecheck.ExpectKnownValue(all, tfjsonpath.New("accounts").AtSliceIndex(1).AtMapKey("state"), knownvalue.StringExact("INACTIVE")),
				statecheck.ExpectKnownValue(all, tfjsonpath.New("accounts").AtSliceIndex(1).AtMapKey("zone_id"), knownvalue.Null()),
				statecheck.ExpectKnownValue(dynamic, tfjsonpath.New("accounts"), knownvalue.ListSizeExact(migrated)),
				statecheck.ExpectKnownValue(statics, tfjsonpath.New("accounts"), knownvalue.ListSizeExact(static)),
				statecheck.ExpectKnownValue(statics, tfjsonpath.New("accounts").AtSliceIndex(0).AtMapKey("source"),
					knownvalue.StringExact("static-agent-config")),
			},
			Check: func(*terraform.State) error {
				// Three data sources, two pages each, and nothing fetched twice per read.
				if got := m.Calls("GET " + armoryRoute); got%2 != 0 || got == 0 {
					return fmt.Errorf("list calls %d; want a whole number of 2-page walks", got)
				}
				return nil
			},
		}},
	})
}

func TestAccDynamicAccountsDataSource_invalidSourceFailsAtPlan(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:      m.config(`data "agentfleet_dynamic_accounts" "test" { source = "dynamic" }`),
			ExpectError: regexp.MustCompile(`(?s)Attribute\s+source\s+value\s+must\s+be\s+one\s+of`),
		}},
	})
	m.expectNoCalls(t)
}

// Only a draft page documents the list. An Armory that answers 405 (or 404) for it gets an error
// that says so and points at the singular data source, which still works.
func TestAccDynamicAccountsDataSource_listNotServed(t *testing.T) {
	m := newAccMock(t)
	m.SetArmoryAccountListServed(false)
	m.PutArmoryAccount("prod-k8s", "agent-1_spinnaker", true)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: m.config(`data "agentfleet_dynamic_accounts" "all" {}`),
				ExpectError: phrase("Dynamic account list not available", "does not serve the account list", "HTTP 405",
					"agentfleet_dynamic_account data source"),
			},
			{
				Config: m.config(`data "agentfleet_dynamic_account" "one" { name = "prod-k8s" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.agentfleet_dynamic_account.one", tfjsonpath.New("state"), knownvalue.StringExact("ACTIVE")),
				},
			},
		},
	})
	if n := m.Calls("GET " + armoryRoute); n != 1 {
		t.Fatalf("%d list calls, want 1: a 405 is final", n)
	}
}
