package provider

import (
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

// Terraform 1.14 and later: `terraform query` finds the credentials of one service account, all
// of them or by status, with their identities and never their client secrets.
func TestAccServiceAccountCredentialList_terraformQuery(t *testing.T) {
	m := newCredentialMock(t)
	live, _ := m.AddK0rdentCredential(k0rdentRegion, credentialAccount)
	m.AddK0rdentCredential(k0rdentRegion, credentialAccount)
	gone, _ := m.AddK0rdentCredential(k0rdentRegion, credentialAccount)
	m.SetK0rdentCredentialExpiry(k0rdentRegion, credentialAccount, gone.ID, time.Now().Add(-time.Hour))
	m.PutK0rdentServiceAccount(k0rdentRegion, mockserver.K0rdentServiceAccount{ID: "sa-other", DisplayName: "x", Scope: "project", ScopeID: "p"})
	other, _ := m.AddK0rdentCredential(k0rdentRegion, "sa-other")
	cred := func(id string) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"id": knownvalue.StringExact(id), "service_account_id": knownvalue.StringExact(credentialAccount)}
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Query: true,
			Config: m.providerConfig() + `
list "agentfleet_service_account_credential" "all" {
  provider         = agentfleet
  include_resource = true
  config {
    service_account_id = "sa-pipeline-prod"
  }
}

list "agentfleet_service_account_credential" "expired" {
  provider = agentfleet
  config {
    service_account_id = "sa-pipeline-prod"
    status             = "expired"
  }
}

list "agentfleet_service_account_credential" "active" {
  provider = agentfleet
  config {
    service_account_id = "sa-pipeline-prod"
    status             = "active"
  }
}
`,
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("agentfleet_service_account_credential.all", 3),
				querycheck.ExpectNoIdentity("agentfleet_service_account_credential.all",
					map[string]knownvalue.Check{"id": knownvalue.StringExact(other.ID), "service_account_id": knownvalue.StringExact("sa-other")}),
				querycheck.ExpectResourceDisplayName("agentfleet_service_account_credential.all",
					queryfilter.ByResourceIdentity(cred(live.ID)), knownvalue.StringExact(live.ID)),
				querycheck.ExpectResourceKnownValues("agentfleet_service_account_credential.all",
					queryfilter.ByResourceIdentity(cred(live.ID)),
					[]querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("client_id"), KnownValue: knownvalue.StringExact(credentialAccount + "@myorg.iam")},
						{Path: tfjsonpath.New("client_secret"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("status"), KnownValue: knownvalue.StringExact("active")},
						{Path: tfjsonpath.New("expires_at"), KnownValue: knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT`))},
					}),
				querycheck.ExpectLength("agentfleet_service_account_credential.expired", 1),
				querycheck.ExpectIdentity("agentfleet_service_account_credential.expired", cred(gone.ID)),
				querycheck.ExpectLength("agentfleet_service_account_credential.active", 2),
				querycheck.ExpectNoIdentity("agentfleet_service_account_credential.active", cred(gone.ID)),
			},
		}},
	})
}

// The credentials of a service account that does not exist cannot be listed: the query fails
// with the platform's answer.
func TestAccServiceAccountCredentialList_terraformQueryOfUnknownAccount(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Query: true,
			Config: m.providerConfig() + `
list "agentfleet_service_account_credential" "all" {
  provider = agentfleet
  config {
    service_account_id = "sa-nobody"
  }
}
`,
			ExpectError: phrase("Unable to list service account credentials", "k0rdent IAM API returned HTTP 404"),
		}},
	})
}
