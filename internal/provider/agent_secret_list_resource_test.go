package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// Terraform 1.14 and later: `terraform query` finds the secrets made outside Terraform, by name,
// by status or all of them, across every page of the list, with their identities and never
// their values. Revoked secrets, which cannot be imported, are left out unless the status asks
// for them.
func TestAccAgentSecretList_terraformQuery(t *testing.T) {
	m := newAccMock(t)
	byHand := m.PutAriaSecret("made-by-hand")
	m.PutAriaSecret("other")
	m.PutAriaSecret("third")
	old := m.PutAriaSecret("old")
	m.RevokeAriaSecret(old.ID)
	m.SetAriaMaxPageSize(2) // the four secrets come on two pages
	name := func(n string) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"name": knownvalue.StringExact(n)}
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Query: true,
			Config: m.providerConfig() + `
list "agentfleet_agent_secret" "by_name" {
  provider = agentfleet
  config {
    name = "made-by-hand"
  }
}

list "agentfleet_agent_secret" "all" {
  provider         = agentfleet
  include_resource = true
}

list "agentfleet_agent_secret" "revoked" {
  provider = agentfleet
  config {
    status = "revoked"
  }
}

list "agentfleet_agent_secret" "first" {
  provider = agentfleet
  limit    = 1
}
`,
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("agentfleet_agent_secret.by_name", 1),
				querycheck.ExpectIdentity("agentfleet_agent_secret.by_name", name("made-by-hand")),
				querycheck.ExpectLength("agentfleet_agent_secret.all", 3),
				querycheck.ExpectIdentity("agentfleet_agent_secret.all", name("third")),
				querycheck.ExpectNoIdentity("agentfleet_agent_secret.all", name("old")),
				querycheck.ExpectResourceDisplayName("agentfleet_agent_secret.all",
					queryfilter.ByResourceIdentity(name("other")), knownvalue.StringExact("other")),
				querycheck.ExpectResourceKnownValues("agentfleet_agent_secret.all",
					queryfilter.ByResourceIdentity(name("made-by-hand")),
					[]querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(byHand.ID)},
						{Path: tfjsonpath.New("status"), KnownValue: knownvalue.StringExact("ACTIVE")},
						{Path: tfjsonpath.New("secret"), KnownValue: knownvalue.Null()},
					}),
				querycheck.ExpectLength("agentfleet_agent_secret.revoked", 1),
				querycheck.ExpectIdentity("agentfleet_agent_secret.revoked", name("old")),
				querycheck.ExpectLength("agentfleet_agent_secret.first", 1),
			},
		}},
	})
	if n := m.Calls("GET " + ariaSecretsRoute); n < 4*2 {
		t.Fatalf("%d list pages read, want at least 2 for each of the 4 lists", n)
	}
}
