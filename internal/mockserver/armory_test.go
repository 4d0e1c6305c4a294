package mockserver

import (
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// armoryAuth is the header pair the mock's Armory API accepts.
func armoryAuth(s *testServer) []string {
	return []string{ArmoryAPIKeyHeader, s.Credentials().ArmoryAPIKey}
}

// armoryAccountsURL is the collection every Armory route but get lives on.
func armoryAccountsURL(s *testServer) string { return s.ep.Armory + "/armory/accounts" }

// armoryWireAccount is an account as the API sends it: the state comes in status or state,
// whichever the mock is set to send.
type armoryWireAccount struct {
	ArmoryAccount
	Status string `json:"status"`
	State  string `json:"state"`
}

// account returns the account with its state from whichever field carried it.
func (w armoryWireAccount) account() ArmoryAccount {
	a := w.ArmoryAccount
	a.State = w.Status
	if a.State == "" {
		a.State = w.State
	}
	return a
}

// getArmoryAccount reads one account over HTTP, failing the test unless it answers 200.
func getArmoryAccount(t *testing.T, s *testServer, name string) ArmoryAccount {
	t.Helper()
	status, _, body := call(t, http.MethodGet, armoryAccountsURL(s)+"/"+name, nil, armoryAuth(s)...)
	wantStatus(t, status, http.StatusOK, body)
	var a armoryWireAccount
	decode(t, body, &a)
	return a.account()
}

// waitArmoryState polls an account until it leaves the in-progress states, and fails unless it
// lands in want.
func waitArmoryState(t *testing.T, s *testServer, name, want string) ArmoryAccount {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		a := getArmoryAccount(t, s, name)
		if !armoryInProgress(a.State) {
			if a.State != want {
				t.Fatalf("%s settled in %s, want %s: %+v", name, a.State, want, a)
			}
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still %s after 5s", name, a.State)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// armoryWrite sends a POST, PATCH or DELETE of the collection and returns the status and body.
func armoryWrite(t *testing.T, s *testServer, method string, body any) (int, []byte) {
	t.Helper()
	status, _, raw := call(t, method, armoryAccountsURL(s), body, armoryAuth(s)...)
	return status, raw
}

// wantAccepted checks the published answer to a write: 202, with the empty array for a POST and
// no body for a PATCH.
func wantAccepted(t *testing.T, status int, body []byte, wantBody string) {
	t.Helper()
	wantStatus(t, status, http.StatusAccepted, body)
	if got := strings.TrimSpace(string(body)); got != wantBody {
		t.Fatalf("body %q, want %q", got, wantBody)
	}
}

// wantArmoryError checks the Spring error body Clouddriver answers with.
func wantArmoryError(t *testing.T, body []byte, status int, messagePart string) {
	t.Helper()
	var e struct {
		Error     string `json:"error"`
		Message   string `json:"message"`
		Status    int    `json:"status"`
		Timestamp string `json:"timestamp"`
	}
	decode(t, body, &e)
	if e.Status != status || e.Error != http.StatusText(status) || e.Timestamp == "" {
		t.Fatalf("error body %s: want status %d, error %q and a timestamp", body, status, http.StatusText(status))
	}
	if _, err := time.Parse(time.RFC3339, e.Timestamp); err != nil {
		t.Fatalf("timestamp %q: %v", e.Timestamp, err)
	}
	if !strings.Contains(e.Message, messagePart) {
		t.Fatalf("message %q does not contain %q", e.Message, messagePart)
	}
}

func TestArmoryMigrateAssignDelete(t *testing.T) {
	s := newTestServer(t)
	s.SetArmoryAssignDelay(20 * time.Millisecond)

	// The published request bodies; a migration answers 202 with an empty array.
	status, body := armoryWrite(t, s, http.MethodPost, []map[string]string{
		{"name": "account-01"},
		{"name": "account-02", "zoneId": "agent-1_namespace1", "kubeconfigFile": "encryptedFile:k8s!n:kubeconfig!k:config!ns:spinnaker"},
	})
	wantAccepted(t, status, body, "[]")

	a := getArmoryAccount(t, s, "account-02")
	want := ArmoryAccount{Name: "account-02", Type: "kubernetes", Source: ArmorySourceClouddriver, Config: map[string]any{},
		ZoneID: "agent-1_namespace1", Agents: []ArmoryAgent{}, State: ArmoryStateInactive}
	if !reflect.DeepEqual(a, want) { // also tells [] and {} from null
		t.Fatalf("after migrate got %+v, want %+v", a, want)
	}

	// An activation answers 202 without a body; the account is ACTIVATING, without agents.
	status, body = armoryWrite(t, s, http.MethodPatch, []map[string]string{
		{"name": "account-01", "state": "ACTIVE"},
		{"name": "account-02", "state": "ACTIVE", "zoneId": "agent-1_namespace1"},
	})
	wantAccepted(t, status, body, "")
	if a := getArmoryAccount(t, s, "account-01"); a.State != ArmoryStateActivating || len(a.Agents) != 0 {
		t.Fatalf("right after the activation: %+v, want ACTIVATING without agents", a)
	}

	a = waitArmoryState(t, s, "account-02", ArmoryStateActive)
	if len(a.Agents) != 2 || !a.Agents[0].Caching || a.Agents[1].Caching ||
		!strings.HasPrefix(a.Agents[0].AgentID, "agent-1-") {
		t.Fatalf("agents %+v: want two agent-1-... pods, the first caching", a.Agents)
	}
	if a.LastAssignmentMsg != "successfully assigned to Agent "+a.Agents[1].AgentID+" for executing operations" {
		t.Fatalf("lastAssignmentMsg %q", a.LastAssignmentMsg)
	}
	// An account sent without a zone takes the zone of the Agent that took it.
	if a := waitArmoryState(t, s, "account-01", ArmoryStateActive); a.ZoneID != ArmoryDefaultZone ||
		!strings.HasPrefix(a.Agents[0].AgentID, "armory-agent-") {
		t.Fatalf("an unpinned account landed in zone %q on %+v, want zone %s", a.ZoneID, a.Agents, ArmoryDefaultZone)
	}

	// A deactivation passes through DEACTIVATING, the agents still on it, and keeps the zone.
	status, body = armoryWrite(t, s, http.MethodPatch, []map[string]string{{"name": "account-02", "state": "INACTIVE"}})
	wantAccepted(t, status, body, "")
	if a := getArmoryAccount(t, s, "account-02"); a.State != ArmoryStateDeactivating || len(a.Agents) != 2 {
		t.Fatalf("right after the deactivation: %+v, want DEACTIVATING on its agents", a)
	}
	if a := waitArmoryState(t, s, "account-02", ArmoryStateInactive); len(a.Agents) != 0 || a.ZoneID != "agent-1_namespace1" {
		t.Fatalf("after deactivation %+v", a)
	}

	status, body = armoryWrite(t, s, http.MethodDelete, []string{"account-01", "account-02"})
	wantStatus(t, status, http.StatusOK, body)
	for _, name := range []string{"account-01", "account-02"} {
		status, _, body = call(t, http.MethodGet, armoryAccountsURL(s)+"/"+name, nil, armoryAuth(s)...)
		wantStatus(t, status, http.StatusNotFound, body)
		wantArmoryError(t, body, http.StatusNotFound, name)
	}
	if got := s.ArmoryAccounts(); len(got) != 0 {
		t.Fatalf("store still holds %+v", got)
	}

	// A deleted account is still a Clouddriver account and can come back.
	status, body = armoryWrite(t, s, http.MethodPost, []map[string]string{{"name": "account-01"}})
	wantAccepted(t, status, body, "[]")
	if a := getArmoryAccount(t, s, "account-01"); a.State != ArmoryStateInactive || a.ZoneID != "" {
		t.Fatalf("re-migrated account is %s in zone %q", a.State, a.ZoneID)
	}
}

// Migrating an account already migrated is a 409 whose body lists the accounts already
// migrated; the other accounts of the batch are still migrated, and the existing one is untouched.
func TestArmoryRemigrateIsAConflict(t *testing.T) {
	s := newTestServer(t)
	status, body := armoryWrite(t, s, http.MethodPost, []map[string]string{{"name": "prod-k8s", "zoneId": "zone-a", "kubeconfigFile": "encrypted:one"}})
	wantAccepted(t, status, body, "[]")

	status, body = armoryWrite(t, s, http.MethodPost, []map[string]string{
		{"name": "prod-k8s", "zoneId": "zone-b", "kubeconfigFile": "encrypted:two"},
		{"name": "staging-k8s", "zoneId": "zone-c"},
	})
	wantStatus(t, status, http.StatusConflict, body)
	var conflicts []armoryWireAccount
	decode(t, body, &conflicts)
	if len(conflicts) != 1 || conflicts[0].Name != "prod-k8s" || conflicts[0].ZoneID != "zone-a" {
		t.Fatalf("409 body %s, want the already migrated prod-k8s as it is", body)
	}
	if strings.Contains(strings.ToLower(string(body)), "kubeconfig") {
		t.Fatalf("the 409 body carries a kubeconfig: %s", body)
	}
	got := s.ArmoryAccounts()
	if len(got) != 2 || got[0].Name != "prod-k8s" || got[0].ZoneID != "zone-a" || got[0].KubeconfigFile != "encrypted:one" ||
		got[1].Name != "staging-k8s" || got[1].ZoneID != "zone-c" || got[1].State != ArmoryStateInactive {
		t.Fatalf("after the conflicting batch the store holds %+v", got)
	}
	if sent := s.ArmoryKubeconfigs("prod-k8s"); !slices.Equal(sent, []string{"encrypted:one"}) {
		t.Fatalf("kubeconfigs recorded %q: a refused entry must not count", sent)
	}
}

func TestArmoryAssignmentFailure(t *testing.T) {
	s := newTestServer(t)
	s.SetArmoryAssignDelay(20 * time.Millisecond)
	const msg = "failed to connect to cluster: invalid kubeconfig"
	s.FailArmoryAssignment("prod-k8s", msg)

	status, body := armoryWrite(t, s, http.MethodPost, []map[string]string{{"name": "prod-k8s"}})
	wantAccepted(t, status, body, "[]")
	activate := []map[string]string{{"name": "prod-k8s", "state": "ACTIVE"}}
	status, body = armoryWrite(t, s, http.MethodPatch, activate)
	wantAccepted(t, status, body, "")
	if a := waitArmoryState(t, s, "prod-k8s", ArmoryStateFailed); a.LastAssignmentMsg != msg || len(a.Agents) != 0 {
		t.Fatalf("failed assignment: %+v", a)
	}

	// Another failure state can be chosen.
	s.EndArmoryAssignment("staging-k8s", ArmoryStateOrphaned, "no Agent left")
	status, body = armoryWrite(t, s, http.MethodPost, []map[string]string{{"name": "staging-k8s"}})
	wantAccepted(t, status, body, "[]")
	status, body = armoryWrite(t, s, http.MethodPatch, []map[string]string{{"name": "staging-k8s", "state": "ACTIVE"}})
	wantAccepted(t, status, body, "")
	if a := waitArmoryState(t, s, "staging-k8s", ArmoryStateOrphaned); a.LastAssignmentMsg != "no Agent left" {
		t.Fatalf("orphaned assignment: %+v", a)
	}

	// The failure was for one assignment only: a FAILED account may be activated again.
	status, body = armoryWrite(t, s, http.MethodPatch, activate)
	wantAccepted(t, status, body, "")
	if a := waitArmoryState(t, s, "prod-k8s", ArmoryStateActive); len(a.Agents) != 2 {
		t.Fatalf("second assignment: %+v", a)
	}
}

// Only an INACTIVE or FAILED account can be activated: activating one that is ACTIVE, or still
// on its way somewhere, is a 400 that changes nothing, not even its zone or kubeconfig.
func TestArmoryActivationNeedsInactiveOrFailed(t *testing.T) {
	s := newTestServer(t)
	s.SetArmoryAssignDelay(time.Hour)
	s.PutArmoryAccount("prod-k8s", "zone-a", true)
	s.PutArmoryAccount("staging-k8s", "zone-a", false)
	status, body := armoryWrite(t, s, http.MethodPatch, []map[string]string{{"name": "staging-k8s", "state": "ACTIVE"}})
	wantAccepted(t, status, body, "")

	for _, name := range []string{"prod-k8s", "staging-k8s"} {
		status, body = armoryWrite(t, s, http.MethodPatch, []map[string]string{
			{"name": name, "state": "ACTIVE", "zoneId": "zone-b", "kubeconfigFile": "encrypted:new"},
		})
		wantStatus(t, status, http.StatusBadRequest, body)
		wantArmoryError(t, body, http.StatusBadRequest, "INACTIVE or FAILED")
	}
	got := s.ArmoryAccounts()
	if got[0].State != ArmoryStateActive || got[0].ZoneID != "zone-a" || got[1].State != ArmoryStateActivating || got[1].ZoneID != "zone-a" {
		t.Fatalf("refused activations changed the store: %+v", got)
	}
	if sent := s.ArmoryKubeconfigs("prod-k8s"); len(sent) != 0 {
		t.Fatalf("a refused activation recorded kubeconfigs %q", sent)
	}

	// Deactivated first, it can be activated with the new zone and kubeconfig.
	s.SetArmoryAssignDelay(0)
	status, body = armoryWrite(t, s, http.MethodPatch, []map[string]string{{"name": "prod-k8s", "state": "INACTIVE"}})
	wantAccepted(t, status, body, "")
	waitArmoryState(t, s, "prod-k8s", ArmoryStateInactive)
	status, body = armoryWrite(t, s, http.MethodPatch, []map[string]string{
		{"name": "prod-k8s", "state": "ACTIVE", "zoneId": "zone-b", "kubeconfigFile": "encrypted:new"},
	})
	wantAccepted(t, status, body, "")
	if a := waitArmoryState(t, s, "prod-k8s", ArmoryStateActive); a.ZoneID != "zone-b" || !strings.HasPrefix(a.Agents[0].AgentID, "zone-") {
		t.Fatalf("re-activated account %+v, want it in zone-b", a)
	}
	if sent := s.ArmoryKubeconfigs("prod-k8s"); !slices.Equal(sent, []string{"encrypted:new"}) {
		t.Fatalf("kubeconfigs recorded %q", sent)
	}
}

// The state comes in status by default (the published swagger and example), in state when set
// so (the draft page), or not at all (seed 003's example).
func TestArmoryStateField(t *testing.T) {
	s := newTestServer(t)
	s.PutArmoryAccount("prod-k8s", "zone-a", true)
	read := func() map[string]any {
		t.Helper()
		status, _, body := call(t, http.MethodGet, armoryAccountsURL(s)+"/prod-k8s", nil, armoryAuth(s)...)
		wantStatus(t, status, http.StatusOK, body)
		var raw map[string]any
		decode(t, body, &raw)
		return raw
	}
	tests := []struct {
		field      string
		want, none string
	}{
		{ArmoryStateFieldStatus, "status", "state"},
		{ArmoryStateFieldState, "state", "status"},
	}
	for _, tt := range tests {
		s.SetArmoryStateField(tt.field)
		raw := read()
		if raw[tt.want] != ArmoryStateActive {
			t.Errorf("field %q: %s = %v, want ACTIVE", tt.field, tt.want, raw[tt.want])
		}
		if _, ok := raw[tt.none]; ok {
			t.Errorf("field %q: the answer also carries %s: %v", tt.field, tt.none, raw)
		}
	}
	s.SetArmoryStateField(ArmoryStateFieldNone)
	raw := read()
	_, hasStatus := raw["status"]
	_, hasState := raw["state"]
	if hasStatus || hasState || raw["agents"] == nil {
		t.Fatalf("without a state field the answer is %v", raw)
	}
	// The list carries the same field as the single read.
	status, _, body := call(t, http.MethodGet, armoryAccountsURL(s), nil, armoryAuth(s)...)
	wantStatus(t, status, http.StatusOK, body)
	if strings.Contains(string(body), `"status"`) || strings.Contains(string(body), `"state"`) {
		t.Fatalf("the list carries a state: %s", body)
	}
}

// Only a draft page documents the list, so a test can make the mock answer it the way a server
// without it would: 405, as Spring does for a method the path does not map.
func TestArmoryListCanBeUnserved(t *testing.T) {
	s := newTestServer(t)
	s.SetArmoryAccountListServed(false)
	status, header, body := call(t, http.MethodGet, armoryAccountsURL(s), nil, armoryAuth(s)...)
	wantStatus(t, status, http.StatusMethodNotAllowed, body)
	wantArmoryError(t, body, http.StatusMethodNotAllowed, "'GET' is not supported")
	if allow := header.Get("Allow"); allow != "POST, PATCH, DELETE" {
		t.Fatalf("Allow %q", allow)
	}
	// The single read still works.
	s.PutArmoryAccount("prod-k8s", "", false)
	getArmoryAccount(t, s, "prod-k8s")
	s.SetArmoryAccountListServed(true)
	status, _, body = call(t, http.MethodGet, armoryAccountsURL(s), nil, armoryAuth(s)...)
	wantStatus(t, status, http.StatusOK, body)
}

func TestArmoryRejectsBadRequests(t *testing.T) {
	tests := []struct {
		name, method string
		body         any
		wantMessage  string
	}{
		{"migrate unknown", http.MethodPost, []map[string]string{{"name": "account-01"}, {"name": "nope"}}, `"nope"`},
		{"migrate empty name", http.MethodPost, []map[string]string{{"zoneId": "z"}}, `""`},
		{"migrate static", http.MethodPost, []map[string]string{{"name": "static-agent-account-01"}}, "not defined in Clouddriver"},
		{"migrate empty array", http.MethodPost, []map[string]string{}, "array is empty"},
		{"migrate object body", http.MethodPost, map[string]string{"name": "account-01"}, "invalid JSON"},
		{"assign unknown", http.MethodPatch, []map[string]string{{"name": "nope", "state": "ACTIVE"}}, "not defined in Clouddriver"},
		{"assign not migrated", http.MethodPatch, []map[string]string{{"name": "dev-k8s", "state": "ACTIVE"}}, "migrate it"},
		{"assign bad state", http.MethodPatch, []map[string]string{{"name": "staging-k8s", "state": "RUNNING"}}, "state must be"},
		{"assign no state", http.MethodPatch, []map[string]string{{"name": "staging-k8s"}}, "state must be"},
		{"assign one refused", http.MethodPatch, []map[string]string{{"name": "staging-k8s", "state": "ACTIVE"}, {"name": "static-agent-account-01", "state": "ACTIVE"}}, "not defined in Clouddriver"},
		{"assign malformed", http.MethodPatch, "ACTIVE", "invalid JSON"},
		{"delete unknown", http.MethodDelete, []string{"staging-k8s", "nope"}, `"nope"`},
		{"delete malformed", http.MethodDelete, map[string]int{"x": 1}, "invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			status, body := armoryWrite(t, s, http.MethodPost, []map[string]string{{"name": "staging-k8s"}})
			wantAccepted(t, status, body, "[]")

			status, body = armoryWrite(t, s, tt.method, tt.body)
			wantStatus(t, status, http.StatusBadRequest, body)
			wantArmoryError(t, body, http.StatusBadRequest, tt.wantMessage)
			// Nothing changes when any entry is rejected.
			if got := s.ArmoryAccounts(); len(got) != 1 || got[0].Name != "staging-k8s" || got[0].State != ArmoryStateInactive {
				t.Fatalf("a rejected request changed the store: %+v", got)
			}
		})
	}
}

func TestArmoryDeleteNotMigratedIsNoOp(t *testing.T) {
	s := newTestServer(t)
	status, _, body := call(t, http.MethodDelete, armoryAccountsURL(s), []string{"dev-k8s"}, armoryAuth(s)...)
	wantStatus(t, status, http.StatusOK, body)
}

func TestArmoryRejectsBadCredentials(t *testing.T) {
	s := newTestServer(t)
	for _, headers := range [][]string{nil, {ArmoryAPIKeyHeader, "wrong"}, {"Authorization", "Bearer " + s.Credentials().ArmoryAPIKey}} {
		status, _, body := call(t, http.MethodPost, armoryAccountsURL(s), []map[string]string{{"name": "prod-k8s"}}, headers...)
		wantStatus(t, status, http.StatusUnauthorized, body)
		wantArmoryError(t, body, http.StatusUnauthorized, "credentials")
	}
	if len(s.ArmoryAccounts()) != 0 {
		t.Fatal("an unauthorized migrate stored an account")
	}
}

func TestArmoryGet(t *testing.T) {
	s := newTestServer(t)
	a := getArmoryAccount(t, s, "static-agent-account-01")
	if a.Source != ArmorySourceStatic || a.State != ArmoryStateActive || len(a.Agents) != 2 {
		t.Fatalf("static account %+v", a)
	}
	// Unknown to Clouddriver, and known but not migrated: neither is managed by the Agent.
	for _, name := range []string{"nope", "prod-k8s"} {
		status, _, body := call(t, http.MethodGet, armoryAccountsURL(s)+"/"+name, nil, armoryAuth(s)...)
		wantStatus(t, status, http.StatusNotFound, body)
		wantArmoryError(t, body, http.StatusNotFound, name)
	}
}

func TestArmoryListPages(t *testing.T) {
	s := newTestServer(t)
	s.AddClouddriverAccount("extra-account")
	var req []map[string]string
	for i := range 20 {
		req = append(req, map[string]string{"name": fmt.Sprintf("clouddriver-%02d", i)})
	}
	req = append(req, map[string]string{"name": "extra-account"})
	status, body := armoryWrite(t, s, http.MethodPost, req)
	wantAccepted(t, status, body, "[]")

	const limit = 4
	wantTotal := len(req) + 2 // and the two static accounts
	var seen []string
	sources := map[string]bool{}
	for pageNo := 1; ; pageNo++ {
		if pageNo > 10 {
			t.Fatal("pagination does not end")
		}
		url := fmt.Sprintf("%s?page=%d&limit=%d", armoryAccountsURL(s), pageNo, limit)
		status, _, body := call(t, http.MethodGet, url, nil, armoryAuth(s)...)
		wantStatus(t, status, http.StatusOK, body)
		var resp struct {
			Items []armoryWireAccount `json:"items"`
			Page  int                 `json:"page"`
			Limit int                 `json:"limit"`
			Total int                 `json:"total"`
		}
		decode(t, body, &resp)
		if resp.Page != pageNo || resp.Limit != limit || resp.Total != wantTotal {
			t.Fatalf("page %d answered page %d, limit %d, total %d", pageNo, resp.Page, resp.Limit, resp.Total)
		}
		for _, a := range resp.Items {
			seen = append(seen, a.Name)
			sources[a.Source] = true
		}
		if len(resp.Items) < limit {
			break
		}
	}
	if len(seen) != wantTotal || !slices.IsSorted(seen) || len(slices.Compact(slices.Clone(seen))) != wantTotal {
		t.Fatalf("walked %d accounts, want %d, sorted and distinct: %v", len(seen), wantTotal, seen)
	}
	if !sources[ArmorySourceClouddriver] || !sources[ArmorySourceStatic] {
		t.Fatalf("sources seen: %v", sources)
	}

	// Defaults: page 1, limit 100.
	status, _, body = call(t, http.MethodGet, armoryAccountsURL(s), nil, armoryAuth(s)...)
	wantStatus(t, status, http.StatusOK, body)
	var all struct {
		Items []ArmoryAccount `json:"items"`
		Page  int             `json:"page"`
		Limit int             `json:"limit"`
	}
	decode(t, body, &all)
	if all.Page != 1 || all.Limit != 100 || len(all.Items) != wantTotal {
		t.Fatalf("default page: page %d, limit %d, %d items", all.Page, all.Limit, len(all.Items))
	}

	for _, q := range []string{"page=0", "limit=0", "page=x", "limit=-1"} {
		status, _, body := call(t, http.MethodGet, armoryAccountsURL(s)+"?"+q, nil, armoryAuth(s)...)
		wantStatus(t, status, http.StatusBadRequest, body)
		wantArmoryError(t, body, http.StatusBadRequest, "must be")
	}
}

func TestArmoryKubeconfigIsWriteOnly(t *testing.T) {
	s := newTestServer(t)
	s.SetArmoryAssignDelay(0)
	auth := armoryAuth(s)
	base := armoryAccountsURL(s)
	const first, second = "encrypted:secret-kubeconfig-one", "encrypted:secret-kubeconfig-two"

	var bodies [][]byte
	send := func(method, url string, reqBody any, want int) {
		t.Helper()
		status, _, body := call(t, method, url, reqBody, auth...)
		wantStatus(t, status, want, body)
		bodies = append(bodies, body)
	}
	send(http.MethodPost, base, []map[string]string{{"name": "prod-k8s", "kubeconfigFile": first}}, http.StatusAccepted)
	// The seed also spells the field kubeConfigFile.
	send(http.MethodPatch, base, []map[string]string{{"name": "prod-k8s", "state": "ACTIVE", "kubeConfigFile": second}}, http.StatusAccepted)
	// Neither a refused re-migration nor a refused re-activation echoes it.
	send(http.MethodPost, base, []map[string]string{{"name": "prod-k8s", "kubeconfigFile": "encrypted:refused"}}, http.StatusConflict)
	send(http.MethodPatch, base, []map[string]string{{"name": "prod-k8s", "state": "ACTIVE", "kubeconfigFile": "encrypted:refused"}}, http.StatusBadRequest)
	send(http.MethodGet, base+"/prod-k8s", nil, http.StatusOK)
	send(http.MethodGet, base, nil, http.StatusOK)

	for _, body := range bodies {
		if strings.Contains(strings.ToLower(string(body)), "kubeconfig") || strings.Contains(string(body), "refused") { // neither the value nor the key
			t.Fatalf("a response carries the kubeconfig: %s", body)
		}
	}
	if got := s.ArmoryKubeconfigs("prod-k8s"); !slices.Equal(got, []string{first, second}) {
		t.Fatalf("ArmoryKubeconfigs = %q, want both values in order", got)
	}
	if got := s.ArmoryAccounts(); len(got) != 1 || got[0].KubeconfigFile != second || got[0].State != ArmoryStateActive {
		t.Fatalf("store holds %+v, want the second kubeconfig kept and the account ACTIVE", got)
	}
}

func TestArmoryOutOfBand(t *testing.T) {
	s := newTestServer(t)
	auth := armoryAuth(s)
	s.AddClouddriverAccount("late-account")
	status, body := armoryWrite(t, s, http.MethodPost, []map[string]string{{"name": "late-account"}})
	wantAccepted(t, status, body, "[]")
	if !s.DeleteArmoryAccount("late-account") || s.DeleteArmoryAccount("late-account") {
		t.Fatal("DeleteArmoryAccount must report true once, then false")
	}
	status, _, body = call(t, http.MethodGet, armoryAccountsURL(s)+"/late-account", nil, auth...)
	wantStatus(t, status, http.StatusNotFound, body)
}

func TestArmoryPutAndSetStateOutOfBand(t *testing.T) {
	s := newTestServer(t)
	s.PutArmoryAccount("bulk-001", "z1_ns", true)
	s.PutArmoryAccount("bulk-002", "", false)
	if a := getArmoryAccount(t, s, "bulk-001"); a.State != ArmoryStateActive || len(a.Agents) != 2 || a.ZoneID != "z1_ns" ||
		!strings.HasPrefix(a.Agents[0].AgentID, "z1-") || a.LastAssignmentMsg == "" {
		t.Fatalf("active account put: %+v", a)
	}
	if a := getArmoryAccount(t, s, "bulk-002"); a.State != ArmoryStateInactive || len(a.Agents) != 0 || a.Source != ArmorySourceClouddriver {
		t.Fatalf("inactive account put: %+v", a)
	}
	// A put account is a migrated account like any other: migrating it again is a conflict.
	status, body := armoryWrite(t, s, http.MethodPost, []map[string]string{{"name": "bulk-002"}})
	wantStatus(t, status, http.StatusConflict, body)

	if !s.SetArmoryAccountState("bulk-001", ArmoryStateFailed, "agent lost the cluster") {
		t.Fatal("SetArmoryAccountState: bulk-001 not found")
	}
	if a := getArmoryAccount(t, s, "bulk-001"); a.State != ArmoryStateFailed || len(a.Agents) != 0 || a.LastAssignmentMsg != "agent lost the cluster" {
		t.Fatalf("after FAILED: %+v", a)
	}
	if !s.SetArmoryAccountState("bulk-002", ArmoryStateActive, "") {
		t.Fatal("SetArmoryAccountState: bulk-002 not found")
	}
	if a := getArmoryAccount(t, s, "bulk-002"); a.State != ArmoryStateActive || len(a.Agents) != 2 || a.ZoneID != ArmoryDefaultZone {
		t.Fatalf("after ACTIVE: %+v, want it on two Agents of zone %s", a, ArmoryDefaultZone)
	}
	for _, state := range []string{ArmoryStateOrphaned, ArmoryStateDeleteFailed} {
		if !s.SetArmoryAccountState("bulk-002", state, "agents gone") {
			t.Fatal("SetArmoryAccountState: bulk-002 not found")
		}
		if a := getArmoryAccount(t, s, "bulk-002"); a.State != state || len(a.Agents) != 0 || a.LastAssignmentMsg != "agents gone" {
			t.Fatalf("after %s: %+v", state, a)
		}
	}
	if s.SetArmoryAccountState("prod-k8s", ArmoryStateActive, "") {
		t.Fatal("SetArmoryAccountState changed an account that is not migrated")
	}
}

// armoryInProgress reports whether an account in this state is in a transition.
func armoryInProgress(state string) bool {
	switch state {
	case ArmoryStateToMigrate, ArmoryStateActivating, ArmoryStateToDeactivate, ArmoryStateDeactivating, ArmoryStateDeleting:
		return true
	}
	return false
}
