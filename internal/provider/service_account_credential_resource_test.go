package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

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
	credentialAddr = "agentfleet_service_account_credential.test"
	// credentialAccount is the service account the credential tests put in the mock directly.
	credentialAccount = "sa-pipeline-prod"
)

// credentialConfig is an agentfleet_service_account_credential.test of credentialAccount with
// the given extra arguments.
func credentialConfig(args string) string {
	return fmt.Sprintf(`
resource "agentfleet_service_account_credential" "test" {
  service_account_id = %q
%s
}
`, credentialAccount, args)
}

// newCredentialMock is a mock holding credentialAccount, so that only credential calls are made.
func newCredentialMock(t *testing.T) *accMock {
	t.Helper()
	m := newAccMock(t)
	m.PutK0rdentServiceAccount(k0rdentRegion, mockserver.K0rdentServiceAccount{
		ID: credentialAccount, DisplayName: "Production CI/CD Pipeline", Scope: "project", ScopeID: "proj-abc123",
	})
	return m
}

// inHours is an RFC 3339 time h hours from now, in whole seconds, written in zone.
func inHours(h int, zone *time.Location) string {
	return time.Now().Add(time.Duration(h) * time.Hour).Truncate(time.Second).In(zone).Format(time.RFC3339)
}

// checkCredentialsDestroyed is a CheckDestroy that asks the mock store.
func (m *accMock) checkCredentialsDestroyed(*terraform.State) error {
	if left := m.K0rdentCredentials(credentialAccount); len(left) != 0 {
		return fmt.Errorf("%d credentials left on the platform after destroy: %+v", len(left), left)
	}
	return nil
}

// checkOneCredential checks that the mock holds exactly one credential of credentialAccount: the
// one in state, with the secret in state, expiring at expiresAt (RFC 3339), or with "" at the end
// of the organization's default lifetime, which the platform gives a credential without one.
func (m *accMock) checkOneCredential(expiresAt string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		creds := m.K0rdentCredentials(credentialAccount)
		if len(creds) != 1 {
			return fmt.Errorf("the platform holds %d credentials, want exactly 1: %+v", len(creds), creds)
		}
		id, err := stateAttr(s, credentialAddr, "id")
		if err != nil {
			return err
		}
		secret, err := stateAttr(s, credentialAddr, "client_secret")
		if err != nil {
			return err
		}
		c := creds[0]
		if c.ID != id || c.ClientSecret != secret {
			return fmt.Errorf("state holds credential %s and its secret, the platform %s", id, c.ID)
		}
		want := c.CreatedAt.Add(mockserver.K0rdentDefaultCredentialLifetime)
		if expiresAt != "" {
			want, _ = time.Parse(time.RFC3339, expiresAt)
		}
		if !c.ExpiresAt.Equal(want) {
			return fmt.Errorf("the credential expires at %v, want %v", c.ExpiresAt, want)
		}
		return nil
	}
}

// credentialImportID is the import id of the credential in state.
func credentialImportID(s *terraform.State) (string, error) {
	id, err := stateAttr(s, credentialAddr, "id")
	return credentialAccount + "/" + id, err
}

func TestAccServiceAccountCredential_lifecycle(t *testing.T) {
	m := newCredentialMock(t)
	expires, later := inHours(72, time.UTC), inHours(96, time.UTC)
	idSame, idChanged := statecheck.CompareValue(compare.ValuesSame()), statecheck.CompareValue(compare.ValuesDiffer())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkCredentialsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: m.config(credentialConfig(fmt.Sprintf("  expires_at = %q", expires))),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(credentialAddr, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(credentialAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^cred-`))),
					statecheck.ExpectKnownValue(credentialAddr, tfjsonpath.New("client_id"), knownvalue.StringExact(credentialAccount+"@myorg.iam")),
					statecheck.ExpectKnownValue(credentialAddr, tfjsonpath.New("client_secret"), knownvalue.StringRegexp(regexp.MustCompile(`^k0s_`))),
					statecheck.ExpectSensitiveValue(credentialAddr, tfjsonpath.New("client_secret")),
					statecheck.ExpectKnownValue(credentialAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(expires)),
					statecheck.ExpectKnownValue(credentialAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue(credentialAddr, tfjsonpath.New("created_by"), knownvalue.StringExact("user-admin-001")),
					statecheck.ExpectKnownValue(credentialAddr, tfjsonpath.New("last_used_at"), knownvalue.Null()),
					statecheck.ExpectKnownValue(credentialAddr, tfjsonpath.New("last_used_ip"), knownvalue.Null()),
					idSame.AddStateValue(credentialAddr, tfjsonpath.New("id")),
				},
				Check: m.checkOneCredential(expires),
			},
			{
				ResourceName:      credentialAddr,
				ImportState:       true,
				ImportStateIdFunc: credentialImportID,
				ImportStateVerify: true,
				// The API returns the secret only to the create; an imported credential has none.
				ImportStateVerifyIgnore: []string{"client_secret"},
			},
			{
				// rotate_before lives in Terraform alone: set in place, same credential.
				Config: m.config(credentialConfig(fmt.Sprintf("  expires_at = %q\n  rotate_before = \"1h\"", expires))),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(credentialAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					idSame.AddStateValue(credentialAddr, tfjsonpath.New("id")),
					idChanged.AddStateValue(credentialAddr, tfjsonpath.New("id")),
				},
				Check: m.checkOneCredential(expires),
			},
			{
				// An expiry cannot change: a new credential replaces the old one.
				Config: m.config(credentialConfig(fmt.Sprintf("  expires_at = %q\n  rotate_before = \"1h\"", later))),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(credentialAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(credentialAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(later)),
					idChanged.AddStateValue(credentialAddr, tfjsonpath.New("id")),
				},
				Check: m.checkOneCredential(later),
			},
		},
	})
}

// The API writes times in UTC; an expiry configured with another offset is kept as written, and
// rewriting the same instant differently changes nothing on the platform.
func TestAccServiceAccountCredential_expirySpelling(t *testing.T) {
	m := newCredentialMock(t)
	at := time.Now().Add(72 * time.Hour).Truncate(time.Second)
	expires, inUTC := at.In(time.FixedZone("JST", 9*3600)).Format(time.RFC3339), at.UTC().Format(time.RFC3339)
	idSame := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkCredentialsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: m.config(credentialConfig(fmt.Sprintf("  expires_at = %q", expires))),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(credentialAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(expires)),
					idSame.AddStateValue(credentialAddr, tfjsonpath.New("id")),
				},
				Check: m.checkOneCredential(expires),
			},
			{
				Config: m.config(credentialConfig(fmt.Sprintf("  expires_at = %q", inUTC))),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(credentialAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(credentialAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(inUTC)),
					idSame.AddStateValue(credentialAddr, tfjsonpath.New("id")),
				},
				Check: m.checkOneCredential(expires),
			},
		},
	})
}

// A credential whose platform-set expiry comes within rotate_before is planned for replacement;
// with create_before_destroy the new one exists before the old one is revoked.
func TestAccServiceAccountCredential_rotateBeforeExpiry(t *testing.T) {
	m := newCredentialMock(t)
	config := m.config(credentialConfig(`
  rotate_before = "24h"

  lifecycle {
    create_before_destroy = true
  }`))
	var oldID string
	bringExpiryClose := func() {
		if !m.AgeK0rdentCredential(k0rdentRegion, credentialAccount, oldID, mockserver.K0rdentDefaultCredentialLifetime-time.Hour) {
			t.Fatalf("credential %s is not in the mock", oldID)
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkCredentialsDestroyed,
		Steps: []resource.TestStep{
			{
				// The platform sets the default lifetime, far beyond rotate_before: nothing to
				// rotate, and no plan churn.
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(credentialAddr, tfjsonpath.New("expires_at"), knownvalue.NotNull()),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(m.checkOneCredential(""), captureAttr(credentialAddr, "id", &oldID)),
			},
			{
				PreConfig:          bringExpiryClose,
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(credentialAddr, plancheck.ResourceActionCreateBeforeDestroy),
						plancheck.ExpectUnknownValue(credentialAddr, tfjsonpath.New("client_secret")),
					},
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(credentialAddr, plancheck.ResourceActionCreateBeforeDestroy)},
				},
				Check: resource.ComposeTestCheckFunc(
					m.checkOneCredential(""),
					expectNewID(credentialAddr, &oldID),
				),
			},
		},
	})
}

// With expires_at configured, a replacement would expire just as soon: the plan only warns, and
// does not churn.
func TestAccServiceAccountCredential_rotateBeforeConfiguredExpiryDoesNotChurn(t *testing.T) {
	m := newCredentialMock(t)
	expires := inHours(2, time.UTC)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkCredentialsDestroyed,
		Steps: []resource.TestStep{{
			Config: m.config(credentialConfig(fmt.Sprintf("  expires_at = %q\n  rotate_before = \"24h\"", expires))),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: m.checkOneCredential(expires),
		}},
	})
}

func TestAccServiceAccountCredential_drift(t *testing.T) {
	m := newAccMock(t)
	config := m.config(serviceAccountConfig(pipelineAccount) + `
resource "agentfleet_service_account_credential" "test" {
  service_account_id = agentfleet_service_account.test.id
}
`)
	var id string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkServiceAccountsDestroyed,
		Steps: []resource.TestStep{
			{Config: config, Check: captureAttr(credentialAddr, "id", &id)},
			{
				// A credential revoked in the console is created again.
				PreConfig: func() {
					if !m.DeleteK0rdentCredential(k0rdentRegion, credentialAccount, id) {
						t.Fatalf("credential %s is not in the mock", id)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(credentialAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(serviceAccountAddr, plancheck.ResourceActionNoop),
					},
				},
				Check: m.checkOneCredential(""),
			},
			{
				// With the account deleted, its credentials go too: both are created again.
				PreConfig: func() {
					if !m.DeleteK0rdentServiceAccount(k0rdentRegion, credentialAccount) {
						t.Fatal("the account is not in the mock")
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(credentialAddr, plancheck.ResourceActionCreate),
						plancheck.ExpectResourceAction(serviceAccountAddr, plancheck.ResourceActionCreate),
					},
				},
				Check: m.checkOneCredential(""),
			},
		},
	})
}

func TestAccServiceAccountCredential_validationFailsAtPlan(t *testing.T) {
	tests := []struct {
		name, config, want string
	}{
		{"expiry not RFC 3339", credentialConfig(`  expires_at = "next tuesday"`), `(?s)Invalid\s+RFC3339\s+String\s+Value.*expires_at.*Given\s+Value:\s+next\s+tuesday`},
		{"expiry without zone", credentialConfig(`  expires_at = "2030-01-01T00:00:00"`), `(?s)Invalid\s+RFC3339\s+String\s+Value.*expires_at.*Given\s+Value:\s+2030-01-01T00:00:00`},
		{"rotate_before not a duration", credentialConfig(`  rotate_before = "a month"`), `Invalid\s+duration`},
		{"bad service account id", `
resource "agentfleet_service_account_credential" "test" {
  service_account_id = "SA_Prod"
}
`, `service_account_id\s+must\s+be\s+lowercase\s+letters`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newAccMock(t)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      m.config(tc.config),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
			m.expectNoCalls(t)
		})
	}
}

func TestAccServiceAccountCredential_importRejectsMalformedID(t *testing.T) {
	for _, id := range []string{"cred-only", "sa-pipeline-prod/", "/cred-1", "SA/cred-1", "sa-pipeline-prod/cred/1"} {
		t.Run(id, func(t *testing.T) {
			m := newAccMock(t)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:        m.config(credentialConfig("")),
					ResourceName:  credentialAddr,
					ImportState:   true,
					ImportStateId: id,
					ExpectError:   regexp.MustCompile(`Import\s+a\s+service\s+account\s+credential\s+as\s+<service_account_id>/<credential_id>`),
				}},
			})
			m.expectNoCalls(t)
		})
	}
}

// A credential whose create answer is lost has its secret only in that answer, and nothing
// marks it as this create's (another create at the same moment would look the same): it is not
// deleted, the apply fails naming it and saying what to do, and the platform keeps it.
func TestAccServiceAccountCredential_lostCreateAnswerNamesTheCredential(t *testing.T) {
	for _, lost := range lostAnswers {
		t.Run(lost.name, func(t *testing.T) {
			m := newCredentialMock(t)
			m.failLosingTheAnswer(t, lost.status, m.config(credentialConfig("")), phrase("may have been carried out",
				`service account "`+credentialAccount+`" has new credentials`, "left alone", "Delete the ones no one uses"))
			creds := m.K0rdentCredentials(credentialAccount)
			if len(creds) != 1 {
				t.Fatalf("the platform holds %+v, want the one credential the lost create made", creds)
			}
			if n, d := m.Calls("POST "+k0rdentCredentialsRoute), m.Calls("DELETE "+k0rdentCredentialsRoute+"/{credId}"); n != 1 || d != 0 {
				t.Fatalf("%d credential creates and %d deletes sent, want 1 and 0", n, d)
			}
		})
	}
}

// The credential answers carry no clientId: the credential's client_id is its service account's,
// after a create and after an import alike.
func TestAccServiceAccountCredential_clientIDIsTheServiceAccounts(t *testing.T) {
	m := newAccMock(t)
	config := m.config(serviceAccountConfig(pipelineAccount) + `
resource "agentfleet_service_account_credential" "test" {
  service_account_id = agentfleet_service_account.test.id
}
`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkServiceAccountsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(credentialAddr, tfjsonpath.New("client_id"), knownvalue.StringExact(credentialAccount+"@myorg.iam")),
					statecheck.CompareValuePairs(credentialAddr, tfjsonpath.New("client_id"),
						serviceAccountAddr, tfjsonpath.New("client_id"), compare.ValuesSame()),
				},
				Check: m.checkOneCredential(""),
			},
			{
				ResourceName:            credentialAddr,
				ImportState:             true,
				ImportStateIdFunc:       credentialImportID,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"client_secret"},
			},
		},
	})
}

// A use and an expiry on the platform show after a refresh without any diff; an expired
// credential is flagged at plan time, since it no longer authenticates.
func TestAccServiceAccountCredential_useAndExpiryFollow(t *testing.T) {
	m := newCredentialMock(t)
	warnings := &planWarnings{}
	config := m.config(credentialConfig(""))
	var id string
	used := time.Now().UTC().Truncate(time.Second)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: warnings.factories(),
		CheckDestroy:             m.checkCredentialsDestroyed,
		Steps: []resource.TestStep{
			{Config: config, Check: captureAttr(credentialAddr, "id", &id)},
			{
				PreConfig: func() {
					m.SetK0rdentCredentialUsed(k0rdentRegion, credentialAccount, id, used, "203.0.113.42")
					m.SetK0rdentCredentialExpiry(k0rdentRegion, credentialAccount, id, time.Now().Add(-time.Minute))
					warnings.expectNone(t, regexp.MustCompile(`expired`))
				},
				RefreshState: true,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(credentialAddr, "status", "expired"),
					resource.TestCheckResourceAttr(credentialAddr, "last_used_at", used.Format(time.RFC3339)),
					resource.TestCheckResourceAttr(credentialAddr, "last_used_ip", "203.0.113.42"),
				),
			},
			{Config: config, PlanOnly: true},
		},
	})
	warnings.expect(t, phrase("Credential expired", "no longer authenticates", "rotate_before"))
}

// checkCredentialsLeft is a CheckDestroy for tests that put credentials on the platform
// themselves: exactly those are left.
func (m *accMock) checkCredentialsLeft(n int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if left := m.K0rdentCredentials(credentialAccount); len(left) != n {
			return fmt.Errorf("%d credentials left on the platform after destroy, want the %d made outside Terraform", len(left), n)
		}
		return nil
	}
}

// addCredentials puts n credentials of credentialAccount on the platform outside Terraform and
// returns their ids.
func (m *accMock) addCredentials(t *testing.T, n int) []string {
	t.Helper()
	var ids []string
	for range n {
		c, ok := m.AddK0rdentCredential(k0rdentRegion, credentialAccount)
		if !ok {
			t.Fatal("the account is not in the mock")
		}
		ids = append(ids, c.ID)
	}
	return ids
}

// At most 5 active credentials per service account: a plan that creates a sixth warns, the
// apply fails saying why, and once a place is free the create goes through.
func TestAccServiceAccountCredential_limitOfFiveActive(t *testing.T) {
	m := newCredentialMock(t)
	others := m.addCredentials(t, 5)
	warnings := &planWarnings{}
	config := m.config(credentialConfig(""))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: warnings.factories(),
		CheckDestroy:             m.checkCredentialsLeft(4),
		Steps: []resource.TestStep{
			{
				Config:      config,
				ExpectError: phrase("Unable to create service account credential", "already has 5 active credentials", others[0], "allows at most 5"),
			},
			{
				PreConfig: func() {
					warnings.expect(t, phrase("Credential limit reached", credentialAccount, "already has 5 active credentials", "will refuse"))
					if n := len(m.K0rdentCredentials(credentialAccount)); n != 5 {
						t.Errorf("the platform holds %d credentials after the refused create, want 5", n)
					}
					m.DeleteK0rdentCredential(k0rdentRegion, credentialAccount, others[0])
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(credentialAddr, tfjsonpath.New("status"), knownvalue.StringExact("active")),
				},
			},
		},
	})
	// With four others, no plan warned.
	warnings.expectNone(t, regexp.MustCompile(`Credential limit`))
}

// Replacing the fifth credential with create_before_destroy would make a sixth for a moment:
// the plan warns, the apply fails, and the old credential is kept. Without
// create_before_destroy the old one is revoked first and the replacement fits.
func TestAccServiceAccountCredential_rotationAtTheLimit(t *testing.T) {
	m := newCredentialMock(t)
	m.addCredentials(t, 4)
	warnings := &planWarnings{}
	expires, later := inHours(72, time.UTC), inHours(96, time.UTC)
	withExpiry := func(at string, lifecycle string) string {
		return m.config(credentialConfig(fmt.Sprintf("  expires_at = %q\n%s", at, lifecycle)))
	}
	const createFirst = "\n  lifecycle {\n    create_before_destroy = true\n  }"
	var oldID string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: warnings.factories(),
		CheckDestroy:             m.checkCredentialsLeft(4),
		Steps: []resource.TestStep{
			{
				Config: withExpiry(expires, createFirst),
				Check:  captureAttr(credentialAddr, "id", &oldID),
			},
			{
				PreConfig:   func() { warnings.expectNone(t, regexp.MustCompile(`Credential limit`)) },
				Config:      withExpiry(later, createFirst),
				ExpectError: phrase("Unable to create service account credential", "already has 5 active credentials"),
			},
			{
				PreConfig: func() {
					// Terraform plans the new half of the replacement as a create: the old
					// credential still counts, and the warning says what that means here.
					warnings.expect(t, phrase("Credential limit reached", "already has 5 active credentials", "replaces",
						"revoked first", "create_before_destroy"))
				},
				// The refused replacement left the old credential in place.
				Config:   withExpiry(expires, createFirst),
				PlanOnly: true,
			},
			{
				Config: withExpiry(later, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(credentialAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeTestCheckFunc(expectNewID(credentialAddr, &oldID), func(*terraform.State) error {
					if n := len(m.K0rdentCredentials(credentialAccount)); n != 5 {
						return fmt.Errorf("the platform holds %d credentials, want the 4 others and the replacement", n)
					}
					return nil
				}),
			},
		},
	})
}

// A token that lost its admin rights gets 404 for a credential that exists. The refresh fails,
// saying what to check, and nothing leaves state; a destroy fails rather than report success.
// With the rights back, nothing has changed.
func TestAccServiceAccountCredential_nonAdmin404KeepsState(t *testing.T) {
	m := newCredentialMock(t)
	config := m.config(credentialConfig(""))
	var id string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkCredentialsDestroyed,
		Steps: []resource.TestStep{
			{Config: config, Check: captureAttr(credentialAddr, "id", &id)},
			{
				PreConfig: func() { m.SetK0rdentNonAdmin(true) },
				Config:    config,
				PlanOnly:  true, // batched: the lists hold the credential and its account, so the plan is empty
			},
			{
				Config:   m.configIn("k0rdent", "batch_reads = false", credentialConfig("")),
				PlanOnly: true,
				ExpectError: phrase("Unable to read service account credential", "HTTP 404 Not Found", "its service account answered 404 too",
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
				ExpectError: phrase("Unable to delete service account credential", "HTTP 404 Not Found",
					"still in the credential list of its service account", "tenant administrator"),
			},
			{
				PreConfig: func() {
					if creds := m.K0rdentCredentials(credentialAccount); len(creds) != 1 || creds[0].ID != id {
						t.Errorf("the platform holds %+v after the refused destroy, want credential %s", creds, id)
					}
					m.SetK0rdentNonAdmin(false)
				},
				Config: m.providerConfig(),
			},
		},
	})
}

// credentialImportByIdentityConfig imports the credential credID of saID by identity.
func credentialImportByIdentityConfig(saID, credID string) string {
	return fmt.Sprintf(`
import {
  to = agentfleet_service_account_credential.test
  identity = {
    id                 = %q
    service_account_id = %q
  }
}
`, credID, saID) + credentialConfig("")
}

// Terraform 1.12 and later: a credential's identity is its id and its service account's id. An
// import block names it by both; the credential can then be imported by identity and by the
// string id "<service_account_id>/<credential_id>" alike. Its secret is not imported.
func TestAccServiceAccountCredential_importByIdentity(t *testing.T) {
	m := newCredentialMock(t)
	byHand, _ := m.AddK0rdentCredential(k0rdentRegion, credentialAccount)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkCredentialsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: m.config(credentialImportByIdentityConfig(credentialAccount, byHand.ID)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(credentialAddr, plancheck.ResourceActionNoop)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(credentialAddr, map[string]knownvalue.Check{
						"id":                 knownvalue.StringExact(byHand.ID),
						"service_account_id": knownvalue.StringExact(credentialAccount),
					}),
					statecheck.ExpectIdentityValueMatchesState(credentialAddr, tfjsonpath.New("id")),
					statecheck.ExpectIdentityValueMatchesState(credentialAddr, tfjsonpath.New("service_account_id")),
					statecheck.ExpectKnownValue(credentialAddr, tfjsonpath.New("client_id"), knownvalue.StringExact(credentialAccount+"@myorg.iam")),
					statecheck.ExpectKnownValue(credentialAddr, tfjsonpath.New("client_secret"), knownvalue.Null()),
				},
			},
			{
				Config:          m.config(credentialConfig("")),
				ResourceName:    credentialAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				Config:            m.config(credentialConfig("")),
				ResourceName:      credentialAddr,
				ImportState:       true,
				ImportStateKind:   resource.ImportBlockWithID,
				ImportStateIdFunc: credentialImportID,
			},
		},
	})
}

// An identity is checked as the string id is: a service account id that cannot be one, or a
// credential id with a slash, is an error before any call.
func TestAccServiceAccountCredential_importByIdentityRejectsMalformedIDs(t *testing.T) {
	for _, ids := range [][2]string{{"SA Prod", "cred-0123456789ab"}, {credentialAccount, "cred/0123"}} {
		t.Run(ids[0]+" "+ids[1], func(t *testing.T) {
			m := newAccMock(t)
			resource.Test(t, resource.TestCase{
				TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      m.config(credentialImportByIdentityConfig(ids[0], ids[1])),
					ExpectError: phrase("Invalid import identity", "service_account_id", "id"),
				}},
			})
			m.expectNoCalls(t)
		})
	}
}

// A server that writes timestamps in another precision on writes than on reads: a rotation ends
// without an inconsistent result and the refresh after it plans nothing, not even for what
// follows the timestamps; a configured expiry the server writes with fewer digits stays as
// configured, with no inconsistent result and no plan.
func TestAccServiceAccountCredential_timestampsInAnotherPrecision(t *testing.T) {
	watch := `
resource "terraform_data" "times" {
  input = [agentfleet_service_account_credential.test.created_at, agentfleet_service_account_credential.test.expires_at]
}
`
	emptyAfterRefresh := resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	t.Run("rotation", func(t *testing.T) {
		m := newCredentialMock(t)
		m.SetTimePrecisionDrift(true)
		config := m.config(credentialConfig(`
  rotate_before = "24h"

  lifecycle {
    create_before_destroy = true
  }`) + watch)
		var oldID string
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProviders,
			CheckDestroy:             m.checkCredentialsDestroyed,
			Steps: []resource.TestStep{
				{Config: config, ConfigPlanChecks: emptyAfterRefresh, Check: captureAttr(credentialAddr, "id", &oldID)},
				{
					PreConfig: func() {
						if !m.AgeK0rdentCredential(k0rdentRegion, credentialAccount, oldID, mockserver.K0rdentDefaultCredentialLifetime-time.Hour) {
							t.Fatalf("credential %s is not in the mock", oldID)
						}
					},
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(credentialAddr, plancheck.ResourceActionCreateBeforeDestroy)},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: resource.ComposeTestCheckFunc(m.checkOneCredential(""), expectNewID(credentialAddr, &oldID)),
				},
			},
		})
	})
	t.Run("configured expiry", func(t *testing.T) {
		m := newCredentialMock(t)
		m.SetTimePrecisionDrift(true)
		// Nanoseconds: the server keeps them, and writes at most microseconds.
		expires := time.Now().Add(72 * time.Hour).Truncate(time.Second).Add(123456789).UTC().Format(time.RFC3339Nano)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProviders,
			CheckDestroy:             m.checkCredentialsDestroyed,
			Steps: []resource.TestStep{{
				Config:            m.config(credentialConfig(fmt.Sprintf("  expires_at = %q", expires)) + watch),
				ConfigPlanChecks:  emptyAfterRefresh,
				ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(credentialAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(expires))},
				Check:             m.checkOneCredential(expires),
			}},
		})
	})
}

// A rotate_before that a replacement would be within at once would replace the credential on
// every plan. With the platform's expiry, rotate_before not shorter than the credential's
// lifetime (created_at to expires_at, the organization's default) plans no replacement, and
// warns; a configured expires_at already within rotate_before warns when the credential is
// planned, before it exists.
func TestAccServiceAccountCredential_rotateBeforeBeyondLifetime(t *testing.T) {
	t.Run("platform expiry", func(t *testing.T) {
		m := newCredentialMock(t)
		warnings := &planWarnings{}
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: warnings.factories(),
			CheckDestroy:             m.checkCredentialsDestroyed,
			Steps: []resource.TestStep{{
				// The mock's default lifetime is 90 days, 2160h.
				Config:           m.config(credentialConfig(`  rotate_before = "2200h"`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            m.checkOneCredential(""),
			}},
		})
		warnings.expect(t, phrase("Rotation would never end", "rotate_before (2200h)", "not shorter", "lifetime (2160h",
			"does not replace the credential", "terraform apply -replace"))
	})
	t.Run("configured expiry", func(t *testing.T) {
		m := newCredentialMock(t)
		warnings := &planWarnings{}
		expires := inHours(2, time.UTC)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: warnings.factories(),
			CheckDestroy:             m.checkCredentialsDestroyed,
			Steps: []resource.TestStep{{
				Config:             m.config(credentialConfig(fmt.Sprintf("  expires_at = %q\n  rotate_before = \"24h\"", expires))),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			}},
		})
		warnings.expect(t, phrase("Expiry within rotate_before", fmt.Sprintf("expires_at (%s)", expires), "rotate_before (24h)",
			"never rotated", "later expires_at"))
		if n := m.Calls("POST " + k0rdentCredentialsRoute); n != 0 {
			t.Fatalf("%d creates from a plan", n)
		}
	})
}

// rotate_before decides whether a plan replaces the credential; one unknown until apply would
// let the plan at apply time add a replacement the first plan did not show ("Provider produced
// inconsistent final plan"), so it is an error at plan time, before anything changes.
func TestAccServiceAccountCredential_rotateBeforeUnknownAtPlan(t *testing.T) {
	m := newCredentialMock(t)
	var id string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkCredentialsDestroyed,
		Steps: []resource.TestStep{
			{Config: m.config(credentialConfig(`  rotate_before = "24h"`)), Check: captureAttr(credentialAddr, "id", &id)},
			{
				PreConfig: func() {
					m.AgeK0rdentCredential(k0rdentRegion, credentialAccount, id, mockserver.K0rdentDefaultCredentialLifetime-time.Hour)
				},
				Config:      m.config(unknownUntilApply("window", `"24h"`) + credentialConfig(`  rotate_before = terraform_data.window.output`)),
				ExpectError: phrase("rotate_before unknown until apply", "known at plan time"),
			},
			{
				// Known again: the rotation is planned as usual.
				Config:           m.config(credentialConfig(`  rotate_before = "24h"`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(credentialAddr, plancheck.ResourceActionDestroyBeforeCreate)}},
				Check:            resource.ComposeTestCheckFunc(m.checkOneCredential(""), expectNewID(credentialAddr, &id)),
			},
		},
	})
}

// Rotation is judged at the refresh: an expiry that comes within rotate_before between the plan
// and the apply changes nothing in the plan Terraform makes again at apply time, which before
// added a replacement the first plan did not have ("Provider produced inconsistent final plan").
// The next plan rotates.
func TestAccServiceAccountCredential_rotationJudgedAtRefresh(t *testing.T) {
	m := newCredentialMock(t)
	config := func(window string) string {
		return m.config(pause(20) + credentialConfig(fmt.Sprintf("  rotate_before = %q\n  depends_on = [terraform_data.pause]", window)))
	}
	var id string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkCredentialsDestroyed,
		Steps: []resource.TestStep{
			// The pause is created, and waited for, in the step that first has it.
			{Config: m.config(credentialConfig(`  rotate_before = "24h"`)), Check: captureAttr(credentialAddr, "id", &id)},
			{
				// Due 15 seconds from now; the same window written differently is an update in place.
				PreConfig: func() {
					m.AgeK0rdentCredential(k0rdentRegion, credentialAccount, id, mockserver.K0rdentDefaultCredentialLifetime-24*time.Hour-15*time.Second)
				},
				Config:             config("1440m"),
				ConfigPlanChecks:   resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(credentialAddr, plancheck.ResourceActionUpdate)}},
				ExpectNonEmptyPlan: true,
				Check:              resource.TestCheckResourceAttrPtr(credentialAddr, "id", &id),
			},
			{
				Config:           config("1440m"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(credentialAddr, plancheck.ResourceActionDestroyBeforeCreate)}},
				Check:            resource.ComposeTestCheckFunc(m.checkOneCredential(""), expectNewID(credentialAddr, &id)),
			},
		},
	})
}
