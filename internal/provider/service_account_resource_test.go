package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

const (
	serviceAccountAddr = "agentfleet_service_account.test"
	// k0rdentRegion is the region the test provider block leaves as the default.
	k0rdentRegion = "global"

	// Route patterns of the mock's k0rdent API, as its call counters name them.
	k0rdentAccountsRoute    = mockserver.K0rdentPrefix + "/v1/regions/{region}/iam/service-accounts"
	k0rdentCredentialsRoute = k0rdentAccountsRoute + "/{id}/credentials"
)

// serviceAccountConfig is an agentfleet_service_account.test with the given arguments.
func serviceAccountConfig(args string) string {
	return fmt.Sprintf("\nresource \"agentfleet_service_account\" \"test\" {\n%s\n}\n", args)
}

// pipelineAccount is the seed's example account with a client-chosen id.
const pipelineAccount = `
  id           = "sa-pipeline-prod"
  display_name = "Production CI/CD Pipeline"
  description  = "deploys from CI"
  scope        = "project"
  scope_id     = "proj-abc123"
  roles        = ["compute.deployer", "storage.writer"]
`

// checkServiceAccountsDestroyed is a CheckDestroy that asks the mock store.
func (m *accMock) checkServiceAccountsDestroyed(*terraform.State) error {
	if left := m.K0rdentServiceAccounts(); len(left) != 0 {
		return fmt.Errorf("%d service accounts left on the platform after destroy: %+v", len(left), left)
	}
	return nil
}

// checkOneServiceAccount checks that the mock holds exactly one account, the one in state, with
// this display name and roles.
func (m *accMock) checkOneServiceAccount(displayName string, roles ...string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		all := m.K0rdentServiceAccounts()
		if len(all) != 1 {
			return fmt.Errorf("the platform holds %d service accounts, want exactly 1: %+v", len(all), all)
		}
		id, err := stateAttr(s, serviceAccountAddr, "id")
		if err != nil {
			return err
		}
		got := all[0]
		slices.Sort(got.Roles)
		if got.ID != id || got.Region != k0rdentRegion || got.DisplayName != displayName || !slices.Equal(got.Roles, roles) {
			return fmt.Errorf("the platform's account %+v does not match state id %s, display name %q and roles %v", got, id, displayName, roles)
		}
		return nil
	}
}

func TestAccServiceAccount_lifecycle(t *testing.T) {
	m := newAccMock(t)
	uidSame, uidChanged := statecheck.CompareValue(compare.ValuesSame()), statecheck.CompareValue(compare.ValuesDiffer())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkServiceAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: m.config(serviceAccountConfig(pipelineAccount)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(serviceAccountAddr, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("id"), knownvalue.StringExact("sa-pipeline-prod")),
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("roles"), knownvalue.SetExact([]knownvalue.Check{
						knownvalue.StringExact("compute.deployer"), knownvalue.StringExact("storage.writer"),
					})),
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("client_id"), knownvalue.StringExact("sa-pipeline-prod@myorg.iam")),
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("self_link"), knownvalue.StringExact("/v1/iam/service-accounts/sa-pipeline-prod")),
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("created_by"), knownvalue.StringExact("user-admin-001")),
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("active_credential_count"), knownvalue.Int64Exact(0)),
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("uid"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f-]{36}$`))),
					uidSame.AddStateValue(serviceAccountAddr, tfjsonpath.New("uid")),
				},
				Check: m.checkOneServiceAccount("Production CI/CD Pipeline", "compute.deployer", "storage.writer"),
			},
			{
				ResourceName:      serviceAccountAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				// Display name, description and roles change in place: same account.
				Config: m.config(serviceAccountConfig(`
  id           = "sa-pipeline-prod"
  display_name = "Production pipeline"
  description  = "deploys from CI, and rolls back"
  scope        = "project"
  scope_id     = "proj-abc123"
  roles        = ["compute.deployer", "compute.viewer"]
`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(serviceAccountAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("display_name"), knownvalue.StringExact("Production pipeline")),
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("description"), knownvalue.StringExact("deploys from CI, and rolls back")),
					uidSame.AddStateValue(serviceAccountAddr, tfjsonpath.New("uid")),
				},
				Check: m.checkOneServiceAccount("Production pipeline", "compute.deployer", "compute.viewer"),
			},
			{
				// Leaving out description and roles clears them, still in place.
				Config: m.config(serviceAccountConfig(`
  id           = "sa-pipeline-prod"
  display_name = "Production pipeline"
  scope        = "project"
  scope_id     = "proj-abc123"
`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(serviceAccountAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("description"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("roles"), knownvalue.SetSizeExact(0)),
					uidSame.AddStateValue(serviceAccountAddr, tfjsonpath.New("uid")),
					uidChanged.AddStateValue(serviceAccountAddr, tfjsonpath.New("uid")),
				},
				Check: m.checkOneServiceAccount("Production pipeline"),
			},
			{
				// The scope cannot change: a new account replaces the old one.
				Config: m.config(serviceAccountConfig(`
  id           = "sa-pipeline-prod"
  display_name = "Production pipeline"
  scope        = "organization"
  scope_id     = "org-1"
`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(serviceAccountAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("scope"), knownvalue.StringExact("organization")),
					uidChanged.AddStateValue(serviceAccountAddr, tfjsonpath.New("uid")),
				},
				Check: m.checkOneServiceAccount("Production pipeline"),
			},
		},
	})
}

// Without an id the provider makes one from the display name and a random suffix (so that a
// lost create answer is found by it), and the account imports by it.
func TestAccServiceAccount_generatedID(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkServiceAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: m.config(serviceAccountConfig(`
  display_name = "Nightly jobs"
  scope        = "organization"
  scope_id     = "org-1"
`)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^nightly-jobs-[0-9a-f]{10}$`))),
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("description"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("roles"), knownvalue.SetSizeExact(0)),
				},
				Check: m.checkOneServiceAccount("Nightly jobs"),
			},
			{
				ResourceName:      serviceAccountAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
		},
	})
}

func TestAccServiceAccount_drift(t *testing.T) {
	m := newAccMock(t)
	config := m.config(serviceAccountConfig(pipelineAccount))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkServiceAccountsDestroyed,
		Steps: []resource.TestStep{
			{Config: config},
			{
				// A display name changed in the console is set back in place.
				PreConfig: func() {
					if !m.SetK0rdentServiceAccountDisplayName(k0rdentRegion, "sa-pipeline-prod", "renamed by hand") {
						t.Fatal("the account is not in the mock")
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(serviceAccountAddr, plancheck.ResourceActionUpdate)},
				},
				Check: m.checkOneServiceAccount("Production CI/CD Pipeline", "compute.deployer", "storage.writer"),
			},
			{
				// An account deleted outside Terraform leaves state, and the plan creates it again:
				// the list, which no longer holds it, confirms the 404.
				PreConfig: func() {
					if !m.DeleteK0rdentServiceAccount(k0rdentRegion, "sa-pipeline-prod") {
						t.Fatal("the account is not in the mock")
					}
					m.ResetCalls()
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(serviceAccountAddr, plancheck.ResourceActionCreate)},
				},
				Check: resource.ComposeTestCheckFunc(
					m.checkOneServiceAccount("Production CI/CD Pipeline", "compute.deployer", "storage.writer"),
					func(*terraform.State) error {
						if m.Calls("GET "+k0rdentAccountsRoute) == 0 {
							return fmt.Errorf("the 404 was taken for a deletion without the list: %v", m.AllCalls())
						}
						return nil
					},
				),
			},
		},
	})
}

// Every constrained argument is checked at plan time, before any API call.
func TestAccServiceAccount_validationFailsAtPlan(t *testing.T) {
	valid := map[string]string{
		"id": `"sa-ok"`, "display_name": `"ok"`, "description": `"ok"`, "scope": `"project"`, "scope_id": `"p"`,
	}
	tests := []struct {
		name, attr, value, want string
	}{
		{"id with capitals", "id", `"SA_Prod"`, `Attribute\s+id\s+must\s+be\s+lowercase\s+letters,\s+digits\s+and\s+hyphens`},
		{"id ending with a hyphen", "id", `"sa-"`, `Attribute\s+id\s+must\s+be\s+lowercase`},
		{"id too long", "id", fmt.Sprintf("%q", "a"+strings.Repeat("b", maxServiceAccountID)), `Attribute\s+id\s+string\s+length\s+must\s+be\s+between\s+1\s+and\s+63`},
		{"empty display name", "display_name", `""`, `display_name\s+UTF-8\s+character\s+count\s+must\s+be\s+between\s+1\s+and\s+255`},
		{"display name too long", "display_name", fmt.Sprintf("%q", strings.Repeat("é", maxServiceAccountDisplayName+1)), `display_name\s+UTF-8\s+character\s+count\s+must\s+be\s+between\s+1\s+and\s+255`},
		{"description too long", "description", fmt.Sprintf("%q", strings.Repeat("x", maxServiceAccountDescription+1)), `description\s+UTF-8\s+character\s+count\s+must\s+be\s+at\s+most\s+1024`},
		{"unknown scope", "scope", `"folder"`, `scope\s+value\s+must\s+be\s+one\s+of`},
		{"empty scope id", "scope_id", `""`, `scope_id\s+string\s+length\s+must\s+be\s+at\s+least\s+1`},
		{"empty role", "roles", `["compute.deployer", ""]`, `roles\S*\s+string\s+length\s+must\s+be\s+at\s+least\s+1`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newAccMock(t)
			var args strings.Builder
			for _, attr := range []string{"id", "display_name", "description", "scope", "scope_id", "roles"} {
				value, ok := valid[attr]
				if attr == tc.attr {
					value, ok = tc.value, true
				}
				if ok {
					fmt.Fprintf(&args, "  %s = %s\n", attr, value)
				}
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      m.config(serviceAccountConfig(args.String())),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
			m.expectNoCalls(t)
		})
	}
}

func TestAccServiceAccount_importRejectsMalformedID(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:        m.config(serviceAccountConfig(pipelineAccount)),
			ResourceName:  serviceAccountAddr,
			ImportState:   true,
			ImportStateId: "SA/Prod",
			ExpectError:   regexp.MustCompile(`Import\s+a\s+service\s+account\s+by\s+its\s+id`),
		}},
	})
	m.expectNoCalls(t)
}

// A create whose answer is lost after the platform committed it adopts the account by its id,
// whether configured or made by the provider from the display name: the apply succeeds and no
// second account appears.
func TestAccServiceAccount_lostCreateAnswerIsAdopted(t *testing.T) {
	for _, id := range []string{"configured", "generated"} {
		for _, lost := range lostAnswers {
			t.Run(id+"/"+lost.name, func(t *testing.T) {
				m := newAccMock(t)
				args, wantID := pipelineAccount, knownvalue.Check(knownvalue.StringExact("sa-pipeline-prod"))
				if id == "generated" {
					args = strings.Replace(pipelineAccount, `id           = "sa-pipeline-prod"`, "", 1)
					wantID = knownvalue.StringRegexp(regexp.MustCompile(`^production-ci-cd-pipeline-[0-9a-f]{10}$`))
				}
				resource.Test(t, resource.TestCase{
					ProtoV6ProviderFactories: testAccProviders,
					CheckDestroy:             m.checkServiceAccountsDestroyed,
					Steps: []resource.TestStep{{
						PreConfig:         func() { m.GatewayErrorNextWrites(lost.status, 1) },
						Config:            m.config(serviceAccountConfig(args)),
						ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("id"), wantID)},
						Check: resource.ComposeTestCheckFunc(
							m.checkOneServiceAccount("Production CI/CD Pipeline", "compute.deployer", "storage.writer"),
							func(*terraform.State) error {
								if n := m.Calls("POST " + k0rdentAccountsRoute); n != 1 {
									return fmt.Errorf("%d creates sent, want 1: the lost one is found, not sent again", n)
								}
								return nil
							},
						),
					}},
				})
			})
		}
	}
}

// An id that belongs to an account Terraform did not create is an error, never a takeover.
func TestAccServiceAccount_existingIDIsAClearError(t *testing.T) {
	m := newAccMock(t)
	m.PutK0rdentServiceAccount(k0rdentRegion, mockserver.K0rdentServiceAccount{
		ID: "sa-pipeline-prod", DisplayName: "Someone else's", Scope: "project", ScopeID: "proj-abc123",
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:      m.config(serviceAccountConfig(pipelineAccount)),
			ExpectError: regexp.MustCompile(`(?s)HTTP\s+409\s+Conflict.*import\s+it\s+\(terraform\s+import\)\s+or\s+choose\s+another\s+id`),
		}},
	})
	if all := m.K0rdentServiceAccounts(); len(all) != 1 || all[0].DisplayName != "Someone else's" {
		t.Fatalf("the existing account was changed: %+v", all)
	}
}

// Adding a credential changes the account's active_credential_count on the platform. The plan
// that adds it leaves the account alone, no plan after it shows a diff, and the next refresh
// brings the count up to date.
func TestAccServiceAccount_credentialCountFollowsWithoutDiff(t *testing.T) {
	m := newAccMock(t)
	account := m.config(serviceAccountConfig(pipelineAccount))
	withCredential := account + `
resource "agentfleet_service_account_credential" "test" {
  service_account_id = agentfleet_service_account.test.id
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkServiceAccountsDestroyed,
		Steps: []resource.TestStep{
			{Config: account},
			{
				Config: withCredential,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(serviceAccountAddr, plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction(credentialAddr, plancheck.ResourceActionCreate),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				RefreshState: true,
				Check:        resource.TestCheckResourceAttr(serviceAccountAddr, "active_credential_count", "1"),
			},
			{
				// Display name and count change together without an inconsistent result.
				Config: strings.Replace(withCredential, "Production CI/CD Pipeline", "Pipeline", 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(serviceAccountAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("active_credential_count"), knownvalue.Int64Exact(1)),
				},
			},
		},
	})
}

// A token that lost its admin rights gets 404 for a service account that exists, while the
// list still shows it. Read one call at a time, the refresh fails, saying what to check, and
// nothing leaves state; batched, it reads the account from the list, and nothing changes. A
// destroy fails rather than report success. With the rights back, nothing has changed.
func TestAccServiceAccount_nonAdmin404KeepsState(t *testing.T) {
	m := newAccMock(t)
	config := m.config(serviceAccountConfig(pipelineAccount))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkServiceAccountsDestroyed,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() { m.SetK0rdentNonAdmin(true) },
				Config:    config,
				PlanOnly:  true, // batched: the list holds the account, so the plan is empty
			},
			{
				Config:   m.configIn("k0rdent", "batch_reads = false", serviceAccountConfig(pipelineAccount)),
				PlanOnly: true,
				ExpectError: phrase("Unable to read service account", "HTTP 404 Not Found", `service account "sa-pipeline-prod"`,
					"still in the list of service accounts", "tenant administrator", "AGENTFLEET_K0RDENT_TOKEN", "Nothing was removed from the state"),
			},
			{
				PreConfig: func() { m.SetK0rdentNonAdmin(false) },
				Config:    config,
				PlanOnly:  true,
			},
			{
				// Rights lost between the refresh and the delete: the delete's 404 is no success.
				PreConfig: func() { m.SetK0rdentNonAdminFor(http.MethodDelete) },
				Config:    m.providerConfig(),
				ExpectError: phrase("Unable to delete service account", "HTTP 404 Not Found", "still in the list of service accounts",
					"tenant administrator"),
			},
			{
				PreConfig: func() {
					if all := m.K0rdentServiceAccounts(); len(all) != 1 {
						t.Errorf("the platform holds %+v after the refused destroy, want the account", all)
					}
					m.SetK0rdentNonAdmin(false)
				},
				Config: m.providerConfig(),
			},
		},
	})
}

// k0rdentInRegion is a provider block for k0rdent alone, addressing region.
func (m *accMock) k0rdentInRegion(region, resources string) string {
	return fmt.Sprintf(`
provider "agentfleet" {
  retry_wait_min = "1ms"
  retry_wait_max = "20ms"

  k0rdent {
    endpoint = %q
    token    = %q
    region   = %q
  }
}
`, m.Endpoints.K0rdent, m.Credentials().K0rdentToken, region) + resources
}

// An account lives in the region of the provider block that created it, and its state says
// which. A provider block that addresses another region cannot read, change or delete it, and
// says so: reading by the same id there would find a different account, or none.
func TestAccServiceAccount_regionIsTheProviders(t *testing.T) {
	m := newAccMock(t)
	const region = "eu-west"
	oneInRegion := func(*terraform.State) error {
		if all := m.K0rdentServiceAccounts(); len(all) != 1 || all[0].Region != region {
			return fmt.Errorf("the platform holds %+v, want one account in %s", all, region)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkServiceAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: m.k0rdentInRegion(region, serviceAccountConfig(pipelineAccount)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("region"), knownvalue.StringExact(region)),
				},
				Check: oneInRegion,
			},
			{
				Config:      m.k0rdentInRegion(k0rdentRegion, serviceAccountConfig(pipelineAccount)),
				ExpectError: phrase(`Service account "sa-pipeline-prod" is in region "eu-west"`, `k0rdent block addresses region "global"`),
			},
			{
				// Nothing was created or deleted meanwhile; back in its region, the account is as it was.
				Config: m.k0rdentInRegion(region, serviceAccountConfig(pipelineAccount)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: oneInRegion,
			},
		},
	})
}

// Terraform 1.12 and later: an account's identity is its id and region. An import block names
// it by both, and only in the provider's region; the account can then be imported by identity
// and by id alike.
func TestAccServiceAccount_importByIdentity(t *testing.T) {
	m := newAccMock(t)
	m.PutK0rdentServiceAccount(k0rdentRegion, mockserver.K0rdentServiceAccount{
		ID: "sa-made-by-hand", DisplayName: "Made by hand", Scope: "project", ScopeID: "proj-abc123",
	})
	const account = `
  id           = "sa-made-by-hand"
  display_name = "Made by hand"
  scope        = "project"
  scope_id     = "proj-abc123"
`
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkServiceAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: m.config(`
import {
  to = agentfleet_service_account.test
  identity = {
    id     = "sa-made-by-hand"
    region = "global"
  }
}
` + serviceAccountConfig(account)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(serviceAccountAddr, plancheck.ResourceActionNoop)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(serviceAccountAddr, map[string]knownvalue.Check{
						"id":     knownvalue.StringExact("sa-made-by-hand"),
						"region": knownvalue.StringExact(k0rdentRegion),
					}),
					statecheck.ExpectIdentityValueMatchesState(serviceAccountAddr, tfjsonpath.New("id")),
					statecheck.ExpectIdentityValueMatchesState(serviceAccountAddr, tfjsonpath.New("region")),
					statecheck.ExpectKnownValue(serviceAccountAddr, tfjsonpath.New("client_id"), knownvalue.StringExact("sa-made-by-hand@myorg.iam")),
				},
			},
			{
				Config:          m.config(serviceAccountConfig(account)),
				ResourceName:    serviceAccountAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				Config:          m.config(serviceAccountConfig(account)),
				ResourceName:    serviceAccountAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
		},
	})
}

// The provider addresses one region: an identity naming another is an error that says which
// region is configured, before any call.
func TestAccServiceAccount_importByIdentityFromAnotherRegion(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: m.config(`
import {
  to = agentfleet_service_account.test
  identity = {
    id     = "sa-pipeline-prod"
    region = "eu-west"
  }
}
` + serviceAccountConfig(pipelineAccount)),
			ExpectError: phrase(`The import names region "eu-west"`, `k0rdent block is configured for region "global"`),
		}},
	})
	m.expectNoCalls(t)
}

// A server that writes timestamps in another precision on writes than on reads ends an update
// without an inconsistent result, and a refresh plans nothing, not even for what follows the
// timestamps.
func TestAccServiceAccount_timestampsInAnotherPrecision(t *testing.T) {
	watch := `
resource "terraform_data" "times" {
  input = agentfleet_service_account.test.created_at
}
`
	renamed := serviceAccountConfig(strings.Replace(pipelineAccount, "Production CI/CD Pipeline", "Pipeline", 1))
	emptyAfterRefresh := resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	tests := map[string]func(m *accMock) []resource.TestStep{
		"update": func(m *accMock) []resource.TestStep {
			return []resource.TestStep{
				{Config: m.config(serviceAccountConfig(pipelineAccount))},
				{Config: m.config(renamed), Check: m.checkOneServiceAccount("Pipeline", "compute.deployer", "storage.writer")},
			}
		},
		"refresh": func(m *accMock) []resource.TestStep {
			return []resource.TestStep{
				{Config: m.config(serviceAccountConfig(pipelineAccount) + watch), ConfigPlanChecks: emptyAfterRefresh},
				{Config: m.config(renamed + watch), ConfigPlanChecks: emptyAfterRefresh},
			}
		},
	}
	for name, steps := range tests {
		t.Run(name, func(t *testing.T) {
			m := newAccMock(t)
			m.SetTimePrecisionDrift(true)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             m.checkServiceAccountsDestroyed,
				Steps:                    steps(m),
			})
		})
	}
}
