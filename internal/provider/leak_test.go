package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

// The leak test: a configuration with every family is applied, changed (so secrets rotate and a
// write-only value is sent again), imported, planned and destroyed with Terraform's most verbose
// logging, and one apply fails on purpose with API error bodies that echo the request, secrets
// included. Then no secret value may appear in the logs, the plan and apply output or the error
// messages. The secrets are taken from the mock store (what the platforms issued), from the
// token answers (VCF Operations tokens and the JWTs they are exchanged for, Aria session ids) and
// from the configuration (credentials, kubeconfigs).
//
// It runs twice, because the two halves see different things:
//   - TestAccLeak_testHarness runs under terraform-plugin-testing with the provider in process.
//     terraform-exec clears TF_LOG_PATH for the terraform it runs, so TF_LOG_PATH alone would
//     only catch the provider's logs; TF_ACC_LOG_PATH sends Terraform's and the provider's logs
//     to one file (the provider at TRACE whatever TF_LOG says). Error messages come through
//     ErrorCheck.
//   - TestAccLeak_terraformCLI builds the provider and runs the terraform binary against the mock
//     as a user would (dev_overrides, as scripts/demo.sh does), with TF_LOG=trace,
//     TF_LOG_PROVIDER=trace and TF_LOG_PATH, and keeps everything terraform prints: the rendered
//     plan, apply, show and output, and the failed apply's diagnostics.

// Kubeconfig values are resource arguments, not provider credentials: the client only knows them
// from the request it sends.
const (
	// leakGatewayHeader is an Armory header whose name is on no list of secret names, as the
	// credential header of a gateway in front of Clouddriver may be: only its value tells it apart.
	leakGatewayHeader     = "X-Gateway-Credential"
	leakGatewayCredential = "leak-gateway-credential-value"

	leakStoredKubeconfig        = "encryptedFile:k8s!n:leak-stored-kubeconfig-1!k:config"
	leakStoredKubeconfigRotated = "encryptedFile:k8s!n:leak-stored-kubeconfig-2!k:config"
	leakWriteOnlyKubeconfig     = "encryptedFile:k8s!n:leak-write-only-kubeconfig!k:config"
	leakRejectedKubeconfig      = "encryptedFile:k8s!n:leak-rejected-kubeconfig!k:config"
)

// leakResources is the configuration of one round: 1 creates every family; 2 changes what makes
// a platform issue or receive a secret again (the SpaceONE secret is regenerated, both
// kubeconfigs are sent again, the write-only one from the ephemeral agent token); 3 adds one
// create per platform, which leakMock rejects with an error that echoes the request.
func leakResources(round int) string {
	storedKubeconfig, writeOnly, writeOnlyVersion := leakStoredKubeconfig, fmt.Sprintf("%q", leakWriteOnlyKubeconfig), 1
	if round >= 2 {
		storedKubeconfig, writeOnly, writeOnlyVersion = leakStoredKubeconfigRotated, "ephemeral.agentfleet_agent_token.leak.token", 2
	}
	config := fmt.Sprintf(`
resource "agentfleet_agent_token" "leak" {
  label = "leak-%[1]d"
}

ephemeral "agentfleet_agent_token" "leak" {
  id = agentfleet_agent_token.leak.id
}

data "agentfleet_agent_token" "leak" {
  id = agentfleet_agent_token.leak.id
}

data "agentfleet_agent_tokens" "all" {
  include_values = true
  depends_on     = [agentfleet_agent_token.leak]
}

resource "agentfleet_agent" "leak" {
  service_account_id  = "sa-leak"
  options             = { cluster_name = "leak" }
  regenerate_triggers = { round = "%[1]d" }
}

resource "agentfleet_agent_secret" "leak" {
  name = "leak"
}

resource "agentfleet_service_account" "leak" {
  id           = "sa-leak"
  display_name = "Leak test %[1]d"
  scope        = "project"
  scope_id     = "proj-leak"
}

resource "agentfleet_service_account_credential" "leak" {
  service_account_id = agentfleet_service_account.leak.id
}

resource "agentfleet_dynamic_account" "stored" {
  name            = "prod-k8s"
  kubeconfig_file = %[2]q
}

resource "agentfleet_dynamic_account" "write_only" {
  name                       = "staging-k8s"
  kubeconfig_file_wo         = %[3]s
  kubeconfig_file_wo_version = %[4]d
}
`, min(round, 2), storedKubeconfig, writeOnly, writeOnlyVersion)
	if round < 3 {
		return config
	}
	return config + fmt.Sprintf(`
resource "agentfleet_agent_token" "rejected" {
  label = "rejected"
}

resource "agentfleet_agent_secret" "rejected" {
  name = "rejected"
}

resource "agentfleet_agent" "rejected" {
  service_account_id = "sa-rejected"
  options            = { cluster_name = "rejected" }
}

resource "agentfleet_dynamic_account" "rejected" {
  name                       = "dev-k8s"
  kubeconfig_file_wo         = %q
  kubeconfig_file_wo_version = 1
}

resource "agentfleet_service_account_credential" "rejected" {
  service_account_id = agentfleet_service_account.leak.id
}
`, leakRejectedKubeconfig)
}

// leakOutputs shows secrets as outputs, for the CLI run's terraform output. (The test harness
// cannot import into a configuration with outputs of resources not yet imported.)
const leakOutputs = `
output "agent_token" {
  value     = data.agentfleet_agent_token.leak.token
  sensitive = true
}

output "credential" {
  value     = agentfleet_service_account_credential.leak.client_secret
  sensitive = true
}
`

// leakMock is the mock behind a recorder: it keeps the Aria credentials the mock hands out (VCF
// Operations tokens, JWTs, session ids), and while echoing, answers every create with an error
// body that repeats the request's body and credential headers, as a careless gateway or API might.
type leakMock struct {
	*accMock

	mu       sync.Mutex
	echoing  bool
	secrets  map[string]string // value -> what it is
	rejected map[string]bool   // platforms whose create was answered with an echo
	gateway  int               // Armory requests that carried the gateway credential
}

func newLeakMock(t *testing.T) *leakMock {
	t.Helper()
	m := mockserver.New(mockserver.DefaultCredentials())
	l := &leakMock{secrets: map[string]string{}, rejected: map[string]bool{}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { l.serve(m, w, r) }))
	t.Cleanup(ts.Close)
	l.accMock = &accMock{Server: m, URL: ts.URL, Endpoints: m.Endpoints(ts.URL)}
	c := m.Credentials()
	for value, what := range map[string]string{
		c.SpaceONEToken: "SpaceONE token", c.AriaPassword: "Aria password", c.MonitoringToken: "monitoring auth token",
		c.ArmoryAPIKey: "Armory header value", c.K0rdentToken: "k0rdent token",
		leakStoredKubeconfig: "kubeconfig_file", leakStoredKubeconfigRotated: "rotated kubeconfig_file",
		leakWriteOnlyKubeconfig: "kubeconfig_file_wo", leakRejectedKubeconfig: "rejected kubeconfig_file_wo",
		leakGatewayCredential: "Armory gateway header value",
	} {
		l.secrets[value] = what
	}
	return l
}

// echoRoutes are the creates a round-3 apply sends, by path suffix, with the error body each
// platform answers in. Armory's is plain text, as a gateway in front of Clouddriver would send.
var echoRoutes = []struct {
	platform, suffix string
	body             func(echo string) any
}{
	{"monitoring", "/agent_tokens", func(e string) any {
		return map[string]any{"type": "badRequest", "code": 400, "message": e}
	}},
	{"aria_logs", "/api/v2/agent/secrets", func(e string) any {
		return map[string]any{"errorCode": "FIELD_ERROR", "errorMessage": e, "errorDetails": map[string]any{}}
	}},
	{"spaceone", "/agent/create", func(e string) any {
		return map[string]any{"detail": map[string]any{"code": "ERROR_INVALID_PARAMETER", "message": e}}
	}},
	{"armory", "/armory/accounts", nil},
	{"k0rdent", "/credentials", func(e string) any {
		return map[string]any{"error": map[string]any{"code": "INVALID_ARGUMENT", "message": e}}
	}},
}

// ariaCredentialAnswers are the answers that hand out an Aria credential: the route's path
// suffix, the JSON field that holds it, and what it is.
var ariaCredentialAnswers = []struct{ suffix, field, what string }{
	{"/suite-api/api/auth/token/acquire", "token", "VCF Operations token"},
	{"/suite-api/api/auth/token/exchange", "jwtToken", "Aria JWT"},
	{"/api/v2/sessions", "sessionId", "Aria session id"},
}

// config is the harness's configuration with a second Armory header, the gateway credential.
func (l *leakMock) config(resources string) string {
	plain := l.accMock.config(resources)
	headers := fmt.Sprintf("headers  = { %q = %q }", mockserver.ArmoryAPIKeyHeader, l.Credentials().ArmoryAPIKey)
	if !strings.Contains(plain, headers) {
		panic("the harness's armory block no longer reads " + headers)
	}
	return strings.Replace(plain, headers, fmt.Sprintf("headers  = { %q = %q, %q = %q }",
		mockserver.ArmoryAPIKeyHeader, l.Credentials().ArmoryAPIKey, leakGatewayHeader, leakGatewayCredential), 1)
}

func (l *leakMock) serve(m *mockserver.Server, w http.ResponseWriter, r *http.Request) {
	if r.Header.Get(leakGatewayHeader) == leakGatewayCredential {
		l.mu.Lock()
		l.gateway++
		l.mu.Unlock()
	}
	if l.echo(w, r) {
		return
	}
	for _, answer := range ariaCredentialAnswers {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, answer.suffix) {
			l.keepCredential(m, w, r, answer.field, answer.what)
			return
		}
	}
	m.ServeHTTP(w, r)
}

// keepCredential passes an answer on, and keeps the credential in its field.
func (l *leakMock) keepCredential(m *mockserver.Server, w http.ResponseWriter, r *http.Request, field, what string) {
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, r)
	var answer map[string]any
	if json.Unmarshal(rec.Body.Bytes(), &answer) == nil {
		if v, _ := answer[field].(string); v != "" {
			l.addSecret(v, what)
		}
	}
	for name, values := range rec.Header() {
		w.Header()[name] = values
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// echo answers a create while echoing is on, and reports whether it did.
func (l *leakMock) echo(w http.ResponseWriter, r *http.Request) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.echoing || r.Method != http.MethodPost {
		return false
	}
	for _, route := range echoRoutes {
		if !strings.HasSuffix(r.URL.Path, route.suffix) {
			continue
		}
		l.rejected[route.platform] = true
		body, _ := io.ReadAll(r.Body)
		echo := fmt.Sprintf("request %s rejected; credentials %s", bytes.TrimSpace(body), strings.Join([]string{
			r.Header.Get("Authorization"), r.Header.Get("X-Auth-Token"), r.Header.Get(mockserver.ArmoryAPIKeyHeader), r.Header.Get("X-JWT-Token"),
			r.Header.Get(leakGatewayHeader),
		}, " "))
		if route.body == nil {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, "400 Bad Request: "+echo)
			return true
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(route.body(echo))
		return true
	}
	return false
}

func (l *leakMock) setEchoing(on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.echoing = on
}

func (l *leakMock) isEchoing() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.echoing
}

// rejectedPlatforms lists the platforms whose create was answered with an echo.
func (l *leakMock) rejectedPlatforms() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for p := range l.rejected {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// addSecret adds a secret to search for; a value already known keeps its first description
// (the ephemeral agent token is also a kubeconfig sent, for one).
func (l *leakMock) addSecret(value, what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, known := l.secrets[value]; value != "" && !known {
		l.secrets[value] = what
	}
}

// remember adds every secret the platforms now hold. Called after each apply, because rotation
// and destroy take secrets out of the store that may already be in a log.
func (l *leakMock) remember() {
	for _, tok := range l.MonitoringTokens() {
		l.addSecret(tok.Token, "monitoring agent token "+tok.ID)
	}
	for _, a := range l.SpaceONEAgents() {
		l.addSecret(a.ClientSecret, "SpaceONE client_secret of "+a.ServiceAccountID)
	}
	for _, s := range l.AriaSecrets() {
		l.addSecret(s.Secret, "Aria agent secret "+s.Name)
	}
	for _, sa := range l.K0rdentServiceAccounts() {
		for _, c := range l.K0rdentCredentials(sa.ID) {
			l.addSecret(c.ClientSecret, "k0rdent client_secret of "+sa.ID+"/"+c.ID)
		}
	}
	for _, acc := range l.ArmoryAccounts() {
		for _, k := range l.ArmoryKubeconfigs(acc.Name) {
			l.addSecret(k, "kubeconfig sent for "+acc.Name)
		}
	}
}

// expectKubeconfigsSent fails unless the platform received every kubeconfig of rounds 1 and 2,
// the write-only ones included, so that they were in requests the logs could have shown.
func (l *leakMock) expectKubeconfigsSent(t *testing.T) {
	t.Helper()
	sent := append(l.ArmoryKubeconfigs("prod-k8s"), l.ArmoryKubeconfigs("staging-k8s")...)
	want := []string{leakStoredKubeconfig, leakStoredKubeconfigRotated, leakWriteOnlyKubeconfig}
	for _, k := range want {
		if !slices.Contains(sent, k) {
			t.Errorf("the platform never received the kubeconfig %q", k)
		}
	}
	if len(sent) != len(want)+1 {
		t.Errorf("the platform received %d kubeconfigs, want %d and the ephemeral agent token", len(sent), len(want)+1)
	}
}

// rememberCheck is remember as a TestCheckFunc.
func (l *leakMock) rememberCheck(*terraform.State) error {
	l.remember()
	return nil
}

// knownSecrets returns a copy of the secrets collected so far.
func (l *leakMock) knownSecrets() map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]string, len(l.secrets))
	for value, what := range l.secrets {
		out[value] = what
	}
	return out
}

// expectKinds fails unless a secret of every kind was collected, so that the search below cannot
// pass for want of anything to search for, and unless Armory received the gateway credential.
func (l *leakMock) expectKinds(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	gateway := l.gateway
	l.mu.Unlock()
	if gateway == 0 {
		t.Errorf("no request carried the %s header: the leak search would prove nothing about it", leakGatewayHeader)
	}
	secrets := l.knownSecrets()
	for _, kind := range []string{
		"monitoring agent token", "SpaceONE client_secret", "Aria agent secret", "VCF Operations token", "Aria JWT", "k0rdent client_secret",
	} {
		found := 0
		for _, what := range secrets {
			if strings.HasPrefix(what, kind) {
				found++
			}
		}
		if found == 0 {
			t.Errorf("no %s was collected: the leak search would miss it", kind)
		}
	}
}

// expectNoSecret fails for every collected secret found in text, naming where and what it is,
// with the value itself blanked out of the report.
func expectNoSecret(t *testing.T, where, text string, secrets map[string]string) {
	t.Helper()
	for value, what := range secrets {
		i := strings.Index(text, value)
		if i < 0 {
			continue
		}
		start, end := max(0, i-120), min(len(text), i+len(value)+60)
		shown := strings.ReplaceAll(text[start:end], value, "<"+what+">")
		t.Errorf("%s holds the %s:\n…%s…", where, what, shown)
	}
}

// harnessEntry is the first line of the log entry in which terraform-plugin-testing writes out
// the configuration of a test step: the test's own HCL, literal credentials included, which
// neither Terraform nor the provider logs.
var harnessEntry = regexp.MustCompile(`^\S+ \[\w+\]\s+sdk\.helper_resource: Setting Terraform configuration`)

// logEntryStart matches the first line of a log entry; its continuation lines do not start with
// a timestamp.
var logEntryStart = regexp.MustCompile(`^\d{4}-\d\d-\d\dT`)

// withoutHarnessConfig drops the harness's configuration entries from a log.
func withoutHarnessConfig(log string) string {
	var out strings.Builder
	skipping := false
	for _, line := range strings.SplitAfter(log, "\n") {
		if logEntryStart.MatchString(line) {
			skipping = harnessEntry.MatchString(line)
		}
		if !skipping {
			out.WriteString(line)
		}
	}
	return out.String()
}

// expectProviderLogs fails unless the log holds the provider's HTTP logging at trace level, and
// readable (not garbled by masking) for every platform, so that a log that does not capture the
// provider cannot pass as clean.
func expectProviderLogs(t *testing.T, log string) {
	t.Helper()
	for _, line := range []string{"sending API request", "received API response", "API response body"} {
		if !strings.Contains(log, line) {
			t.Errorf("the log has no %q line: it does not capture the provider's HTTP traffic (%d bytes)", line, len(log))
		}
	}
	for _, platform := range leakPlatforms {
		if !regexp.MustCompile(`(?m)sending API request: .*platform="?` + platform).MatchString(log) {
			t.Errorf("the log has no readable request line of %s", platform)
		}
	}
}

// leakPlatforms are the platform names the client's logs and errors use.
var leakPlatforms = []string{"SpaceONE", "Aria Operations for Logs", "Rackspace Cloud Monitoring", "Armory Scale Agent", "k0rdent IAM"}

// expectEchoErrors checks the errors of the failed round-3 apply: one per platform, each naming
// its platform, with the echoed credentials masked.
func expectEchoErrors(t *testing.T, l *leakMock, errs string) {
	t.Helper()
	if got := l.rejectedPlatforms(); len(got) != len(echoRoutes) {
		t.Errorf("the creates of %v were rejected with an echo, want all %d platforms", got, len(echoRoutes))
	}
	for _, platform := range leakPlatforms {
		if !regexp.MustCompile(platform + `\s+API\s+returned\s+HTTP\s+400`).MatchString(errs) {
			t.Errorf("the errors do not report the %s rejection:\n%s", platform, errs)
		}
	}
	if !strings.Contains(errs, "rejected; credentials") || !strings.Contains(errs, "***") {
		t.Errorf("the errors do not show the masked echo, so they prove nothing:\n%s", errs)
	}
}

func TestAccLeak_testHarness(t *testing.T) {
	l := newLeakMock(t)
	l.SetArmoryAssignDelay(20 * time.Millisecond)
	logPath := filepath.Join(t.TempDir(), "terraform.log")
	// TF_ACC_LOG_PATH reaches both terraform and the in-process provider. terraform-exec gives
	// terraform TF_LOG from TF_ACC_LOG (and not at all once TF_LOG_PROVIDER is set without it).
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	t.Setenv("TF_ACC_LOG", "trace")
	t.Setenv("TF_LOG", "trace")
	t.Setenv("TF_LOG_PROVIDER", "trace")
	var errs strings.Builder
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		TerraformVersionChecks:   writeOnlyArguments,
		// Only the round-3 apply may fail, and only while the mock echoes; its error is kept for
		// the search below.
		ErrorCheck: func(err error) error {
			if !l.isEchoing() {
				return err
			}
			l.setEchoing(false)
			errs.WriteString(err.Error())
			return nil
		},
		CheckDestroy: func(*terraform.State) error {
			if n := len(l.MonitoringTokens()) + len(l.SpaceONEAgents()) + len(l.ActiveAriaSecrets()) + len(l.K0rdentServiceAccounts()) + len(l.ArmoryAccounts()); n != 0 {
				return fmt.Errorf("%d objects left after destroy", n)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{Config: l.config(leakResources(1)), Check: l.rememberCheck},
			{Config: l.config(leakResources(2)), Check: l.rememberCheck},
			{ResourceName: "agentfleet_agent_token.leak", ImportState: true, ImportStateVerify: true},
			{
				ResourceName: "agentfleet_service_account_credential.leak", ImportState: true, ImportStateVerify: true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					id, err := stateAttr(s, "agentfleet_service_account_credential.leak", "id")
					return "sa-leak/" + id, err
				},
				// The API returns the secret only to the create.
				ImportStateVerifyIgnore: []string{"client_secret"},
			},
			{
				PreConfig: func() { l.setEchoing(true) },
				Config:    l.config(leakResources(3)),
			},
		},
	})
	l.remember()
	l.expectKinds(t)
	l.expectKubeconfigsSent(t)
	secrets := l.knownSecrets()
	expectEchoErrors(t, l, errs.String())
	expectNoSecret(t, "an error message", errs.String(), secrets)

	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	log := withoutHarnessConfig(string(raw))
	expectProviderLogs(t, log)
	if !strings.Contains(log, "[INFO]  Terraform version") {
		t.Errorf("the log has no line of Terraform's own: TF_ACC_LOG_PATH did not reach the terraform binary")
	}
	expectNoSecret(t, "the log", log, secrets)
	t.Logf("searched %d bytes of log and %d bytes of errors for %d secret values", len(log), errs.Len(), len(secrets))
}

// leakCLI runs the terraform binary in a folder of its own against the provider built from this
// tree, and keeps everything terraform prints.
type leakCLI struct {
	t         *testing.T
	terraform string
	dir       string
	env       []string
	printed   strings.Builder
}

func newLeakCLI(t *testing.T, logPath string) *leakCLI {
	t.Helper()
	tfPath := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tfPath == "" {
		var err error
		if tfPath, err = exec.LookPath("terraform"); err != nil {
			t.Skip("no terraform on PATH")
		}
	}
	goPath, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go on PATH to build the provider with")
	}
	work := t.TempDir()
	bin := filepath.Join(work, "bin")
	build := exec.Command(goPath, "build", "-o", filepath.Join(bin, "terraform-provider-agentfleet"), ".")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	rc := filepath.Join(work, "terraformrc")
	writeFile(t, rc, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"agentfleet/agentfleet\" = %q\n  }\n  direct {}\n}\n", bin))
	// Nothing from the caller's environment may steer terraform or the provider.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TF_") && !strings.HasPrefix(kv, "AGENTFLEET_") {
			env = append(env, kv)
		}
	}
	env = append(env, "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		"TF_LOG=trace", "TF_LOG_PROVIDER=trace", "TF_LOG_PATH="+logPath)
	dir := filepath.Join(work, "stack")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &leakCLI{t: t, terraform: tfPath, dir: dir, env: env}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// configure writes the configuration terraform runs next.
func (c *leakCLI) configure(config string) {
	writeFile(c.t, filepath.Join(c.dir, "main.tf"),
		"terraform {\n  required_providers {\n    agentfleet = { source = \"agentfleet/agentfleet\" }\n  }\n}\n"+config+leakOutputs)
}

// run runs terraform with args, keeps its output, and returns it with whether it succeeded.
func (c *leakCLI) run(args ...string) (string, bool) {
	c.t.Helper()
	cmd := exec.Command(c.terraform, append([]string{"-chdir=" + c.dir}, args...)...)
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	fmt.Fprintf(&c.printed, "$ terraform %s\n%s\n", strings.Join(args, " "), out)
	return string(out), err == nil
}

// mustRun is run for a command that must succeed.
func (c *leakCLI) mustRun(args ...string) string {
	c.t.Helper()
	out, ok := c.run(args...)
	if !ok {
		c.t.Fatalf("terraform %s failed:\n%s", strings.Join(args, " "), out)
	}
	return out
}

func TestAccLeak_terraformCLI(t *testing.T) {
	if os.Getenv(resource.EnvTfAcc) == "" {
		t.Skipf("acceptance test: set %s=1", resource.EnvTfAcc)
	}
	l := newLeakMock(t)
	l.SetArmoryAssignDelay(20 * time.Millisecond)
	logPath := filepath.Join(t.TempDir(), "terraform.log")
	tf := newLeakCLI(t, logPath)

	tf.configure(l.config(leakResources(1)))
	tf.mustRun("apply", "-auto-approve", "-input=false", "-no-color")
	l.remember()

	tf.configure(l.config(leakResources(2)))
	plan := tf.mustRun("plan", "-input=false", "-no-color")
	// The plan renders the secrets it changes, hidden: without that line it proves nothing.
	if !strings.Contains(plan, "(sensitive value)") || !strings.Contains(plan, "agentfleet_agent.leak will be updated in-place") {
		t.Errorf("the plan does not render the rotation of a sensitive value:\n%s", plan)
	}
	tf.mustRun("apply", "-auto-approve", "-input=false", "-no-color")
	l.remember()
	tf.mustRun("show", "-no-color")
	tf.mustRun("output", "-no-color")

	l.setEchoing(true)
	tf.configure(l.config(leakResources(3)))
	failed, ok := tf.run("apply", "-auto-approve", "-input=false", "-no-color")
	l.setEchoing(false)
	if ok {
		t.Fatalf("the apply whose creates the API rejects succeeded:\n%s", failed)
	}
	expectEchoErrors(t, l, failed)

	tf.configure(l.config(leakResources(2)))
	tf.mustRun("destroy", "-auto-approve", "-input=false", "-no-color")
	l.remember()
	l.expectKinds(t)
	l.expectKubeconfigsSent(t)
	secrets := l.knownSecrets()
	expectNoSecret(t, "terraform's output", tf.printed.String(), secrets)

	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	log := string(raw)
	expectProviderLogs(t, log)
	expectNoSecret(t, "the log", log, secrets)
	t.Logf("searched %d bytes of log and %d bytes of terraform output for %d secret values", len(log), tf.printed.Len(), len(secrets))
}
