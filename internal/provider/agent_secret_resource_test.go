package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

const (
	agentSecretAddr = "agentfleet_agent_secret.test"
	// Mock routes, for its call counters.
	ariaSecretsRoute = "/arialogs/api/v2/agent/secrets"
	ariaSecretRoute  = ariaSecretsRoute + "/{id}"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func agentSecretConfig(name string) string {
	return fmt.Sprintf(`
resource "agentfleet_agent_secret" "test" {
  name = %q
}
`, name)
}

// ariaSessionConfig is a provider block for Aria Operations for Logs alone that starts from a
// session token, as AGENTFLEET_ARIA_LOGS_TOKEN would give it, with username and password to log
// in again when the session expires. Since no call logs in first, faults injected into the mock
// hit the create itself.
func (m *accMock) ariaSessionConfig(session, resources string) string {
	c := m.Credentials()
	return fmt.Sprintf(`
provider "agentfleet" {
  retry_wait_min = "1ms"
  retry_wait_max = "20ms"

  aria_logs {
    endpoint = %q
    token    = %q
    username = %q
    password = %q
  }
}
`, m.Endpoints.AriaLogs, session, c.AriaUsername, c.AriaPassword) + resources
}

// checkAgentSecretsDestroyed is a CheckDestroy that asks the mock store.
func (m *accMock) checkAgentSecretsDestroyed(*terraform.State) error {
	if secrets := m.AriaSecrets(); len(secrets) != 0 {
		return fmt.Errorf("%d agent secrets left on the platform after destroy: %+v", len(secrets), secrets)
	}
	return nil
}

// checkAgentSecretMatchesMock compares the resource in state with the one secret in the mock,
// value included: the value in state must be the one the create returned.
func (m *accMock) checkAgentSecretMatchesMock(name string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		secrets := m.AriaSecrets()
		if len(secrets) != 1 {
			return fmt.Errorf("the platform holds %d agent secrets, want exactly 1: %+v", len(secrets), secrets)
		}
		id, err := stateAttr(s, agentSecretAddr, "id")
		if err != nil {
			return err
		}
		value, err := stateAttr(s, agentSecretAddr, "secret")
		if err != nil {
			return err
		}
		if got := secrets[0]; got.ID != id || got.Secret != value || got.Name != name {
			return fmt.Errorf("state (id %s, name %q) does not match the platform's secret %s named %q, or its value differs", id, name, got.ID, got.Name)
		}
		return nil
	}
}

func TestAccAgentSecret_lifecycle(t *testing.T) {
	m := newAccMock(t)
	valueKept := statecheck.CompareValue(compare.ValuesSame())
	valueReplaced := statecheck.CompareValue(compare.ValuesDiffer())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentSecretsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: m.config(agentSecretConfig("web-tier")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(agentSecretAddr, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(agentSecretAddr, tfjsonpath.New("name"), knownvalue.StringExact("web-tier")),
					statecheck.ExpectKnownValue(agentSecretAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(uuidPattern)),
					statecheck.ExpectKnownValue(agentSecretAddr, tfjsonpath.New("status"), knownvalue.StringExact("ACTIVE")),
					statecheck.ExpectSensitiveValue(agentSecretAddr, tfjsonpath.New("secret")),
					valueKept.AddStateValue(agentSecretAddr, tfjsonpath.New("secret")),
					valueReplaced.AddStateValue(agentSecretAddr, tfjsonpath.New("secret")),
				},
				Check: m.checkAgentSecretMatchesMock("web-tier"),
			},
			{
				ResourceName:      agentSecretAddr,
				ImportState:       true,
				ImportStateVerify: true,
				// The API shows the value only in the create's answer: an import cannot read it.
				ImportStateVerifyIgnore: []string{"secret"},
			},
			{
				// Refreshes read the secret without its value; the value in state must survive them.
				RefreshState: true,
				Check:        m.checkAgentSecretMatchesMock("web-tier"),
			},
			{
				Config: m.config(agentSecretConfig("web-tier")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					valueKept.AddStateValue(agentSecretAddr, tfjsonpath.New("secret")),
				},
			},
			{
				// A new name is a new secret: the old one is revoked first, as names are unique.
				Config: m.config(agentSecretConfig("api-tier")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(agentSecretAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(agentSecretAddr, tfjsonpath.New("name"), knownvalue.StringExact("api-tier")),
					valueReplaced.AddStateValue(agentSecretAddr, tfjsonpath.New("secret")),
				},
				Check: m.checkAgentSecretMatchesMock("api-tier"),
			},
		},
	})
}

func TestAccAgentSecret_importHasNoValue(t *testing.T) {
	m := newAccMock(t)
	existing := m.PutAriaSecret("existing")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentSecretsDestroyed,
		Steps: []resource.TestStep{
			{
				Config:             m.config(agentSecretConfig("existing")),
				ResourceName:       agentSecretAddr,
				ImportState:        true,
				ImportStateId:      existing.ID,
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("%d objects imported, want 1", len(states))
					}
					attrs := states[0].Attributes
					if attrs["id"] != existing.ID || attrs["name"] != "existing" || attrs["status"] != "ACTIVE" {
						return fmt.Errorf("imported %v, want the platform's secret %+v", attrs, existing.ID)
					}
					if v, ok := attrs["secret"]; ok && v != "" {
						return fmt.Errorf("the imported secret has a value, but the API cannot have returned one")
					}
					return nil
				},
			},
			{
				// The imported secret is managed as it is: no change planned, and its value null.
				Config: m.config(agentSecretConfig("existing")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(agentSecretAddr, tfjsonpath.New("secret"), knownvalue.Null()),
				},
			},
		},
	})
}

func TestAccAgentSecret_drift(t *testing.T) {
	m := newAccMock(t)
	var id string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentSecretsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: m.config(agentSecretConfig("web")),
				Check:  captureAttr(agentSecretAddr, "id", &id),
			},
			{
				// A secret revoked outside Terraform leaves state, and the plan creates it again.
				PreConfig: func() {
					if !m.DeleteAriaSecret(id) {
						t.Fatalf("secret %s is not in the mock", id)
					}
				},
				Config: m.config(agentSecretConfig("web")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(agentSecretAddr, plancheck.ResourceActionCreate)},
				},
				Check: resource.ComposeTestCheckFunc(
					m.checkAgentSecretMatchesMock("web"),
					expectNewID(agentSecretAddr, &id),
				),
			},
		},
	})
}

func TestAccAgentSecret_invalidNameFailsAtPlan(t *testing.T) {
	tests := map[string]struct {
		name string
		want string
	}{
		"empty":    {"", `Attribute name UTF-8 character count must be between 1 and 255, got: 0`},
		"blank":    {"  \t ", `Attribute name must contain a character other than white space`},
		"too long": {strings.Repeat("é", maxAgentSecretName+1), `Attribute name UTF-8 character count must be between 1 and 255, got: 256`},
	}
	for desc, tt := range tests {
		t.Run(desc, func(t *testing.T) {
			m := newAccMock(t)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      m.config(agentSecretConfig(tt.name)),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(tt.want), " ", `\s+`)),
				}},
			})
			m.expectNoCalls(t)
		})
	}
}

// The API counts characters, not bytes, and so does the validation: 255 two-byte characters pass.
func TestAccAgentSecret_longestNamePassesPlan(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:             m.config(agentSecretConfig(strings.Repeat("é", maxAgentSecretName))),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
	m.expectNoCalls(t)
}

func TestAccAgentSecret_duplicateNameLeavesExistingSecret(t *testing.T) {
	m := newAccMock(t)
	orig := m.PutAriaSecret("web")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: m.config(agentSecretConfig("web")),
			ExpectError: regexp.MustCompile(`(?s)Agent secret name already in use.*HTTP\s+409.*already\s+exists.*` +
				`The\s+existing\s+agent\s+secret\s+"web"\s+\(id\s+` + orig.ID + `\)\s+was\s+left\s+unchanged.*` +
				`terraform\s+import\s+<resource\s+address>\s+` + orig.ID),
		}},
	})
	if stored := m.AriaSecrets(); len(stored) != 1 || stored[0] != orig {
		t.Fatalf("the refused create changed the platform: %+v, was %+v", stored, orig)
	}
}

// The create is committed, but its answer, the only one that ever carries the value, is lost. The
// name was free before the create, so the secret holding it now is ours, without a value: it is
// deleted and created again, and state holds the new secret with its value.
func TestAccAgentSecret_lostCreateAnswerIsCreatedAgainWithItsValue(t *testing.T) {
	m := newAccMock(t)
	session := m.OpenAriaSession()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentSecretsDestroyed,
		Steps: []resource.TestStep{{
			PreConfig: func() { m.DropNextWrites(1) },
			Config:    m.ariaSessionConfig(session, agentSecretConfig("web")),
			Check: resource.ComposeTestCheckFunc(
				m.checkAgentSecretMatchesMock("web"),
				func(*terraform.State) error {
					if n, d := m.Calls("POST "+ariaSecretsRoute), m.Calls("DELETE "+ariaSecretsRoute+"/{id}"); n != 2 || d != 1 {
						return fmt.Errorf("%d creates and %d deletes sent, want 2 and 1: the lost create, the delete of what it made, one more create", n, d)
					}
					return nil
				},
			),
		}},
	})
}

// The connection drops before the platform handles the lookup that precedes the create: the
// lookup is sent again, and the secret is created once.
func TestAccAgentSecret_createSentAgainWhenNothingWasCreated(t *testing.T) {
	m := newAccMock(t)
	session := m.OpenAriaSession()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentSecretsDestroyed,
		Steps: []resource.TestStep{{
			PreConfig: func() { m.FailNext(0) },
			Config:    m.ariaSessionConfig(session, agentSecretConfig("web")),
			Check: resource.ComposeTestCheckFunc(
				m.checkAgentSecretMatchesMock("web"),
				func(*terraform.State) error {
					if n := m.Calls("POST " + ariaSecretsRoute); n != 1 {
						return fmt.Errorf("%d creates sent, want 1", n)
					}
					return nil
				},
			),
		}},
	})
}

// The provider starts from a session token that expires between two applies. Every Terraform
// command configures the provider afresh, so each one meets the expired session at its first
// call: it must log in again once and carry on with the new session.
func TestAccAgentSecret_sessionExpiresMidRun(t *testing.T) {
	m := newAccMock(t)
	session := m.OpenAriaSession()
	reloginOncePerRejection := func(*terraform.State) error {
		rejected, logins := m.AriaRejectedCalls(), m.AriaLogins()
		if rejected == 0 {
			return fmt.Errorf("no call met the expired session; the test proves nothing")
		}
		if logins != rejected {
			return fmt.Errorf("%d logins for %d calls rejected with an expired session; want one re-login per rejection, "+
				"and no rejection once logged in again", logins, rejected)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentSecretsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: m.ariaSessionConfig(session, agentSecretConfig("web")),
				Check: resource.ComposeTestCheckFunc(
					m.checkAgentSecretMatchesMock("web"),
					func(*terraform.State) error {
						if n := m.AriaLogins(); n != 0 {
							return fmt.Errorf("%d logins while the session token was valid, want 0", n)
						}
						return nil
					},
				),
			},
			{
				// The apply revokes the old secret and creates the new one with a single re-login.
				PreConfig: m.ExpireAriaSessions,
				Config:    m.ariaSessionConfig(session, agentSecretConfig("web-renamed")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(agentSecretAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeTestCheckFunc(m.checkAgentSecretMatchesMock("web-renamed"), reloginOncePerRejection),
			},
		},
	})
	// The destroy met the expired session too.
	if err := reloginOncePerRejection(nil); err != nil {
		t.Fatal(err)
	}
}

func TestAccAgentSecret_importRejectsMalformedID(t *testing.T) {
	for _, id := range []string{"not an id", "a/b", " "} {
		t.Run(id, func(t *testing.T) {
			m := newAccMock(t)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:        m.config(agentSecretConfig("web")),
					ResourceName:  agentSecretAddr,
					ImportState:   true,
					ImportStateId: id,
					ExpectError:   regexp.MustCompile(`Import\s+an\s+agent\s+secret\s+by\s+its\s+id`),
				}},
			})
			m.expectNoCalls(t)
		})
	}
}

func TestAccAgentSecret_importUnknownID(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:        m.config(agentSecretConfig("web")),
			ResourceName:  agentSecretAddr,
			ImportState:   true,
			ImportStateId: "3f2b8c1e-5d4a-4e6f-9a7b-2c1d0e9f8a7b",
			ExpectError:   regexp.MustCompile(`Cannot\s+import\s+non-existent\s+remote\s+object`),
		}},
	})
	if m.Calls("GET "+ariaSecretRoute) == 0 {
		t.Fatalf("the import never asked the platform: %v", m.AllCalls())
	}
}
