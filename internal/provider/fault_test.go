package provider

import (
	"bufio"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

// The fault suite: one configuration of more than 100 resources across the five platforms,
// applied, changed in place and destroyed while the mock turns away a fifth of all requests with
// 429 or 503 and drops the connection of some writes after committing them. It measures outcomes:
// every apply succeeds, the plan afterwards is empty, the platforms hold exactly the objects in
// state (no duplicate, no orphan) with the secret values state holds, and destroy leaves nothing.

// How many resources of each family the suite manages, and how many of them change in the second
// step.
const (
	faultTokens          = 40
	faultAgents          = 15
	faultSecrets         = 15
	faultServiceAccounts = 10 // each with one credential
	faultDynamicAccounts = 15
	faultChanged         = 5 // per family, the first ones change in place (secrets: are replaced)
)

// faultRates are the injected faults: 20% of requests answered 429 or 503, and 5% of the
// writes that pass dropped after the platform committed them. The drops spare the creates whose
// only answer carries a secret and whose object nothing marks as this create's (Aria agent
// secrets, SpaceONE agents, k0rdent credentials): after a lost answer there the provider, by
// design, reports the object it cannot prove its own instead of deleting or adopting it, and
// the apply fails; the lost-answer tests of each resource hold that behaviour.
var faultRates = mockserver.Faults{ErrorRate: 0.2, RetryAfter: 1, DropRate: 0.05, DropSpares: []string{
	"POST " + ariaSecretsRoute,
	"POST " + mockserver.SpaceONEAgentRoute + "/create",
	"POST " + k0rdentCredentialsRoute,
}}

func TestAccFaultSuite(t *testing.T) {
	started := time.Now()
	m, wire := newFaultMock(t)
	m.SetArmoryAssignDelay(20 * time.Millisecond)
	m.SetFaults(faultRates)
	var stores []string // what the platforms held after each apply
	t.Cleanup(func() { logFaultSummary(t, m, wire, stores, time.Since(started)) })

	before, after := faultFleet{generation: "a"}, faultFleet{generation: "b"}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkFaultStoreEmpty,
		Steps: []resource.TestStep{
			{
				Config: before.config(m),
				Check:  m.checkFaultStore(before, &stores),
			},
			{
				// In-place updates (PUT, PATCH, enable/disable, regenerate, re-assign) and a few
				// replacements (DELETE then POST) under the same faults.
				Config: after.config(m),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("agentfleet_agent_token.fleet[0]", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("agentfleet_agent.fleet[0]", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("agentfleet_service_account.fleet[0]", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("agentfleet_dynamic_account.fleet[0]", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("agentfleet_agent_secret.fleet[0]", plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction("agentfleet_agent_token.fleet[39]", plancheck.ResourceActionNoop),
				}},
				Check: m.checkFaultStore(after, &stores),
			},
			{
				// A plan of its own, faults still on: reading everything back changes nothing.
				Config:   after.config(m),
				PlanOnly: true,
			},
		},
	})
}

// faultFleet is the configuration of one step; generation tells the steps' changed values apart.
type faultFleet struct{ generation string }

// changed returns the value that the first faultChanged resources of a family carry in this
// generation; the others never change.
func (f faultFleet) changed(i int, base string) string {
	if i < faultChanged {
		return base + "-" + f.generation
	}
	return base
}

// The values the store checks expect, index by index, as config writes them.

func (f faultFleet) tokenLabel(i int) string {
	return f.changed(i, fmt.Sprintf("fault-token-%02d", i))
}

func (f faultFleet) secretName(i int) string {
	return f.changed(i, fmt.Sprintf("fault-secret-%02d", i))
}

func (f faultFleet) agentSA(i int) string     { return fmt.Sprintf("sa-fault%02d", i) }
func (f faultFleet) accountName(i int) string { return fmt.Sprintf("Fault suite account %02d", i) }
func (f faultFleet) accountDesc(i int) string { return f.changed(i, "fault suite") }
func (f faultFleet) armoryName(i int) string  { return fmt.Sprintf("clouddriver-%02d", i) }
func (f faultFleet) armoryZone(i int) string  { return f.changed(i, "zone") }

// agentEnabled: every third agent is disabled at creation (create, then disable), and the
// changed ones flip in the second step.
func (f faultFleet) agentEnabled(i int) bool {
	enabled := i%3 != 0
	if i < faultChanged && f.generation != "a" {
		enabled = !enabled
	}
	return enabled
}

// config writes the fleet with count and per-index expressions, mirroring the methods above
// that the store checks use. Half the service accounts have a client-chosen id and half get one
// from the platform, so both create recoveries run.
func (f faultFleet) config(m *accMock) string {
	var enabled []string
	for i := range faultAgents {
		enabled = append(enabled, fmt.Sprint(f.agentEnabled(i)))
	}
	return m.providerConfigWith("max_retries = 10") + fmt.Sprintf(`
locals {
  gen     = %[1]q
  changed = %[2]d
  enabled = [%[3]s]
}

resource "agentfleet_agent_token" "fleet" {
  count = %[4]d
  label = count.index < local.changed ? format("fault-token-%%02d-%%s", count.index, local.gen) : format("fault-token-%%02d", count.index)
}

resource "agentfleet_agent" "fleet" {
  count              = %[5]d
  service_account_id = format("sa-fault%%02d", count.index)
  options = {
    cluster_name = format("cluster-%%02d", count.index)
  }
  enabled             = local.enabled[count.index]
  regenerate_triggers = count.index < local.changed ? { rotated = local.gen } : null
}

resource "agentfleet_agent_secret" "fleet" {
  count = %[6]d
  name  = count.index < local.changed ? format("fault-secret-%%02d-%%s", count.index, local.gen) : format("fault-secret-%%02d", count.index)
}

resource "agentfleet_service_account" "fleet" {
  count        = %[7]d
  id           = count.index %% 2 == 0 ? format("sa-fault-%%02d", count.index) : null
  display_name = format("Fault suite account %%02d", count.index)
  description  = count.index < local.changed ? "fault suite-${local.gen}" : "fault suite"
  scope        = "project"
  scope_id     = "proj-fault"
  roles        = ["compute.deployer"]
}

resource "agentfleet_service_account_credential" "fleet" {
  count              = %[7]d
  service_account_id = agentfleet_service_account.fleet[count.index].id
}

resource "agentfleet_dynamic_account" "fleet" {
  count   = %[8]d
  name    = format("clouddriver-%%02d", count.index)
  zone_id = count.index < local.changed ? "zone-${local.gen}" : "zone"
}
`, f.generation, faultChanged, strings.Join(enabled, ", "),
		faultTokens, faultAgents, faultSecrets, faultServiceAccounts, faultDynamicAccounts)
}

// providerConfigWith is the test provider block with extra top-level arguments.
//
// The suite raises max_retries from 5 to 10: with a quarter of write attempts failing (20%
// turned away, 5% of the rest dropped), one call in about 5,000 would exhaust 6 attempts, and the
// suite makes thousands. 11 attempts bring that to about one in 7 million, so a failure means a
// bug rather than bad luck.
func (m *accMock) providerConfigWith(args string) string {
	const open = `provider "agentfleet" {`
	return strings.Replace(m.providerConfig(), open, open+"\n  "+args, 1)
}

// stateByType groups the resources in state by type, each as its flat attributes.
func stateByType(s *terraform.State) map[string][]map[string]string {
	out := map[string][]map[string]string{}
	for _, rs := range s.RootModule().Resources {
		out[rs.Type] = append(out[rs.Type], rs.Primary.Attributes)
	}
	return out
}

// checkFaultStore compares every platform's store with the state and with what fleet asks for,
// and adds the objects it found per family to stores.
func (m *accMock) checkFaultStore(f faultFleet, stores *[]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		*stores = append(*stores, m.faultStoreCounts())
		state := stateByType(s)
		var errs []string
		for _, check := range []func(faultFleet, map[string][]map[string]string) []string{
			m.checkFaultTokens, m.checkFaultSecrets, m.checkFaultAgents, m.checkFaultServiceAccounts, m.checkFaultArmory,
		} {
			errs = append(errs, check(f, state)...)
		}
		if len(errs) > 0 {
			return fmt.Errorf("the platforms do not hold exactly the configured objects:\n  %s", strings.Join(errs, "\n  "))
		}
		return nil
	}
}

// sameKeys compares the keys of a platform's objects with the expected ones: a key missing,
// extra (an orphan) or repeated (a duplicate) is reported.
func sameKeys(family string, got, want []string) []string {
	counts := map[string]int{}
	for _, k := range got {
		counts[k]++
	}
	var errs []string
	for _, k := range want {
		switch counts[k] {
		case 0:
			errs = append(errs, fmt.Sprintf("%s: %q is missing", family, k))
		case 1:
		default:
			errs = append(errs, fmt.Sprintf("%s: %q exists %d times", family, k, counts[k]))
		}
		delete(counts, k)
	}
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		errs = append(errs, fmt.Sprintf("%s: %q is not in the configuration (an orphan)", family, k))
	}
	return errs
}

// matchState checks that every state object of a family is on the platform (by key) with the
// value state holds for one attribute, typically the secret.
func matchState(family string, state []map[string]string, key, attr string, platform map[string]string) []string {
	var errs []string
	if len(state) != len(platform) {
		errs = append(errs, fmt.Sprintf("%s: %d in state, %d on the platform", family, len(state), len(platform)))
	}
	for _, rs := range state {
		want, ok := platform[rs[key]]
		switch {
		case !ok:
			errs = append(errs, fmt.Sprintf("%s: %s %q in state is not on the platform", family, key, rs[key]))
		case rs[attr] != want:
			errs = append(errs, fmt.Sprintf("%s %q: %s in state differs from the platform's", family, rs[key], attr))
		}
	}
	return errs
}

func (m *accMock) checkFaultTokens(f faultFleet, state map[string][]map[string]string) []string {
	var labels, want []string
	values := map[string]string{}
	for _, tok := range m.MonitoringTokens() {
		labels = append(labels, tok.Label)
		values[tok.ID] = tok.Token
	}
	for i := range faultTokens {
		want = append(want, f.tokenLabel(i))
	}
	return append(sameKeys("agent token", labels, want), matchState("agent token", state["agentfleet_agent_token"], "id", "token", values)...)
}

func (m *accMock) checkFaultSecrets(f faultFleet, state map[string][]map[string]string) []string {
	var names, want []string
	values := map[string]string{}
	// Revoked secrets stay listed: a lost create's secret is revoked, not deleted, and so is
	// every replaced one. Only the live ones must match the configuration.
	for _, sec := range m.ActiveAriaSecrets() {
		names = append(names, sec.Name)
		values[sec.ID] = sec.Secret
	}
	for i := range faultSecrets {
		want = append(want, f.secretName(i))
	}
	return append(sameKeys("agent secret", names, want), matchState("agent secret", state["agentfleet_agent_secret"], "id", "secret", values)...)
}

// checkFaultAgents also checks each agent's state, and that the secret in state is the
// platform's current one: a regenerate whose answer was lost must not leave a stale secret.
func (m *accMock) checkFaultAgents(f faultFleet, state map[string][]map[string]string) []string {
	var owners, want []string
	values := map[string]string{}
	var errs []string
	for _, a := range m.SpaceONEAgents() {
		owners = append(owners, a.ServiceAccountID)
		values[a.ServiceAccountID] = a.ClientSecret
	}
	wantState := map[string]string{}
	for i := range faultAgents {
		want = append(want, f.agentSA(i))
		wantState[f.agentSA(i)] = stateFor(f.agentEnabled(i))
	}
	for _, a := range m.SpaceONEAgents() {
		if w, ok := wantState[a.ServiceAccountID]; ok && a.State != w {
			errs = append(errs, fmt.Sprintf("agent of %s is %s, want %s", a.ServiceAccountID, a.State, w))
		}
	}
	errs = append(errs, sameKeys("agent", owners, want)...)
	return append(errs, matchState("agent", state["agentfleet_agent"], "service_account_id", "client_secret", values)...)
}

// checkFaultServiceAccounts checks the accounts by display name, and that each has exactly the
// one credential in state, with the secret state holds.
func (m *accMock) checkFaultServiceAccounts(f faultFleet, state map[string][]map[string]string) []string {
	var names, want, errs []string
	for i := range faultServiceAccounts {
		want = append(want, f.accountName(i))
	}
	accounts := map[string]string{} // id -> display name
	credentials := map[string]string{}
	for _, sa := range m.K0rdentServiceAccounts() {
		names = append(names, sa.DisplayName)
		accounts[sa.ID] = sa.DisplayName
		creds := m.K0rdentCredentials(sa.ID)
		if len(creds) != 1 {
			errs = append(errs, fmt.Sprintf("service account %s has %d credentials, want 1", sa.ID, len(creds)))
		}
		for _, c := range creds {
			credentials[c.ID] = c.ClientSecret
		}
		if i := slices.Index(want, sa.DisplayName); i >= 0 && sa.Description != f.accountDesc(i) {
			errs = append(errs, fmt.Sprintf("service account %s has description %q, want %q", sa.ID, sa.Description, f.accountDesc(i)))
		}
	}
	errs = append(errs, sameKeys("service account", names, want)...)
	errs = append(errs, matchState("service account", state["agentfleet_service_account"], "id", "display_name", accounts)...)
	return append(errs, matchState("credential", state["agentfleet_service_account_credential"], "id", "client_secret", credentials)...)
}

func (m *accMock) checkFaultArmory(f faultFleet, state map[string][]map[string]string) []string {
	var names, want, errs []string
	zones := map[string]string{}
	for _, a := range m.ArmoryAccounts() {
		names = append(names, a.Name)
		zones[a.Name] = a.ZoneID
		if a.State != mockserver.ArmoryStateActive {
			errs = append(errs, fmt.Sprintf("dynamic account %s is %s, want ACTIVE", a.Name, a.State))
		}
	}
	for i := range faultDynamicAccounts {
		want = append(want, f.armoryName(i))
		if z, ok := zones[f.armoryName(i)]; ok && z != f.armoryZone(i) {
			errs = append(errs, fmt.Sprintf("dynamic account %s is in zone %q, want %q", f.armoryName(i), z, f.armoryZone(i)))
		}
	}
	errs = append(errs, sameKeys("dynamic account", names, want)...)
	return append(errs, matchState("dynamic account", state["agentfleet_dynamic_account"], "name", "zone_id", zones)...)
}

// faultStoreCounts is how many objects each platform holds, on one line.
func (m *accMock) faultStoreCounts() string {
	accounts := m.K0rdentServiceAccounts()
	credentials := 0
	for _, sa := range accounts {
		credentials += len(m.K0rdentCredentials(sa.ID))
	}
	return fmt.Sprintf("%d agent tokens, %d agents, %d agent secrets (and %d revoked), %d service accounts, %d credentials, %d dynamic accounts",
		len(m.MonitoringTokens()), len(m.SpaceONEAgents()), len(m.ActiveAriaSecrets()), len(m.AriaSecrets())-len(m.ActiveAriaSecrets()),
		len(accounts), credentials, len(m.ArmoryAccounts()))
}

// checkFaultStoreEmpty is the CheckDestroy: nothing the suite created is left anywhere.
func (m *accMock) checkFaultStoreEmpty(*terraform.State) error {
	left := map[string]int{
		"agent tokens":  len(m.MonitoringTokens()),
		"agent secrets": len(m.ActiveAriaSecrets()), // destroy revokes them

		"agents":           len(m.SpaceONEAgents()),
		"service accounts": len(m.K0rdentServiceAccounts()),
		"dynamic accounts": len(m.ArmoryAccounts()),
	}
	for family, n := range left {
		if n == 0 {
			delete(left, family)
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("objects left on the platforms after destroy: %v", left)
	}
	return nil
}

// newFaultMock is newAccMock with a recorder between the network and the mock that counts the
// faults the mock injects: the 429 and 503 answers, and the connections it drops.
func newFaultMock(t *testing.T) (*accMock, *wireCounter) {
	t.Helper()
	m := mockserver.New(mockserver.DefaultCredentials())
	wire := &wireCounter{next: m, statuses: map[int]int{}}
	ts := httptest.NewServer(wire)
	t.Cleanup(ts.Close)
	return &accMock{Server: m, URL: ts.URL, Endpoints: m.Endpoints(ts.URL)}, wire
}

// wireCounter counts what the mock answered: statuses, and connections closed without an answer.
type wireCounter struct {
	next http.Handler

	mu       sync.Mutex
	statuses map[int]int
	dropped  int
}

func (c *wireCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w, counter: c}
	c.next.ServeHTTP(rec, r)
	if !rec.hijacked {
		c.mu.Lock()
		c.statuses[rec.statusOr200()]++
		c.mu.Unlock()
	}
}

// statusRecorder passes everything through, noting the status and whether the connection was
// taken over (the mock hijacks a connection to drop it).
type statusRecorder struct {
	http.ResponseWriter
	counter  *wireCounter
	status   int
	hijacked bool
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) statusOr200() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	r.hijacked = true
	r.counter.mu.Lock()
	r.counter.dropped++
	r.counter.mu.Unlock()
	return r.ResponseWriter.(http.Hijacker).Hijack()
}

// logFaultSummary prints what the run cost: calls per route, the faults injected, and the
// objects the platforms held after each apply and after destroy.
func logFaultSummary(t *testing.T, m *accMock, wire *wireCounter, stores []string, elapsed time.Duration) {
	calls := m.AllCalls()
	routes := slices.Collect(maps.Keys(calls))
	sort.Strings(routes)
	var b strings.Builder
	fmt.Fprintf(&b, "fault suite: %d resources (%d agent tokens, %d agents, %d agent secrets, %d service accounts + %d credentials, %d dynamic accounts) in %s\n",
		faultTokens+faultAgents+faultSecrets+2*faultServiceAccounts+faultDynamicAccounts,
		faultTokens, faultAgents, faultSecrets, faultServiceAccounts, faultServiceAccounts, faultDynamicAccounts, elapsed.Round(time.Millisecond))
	for i, counts := range stores {
		fmt.Fprintf(&b, "  platforms after apply %d: %s\n", i+1, counts)
	}
	fmt.Fprintf(&b, "  platforms after destroy: %s\n", m.faultStoreCounts())
	wire.mu.Lock()
	fmt.Fprintf(&b, "  requests: %d; injected: %d x 429, %d x 503, %d connections dropped after the write was committed\n",
		m.TotalCalls(), wire.statuses[http.StatusTooManyRequests], wire.statuses[http.StatusServiceUnavailable], wire.dropped)
	statuses := slices.Sorted(maps.Keys(wire.statuses))
	for _, st := range statuses {
		fmt.Fprintf(&b, "  HTTP %d: %d\n", st, wire.statuses[st])
	}
	wire.mu.Unlock()
	for _, route := range routes {
		fmt.Fprintf(&b, "  %6d  %s\n", calls[route], route)
	}
	t.Log(b.String())
}
