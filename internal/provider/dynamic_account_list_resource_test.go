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

// byAccountName is the identity of the account of that name.
func byAccountName(name string) map[string]knownvalue.Check {
	return map[string]knownvalue.Check{"name": knownvalue.StringExact(name)}
}

// Terraform 1.14 and later: `terraform query` finds the dynamic accounts migrated outside
// Terraform, across pages (the client asks for 100), by state, with their identities and never
// a kubeconfig; static accounts, which cannot be imported, are left out.
func TestAccDynamicAccountListQuery_pagesAndStates(t *testing.T) {
	m := newAccMock(t)
	const migrated = 130
	for i := range migrated {
		m.PutArmoryAccount(fmt.Sprintf("bulk-%03d", i), "", i%2 == 0)
	}
	m.PutArmoryAccount("prod-k8s", "agent-1_spinnaker", true)
	m.SetArmoryAccountState("bulk-007", mockserver.ArmoryStateFailed, "agent lost connection to the cluster")
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Query: true,
				Config: m.providerConfig() + `
list "agentfleet_dynamic_account" "all" {
  provider         = agentfleet
  include_resource = true
  limit            = 1000
}

list "agentfleet_dynamic_account" "failed" {
  provider = agentfleet
  config {
    state = "FAILED"
  }
}

list "agentfleet_dynamic_account" "first" {
  provider = agentfleet
  limit    = 3
}
`,
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("agentfleet_dynamic_account.all", migrated+1),
					querycheck.ExpectIdentity("agentfleet_dynamic_account.all", byAccountName("bulk-129")),
					querycheck.ExpectNoIdentity("agentfleet_dynamic_account.all", byAccountName("static-agent-account-01")),
					querycheck.ExpectResourceDisplayName("agentfleet_dynamic_account.all", queryfilter.ByResourceIdentity(byAccountName("prod-k8s")),
						knownvalue.StringExact("prod-k8s")),
					querycheck.ExpectResourceKnownValues("agentfleet_dynamic_account.all", queryfilter.ByResourceIdentity(byAccountName("prod-k8s")),
						[]querycheck.KnownValueCheck{
							{Path: tfjsonpath.New("state"), KnownValue: knownvalue.StringExact("ACTIVE")},
							{Path: tfjsonpath.New("active"), KnownValue: knownvalue.Bool(true)},
							{Path: tfjsonpath.New("zone_id"), KnownValue: knownvalue.StringExact("agent-1_spinnaker")},
							{Path: tfjsonpath.New("source"), KnownValue: knownvalue.StringExact("clouddriver")},
							{Path: tfjsonpath.New("agents"), KnownValue: knownvalue.ListSizeExact(2)},
							{Path: tfjsonpath.New("kubeconfig_file"), KnownValue: knownvalue.Null()},
							{Path: tfjsonpath.New("kubeconfig_file_wo"), KnownValue: knownvalue.Null()},
							{Path: tfjsonpath.New("kubeconfig_file_wo_version"), KnownValue: knownvalue.Null()},
							{Path: tfjsonpath.New("timeouts"), KnownValue: knownvalue.Null()},
						}),
					querycheck.ExpectResourceKnownValues("agentfleet_dynamic_account.all", queryfilter.ByResourceIdentity(byAccountName("bulk-001")),
						[]querycheck.KnownValueCheck{
							{Path: tfjsonpath.New("state"), KnownValue: knownvalue.StringExact("INACTIVE")},
							{Path: tfjsonpath.New("active"), KnownValue: knownvalue.Bool(false)},
							{Path: tfjsonpath.New("zone_id"), KnownValue: knownvalue.Null()},
						}),
					querycheck.ExpectLength("agentfleet_dynamic_account.failed", 1),
					querycheck.ExpectIdentity("agentfleet_dynamic_account.failed", byAccountName("bulk-007")),
					querycheck.ExpectLength("agentfleet_dynamic_account.first", 3),
				},
			},
		},
	})
}

// Terraform 1.14 and later: an Armory that does not serve the list ends the query with an error
// that says so and how to import instead; an unconfigured platform says which block to add; a
// state the platform does not know fails before any call.
func TestAccDynamicAccountListQuery_refusals(t *testing.T) {
	m := newAccMock(t)
	m.SetArmoryAccountListServed(false)
	m.PutArmoryAccount("prod-k8s", "agent-1_spinnaker", true)
	query := func(config string) string {
		return "\nlist \"agentfleet_dynamic_account\" \"q\" {\n  provider = agentfleet\n" + config + "}\n"
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Query:       true,
				Config:      "provider \"agentfleet\" {}\n" + query(""),
				ExpectError: phrase("armory platform is not configured", "AGENTFLEET_ARMORY_ENDPOINT"),
			},
			{
				Query:       true,
				Config:      m.providerConfig() + query("  config {\n    state = \"ASSIGNING\"\n  }\n"),
				ExpectError: phrase("state value must be one of"),
			},
			{
				Query:       true,
				Config:      m.providerConfig() + query(""),
				ExpectError: phrase("Dynamic account list not available", "does not serve the account list", "HTTP 405", "Import the accounts by name"),
			},
		},
	})
	if n := m.Calls("GET " + armoryRoute); n != 1 {
		t.Fatalf("%d list calls, want 1: the refusals before the last call nothing, and a 405 is final", n)
	}
}
