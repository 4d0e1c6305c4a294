package provider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// The bad-input suite: invalid configurations, import ids and API answers each end in an error
// that names the attribute or the platform, and what can be caught at plan time is caught there,
// before any API call.
//
// These cases add to the ones that live beside the code they check, which are not repeated here:
// config_test.go (monitoring not configured, clear-text http and a relative monitoring endpoint,
// missing monitoring and k0rdent credentials, a bad retry_wait_max, waits out of order, Aria
// without credentials for either auth_method, an unknown auth_method or auth_provider, Aria
// arguments the chosen auth_method does not use, a clear-text or relative operations_endpoint, the
// Aria arguments from the environment, AGENTFLEET_ARMORY_HEADERS that is not JSON); the
// resources' *_invalid*/*validation* tests (service account id, display name, description, scope,
// scope id and roles; agent service_account_id, blank cluster name, rotate_before, missing options;
// agent secret names; agent token label length; credential expires_at without a zone or not a
// time, rotate_before and service_account_id; both kubeconfig forms at once, a write-only
// kubeconfig without its version and the other way round, an empty zone); the data sources'
// blank name, bad id, scope and source; and one malformed import id per importable resource.

// providerWith is a provider block with the given settings and platform blocks.
func providerWith(body string) string {
	return "provider \"agentfleet\" {\n" + body + "\n}\n"
}

const (
	badAgent          = "resource \"agentfleet_agent\" \"bad\" {\n  service_account_id = \"sa-bad\"\n  options = { cluster_name = \"bad\" }\n}\n"
	badAgentSecret    = "resource \"agentfleet_agent_secret\" \"bad\" {\n  name = \"bad\"\n}\n"
	badAgentToken     = "resource \"agentfleet_agent_token\" \"bad\" {\n  label = \"bad\"\n}\n"
	badDynamicAccount = "resource \"agentfleet_dynamic_account\" \"bad\" {\n  name = \"prod-k8s\"\n}\n"
	badServiceAccount = "resource \"agentfleet_service_account\" \"bad\" {\n  id = \"sa-bad\"\n  display_name = \"bad\"\n" +
		"  scope = \"project\"\n  scope_id = \"proj-bad\"\n}\n"
	badCredential = "resource \"agentfleet_service_account_credential\" \"bad\" {\n  service_account_id = \"sa-bad\"\n}\n"
)

// badPlanCase is a configuration that must fail at plan time without any API call.
type badPlanCase struct {
	name string
	// env is set for the case; such cases cannot run in parallel with others.
	env    map[string]string
	config func(t *testing.T, m *accMock) string
	want   *regexp.Regexp
}

// resourceArgs is a resource of the given type and arguments, under the mock's provider block.
func resourceArgs(kind, resourceType, args string) func(*testing.T, *accMock) string {
	return func(_ *testing.T, m *accMock) string {
		return m.config(fmt.Sprintf("%s %q \"bad\" {\n%s\n}\n", kind, resourceType, args))
	}
}

// spaceoneBlockWith is a provider block whose spaceone block points at the mock and holds the
// extra line given, with an agent.
func spaceoneBlockWith(extra string) func(*testing.T, *accMock) string {
	return func(_ *testing.T, m *accMock) string {
		return providerWith(fmt.Sprintf("  spaceone {\n    endpoint = %q\n    token = \"t\"\n    %s\n  }", m.Endpoints.SpaceONE, extra)) + badAgent
	}
}

// bare is a fixed configuration that needs nothing from the mock.
func bare(config string) func(*testing.T, *accMock) string {
	return func(*testing.T, *accMock) string { return config }
}

// caCertFile writes a CA bundle with the given content and configures it.
func caCertFile(content string) func(*testing.T, *accMock) string {
	return func(t *testing.T, m *accMock) string {
		path := filepath.Join(t.TempDir(), "ca.pem")
		if content != "" {
			writeFile(t, path, content)
		}
		return providerWith(fmt.Sprintf("  ca_cert_file = %q\n  monitoring {\n    endpoint = %q\n    auth_token = \"t\"\n  }", path, m.Endpoints.Monitoring)) + badAgentToken
	}
}

var badPlanCases = []badPlanCase{
	// Platforms the configuration needs but does not configure (monitoring is in config_test.go).
	{name: "spaceone not configured", config: bare(providerWith("") + badAgent),
		want: phrase("The spaceone platform is not configured", "AGENTFLEET_SPACEONE_ENDPOINT")},
	{name: "aria_logs not configured", config: bare(providerWith("") + badAgentSecret),
		want: phrase("The aria_logs platform is not configured", "AGENTFLEET_ARIA_LOGS_ENDPOINT")},
	{name: "armory not configured", config: bare(providerWith("") + badDynamicAccount),
		want: phrase("The armory platform is not configured", "AGENTFLEET_ARMORY_ENDPOINT")},
	{name: "k0rdent not configured", config: bare(providerWith("") + badCredential),
		want: phrase("The k0rdent platform is not configured", "AGENTFLEET_K0RDENT_ENDPOINT")},

	// Endpoints and credentials.
	{name: "clear-text http to a remote spaceone", config: bare(providerWith("  spaceone {\n    endpoint = \"http://identity.example.com\"\n    token = \"t\"\n  }") + badAgent),
		want: phrase("Invalid spaceone endpoint", "clear text", "allow_insecure_http")},
	{name: "clear-text http to a remote k0rdent from the environment", config: bare(providerWith("") + badServiceAccount),
		env:  map[string]string{"AGENTFLEET_K0RDENT_ENDPOINT": "http://iam.example.com", "AGENTFLEET_K0RDENT_TOKEN": "t"},
		want: phrase("Invalid k0rdent endpoint", "clear text", "allow_insecure_http")},
	{name: "endpoint scheme not http", config: bare(providerWith("  armory {\n    endpoint = \"ftp://clouddriver.example.com\"\n  }") + badDynamicAccount),
		want: phrase("Invalid endpoint URL", "armory.endpoint", "absolute URL")},
	{name: "endpoint without a host", config: bare(providerWith("  aria_logs {\n    endpoint = \"https://\"\n    token = \"t\"\n  }") + badAgentSecret),
		want: phrase("Invalid endpoint URL", "aria_logs.endpoint", "absolute URL")},
	{name: "allow_insecure_http from the environment not a bool",
		config: func(_ *testing.T, m *accMock) string {
			return providerWith(fmt.Sprintf("  spaceone {\n    endpoint = %q\n    token = \"t\"\n  }", m.Endpoints.SpaceONE)) + badAgent
		},
		env:  map[string]string{"AGENTFLEET_SPACEONE_ALLOW_INSECURE_HTTP": "maybe"},
		want: phrase("Invalid environment variable", `AGENTFLEET_SPACEONE_ALLOW_INSECURE_HTTP="maybe" is not true or false`)},
	{name: "spaceone without token", config: bare(providerWith("  spaceone {\n    endpoint = \"https://identity.example.com\"\n  }") + badAgent),
		want: phrase("Missing credential", "spaceone.token", "AGENTFLEET_SPACEONE_TOKEN")},
	{name: "spaceone path_prefix without a leading slash", config: spaceoneBlockWith(`path_prefix = "identity"`),
		want: phrase("Invalid path prefix", "spaceone.path_prefix", `must start with "/"`)},
	{name: "spaceone path_prefix with a trailing slash", config: spaceoneBlockWith(`path_prefix = "/identity/v2/"`),
		want: phrase("Invalid path prefix", "spaceone.path_prefix", `must not end with "/"`)},
	{name: "spaceone path_prefix with a query", config: spaceoneBlockWith(`path_prefix = "/identity?version=2"`),
		want: phrase("Invalid path prefix", "spaceone.path_prefix", "without a query")},
	{name: "spaceone path_prefix from the environment without a leading slash", config: spaceoneBlockWith(""),
		env:  map[string]string{"AGENTFLEET_SPACEONE_PATH_PREFIX": "identity/v2"},
		want: phrase("Invalid environment variable", `AGENTFLEET_SPACEONE_PATH_PREFIX="identity/v2"`, `must start with "/"`)},

	// Transport settings.
	{name: "max_retries out of range", config: bare(providerWith("  max_retries = 51") + badAgentToken),
		want: phrase("max_retries value must be between 0 and 50, got: 51")},
	{name: "max_retries from the environment not a number", config: bare(providerWith("") + badAgentToken),
		env:  map[string]string{"AGENTFLEET_MAX_RETRIES": "lots"},
		want: phrase("Invalid environment variable", `AGENTFLEET_MAX_RETRIES="lots" is not a whole number`)},
	{name: "negative request_timeout", config: bare(providerWith("  request_timeout = \"-5s\"") + badAgentToken),
		want: phrase("Invalid duration", `request_timeout is "-5s"`)},
	{name: "retry_wait_min without a unit", config: bare(providerWith("  retry_wait_min = \"10\"") + badAgentToken),
		want: phrase("Invalid duration", `retry_wait_min is "10"`)},
	{name: "ca_cert_file missing", config: caCertFile(""),
		want: phrase("Cannot read the CA certificate file", "ca_cert_file")},
	{name: "ca_cert_file not PEM", config: caCertFile("not a certificate"),
		want: phrase("Invalid CA certificate file", "contains no PEM certificate")},

	// Resource, data source and ephemeral resource arguments.
	{name: "agent cluster_name too long",
		config: resourceArgs("resource", "agentfleet_agent", fmt.Sprintf("service_account_id = \"sa-bad\"\noptions = { cluster_name = %q }", strings.Repeat("c", 254))),
		want:   phrase("options.cluster_name string length must be between 1 and 253, got: 254")},
	{name: "agent rotate_before negative",
		config: resourceArgs("resource", "agentfleet_agent", "service_account_id = \"sa-bad\"\noptions = { cluster_name = \"c\" }\nrotate_before = \"-1h\""),
		want:   phrase("Invalid duration", `rotate_before is "-1h"`)},
	{name: "dynamic account empty name", config: resourceArgs("resource", "agentfleet_dynamic_account", `name = ""`),
		want: phrase("Attribute name string length must be at least 1")},
	{name: "dynamic account empty kubeconfig_file", config: resourceArgs("resource", "agentfleet_dynamic_account", "name = \"prod-k8s\"\nkubeconfig_file = \"\""),
		want: phrase("Attribute kubeconfig_file string length must be at least 1")},
	{name: "dynamic account timeout not a duration", config: resourceArgs("resource", "agentfleet_dynamic_account", "name = \"prod-k8s\"\ntimeouts {\n  create = \"soon\"\n}"),
		want: phrase("Invalid Attribute Value Time Duration", `"soon"`)},
	{name: "credential expires_at without a time", config: resourceArgs("resource", "agentfleet_service_account_credential", "service_account_id = \"sa-bad\"\nexpires_at = \"2030-01-31\""),
		want: phrase("Invalid RFC3339 String Value", `expires_at`, "Given Value: 2030-01-31")},
	{name: "credential rotate_before negative", config: resourceArgs("resource", "agentfleet_service_account_credential", "service_account_id = \"sa-bad\"\nrotate_before = \"-720h\""),
		want: phrase("Invalid duration", `rotate_before is "-720h"`)},
	{name: "credential service_account_id too long", config: resourceArgs("resource", "agentfleet_service_account_credential", fmt.Sprintf("service_account_id = %q", "sa-"+strings.Repeat("x", 61))),
		want: phrase("service_account_id string length must be between 1 and 63, got: 64")},
	{name: "ephemeral agent token empty id", config: resourceArgs("ephemeral", "agentfleet_agent_token", `id = ""`),
		want: phrase("Attribute id string length must be at least 1")},
	{name: "agent token data source empty id", config: resourceArgs("data", "agentfleet_agent_token", `id = ""`),
		want: phrase("Attribute id string length must be at least 1")},
	{name: "agents data source unknown state", config: resourceArgs("data", "agentfleet_agents", `state = "RUNNING"`),
		want: phrase("Attribute state value must be one of", `"RUNNING"`)},
	{name: "agents data source bad service_account_id", config: resourceArgs("data", "agentfleet_agents", `service_account_id = "sa_1"`),
		want: phrase("service_account_id must be a SpaceONE service account id")},
	{name: "service accounts data source empty scope_id", config: resourceArgs("data", "agentfleet_service_accounts", `scope_id = ""`),
		want: phrase("Attribute scope_id string length must be at least 1")},
}

func TestAccBadInput_failsAtPlanWithoutCalls(t *testing.T) {
	for _, tc := range badPlanCases {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.env) == 0 {
				t.Parallel()
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			m := newAccMock(t)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				TerraformVersionChecks:   writeOnlyArguments,
				Steps: []resource.TestStep{{
					Config:      tc.config(t, m),
					PlanOnly:    true,
					ExpectError: tc.want,
				}},
			})
			m.expectNoCalls(t)
		})
	}
}

// One more malformed id per importable resource, each refused before any call: path traversal,
// a bad prefix, control characters and incomplete compound ids.
func TestAccBadInput_malformedImportIDs(t *testing.T) {
	tests := []struct {
		resource, id string
		want         *regexp.Regexp
	}{
		{badAgentToken, "../agent_tokens", phrase("Invalid import ID", "Import an agent token by its id")},
		{badAgent, "sa-", phrase("Invalid import ID", "Import an agent by the id of its service account")},
		{badAgentSecret, "../secrets", phrase("Invalid import ID", "Import an agent secret by its id")},
		{badDynamicAccount, "prod-k8s\n", phrase("Invalid import ID", "Import a dynamic account by its Clouddriver account name")},
		{badServiceAccount, "sa-prod-", phrase("Invalid import ID", "Import a service account by its id")},
		{badCredential, "sa-bad/cred 1", phrase("Invalid import ID", "<service_account_id>/<credential_id>")},
	}
	for _, tc := range tests {
		address := regexp.MustCompile(`resource "(\w+)" "(\w+)"`).FindStringSubmatch(tc.resource)
		t.Run(address[1], func(t *testing.T) {
			t.Parallel()
			m := newAccMock(t)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:        m.config(tc.resource),
					ResourceName:  address[1] + "." + address[2],
					ImportState:   true,
					ImportStateId: tc.id,
					ExpectError:   tc.want,
				}},
			})
			m.expectNoCalls(t)
		})
	}
}

// stubAPI stands in for one platform's endpoint and answers every request itself, counting them.
type stubAPI struct {
	URL   string
	calls atomic.Int32
}

func newStubAPI(t *testing.T, answer http.HandlerFunc) *stubAPI {
	t.Helper()
	s := &stubAPI{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.calls.Add(1)
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// answerWith answers every request with status, content type and body.
func answerWith(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// hugeBody is larger than the client ever reads of an answer.
var hugeBody = strings.Repeat("x", 12<<20)

// Answers the client cannot use: not JSON, empty, huge, in another format, or a success it cannot
// decode. Each ends in an error naming the platform and the status, with a short excerpt of the
// body, after one call (a 4xx is never retried).
func TestAccBadInput_unusableAPIAnswers(t *testing.T) {
	tests := []struct {
		name, block, resource string
		answer                http.HandlerFunc
		want                  *regexp.Regexp
		calls                 int32
	}{
		{
			name: "4xx body not JSON", block: "k0rdent {\n    endpoint = %q\n    token = \"t\"\n  }", resource: badServiceAccount,
			answer: answerWith(http.StatusBadRequest, "text/html", "<html>\n<body><h1>400 Bad Request</h1>\nThe plain HTTP request was sent to HTTPS port</body>\n</html>"),
			want:   phrase("Unable to create service account", "k0rdent IAM API returned HTTP 400 Bad Request: <html> <body><h1>400 Bad Request</h1> The plain HTTP request"),
			calls:  1,
		},
		{
			name: "4xx empty body", block: "spaceone {\n    endpoint = %q\n    token = \"t\"\n  }", resource: badAgent,
			answer: answerWith(http.StatusUnprocessableEntity, "", ""),
			want:   regexp.MustCompile(`(?s)Unable\s+to\s+create\s+agent.*SpaceONE\s+API\s+returned\s+HTTP\s+422\s+Unprocessable\s+Entity\n`),
			calls:  1,
		},
		{
			name: "4xx huge body", block: "armory {\n    endpoint = %q\n  }", resource: badDynamicAccount,
			answer: answerWith(http.StatusBadRequest, "text/plain", hugeBody),
			// Cut to one short line, whatever the size.
			want:  regexp.MustCompile(`(?s)Unable\s+to\s+create\s+dynamic\s+account.*Armory\s+Scale\s+Agent\s+API\s+returned\s+HTTP\s+400\s+Bad\s+Request:\s+x{200}…`),
			calls: 1,
		},
		{
			name: "4xx JSON in another format", block: "monitoring {\n    endpoint = %q\n    auth_token = \"t\"\n  }", resource: badAgentToken,
			answer: answerWith(http.StatusConflict, "application/json", `{"status":"conflict","reason":"duplicate"}`),
			want:   phrase("Unable to create agent token", `Rackspace Cloud Monitoring API returned HTTP 409 Conflict: {"status":"conflict","reason":"duplicate"}`),
			calls:  1,
		},
		{
			name: "2xx body not JSON", block: "monitoring {\n    endpoint = %q\n    auth_token = \"t\"\n  }", resource: badAgentToken,
			answer: func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost {
					w.Header().Set("X-Object-ID", "tk1")
					w.WriteHeader(http.StatusCreated)
					return
				}
				answerWith(http.StatusOK, "text/html", "<html>maintenance</html>")(w, r)
			},
			want: phrase("Unable to create agent token", "agent token tk1 was created, and reading it back failed",
				"Rackspace Cloud Monitoring API: cannot decode the answer to GET /agent_tokens/tk1"),
			// The POST, the PUT of the label, the GET that fails, and the destroy's DELETE: the token
			// exists, so it is saved in state (tainted) rather than left behind.
			calls: 4,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stub := newStubAPI(t, tc.answer)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      providerWith("  "+fmt.Sprintf(tc.block, stub.URL)) + tc.resource,
					ExpectError: tc.want,
				}},
			})
			if n := stub.calls.Load(); n != tc.calls {
				t.Errorf("the platform was called %d times, want %d", n, tc.calls)
			}
		})
	}
}
