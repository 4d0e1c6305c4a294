package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

const (
	agentSecretAddr = "agentfleet_agent_secret.test"
	// Mock routes, for its call counters.
	ariaSecretsRoute = "/arialogs/api/v2/agent/secrets"
	ariaRevokeRoute  = "POST " + ariaSecretsRoute + "/{name}/revoke"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func agentSecretConfig(name string) string {
	return fmt.Sprintf(`
resource "agentfleet_agent_secret" "test" {
  name = %q
}
`, name)
}

// ariaTokenConfig is a provider block for Aria Operations for Logs alone that starts from a
// token, as AGENTFLEET_ARIA_LOGS_TOKEN would give it: a JWT, or with the legacy method a session
// id. Username and password are there to get a new one when the token expires. Since no call
// gets a token first, faults injected into the mock hit the create itself.
func (m *accMock) ariaTokenConfig(method, token, resources string) string {
	c := m.Credentials()
	return fmt.Sprintf(`
provider "agentfleet" {
  retry_wait_min = "1ms"
  retry_wait_max = "20ms"

  aria_logs {
    auth_method         = %q
    endpoint            = %q
    operations_endpoint = %s
    token               = %q
    username            = %q
    password            = %q
  }
}
`, method, m.Endpoints.AriaLogs, m.operationsEndpointFor(method), token, c.AriaUsername, c.AriaPassword) + resources
}

// operationsEndpointFor is the operations_endpoint argument's value for method: legacy_session
// refuses one.
func (m *accMock) operationsEndpointFor(method string) string {
	if method == client.AriaAuthLegacySession {
		return "null"
	}
	return fmt.Sprintf("%q", m.Endpoints.VCFOperations)
}

// ariaJWTConfig is ariaTokenConfig with a JWT the mock issued out of band.
func (m *accMock) ariaJWTConfig(resources string) string {
	return m.ariaTokenConfig(client.AriaAuthVCFOperations, m.IssueAriaJWT(), resources)
}

// checkAgentSecretsDestroyed is a CheckDestroy that asks the mock store: destroy revokes, so
// every agent secret the state held before the destroy is still listed, revoked, and no secret
// is left that agents could use.
func (m *accMock) checkAgentSecretsDestroyed(s *terraform.State) error {
	stored := map[string]mockserver.AriaSecret{}
	for _, sec := range m.AriaSecrets() {
		stored[sec.ID] = sec
	}
	for _, rs := range s.RootModule().Resources {
		if rs.Type != "agentfleet_agent_secret" {
			continue
		}
		if sec, ok := stored[rs.Primary.ID]; !ok || !sec.Revoked() {
			return fmt.Errorf("agent secret %s was destroyed but is not revoked on the platform: %+v", rs.Primary.ID, sec)
		}
	}
	if active := m.ActiveAriaSecrets(); len(active) != 0 {
		return fmt.Errorf("%d agent secrets left active on the platform after destroy: %+v", len(active), active)
	}
	return nil
}

// checkAgentSecretMatchesMock compares the resource in state with the one live secret in the
// mock, value included: the value in state must be the one the create returned.
func (m *accMock) checkAgentSecretMatchesMock(name string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		secrets := m.ActiveAriaSecrets()
		if len(secrets) != 1 {
			return fmt.Errorf("the platform holds %d active agent secrets, want exactly 1: %+v", len(secrets), secrets)
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
				// The API shows the value only in the create's answer: an import cannot read it. The
				// modification time is only in the list, so state has none until the first refresh.
				ImportStateVerifyIgnore: []string{"secret", "modification_time"},
			},
			{
				// Refreshes read the secret without its value; the value in state must survive them,
				// and the modification time, which only the list carries, arrives.
				RefreshState: true,
				Check: resource.ComposeTestCheckFunc(
					m.checkAgentSecretMatchesMock("web-tier"),
					func(s *terraform.State) error {
						got, err := stateAttr(s, agentSecretAddr, "modification_time")
						if err != nil {
							return err
						}
						if want := m.ActiveAriaSecrets()[0].ModificationTime; got != want || got == "" {
							return fmt.Errorf("modification_time %q, want the platform's %q", got, want)
						}
						return nil
					},
				),
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
				Check: resource.ComposeTestCheckFunc(
					m.checkAgentSecretMatchesMock("api-tier"),
					func(*terraform.State) error {
						if all := m.AriaSecrets(); len(all) != 2 || all[1].Name != "web-tier" || !all[1].Revoked() {
							return fmt.Errorf("the platform holds %+v, want web-tier revoked beside api-tier", all)
						}
						return nil
					},
				),
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

// A secret revoked, or no longer listed at all, outside Terraform leaves state, and the plan
// creates it again; the mock lets the revoked secret's name be used again.
func TestAccAgentSecret_drift(t *testing.T) {
	for name, outside := range map[string]func(m *accMock, id string) bool{
		"revoked": (*accMock).RevokeAriaSecret,
		"removed": (*accMock).DeleteAriaSecret,
	} {
		t.Run(name, func(t *testing.T) {
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
						PreConfig: func() {
							if !outside(m, id) {
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
		})
	}
}

// Where the platform keeps the names of revoked secrets, the re-create a revoke outside
// Terraform leads to is refused, with an error that says why and what to do.
func TestAccAgentSecret_driftWhenRevokedNamesStayTaken(t *testing.T) {
	m := newAccMock(t)
	m.SetAriaRevokedNamesReusable(false)
	var id string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: m.config(agentSecretConfig("web")),
				Check:  captureAttr(agentSecretAddr, "id", &id),
			},
			{
				PreConfig: func() { m.RevokeAriaSecret(id) },
				Config:    m.config(agentSecretConfig("web")),
				ExpectError: regexp.MustCompile(`(?s)Agent secret name already in use.*HTTP\s+409.*which\s+is\s+revoked.*` +
					`cannot\s+be\s+used\s+again.*Choose\s+another\s+name.*Importing\s+the\s+revoked\s+secret\s+would\s+not\s+help`),
			},
			{
				// A new name works; nothing was adopted on the way.
				Config: m.config(agentSecretConfig("web-2")),
				Check:  m.checkAgentSecretMatchesMock("web-2"),
			},
		},
		CheckDestroy: m.checkAgentSecretsDestroyed,
	})
}

// VCF Operations not found where the provider looks for it (a 404 at the token route) says
// nothing about the secret: the refresh fails naming operations_endpoint, the secret stays in
// state, and nothing is created again.
func TestAccAgentSecret_vcfOperationsNotFoundKeepsState(t *testing.T) {
	m := newAccMock(t)
	config := m.config(agentSecretConfig("web"))
	elsewhere := strings.Replace(config, fmt.Sprintf("operations_endpoint = %q", m.Endpoints.VCFOperations),
		fmt.Sprintf("operations_endpoint = %q", m.URL+"/nowhere"), 1)
	if elsewhere == config {
		t.Fatal("the configuration has no operations_endpoint to change")
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentSecretsDestroyed,
		Steps: []resource.TestStep{
			{Config: config, Check: m.checkAgentSecretMatchesMock("web")},
			{
				Config: elsewhere,
				ExpectError: phrase("Unable to read agent secret", "VCF Operations API returned HTTP 404", "expected at "+m.URL+"/nowhere",
					"operations_endpoint", "provider's aria_logs block"),
			},
			{
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            m.checkAgentSecretMatchesMock("web"),
			},
		},
	})
}

// A list that cannot be read is a Read error: the secret stays in state, and nothing is created.
func TestAccAgentSecret_listUnreadableIsAnErrorNotARemoval(t *testing.T) {
	m := newAccMock(t)
	config := m.ariaJWTConfig(agentSecretConfig("web"))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentSecretsDestroyed,
		Steps: []resource.TestStep{
			{Config: config, Check: m.checkAgentSecretMatchesMock("web")},
			{
				// The refresh's shared list is the first call, as the JWT is given; when it fails,
				// the read walks the list on its own, which is the second. (Not a 403: that one
				// gets a new JWT and the list again.)
				PreConfig:   func() { m.FailNext(http.StatusInternalServerError, http.StatusInternalServerError) },
				Config:      config,
				ExpectError: phrase("Unable to read agent secret", "Aria Operations for Logs API returned HTTP 500"),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: m.checkAgentSecretMatchesMock("web"),
			},
		},
	})
	if n := m.Calls("POST " + ariaSecretsRoute); n != 1 {
		t.Fatalf("%d creates, want 1: the failed read must not lead to a second", n)
	}
}

// A revoked secret cannot be imported: to Terraform it is gone.
func TestAccAgentSecret_importRevoked(t *testing.T) {
	m := newAccMock(t)
	old := m.PutAriaSecret("web")
	m.RevokeAriaSecret(old.ID)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:        m.config(agentSecretConfig("web")),
			ResourceName:  agentSecretAddr,
			ImportState:   true,
			ImportStateId: old.ID,
			ExpectError:   regexp.MustCompile(`Cannot\s+import\s+non-existent\s+remote\s+object`),
		}},
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

// The create is committed, but its answer, the only one that ever carries the value, is lost.
// Nothing marks the secret as this create's (another create of the name at the same moment would
// look the same), so it is neither revoked nor adopted: the apply fails naming it and saying what
// to do, and the platform keeps exactly that one secret.
func TestAccAgentSecret_lostCreateAnswerNamesTheSecretAndLeavesItAlone(t *testing.T) {
	for _, lost := range lostAnswers {
		t.Run(lost.name, func(t *testing.T) {
			m := newAccMock(t)
			m.failLosingTheAnswer(t, lost.status, m.ariaJWTConfig(agentSecretConfig("web")), phrase("Unable to create agent secret",
				"may have been carried out", `Agent secret "web"`, "appeared meanwhile", "left alone", "terraform import"))
			all := m.AriaSecrets()
			if len(all) != 1 || all[0].Revoked() {
				t.Fatalf("the platform holds %+v, want the one secret the lost create made, not revoked", all)
			}
			if n, r := m.Calls("POST "+ariaSecretsRoute), m.Calls(ariaRevokeRoute); n != 1 || r != 0 {
				t.Fatalf("%d creates and %d revokes sent, want 1 and 0", n, r)
			}
		})
	}
}

// The connection drops before the platform handles the lookup that precedes the create: the
// lookup is sent again, and the secret is created once.
func TestAccAgentSecret_createSentAgainWhenNothingWasCreated(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentSecretsDestroyed,
		Steps: []resource.TestStep{{
			PreConfig: func() { m.FailNext(0) },
			Config:    m.ariaJWTConfig(agentSecretConfig("web")),
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

// ariaAuthCase is one authentication method against the mock: how to give the provider a
// token, how to make it expire, and how many times the provider got a new one.
type ariaAuthCase struct {
	method  string
	token   func(*accMock) string
	expire  func(*accMock)
	renewed func(*accMock) int
}

var ariaAuthCases = []ariaAuthCase{
	{client.AriaAuthVCFOperations, (*accMock).IssueAriaJWT, (*accMock).ExpireAriaJWTs, (*accMock).AriaTokenAcquisitions},
	{client.AriaAuthLegacySession, (*accMock).OpenAriaSession, (*accMock).ExpireAriaSessions, (*accMock).AriaLogins},
}

// The provider starts from a token (a JWT, or a legacy session id) that expires between two
// applies. Every Terraform command configures the provider afresh, so each one meets the expired
// token at its first call: it must get a new one once and carry on with it.
func TestAccAgentSecret_tokenExpiresMidRun(t *testing.T) {
	for _, tc := range ariaAuthCases {
		t.Run(tc.method, func(t *testing.T) {
			m := newAccMock(t)
			token := tc.token(m)
			renewedOncePerRejection := func(*terraform.State) error {
				rejected, renewed := m.AriaRejectedCalls(), tc.renewed(m)
				if rejected == 0 {
					return fmt.Errorf("no call met the expired token; the test proves nothing")
				}
				if renewed != rejected {
					return fmt.Errorf("%d renewals for %d calls rejected with an expired token; want one renewal per rejection, "+
						"and no rejection once renewed", renewed, rejected)
				}
				return nil
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             m.checkAgentSecretsDestroyed,
				Steps: []resource.TestStep{
					{
						Config: m.ariaTokenConfig(tc.method, token, agentSecretConfig("web")),
						Check: resource.ComposeTestCheckFunc(
							m.checkAgentSecretMatchesMock("web"),
							func(*terraform.State) error {
								if n := m.AriaTokenAcquisitions() + m.AriaLogins(); n != 0 {
									return fmt.Errorf("%d tokens obtained while the given one was valid, want 0", n)
								}
								return nil
							},
						),
					},
					{
						// The apply revokes the old secret and creates the new one with a single renewal.
						PreConfig: func() { tc.expire(m) },
						Config:    m.ariaTokenConfig(tc.method, token, agentSecretConfig("web-renamed")),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(agentSecretAddr, plancheck.ResourceActionDestroyBeforeCreate)},
						},
						Check: resource.ComposeTestCheckFunc(m.checkAgentSecretMatchesMock("web-renamed"), renewedOncePerRejection),
					},
				},
			})
			// The destroy met the expired token too.
			if err := renewedOncePerRejection(nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Username and password with each method: the default gets its JWT from VCF Operations (with
// the auth source given), the legacy method logs in; neither touches the other's endpoints.
func TestAccAgentSecret_bothAuthMethods(t *testing.T) {
	for _, tc := range []struct {
		method, extra string
		obtained      func(*accMock) int
		unused        func(*accMock) int
	}{
		{client.AriaAuthVCFOperations, `auth_source = "corp-ldap"`, (*accMock).AriaTokenAcquisitions, (*accMock).AriaLogins},
		{client.AriaAuthLegacySession, `auth_provider = "ActiveDirectory"`, (*accMock).AriaLogins, (*accMock).AriaTokenAcquisitions},
	} {
		t.Run(tc.method, func(t *testing.T) {
			m := newAccMock(t)
			c := m.Credentials()
			config := fmt.Sprintf(`
provider "agentfleet" {
  aria_logs {
    auth_method         = %q
    endpoint            = %q
    operations_endpoint = %s
    username            = %q
    password            = %q
    %s
  }
}
`, tc.method, m.Endpoints.AriaLogs, m.operationsEndpointFor(tc.method), c.AriaUsername, c.AriaPassword, tc.extra) + agentSecretConfig("web")
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             m.checkAgentSecretsDestroyed,
				Steps: []resource.TestStep{
					{Config: config, Check: m.checkAgentSecretMatchesMock("web")},
					{ResourceName: agentSecretAddr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"secret", "modification_time"}},
				},
			})
			// One per Terraform command: each configures the provider afresh.
			if tc.obtained(m) == 0 || tc.unused(m) != 0 {
				t.Fatalf("%d credentials obtained the %s way and %d the other way; want some and none", tc.obtained(m), tc.method, tc.unused(m))
			}
			if tc.method == client.AriaAuthVCFOperations && !slices.Equal(slices.Compact(m.AriaAuthSources()), []string{"corp-ldap"}) {
				t.Fatalf("the acquires sent auth sources %q, want corp-ldap each time", m.AriaAuthSources())
			}
		})
	}
}

// A JWT given alone is used as it is: nothing is acquired.
func TestAccAgentSecret_givenJWTAlone(t *testing.T) {
	m := newAccMock(t)
	config := fmt.Sprintf(`
provider "agentfleet" {
  aria_logs {
    endpoint = %q
    token    = %q
  }
}
`, m.Endpoints.AriaLogs, m.IssueAriaJWT()) + agentSecretConfig("web")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentSecretsDestroyed,
		Steps:                    []resource.TestStep{{Config: config, Check: m.checkAgentSecretMatchesMock("web")}},
	})
	if n := m.Calls("POST " + mockserver.VCFOperationsPrefix + "/suite-api/api/auth/token/acquire"); n != 0 {
		t.Fatalf("%d acquires, want none with a given JWT", n)
	}
}

// VCF Operations on a host of its own: the Log Management API host refuses its routes, and the
// tokens come from the other host.
func TestAccAgentSecret_operationsEndpointOnAnotherHost(t *testing.T) {
	m := mockserver.New(mockserver.DefaultCredentials())
	isOps := func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, mockserver.VCFOperationsPrefix+"/") }
	var opsCalls, misrouted atomic.Int32
	logs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isOps(r) {
			misrouted.Add(1)
			http.NotFound(w, r)
			return
		}
		m.ServeHTTP(w, r)
	}))
	t.Cleanup(logs.Close)
	ops := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isOps(r) {
			misrouted.Add(1)
			http.NotFound(w, r)
			return
		}
		opsCalls.Add(1)
		m.ServeHTTP(w, r)
	}))
	t.Cleanup(ops.Close)
	acc := &accMock{Server: m, URL: logs.URL, Endpoints: m.Endpoints(logs.URL)}
	acc.Endpoints.VCFOperations = m.Endpoints(ops.URL).VCFOperations
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             acc.checkAgentSecretsDestroyed,
		Steps:                    []resource.TestStep{{Config: acc.config(agentSecretConfig("web")), Check: acc.checkAgentSecretMatchesMock("web")}},
	})
	if opsCalls.Load() == 0 || misrouted.Load() != 0 {
		t.Fatalf("VCF Operations saw %d calls and %d went to the wrong host; want some and none", opsCalls.Load(), misrouted.Load())
	}
}

// Without operations_endpoint, the tokens come from the scheme and host of endpoint, where a
// single appliance serves /suite-api beside the Log Management API.
func TestAccAgentSecret_operationsEndpointDefaultsToTheEndpointHost(t *testing.T) {
	m := mockserver.New(mockserver.DefaultCredentials())
	var suiteAPI atomic.Int32
	appliance := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/suite-api/") {
			suiteAPI.Add(1)
			r.URL.Path = mockserver.VCFOperationsPrefix + r.URL.Path // where the mock mounts it
		}
		m.ServeHTTP(w, r)
	}))
	t.Cleanup(appliance.Close)
	acc := &accMock{Server: m, URL: appliance.URL, Endpoints: m.Endpoints(appliance.URL)}
	c := m.Credentials()
	config := fmt.Sprintf(`
provider "agentfleet" {
  aria_logs {
    endpoint = %q
    username = %q
    password = %q
  }
}
`, acc.Endpoints.AriaLogs, c.AriaUsername, c.AriaPassword) + agentSecretConfig("web")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             acc.checkAgentSecretsDestroyed,
		Steps:                    []resource.TestStep{{Config: config, Check: acc.checkAgentSecretMatchesMock("web")}},
	})
	if suiteAPI.Load() == 0 || m.AriaTokenAcquisitions() == 0 {
		t.Fatalf("%d calls to /suite-api at the endpoint's host and %d acquires; want the JWT from there", suiteAPI.Load(), m.AriaTokenAcquisitions())
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
	if m.Calls("GET "+ariaSecretsRoute) == 0 {
		t.Fatalf("the import never asked the platform: %v", m.AllCalls())
	}
}

// agentSecretImportByIdentityConfig imports the secret named name by identity.
func agentSecretImportByIdentityConfig(name string) string {
	return fmt.Sprintf(`
import {
  to = agentfleet_agent_secret.test
  identity = {
    name = %q
  }
}
`, name) + agentSecretConfig(name)
}

// Terraform 1.12 and later: the secret's identity is its name, which is unique among the live
// secrets. An import block naming it finds the live secret of that name (not a revoked one that
// had the name before), and the secret can then be imported by identity and by id alike.
func TestAccAgentSecret_importByIdentity(t *testing.T) {
	m := newAccMock(t)
	revoked := m.PutAriaSecret("made-by-hand")
	live := m.PutAriaSecret("made-by-hand") // revokes the first
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentSecretsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: m.config(agentSecretImportByIdentityConfig("made-by-hand")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(agentSecretAddr, plancheck.ResourceActionNoop)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(agentSecretAddr, map[string]knownvalue.Check{"name": knownvalue.StringExact("made-by-hand")}),
					statecheck.ExpectIdentityValueMatchesState(agentSecretAddr, tfjsonpath.New("name")),
					statecheck.ExpectKnownValue(agentSecretAddr, tfjsonpath.New("id"), knownvalue.StringExact(live.ID)),
					statecheck.ExpectKnownValue(agentSecretAddr, tfjsonpath.New("status"), knownvalue.StringExact("ACTIVE")),
					statecheck.ExpectKnownValue(agentSecretAddr, tfjsonpath.New("secret"), knownvalue.Null()),
				},
			},
			{
				Config:          m.config(agentSecretConfig("made-by-hand")),
				ResourceName:    agentSecretAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				Config:          m.config(agentSecretConfig("made-by-hand")),
				ResourceName:    agentSecretAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
		},
	})
	if n := m.Calls(ariaRevokeRoute); n != 1 {
		t.Fatalf("%d revokes, want only the destroy's: importing changes nothing", n)
	}
	if revoked.ID == live.ID {
		t.Fatal("the mock gave the re-created secret the revoked one's id")
	}
}

// The identity of a secret made by Terraform is its name too, and it survives the refresh that
// follows; a secret imported by id gets its name as identity once it is read.
func TestAccAgentSecret_createdAndImportedByIDHaveIdentity(t *testing.T) {
	m := newAccMock(t)
	existing := m.PutAriaSecret("existing")
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentSecretsDestroyed,
		Steps: []resource.TestStep{
			{
				Config: m.config(agentSecretConfig("web")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(agentSecretAddr, map[string]knownvalue.Check{"name": knownvalue.StringExact("web")}),
				},
			},
			{
				Config: m.config(agentSecretConfig("web")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				Config: m.config(fmt.Sprintf(`
import {
  to = agentfleet_agent_secret.existing
  id = %q
}
resource "agentfleet_agent_secret" "existing" {
  name = "existing"
}
`, existing.ID) + agentSecretConfig("web")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity("agentfleet_agent_secret.existing", map[string]knownvalue.Check{"name": knownvalue.StringExact("existing")}),
					statecheck.ExpectKnownValue("agentfleet_agent_secret.existing", tfjsonpath.New("id"), knownvalue.StringExact(existing.ID)),
				},
			},
		},
	})
}

// An import by identity of a name that no live secret holds finds nothing: a secret revoked
// under that name cannot be imported, and neither can a name nobody ever used.
func TestAccAgentSecret_importByIdentityOfNoLiveSecret(t *testing.T) {
	for name, setup := range map[string]func(m *accMock){
		"revoked": func(m *accMock) { m.RevokeAriaSecret(m.PutAriaSecret("web").ID) },
		"unknown": func(m *accMock) { m.PutAriaSecret("other") },
	} {
		t.Run(name, func(t *testing.T) {
			m := newAccMock(t)
			setup(m)
			resource.Test(t, resource.TestCase{
				TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      m.config(agentSecretImportByIdentityConfig("web")),
					ExpectError: regexp.MustCompile(`Cannot\s+import\s+non-existent\s+remote\s+object`),
				}},
			})
			if n := m.Calls("POST " + ariaSecretsRoute); n != 0 {
				t.Fatalf("%d creates, want none: a failed import creates nothing", n)
			}
		})
	}
}
