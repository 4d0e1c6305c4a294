package provider

import (
	"context"
	"fmt"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

// The shared acceptance-test harness: every test gets its own mock server over real HTTP and a
// provider block pointing all five platforms at it.

var testAccProviders = map[string]func() (tfprotov6.ProviderServer, error){
	"agentfleet": providerserver.NewProtocol6WithError(New("test")()),
}

// accMock is one test's mock server.
type accMock struct {
	*mockserver.Server
	URL       string
	Endpoints mockserver.Endpoints
}

func newAccMock(t *testing.T) *accMock {
	t.Helper()
	m := mockserver.New(mockserver.DefaultCredentials())
	ts := httptest.NewServer(m)
	t.Cleanup(ts.Close)
	return &accMock{Server: m, URL: ts.URL, Endpoints: m.Endpoints(ts.URL)}
}

// providerConfig is a provider block for every platform of the mock, with short retry waits so
// that injected faults cost milliseconds. Aria Operations for Logs uses the default method: a JWT
// from the mock's VCF Operations, which lives at a base URL of its own.
func (m *accMock) providerConfig() string {
	c := m.Credentials()
	return fmt.Sprintf(`
provider "agentfleet" {
  retry_wait_min = "1ms"
  retry_wait_max = "20ms"

  spaceone {
    endpoint = %[1]q
    token    = %[2]q
  }
  aria_logs {
    endpoint            = %[3]q
    operations_endpoint = %[13]q
    username            = %[4]q
    password            = %[5]q
  }
  monitoring {
    endpoint   = %[6]q
    auth_token = %[7]q
  }
  armory {
    endpoint = %[8]q
    headers  = { %[9]q = %[10]q }
  }
  k0rdent {
    endpoint = %[11]q
    token    = %[12]q
  }
}
`, m.Endpoints.SpaceONE, c.SpaceONEToken, m.Endpoints.AriaLogs, c.AriaUsername, c.AriaPassword,
		m.Endpoints.Monitoring, c.MonitoringToken, m.Endpoints.Armory, mockserver.ArmoryAPIKeyHeader, c.ArmoryAPIKey,
		m.Endpoints.K0rdent, c.K0rdentToken, m.Endpoints.VCFOperations)
}

// config joins the provider block with the resources under test.
func (m *accMock) config(resources string) string { return m.providerConfig() + resources }

// configIn is config with args added to one platform block of the provider, such as
// configIn("k0rdent", "batch_reads = false", ...).
func (m *accMock) configIn(block, args, resources string) string {
	open := "\n  " + block + " {\n"
	return strings.Replace(m.providerConfig(), open, open+"    "+args+"\n", 1) + resources
}

// expectNoCalls is a check that the mock saw no request at all, for errors that must be caught
// at plan time before any API call.
func (m *accMock) expectNoCalls(t *testing.T) {
	t.Helper()
	if n := m.TotalCalls(); n != 0 {
		t.Fatalf("the mock received %d API calls, want 0: %v", n, m.AllCalls())
	}
}

// stateAttr reads an attribute of a resource from the state during a test step.
func stateAttr(s *terraform.State, address, attr string) (string, error) {
	rs, ok := s.RootModule().Resources[address]
	if !ok {
		return "", fmt.Errorf("%s is not in state", address)
	}
	v, ok := rs.Primary.Attributes[attr]
	if !ok {
		return "", fmt.Errorf("%s has no attribute %s", address, attr)
	}
	return v, nil
}

// captureAttr is a TestCheckFunc that stores an attribute's value for later steps (PreConfig
// drift, comparisons with the mock store).
func captureAttr(address, attr string, into *string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		v, err := stateAttr(s, address, attr)
		*into = v
		return err
	}
}

// expectNewID is a check that a re-created or replaced object did not keep its old id.
func expectNewID(address string, old *string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		id, err := stateAttr(s, address, "id")
		if err == nil && id == *old {
			err = fmt.Errorf("%s was re-created but kept the old id %s", address, *old)
		}
		return err
	}
}

// planWarnings records the warnings the provider's plans and configurations return, which the
// test harness does not expose: its factories wrap the provider's protocol server.
type planWarnings struct {
	mu       sync.Mutex
	warnings []string // "summary: detail"
}

// factories are testAccProviders with every plan's warnings recorded.
func (w *planWarnings) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"agentfleet": func() (tfprotov6.ProviderServer, error) {
			s, err := testAccProviders["agentfleet"]()
			return &warningServer{ProviderServer: s, into: w}, err
		},
	}
}

// take returns the warnings recorded so far, and forgets them.
func (w *planWarnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.warnings
	w.warnings = nil
	return out
}

// expect fails unless a warning recorded so far matches want, and forgets them all.
func (w *planWarnings) expect(t *testing.T, want *regexp.Regexp) {
	t.Helper()
	got := w.take()
	if !slices.ContainsFunc(got, want.MatchString) {
		t.Errorf("no plan warning matches %s; the plans warned %q", want, got)
	}
}

// expectNone fails if a warning recorded so far matches unwanted, and forgets them all.
func (w *planWarnings) expectNone(t *testing.T, unwanted *regexp.Regexp) {
	t.Helper()
	if got := w.take(); slices.ContainsFunc(got, unwanted.MatchString) {
		t.Errorf("a plan warning matches %s: %q", unwanted, got)
	}
}

type warningServer struct {
	tfprotov6.ProviderServer
	into *planWarnings
}

func (s *warningServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	resp, err := s.ProviderServer.PlanResourceChange(ctx, req)
	if resp != nil {
		s.into.record(resp.Diagnostics)
	}
	return resp, err
}

func (s *warningServer) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	resp, err := s.ProviderServer.ConfigureProvider(ctx, req)
	if resp != nil {
		s.into.record(resp.Diagnostics)
	}
	return resp, err
}

// record keeps the warnings among diags.
func (w *planWarnings) record(diags []*tfprotov6.Diagnostic) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityWarning {
			w.warnings = append(w.warnings, d.Summary+": "+d.Detail)
		}
	}
}

func TestProviderSchemaIsValid(t *testing.T) {
	p, err := testAccProviders["agentfleet"]()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("schema diagnostic: %s: %s", d.Summary, d.Detail)
	}
}

// Every resource has an identity (import blocks by identity, Terraform 1.12) and a list resource
// of the same name (terraform query, Terraform 1.14).
func TestEveryResourceHasIdentityAndListResource(t *testing.T) {
	ctx := context.Background()
	p := New("test")().(*agentfleetProvider)
	listed := map[string]bool{}
	for _, newList := range p.ListResources(ctx) {
		var m resource.MetadataResponse
		newList().Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "agentfleet"}, &m)
		listed[m.TypeName] = true
	}
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var m resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "agentfleet"}, &m)
		if _, ok := r.(resource.ResourceWithIdentity); !ok {
			t.Errorf("%s has no resource identity", m.TypeName)
		}
		if !listed[m.TypeName] {
			t.Errorf("%s has no list resource", m.TypeName)
		}
	}
}
