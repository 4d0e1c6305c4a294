package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

// Authentication failures: wrong credentials (401) and missing permissions (403) on each
// platform end the apply with an error that names the platform, the provider block and the
// arguments to check, after exactly one attempt: 401 and 403 are never retried. The one
// exception is documented: Aria Operations for Logs gets a new JWT (or logs in again) once when
// a call answers 401 or 403, because its credentials expire and seed 001 documents 403 for
// "Authorization required"; it can only when it has a username and password.

// authTarget is one platform: a resource whose create is the platform's first call, and the
// route of that call.
type authTarget struct {
	block, platform, resource string
	// loginPlatform, when set, is the platform whose 401 a wrong credential meets: Aria
	// Operations for Logs gets its tokens from VCF Operations.
	loginPlatform string
	// firstCall is the route pattern of the create's first request.
	firstCall string
	// credential is the configured credential a wrong value replaces.
	credential func(mockserver.Credentials) string
	// credentialNames are the arguments the error must name.
	credentialNames string
}

var authTargets = []authTarget{
	{
		block: "spaceone", platform: "SpaceONE", credentialNames: "token",
		resource:   "resource \"agentfleet_agent\" \"auth\" {\n  service_account_id = \"sa-auth\"\n  options = { cluster_name = \"auth\" }\n}\n",
		firstCall:  "POST " + mockserver.SpaceONEAgentRoute + "/get",
		credential: func(c mockserver.Credentials) string { return c.SpaceONEToken },
	},
	{
		block: "aria_logs", platform: "Aria Operations for Logs", loginPlatform: "VCF Operations", credentialNames: "username and password",
		resource:   "resource \"agentfleet_agent_secret\" \"auth\" {\n  name = \"auth\"\n}\n",
		firstCall:  "POST " + vcfOpsAcquireRoute,
		credential: func(c mockserver.Credentials) string { return c.AriaPassword },
	},
	{
		block: "monitoring", platform: "Rackspace Cloud Monitoring", credentialNames: "auth_token",
		resource:   "resource \"agentfleet_agent_token\" \"auth\" {\n  label = \"auth\"\n}\n",
		firstCall:  "POST " + mockserver.MonitoringPrefix + "/{tenant}/agent_tokens",
		credential: func(c mockserver.Credentials) string { return c.MonitoringToken },
	},
	{
		block: "armory", platform: "Armory Scale Agent", credentialNames: "headers",
		resource:   "resource \"agentfleet_dynamic_account\" \"auth\" {\n  name = \"prod-k8s\"\n}\n",
		firstCall:  "GET " + armoryRoute + "/{name}",
		credential: func(c mockserver.Credentials) string { return c.ArmoryAPIKey },
	},
	{
		block: "k0rdent", platform: "k0rdent IAM", credentialNames: "token",
		resource: "resource \"agentfleet_service_account\" \"auth\" {\n  display_name = \"auth\"\n  scope = \"project\"\n" +
			"  scope_id = \"proj-auth\"\n}\n",
		firstCall:  "POST " + k0rdentAccountsRoute,
		credential: func(c mockserver.Credentials) string { return c.K0rdentToken },
	},
}

// phrase matches the fragments in order, anywhere in an error, whatever Terraform's line wrapping
// does to the spaces between words.
func phrase(fragments ...string) *regexp.Regexp {
	quoted := make([]string, len(fragments))
	for i, f := range fragments {
		quoted[i] = strings.ReplaceAll(regexp.QuoteMeta(f), " ", `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(quoted, ".*"))
}

// failOnce runs one apply of config that must fail with want, then checks the mock saw exactly the
// calls given and no other.
func failOnce(t *testing.T, m *accMock, config string, preConfig func(), want *regexp.Regexp, calls map[string]int) {
	t.Helper()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			PreConfig:   preConfig,
			Config:      config,
			ExpectError: want,
		}},
	})
	expectCalls(t, m.Server, calls)
}

// expectCalls fails unless the mock received exactly these calls, by route.
func expectCalls(t *testing.T, m *mockserver.Server, calls map[string]int) {
	t.Helper()
	total := 0
	for route, n := range calls {
		total += n
		if got := m.Calls(route); got != n {
			t.Errorf("%s was called %d times, want %d", route, got, n)
		}
	}
	if got := m.TotalCalls(); got != total {
		t.Errorf("the mock received %d calls, want %d: %v", got, total, m.AllCalls())
	}
}

// Routes of the mock's VCF Operations, where Aria Operations for Logs gets its JWTs.
const (
	vcfOpsAcquireRoute  = mockserver.VCFOperationsPrefix + "/suite-api/api/auth/token/acquire"
	vcfOpsExchangeRoute = mockserver.VCFOperationsPrefix + "/suite-api/api/auth/token/exchange"
)

func TestAccAuth_wrongCredentialsAreNotRetried(t *testing.T) {
	for _, target := range authTargets {
		t.Run(target.block, func(t *testing.T) {
			t.Parallel()
			m := newAccMock(t)
			config := strings.Replace(m.config(target.resource), fmt.Sprintf("%q", target.credential(m.Credentials())), `"wrong-credential"`, 1)
			platform := target.platform
			if target.loginPlatform != "" {
				platform = target.loginPlatform
			}
			failOnce(t, m, config, nil,
				phrase(platform+" API returned HTTP 401", "provider's "+target.block+" block", target.credentialNames),
				map[string]int{target.firstCall: 1})
		})
	}
}

func TestAccAuth_forbiddenIsNotRetried(t *testing.T) {
	for _, target := range authTargets {
		t.Run(target.block, func(t *testing.T) {
			t.Parallel()
			m := newAccMock(t)
			config, firstCall := m.config(target.resource), target.firstCall
			if target.block == "aria_logs" {
				// With a JWT given, the first call is the create's name lookup, not an acquire;
				// without a username and password beside it, nothing can get a new one.
				config, firstCall = ariaTokenOnlyConfig(m, client.AriaAuthVCFOperations, m.IssueAriaJWT())+target.resource, "GET "+ariaSecretsRoute
			}
			failOnce(t, m, config, func() { m.FailNext(http.StatusForbidden) },
				phrase(target.platform+" API returned HTTP 403", "provider's "+target.block+" block", target.credentialNames, "lack permission"),
				map[string]int{firstCall: 1})
		})
	}
}

// A token that the platform refuses cannot be renewed without a username and password: one call,
// and an error that says what to set, for a JWT and for a legacy session id.
func TestAccAuth_ariaRejectedToken(t *testing.T) {
	for method, want := range map[string]*regexp.Regexp{
		client.AriaAuthVCFOperations: phrase("Aria Operations for Logs API", "configured JWT was rejected (HTTP 401)", "Refresh it",
			"username and password", "Set the new one as token", "AGENTFLEET_ARIA_LOGS_USERNAME", "provider's aria_logs block"),
		client.AriaAuthLegacySession: phrase("Aria Operations for Logs API", "session token was rejected (HTTP 401)", "username and password",
			"Set the new one as token", "provider's aria_logs block"),
	} {
		t.Run(method, func(t *testing.T) {
			m := newAccMock(t)
			failOnce(t, m, ariaTokenOnlyConfig(m, method, "expired-token")+authTargets[1].resource, nil, want,
				map[string]int{"GET " + ariaSecretsRoute: 1})
		})
	}
}

// ariaTokenOnlyConfig is a provider block for Aria Operations for Logs alone with a token and no
// username and password, so that the provider cannot get a credential itself.
func ariaTokenOnlyConfig(m *accMock, method, token string) string {
	return fmt.Sprintf(`
provider "agentfleet" {
  aria_logs {
    auth_method = %q
    endpoint    = %q
    token       = %q
  }
}
`, method, m.Endpoints.AriaLogs, token)
}

// A call refused with 401 although the JWT was just issued is sent again once with a new JWT, as
// the client documents for expiring tokens; a second 401 is final. (The create first looks the
// name up, which the mock answers.)
func TestAccAuth_ariaRenewsOnlyOnce(t *testing.T) {
	acc, refused := ariaRefusing(t, http.StatusUnauthorized, "SECURITY_ERROR")
	failOnce(t, acc, acc.config(authTargets[1].resource), nil,
		phrase("Aria Operations for Logs API returned HTTP 401", "SECURITY_ERROR", "provider's aria_logs block"),
		map[string]int{"POST " + vcfOpsAcquireRoute: 2, "POST " + vcfOpsExchangeRoute: 2, "GET " + ariaSecretsRoute: 1})
	if n := refused.Load(); n != 2 {
		t.Errorf("the create was sent %d times, want 2: once, and once more after the single renewal", n)
	}
	if n := acc.AriaTokenAcquisitions(); n != 2 {
		t.Errorf("%d acquisitions, want 2", n)
	}
}

// ariaRefusing is the mock behind a server that refuses every agent secret create with status
// and an Aria error body of code, counting the refusals.
func ariaRefusing(t *testing.T, status int, code string) (*accMock, *atomic.Int32) {
	t.Helper()
	m := mockserver.New(mockserver.DefaultCredentials())
	var refused atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != ariaSecretsRoute {
			m.ServeHTTP(w, r)
			return
		}
		refused.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"errorCode": code, "errorMessage": "Authorization required"})
	}))
	t.Cleanup(ts.Close)
	return &accMock{Server: m, URL: ts.URL, Endpoints: m.Endpoints(ts.URL)}, &refused
}

// A call refused with 403, which seed 001 documents for "Authorization required" and so for an
// expired JWT, is sent again once with a new JWT, as after a 401; a second 403 is the permission
// error.
func TestAccAuth_ariaRenewsOnceOn403(t *testing.T) {
	acc, refused := ariaRefusing(t, http.StatusForbidden, "RBAC_COMMON_ERROR")
	failOnce(t, acc, acc.config(authTargets[1].resource), nil,
		phrase("Aria Operations for Logs API returned HTTP 403", "RBAC_COMMON_ERROR", "provider's aria_logs block", "lack permission"),
		map[string]int{"POST " + vcfOpsAcquireRoute: 2, "POST " + vcfOpsExchangeRoute: 2, "GET " + ariaSecretsRoute: 1})
	if n := refused.Load(); n != 2 {
		t.Errorf("the create was sent %d times, want 2: once, and once more after the single renewal", n)
	}
}

// A platform that answers an expired JWT with 403: every Terraform run starts from the configured
// JWT, which has expired, and gets one new JWT for the one refused call; the secret is created.
func TestAccAuth_ariaExpiredJWTAnswered403IsRenewed(t *testing.T) {
	m := newAccMock(t)
	m.SetAriaExpiryForbidden(true)
	expired := m.IssueAriaJWT()
	m.ExpireAriaJWTs()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: m.ariaTokenConfig(client.AriaAuthVCFOperations, expired, authTargets[1].resource),
			Check: func(*terraform.State) error {
				refused, acquired, exchanged := m.AriaRejectedCalls(), m.AriaTokenAcquisitions(), m.AriaTokenExchanges()
				if refused == 0 || acquired != refused || exchanged != refused {
					return fmt.Errorf("%d calls refused, %d tokens acquired and %d exchanged: want one new JWT for each refusal", refused, acquired, exchanged)
				}
				if n := m.Calls("POST " + ariaSecretsRoute); n != 1 {
					return fmt.Errorf("%d creates sent, want 1", n)
				}
				return nil
			},
		}},
	})
}

// lostAnswers are the ways a committed create's answer is lost: the connection drops, or a
// gateway answers 502 or 504 in place of the platform.
var lostAnswers = []struct {
	name   string
	status int // 0: the connection drops
}{{"dropped", 0}, {"502", http.StatusBadGateway}, {"504", http.StatusGatewayTimeout}}

// failLosingTheAnswer applies config once, losing the answer of its first write as status says
// (see lostAnswers), and expects the apply to fail with want.
func (m *accMock) failLosingTheAnswer(t *testing.T, status int, config string, want *regexp.Regexp) {
	t.Helper()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			PreConfig:   func() { m.GatewayErrorNextWrites(status, 1) },
			Config:      config,
			ExpectError: want,
		}},
	})
}
