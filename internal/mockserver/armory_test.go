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

// getArmoryAccount reads one account over HTTP, failing the test unless it answers 200.
func getArmoryAccount(t *testing.T, s *testServer, name string) ArmoryAccount {
	t.Helper()
	status, _, body := call(t, http.MethodGet, armoryAccountsURL(s)+"/"+name, nil, armoryAuth(s)...)
	wantStatus(t, status, http.StatusOK, body)
	var a ArmoryAccount
	decode(t, body, &a)
	return a
}

// waitArmoryState polls an account until it leaves ASSIGNING, and fails unless it lands in want.
func waitArmoryState(t *testing.T, s *testServer, name, want string) ArmoryAccount {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		a := getArmoryAccount(t, s, name)
		if a.State != ArmoryStateAssigning {
			if a.State != want {
				t.Fatalf("%s settled in %s, want %s: %+v", name, a.State, want, a)
			}
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still ASSIGNING after 5s", name)
		}
		time.Sleep(5 * time.Millisecond)
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
	auth := armoryAuth(s)
	base := armoryAccountsURL(s)

	// The seed's request bodies.
	status, _, body := call(t, http.MethodPost, base, []map[string]string{
		{"name": "account-01"},
		{"name": "account-02", "zoneId": "agent-1_namespace1", "kubeconfigFile": "encryptedFile:k8s!n:kubeconfig!k:config!ns:spinnaker"},
	}, auth...)
	wantStatus(t, status, http.StatusOK, body)
	var migrated []ArmoryAccount
	decode(t, body, &migrated)
	if len(migrated) != 2 || migrated[0].Name != "account-01" || migrated[1].State != ArmoryStateInactive {
		t.Fatalf("migrate answered %+v", migrated)
	}

	a := getArmoryAccount(t, s, "account-02")
	want := ArmoryAccount{Name: "account-02", Type: "kubernetes", Source: ArmorySourceClouddriver, Config: map[string]any{},
		ZoneID: "agent-1_namespace1", Agents: []ArmoryAgent{}, State: ArmoryStateInactive}
	if !reflect.DeepEqual(a, want) { // also tells [] and {} from null
		t.Fatalf("after migrate got %+v, want %+v", a, want)
	}

	status, _, body = call(t, http.MethodPatch, base, []map[string]string{
		{"name": "account-01", "state": "ACTIVE"},
		{"name": "account-02", "state": "ACTIVE", "zoneId": "agent-1_namespace1"},
	}, auth...)
	wantStatus(t, status, http.StatusOK, body)
	var assigning []ArmoryAccount
	decode(t, body, &assigning)
	if len(assigning) != 2 || assigning[0].State != ArmoryStateAssigning || len(assigning[0].Agents) != 0 {
		t.Fatalf("activation answered %+v, want both ASSIGNING without agents", assigning)
	}

	a = waitArmoryState(t, s, "account-02", ArmoryStateActive)
	if len(a.Agents) != 2 || !a.Agents[0].Caching || a.Agents[1].Caching ||
		!strings.HasPrefix(a.Agents[0].AgentID, "agent-1-") {
		t.Fatalf("agents %+v: want two agent-1-... pods, the first caching", a.Agents)
	}
	if a.LastAssignmentMsg != "successfully assigned to Agent "+a.Agents[1].AgentID+" for executing operations" {
		t.Fatalf("lastAssignmentMsg %q", a.LastAssignmentMsg)
	}
	if a := waitArmoryState(t, s, "account-01", ArmoryStateActive); !strings.HasPrefix(a.Agents[0].AgentID, "armory-agent-") {
		t.Fatalf("an unpinned account landed on %+v", a.Agents)
	}

	status, _, body = call(t, http.MethodPatch, base, []map[string]string{{"name": "account-02", "state": "INACTIVE"}}, auth...)
	wantStatus(t, status, http.StatusOK, body)
	if a := getArmoryAccount(t, s, "account-02"); a.State != ArmoryStateInactive || len(a.Agents) != 0 || a.ZoneID != "agent-1_namespace1" {
		t.Fatalf("after deactivation %+v", a)
	}

	status, _, body = call(t, http.MethodDelete, base, []string{"account-01", "account-02"}, auth...)
	wantStatus(t, status, http.StatusOK, body)
	for _, name := range []string{"account-01", "account-02"} {
		status, _, body = call(t, http.MethodGet, base+"/"+name, nil, auth...)
		wantStatus(t, status, http.StatusNotFound, body)
		wantArmoryError(t, body, http.StatusNotFound, name)
	}
	if got := s.ArmoryAccounts(); len(got) != 0 {
		t.Fatalf("store still holds %+v", got)
	}

	// A deleted account is still a Clouddriver account and can come back.
	status, _, body = call(t, http.MethodPost, base, []map[string]string{{"name": "account-01"}}, auth...)
	wantStatus(t, status, http.StatusOK, body)
	if a := getArmoryAccount(t, s, "account-01"); a.State != ArmoryStateInactive {
		t.Fatalf("re-migrated account is %s", a.State)
	}
}

func TestArmoryRemigrateIsIdempotent(t *testing.T) {
	s := newTestServer(t)
	auth := armoryAuth(s)
	base := armoryAccountsURL(s)
	body := []map[string]string{{"name": "prod-k8s", "zoneId": "zone-a"}}
	for range 2 {
		status, _, raw := call(t, http.MethodPost, base, body, auth...)
		wantStatus(t, status, http.StatusOK, raw)
	}
	status, _, raw := call(t, http.MethodPost, base, []map[string]string{{"name": "prod-k8s", "zoneId": "zone-b"}}, auth...)
	wantStatus(t, status, http.StatusOK, raw)
	got := s.ArmoryAccounts()
	if len(got) != 1 || got[0].ZoneID != "zone-b" || got[0].State != ArmoryStateInactive {
		t.Fatalf("after three POSTs the store holds %+v", got)
	}
}

func TestArmoryAssignmentFailure(t *testing.T) {
	s := newTestServer(t)
	s.SetArmoryAssignDelay(20 * time.Millisecond)
	auth := armoryAuth(s)
	base := armoryAccountsURL(s)
	const msg = "failed to connect to cluster: invalid kubeconfig"
	s.FailArmoryAssignment("prod-k8s", msg)

	status, _, body := call(t, http.MethodPost, base, []map[string]string{{"name": "prod-k8s"}}, auth...)
	wantStatus(t, status, http.StatusOK, body)
	activate := []map[string]string{{"name": "prod-k8s", "state": "ACTIVE"}}
	status, _, body = call(t, http.MethodPatch, base, activate, auth...)
	wantStatus(t, status, http.StatusOK, body)
	if a := waitArmoryState(t, s, "prod-k8s", ArmoryStateFailed); a.LastAssignmentMsg != msg || len(a.Agents) != 0 {
		t.Fatalf("failed assignment: %+v", a)
	}

	// The failure was for one assignment only: a FAILED account may be activated again.
	status, _, body = call(t, http.MethodPatch, base, activate, auth...)
	wantStatus(t, status, http.StatusOK, body)
	if a := waitArmoryState(t, s, "prod-k8s", ArmoryStateActive); len(a.Agents) != 2 {
		t.Fatalf("second assignment: %+v", a)
	}
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
		{"migrate object body", http.MethodPost, map[string]string{"name": "account-01"}, "invalid JSON"},
		{"assign unknown", http.MethodPatch, []map[string]string{{"name": "nope", "state": "ACTIVE"}}, "not defined in Clouddriver"},
		{"assign not migrated", http.MethodPatch, []map[string]string{{"name": "dev-k8s", "state": "ACTIVE"}}, "migrate it"},
		{"assign bad state", http.MethodPatch, []map[string]string{{"name": "staging-k8s", "state": "RUNNING"}}, "state must be"},
		{"assign no state", http.MethodPatch, []map[string]string{{"name": "staging-k8s"}}, "state must be"},
		{"assign malformed", http.MethodPatch, "ACTIVE", "invalid JSON"},
		{"delete unknown", http.MethodDelete, []string{"staging-k8s", "nope"}, `"nope"`},
		{"delete malformed", http.MethodDelete, map[string]int{"x": 1}, "invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			auth := armoryAuth(s)
			status, _, body := call(t, http.MethodPost, armoryAccountsURL(s), []map[string]string{{"name": "staging-k8s"}}, auth...)
			wantStatus(t, status, http.StatusOK, body)

			status, _, body = call(t, tt.method, armoryAccountsURL(s), tt.body, auth...)
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
	status, _, body := call(t, http.MethodPost, armoryAccountsURL(s), req, armoryAuth(s)...)
	wantStatus(t, status, http.StatusOK, body)

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
			Items []ArmoryAccount `json:"items"`
			Page  int             `json:"page"`
			Limit int             `json:"limit"`
			Total int             `json:"total"`
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
	send := func(method, url string, reqBody any) {
		t.Helper()
		status, _, body := call(t, method, url, reqBody, auth...)
		wantStatus(t, status, http.StatusOK, body)
		bodies = append(bodies, body)
	}
	send(http.MethodPost, base, []map[string]string{{"name": "prod-k8s", "kubeconfigFile": first}})
	// The seed also spells the field kubeConfigFile.
	send(http.MethodPatch, base, []map[string]string{{"name": "prod-k8s", "state": "ACTIVE", "kubeConfigFile": second}})
	send(http.MethodPatch, base, []map[string]string{{"name": "prod-k8s", "state": "ACTIVE"}})
	send(http.MethodGet, base+"/prod-k8s", nil)
	send(http.MethodGet, base, nil)

	for _, body := range bodies {
		if strings.Contains(strings.ToLower(string(body)), "kubeconfig") { // neither the value nor the key
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
	status, _, body := call(t, http.MethodPost, armoryAccountsURL(s), []map[string]string{{"name": "late-account"}}, auth...)
	wantStatus(t, status, http.StatusOK, body)
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
	// A put account is a Clouddriver account like any other: it can be migrated again over HTTP.
	status, _, body := call(t, http.MethodPost, armoryAccountsURL(s), []map[string]string{{"name": "bulk-002"}}, armoryAuth(s)...)
	wantStatus(t, status, http.StatusOK, body)

	if !s.SetArmoryAccountState("bulk-001", ArmoryStateFailed, "agent lost the cluster") {
		t.Fatal("SetArmoryAccountState: bulk-001 not found")
	}
	if a := getArmoryAccount(t, s, "bulk-001"); a.State != ArmoryStateFailed || len(a.Agents) != 0 || a.LastAssignmentMsg != "agent lost the cluster" {
		t.Fatalf("after FAILED: %+v", a)
	}
	if !s.SetArmoryAccountState("bulk-002", ArmoryStateActive, "") {
		t.Fatal("SetArmoryAccountState: bulk-002 not found")
	}
	if a := getArmoryAccount(t, s, "bulk-002"); a.State != ArmoryStateActive || len(a.Agents) != 2 {
		t.Fatalf("after ACTIVE: %+v", a)
	}
	if s.SetArmoryAccountState("prod-k8s", ArmoryStateActive, "") {
		t.Fatal("SetArmoryAccountState changed an account that is not migrated")
	}
}
