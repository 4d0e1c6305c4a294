package mockserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// spaceoneErrorBody is the error body of SpaceONE's REST front end, FastAPI's HTTPException with
// SpaceONE's code and message as its detail.
type spaceoneErrorBody struct {
	Detail struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"detail"`
}

// wantSpaceONEError fails the test unless body is a SpaceONE error with the given code.
func wantSpaceONEError(t *testing.T, body []byte, code string) {
	t.Helper()
	var e spaceoneErrorBody
	decode(t, body, &e)
	if e.Detail.Code != code || e.Detail.Message == "" {
		t.Fatalf("error body %s, want code %s and a message", body, code)
	}
}

// wantNoClientSecret fails the test when a response object carries a client_secret.
func wantNoClientSecret(t *testing.T, obj map[string]any) {
	t.Helper()
	if v, ok := obj["client_secret"]; ok {
		t.Fatalf("a read returned client_secret %v", v)
	}
}

func TestSpaceONEAgentLifecycle(t *testing.T) {
	s := newTestServer(t)
	auth := []string{"Authorization", "Bearer " + s.Credentials().SpaceONEToken}
	base := s.ep.SpaceONE + "/identity/agent/"
	sa := map[string]string{"service_account_id": "sa-a120f6d21c4e"}

	// The seed's request sends the flags as strings.
	before := time.Now().UTC()
	status, _, body := call(t, http.MethodPost, base+"create", map[string]any{
		"service_account_id": "sa-a120f6d21c4e",
		"options":            map[string]any{"cluster_name": "k8s-prd-cluster", "kube_state_metrics": "true", "prometheus_node_exporter": "false"},
	}, auth...)
	wantStatus(t, status, http.StatusOK, body)
	var created SpaceONEAgent
	decode(t, body, &created)
	want := SpaceONEAgent{
		AgentID: created.AgentID, ClientSecret: created.ClientSecret, AppID: created.AppID, ClientID: created.ClientID,
		CreatedAt: created.CreatedAt, ExpiredAt: created.ExpiredAt,
		Options: SpaceONEAgentOptions{ClusterName: "k8s-prd-cluster", KubeStateMetrics: true},
		State:   "ENABLED", IsManaged: true, RoleType: "WORKSPACE_OWNER", RoleID: "managed-workspace-owner",
		DomainID: spaceoneDomainID, WorkspaceID: spaceoneWorkspaceID, ProjectID: spaceoneProjectID,
		ServiceAccountID: "sa-a120f6d21c4e",
	}
	if created != want {
		t.Fatalf("create returned %+v\nwant %+v", created, want)
	}
	for field, v := range map[string]string{"agent_id": created.AgentID, "app_id": created.AppID, "client_id": created.ClientID} {
		prefix := strings.TrimSuffix(field, "_id") + "-"
		if !strings.HasPrefix(v, prefix) || len(v) != len(prefix)+12 {
			t.Errorf("%s %q is not %s followed by 12 characters", field, v, prefix)
		}
	}
	if created.ClientSecret == "" {
		t.Fatal("create returned no client_secret")
	}
	createdAt := parseSpaceONETime(t, created.CreatedAt)
	expiredAt := parseSpaceONETime(t, created.ExpiredAt)
	if createdAt.Before(before.Truncate(time.Millisecond)) || expiredAt.Sub(createdAt) > 365*24*time.Hour ||
		expiredAt.Sub(createdAt) < 365*24*time.Hour-time.Second {
		t.Fatalf("created_at %s, expired_at %s: want now and a year later", created.CreatedAt, created.ExpiredAt)
	}

	var got map[string]any
	status, _, body = call(t, http.MethodPost, base+"get", sa, auth...)
	wantStatus(t, status, http.StatusOK, body)
	decode(t, body, &got)
	wantNoClientSecret(t, got)
	if got["agent_id"] != created.AgentID || got["state"] != "ENABLED" {
		t.Fatalf("get returned %s", body)
	}

	for _, step := range []struct{ verb, state string }{{"disable", "DISABLED"}, {"disable", "DISABLED"}, {"enable", "ENABLED"}} {
		status, _, body = call(t, http.MethodPost, base+step.verb, sa, auth...)
		wantStatus(t, status, http.StatusOK, body)
		got = nil
		decode(t, body, &got)
		wantNoClientSecret(t, got)
		if got["state"] != step.state || got["agent_id"] != created.AgentID {
			t.Fatalf("%s returned %s, want state %s", step.verb, body, step.state)
		}
		if agents := s.SpaceONEAgents(); agents[0].State != step.state || agents[0].ClientSecret != created.ClientSecret {
			t.Fatalf("after %s the store holds %+v", step.verb, agents)
		}
	}

	status, _, body = call(t, http.MethodPost, base+"delete", sa, auth...)
	wantStatus(t, status, http.StatusOK, body)
	if strings.TrimSpace(string(body)) != "{}" {
		t.Fatalf("delete returned %s, want {}", body)
	}
	if len(s.SpaceONEAgents()) != 0 {
		t.Fatal("delete left the agent in the store")
	}
	status, _, body = call(t, http.MethodPost, base+"get", sa, auth...)
	wantStatus(t, status, http.StatusNotFound, body)
	wantSpaceONEError(t, body, "ERROR_NOT_FOUND")
}

func parseSpaceONETime(t *testing.T, v string) time.Time {
	t.Helper()
	ts, err := time.Parse(spaceoneTimeLayout, v)
	if err != nil {
		t.Fatalf("timestamp %q is not in the seed's format: %v", v, err)
	}
	return ts
}

func TestSpaceONERegenerate(t *testing.T) {
	s := newTestServer(t)
	auth := []string{"Authorization", "Bearer " + s.Credentials().SpaceONEToken}
	orig := s.PutSpaceONEAgent("sa-1", "c1")
	soon := time.Now().Add(time.Hour).UTC()
	if !s.SetSpaceONEAgentExpiry("sa-1", soon) {
		t.Fatal("SetSpaceONEAgentExpiry did not find the agent")
	}

	status, _, body := call(t, http.MethodPost, s.ep.SpaceONE+"/identity/agent/regenerate",
		map[string]string{"service_account_id": "sa-1"}, auth...)
	wantStatus(t, status, http.StatusOK, body)
	var got SpaceONEAgent
	decode(t, body, &got)
	if got.ClientSecret == "" || got.ClientSecret == orig.ClientSecret {
		t.Fatalf("regenerate returned secret %q, want a new one (old %q)", got.ClientSecret, orig.ClientSecret)
	}
	// SpaceONE issues a new client id with the new secret; the agent and its app stay.
	if got.AgentID != orig.AgentID || got.AppID != orig.AppID || got.CreatedAt != orig.CreatedAt {
		t.Fatalf("regenerate changed the agent's identity: %+v, was %+v", got, orig)
	}
	if got.ClientID == orig.ClientID || !strings.HasPrefix(got.ClientID, "client-") {
		t.Fatalf("regenerate returned client_id %q, want a new one (old %q)", got.ClientID, orig.ClientID)
	}
	if exp := parseSpaceONETime(t, got.ExpiredAt); exp.Before(soon.Add(300 * 24 * time.Hour)) {
		t.Fatalf("regenerate left expired_at %s, want about a year from now", got.ExpiredAt)
	}
	if stored := s.SpaceONEAgents()[0]; stored.ClientSecret != got.ClientSecret || stored.ExpiredAt != got.ExpiredAt || stored.ClientID != got.ClientID {
		t.Fatalf("store holds %+v after regenerate returned %+v", stored, got)
	}
}

func TestSpaceONERejectsBadCredentials(t *testing.T) {
	s := newTestServer(t)
	req := map[string]any{"service_account_id": "sa-1", "options": map[string]any{"cluster_name": "c"}}
	for name, headers := range map[string][]string{
		"missing":    nil,
		"wrong":      {"Authorization", "Bearer wrong"},
		"not bearer": {"Authorization", s.Credentials().SpaceONEToken},
	} {
		t.Run(name, func(t *testing.T) {
			status, _, body := call(t, http.MethodPost, s.ep.SpaceONE+"/identity/agent/create", req, headers...)
			wantStatus(t, status, http.StatusUnauthorized, body)
			wantSpaceONEError(t, body, "ERROR_AUTHENTICATE_FAILURE")
		})
	}
	if len(s.SpaceONEAgents()) != 0 {
		t.Fatal("an unauthorized create stored an agent")
	}

	// A refused permission, injected, speaks SpaceONE's code too.
	s.FailNext(http.StatusForbidden)
	status, _, body := call(t, http.MethodPost, s.ep.SpaceONE+"/identity/agent/create", req, "Authorization", "Bearer "+s.Credentials().SpaceONEToken)
	wantStatus(t, status, http.StatusForbidden, body)
	wantSpaceONEError(t, body, "ERROR_PERMISSION_DENIED")
}

func TestSpaceONECreateValidation(t *testing.T) {
	s := newTestServer(t)
	auth := []string{"Authorization", "Bearer " + s.Credentials().SpaceONEToken}
	opts := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		body any
		code string
	}{
		{"malformed JSON", "not an object", "ERROR_INVALID_PARAMETER"},
		{"no service account", map[string]any{"options": opts("cluster_name", "c")}, "ERROR_REQUIRED_PARAMETER"},
		{"no options", map[string]any{"service_account_id": "sa-1"}, "ERROR_REQUIRED_PARAMETER"},
		{"no cluster name", map[string]any{"service_account_id": "sa-1", "options": opts("kube_state_metrics", true)}, "ERROR_REQUIRED_PARAMETER"},
		{"empty cluster name", map[string]any{"service_account_id": "sa-1", "options": opts("cluster_name", "")}, "ERROR_REQUIRED_PARAMETER"},
		{"cluster name not a string", map[string]any{"service_account_id": "sa-1", "options": opts("cluster_name", 7)}, "ERROR_INVALID_PARAMETER"},
		{"flag not a bool", map[string]any{"service_account_id": "sa-1", "options": opts("cluster_name", "c", "kube_state_metrics", "yes")}, "ERROR_INVALID_PARAMETER"},
		{"flag a number", map[string]any{"service_account_id": "sa-1", "options": opts("cluster_name", "c", "prometheus_node_exporter", 1)}, "ERROR_INVALID_PARAMETER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := call(t, http.MethodPost, s.ep.SpaceONE+"/identity/agent/create", tt.body, auth...)
			wantStatus(t, status, http.StatusBadRequest, body)
			wantSpaceONEError(t, body, tt.code)
		})
	}
	if len(s.SpaceONEAgents()) != 0 {
		t.Fatal("an invalid create stored an agent")
	}

	// Responses' bool form is accepted as well as the seed's strings.
	status, _, body := call(t, http.MethodPost, s.ep.SpaceONE+"/identity/agent/create", map[string]any{
		"service_account_id": "sa-1", "options": opts("cluster_name", "c", "prometheus_node_exporter", true),
	}, auth...)
	wantStatus(t, status, http.StatusOK, body)
	if o := s.SpaceONEAgents()[0].Options; o != (SpaceONEAgentOptions{ClusterName: "c", PrometheusNodeExporter: true}) {
		t.Fatalf("stored options %+v", o)
	}
}

func TestSpaceONECreateConflict(t *testing.T) {
	s := newTestServer(t)
	auth := []string{"Authorization", "Bearer " + s.Credentials().SpaceONEToken}
	orig := s.PutSpaceONEAgent("sa-1", "c1")
	status, _, body := call(t, http.MethodPost, s.ep.SpaceONE+"/identity/agent/create", map[string]any{
		"service_account_id": "sa-1", "options": map[string]any{"cluster_name": "c2"},
	}, auth...)
	// ERROR_EXIST_RESOURCE is an INVALID_ARGUMENT in SpaceONE's core, which its REST front end
	// answers with 400, not 409.
	wantStatus(t, status, http.StatusBadRequest, body)
	wantSpaceONEError(t, body, "ERROR_EXIST_RESOURCE")
	if !strings.Contains(string(body), "service_account(sa-1)") {
		t.Fatalf("the refusal %s does not name the service account", body)
	}
	if agents := s.SpaceONEAgents(); len(agents) != 1 || agents[0] != orig {
		t.Fatalf("a refused create changed the store: %+v, was %+v", agents, orig)
	}
}

func TestSpaceONEUnknownAgent(t *testing.T) {
	s := newTestServer(t)
	auth := []string{"Authorization", "Bearer " + s.Credentials().SpaceONEToken}
	s.PutSpaceONEAgent("sa-other", "c")
	for _, verb := range []string{"get", "enable", "disable", "regenerate", "delete"} {
		t.Run(verb, func(t *testing.T) {
			url := s.ep.SpaceONE + "/identity/agent/" + verb
			status, _, body := call(t, http.MethodPost, url, map[string]string{"service_account_id": "sa-missing"}, auth...)
			wantStatus(t, status, http.StatusNotFound, body)
			wantSpaceONEError(t, body, "ERROR_NOT_FOUND")
			status, _, body = call(t, http.MethodPost, url, map[string]string{}, auth...)
			wantStatus(t, status, http.StatusBadRequest, body)
			wantSpaceONEError(t, body, "ERROR_REQUIRED_PARAMETER")
			status, _, body = call(t, http.MethodPost, url, []string{"x"}, auth...)
			wantStatus(t, status, http.StatusBadRequest, body)
			wantSpaceONEError(t, body, "ERROR_INVALID_PARAMETER")
		})
	}
	if len(s.SpaceONEAgents()) != 1 {
		t.Fatal("a call on a missing agent touched another")
	}
}

func TestSpaceONEList(t *testing.T) {
	s := newTestServer(t)
	auth := []string{"Authorization", "Bearer " + s.Credentials().SpaceONEToken}
	var all []SpaceONEAgent
	for i := 1; i <= 5; i++ {
		all = append(all, s.PutSpaceONEAgent(fmt.Sprintf("sa-%d", i), "c"))
	}
	s.SetSpaceONEAgentState("sa-2", "DISABLED")
	s.SetSpaceONEAgentState("sa-4", "DISABLED")

	type listResponse struct {
		Results    []map[string]any `json:"results"`
		TotalCount int              `json:"total_count"`
	}
	list := func(t *testing.T, req map[string]any) listResponse {
		t.Helper()
		status, _, body := call(t, http.MethodPost, s.ep.SpaceONE+"/identity/agent/list", req, auth...)
		wantStatus(t, status, http.StatusOK, body)
		var resp listResponse
		decode(t, body, &resp)
		return resp
	}
	pageOf := func(start, limit int) map[string]any {
		return map[string]any{"query": map[string]any{"page": map[string]any{"start": start, "limit": limit}}}
	}

	// total_count is the number of results on the page, as SpaceONE's identity service answers it.
	tests := []struct {
		name    string
		req     map[string]any
		pageCap int
		want    []string // service account ids, in order
	}{
		{"everything", map[string]any{}, 0, []string{"sa-1", "sa-2", "sa-3", "sa-4", "sa-5"}},
		{"first page", pageOf(1, 2), 0, []string{"sa-1", "sa-2"}},
		{"middle page", pageOf(3, 2), 0, []string{"sa-3", "sa-4"}},
		{"last page", pageOf(5, 2), 0, []string{"sa-5"}},
		{"past the end", pageOf(9, 2), 0, []string{}},
		{"start 0 is the first", pageOf(0, 1), 0, []string{"sa-1"}},
		{"limit 0 is everything", pageOf(2, 0), 0, []string{"sa-1", "sa-2", "sa-3", "sa-4", "sa-5"}},
		{"capped below the limit", pageOf(1, 100), 2, []string{"sa-1", "sa-2"}},
		{"capped, from the middle", pageOf(2, 3), 2, []string{"sa-2", "sa-3"}},
		{"capped without a page", map[string]any{}, 3, []string{"sa-1", "sa-2", "sa-3"}},
		{"cap above the limit", pageOf(4, 1), 3, []string{"sa-4"}},
		{"by state", map[string]any{"state": "DISABLED"}, 0, []string{"sa-2", "sa-4"}},
		{"by state, paged", map[string]any{"state": "ENABLED", "query": pageOf(2, 1)["query"]}, 0, []string{"sa-3"}},
		{"by service account", map[string]any{"service_account_id": "sa-3"}, 0, []string{"sa-3"}},
		{"by agent id", map[string]any{"agent_id": all[4].AgentID}, 0, []string{"sa-5"}},
		{"no match", map[string]any{"agent_id": all[4].AgentID, "state": "DISABLED"}, 0, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.SetSpaceONEPageCap(tt.pageCap)
			resp := list(t, tt.req)
			got := []string{}
			for _, a := range resp.Results {
				wantNoClientSecret(t, a)
				got = append(got, a["service_account_id"].(string))
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") || resp.TotalCount != len(tt.want) {
				t.Fatalf("results %v, total_count %d; want %v, %d", got, resp.TotalCount, tt.want, len(tt.want))
			}
		})
	}
	s.SetSpaceONEPageCap(0)

	for name, req := range map[string]map[string]any{
		"bad state":      {"state": "PAUSED"},
		"negative limit": pageOf(1, -1),
		"negative start": pageOf(-1, 1),
	} {
		t.Run(name, func(t *testing.T) {
			status, _, body := call(t, http.MethodPost, s.ep.SpaceONE+"/identity/agent/list", req, auth...)
			wantStatus(t, status, http.StatusBadRequest, body)
			wantSpaceONEError(t, body, "ERROR_INVALID_PARAMETER")
		})
	}
}

func TestSpaceONEOutOfBand(t *testing.T) {
	s := newTestServer(t)
	auth := []string{"Authorization", "Bearer " + s.Credentials().SpaceONEToken}
	first := s.PutSpaceONEAgent("sa-1", "c")
	second := s.PutSpaceONEAgent("sa-1", "c")
	if agents := s.SpaceONEAgents(); len(agents) != 1 || agents[0] != second || second.AgentID == first.AgentID {
		t.Fatalf("re-putting an agent should replace it with a new one: %+v", agents)
	}
	if !s.DeleteSpaceONEAgent("sa-1") || s.DeleteSpaceONEAgent("sa-1") {
		t.Fatal("DeleteSpaceONEAgent should succeed once")
	}
	status, _, body := call(t, http.MethodPost, s.ep.SpaceONE+"/identity/agent/get", map[string]string{"service_account_id": "sa-1"}, auth...)
	wantStatus(t, status, http.StatusNotFound, body)
	if s.SetSpaceONEAgentExpiry("sa-1", time.Now()) || s.SetSpaceONEAgentState("sa-1", "DISABLED") {
		t.Fatal("setters reported success on a missing agent")
	}
}

// TestSpaceONEConcurrentCreates races creates for one service account: exactly one wins.
func TestSpaceONEConcurrentCreates(t *testing.T) {
	s := newTestServer(t)
	auth := []string{"Authorization", "Bearer " + s.Credentials().SpaceONEToken}
	req := map[string]any{"service_account_id": "sa-1", "options": map[string]any{"cluster_name": "c"}}
	t.Run("group", func(t *testing.T) {
		for i := 0; i < 8; i++ {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				status, _, body := call(t, http.MethodPost, s.ep.SpaceONE+"/identity/agent/create", req, auth...)
				if status != http.StatusOK && status != http.StatusBadRequest {
					t.Errorf("status %d; body %s", status, body)
				}
			})
		}
	})
	if n := len(s.SpaceONEAgents()); n != 1 {
		t.Fatalf("%d agents after racing creates, want 1", n)
	}
	if got := s.Calls("POST " + SpaceONEAgentRoute + "/create"); got != 8 {
		t.Fatalf("counted %d creates, want 8", got)
	}
}

// TestSpaceONEBrokenJSON sends a body that is not JSON at all, which call cannot produce.
func TestSpaceONEBrokenJSON(t *testing.T) {
	s := newTestServer(t)
	for _, verb := range []string{"create", "get", "list"} {
		req, _ := http.NewRequest(http.MethodPost, s.ep.SpaceONE+"/identity/agent/"+verb, strings.NewReader(`{"service_account_id":`))
		req.Header.Set("Authorization", "Bearer "+s.Credentials().SpaceONEToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e spaceoneErrorBody
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || e.Detail.Code != "ERROR_INVALID_PARAMETER" {
			t.Fatalf("%s: status %d, error %+v; want 400 ERROR_INVALID_PARAMETER", verb, resp.StatusCode, e)
		}
	}
}

// The agent API is served at /identity/agent, where SpaceONE's REST front end has it, and at
// /identity/v2/agent, where a gRPC gateway built from the proto would: one store behind both,
// counted per route. Other paths get FastAPI's answer to a path it does not serve.
func TestSpaceONERoutes(t *testing.T) {
	s := newTestServer(t)
	auth := []string{"Authorization", "Bearer " + s.Credentials().SpaceONEToken}
	sa := map[string]string{"service_account_id": "sa-1"}
	status, _, body := call(t, http.MethodPost, s.ep.SpaceONE+"/identity/v2/agent/create",
		map[string]any{"service_account_id": "sa-1", "options": map[string]any{"cluster_name": "c"}}, auth...)
	wantStatus(t, status, http.StatusOK, body)
	status, _, body = call(t, http.MethodPost, s.ep.SpaceONE+"/identity/agent/get", sa, auth...)
	wantStatus(t, status, http.StatusOK, body)
	if s.Calls("POST "+SpaceONEGatewayAgentRoute+"/create") != 1 || s.Calls("POST "+SpaceONEAgentRoute+"/get") != 1 ||
		s.Calls("POST "+SpaceONEAgentRoute+"/create") != 0 {
		t.Fatalf("calls counted %v", s.AllCalls())
	}

	for _, path := range []string{"/identity/v1/agent/get", "/identity/agents/get", "/inventory/agent/get"} {
		status, _, body = call(t, http.MethodPost, s.ep.SpaceONE+path, sa) // routing comes before authentication
		wantStatus(t, status, http.StatusNotFound, body)
		if strings.TrimSpace(string(body)) != `{"detail":"Not Found"}` {
			t.Errorf("%s answered %s, want FastAPI's {\"detail\":\"Not Found\"}", path, body)
		}
	}
}

// EXPIRED is the third state of SpaceONE's agents (the state of the app behind one). Enable and
// disable set the app's state whatever it was; regenerate leaves it alone.
func TestSpaceONEExpiredAgents(t *testing.T) {
	s := newTestServer(t)
	auth := []string{"Authorization", "Bearer " + s.Credentials().SpaceONEToken}
	s.PutSpaceONEAgent("sa-1", "c")
	s.PutSpaceONEAgent("sa-2", "c")
	before := time.Now()
	if !s.ExpireSpaceONEAgent("sa-1") || s.ExpireSpaceONEAgent("sa-missing") {
		t.Fatal("ExpireSpaceONEAgent should find sa-1 and only it")
	}
	stateOf := func(verb string) SpaceONEAgent {
		t.Helper()
		status, _, body := call(t, http.MethodPost, s.ep.SpaceONE+"/identity/agent/"+verb, map[string]string{"service_account_id": "sa-1"}, auth...)
		wantStatus(t, status, http.StatusOK, body)
		var a SpaceONEAgent
		decode(t, body, &a)
		return a
	}
	got := stateOf("get")
	if got.State != "EXPIRED" || !parseSpaceONETime(t, got.ExpiredAt).Before(before) {
		t.Fatalf("an expired agent reads %s, expired_at %s; want EXPIRED and a time past", got.State, got.ExpiredAt)
	}

	status, _, body := call(t, http.MethodPost, s.ep.SpaceONE+"/identity/agent/list", map[string]any{"state": "EXPIRED"}, auth...)
	wantStatus(t, status, http.StatusOK, body)
	var list struct {
		Results []SpaceONEAgent `json:"results"`
	}
	decode(t, body, &list)
	if len(list.Results) != 1 || list.Results[0].ServiceAccountID != "sa-1" {
		t.Fatalf("state EXPIRED lists %+v, want sa-1 alone", list.Results)
	}

	if a := stateOf("regenerate"); a.State != "EXPIRED" {
		t.Fatalf("regenerate left the agent %s, want it EXPIRED still", a.State)
	}
	if a := stateOf("disable"); a.State != "DISABLED" {
		t.Fatalf("disable left an expired agent %s", a.State)
	}
	s.ExpireSpaceONEAgent("sa-1")
	if a := stateOf("enable"); a.State != "ENABLED" {
		t.Fatalf("enable left an expired agent %s", a.State)
	}
}

// With the precision drift on, writes answer timestamps with microseconds and reads with at most
// milliseconds: the same instants, written differently.
func TestSpaceONETimePrecisionDrift(t *testing.T) {
	s := newTestServer(t)
	s.SetTimePrecisionDrift(true)
	auth := []string{"Authorization", "Bearer " + s.Credentials().SpaceONEToken}
	base := s.ep.SpaceONE + "/identity/agent/"
	sa := map[string]string{"service_account_id": "sa-1"}
	answer := func(verb string, body any) SpaceONEAgent {
		t.Helper()
		status, _, raw := call(t, http.MethodPost, base+verb, body, auth...)
		wantStatus(t, status, http.StatusOK, raw)
		var a SpaceONEAgent
		decode(t, raw, &a)
		return a
	}
	created := answer("create", map[string]any{"service_account_id": "sa-1", "options": map[string]any{"cluster_name": "c"}})
	writes := []SpaceONEAgent{created, answer("disable", sa), answer("enable", sa), answer("regenerate", sa)}
	read := answer("get", sa)
	var listed struct{ Results []SpaceONEAgent }
	status, _, raw := call(t, http.MethodPost, base+"list", map[string]any{}, auth...)
	wantStatus(t, status, http.StatusOK, raw)
	decode(t, raw, &listed)
	reads := append([]SpaceONEAgent{read}, listed.Results...)

	micro := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)
	milli := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$`)
	for _, w := range writes {
		if !micro.MatchString(w.CreatedAt) || !micro.MatchString(w.ExpiredAt) {
			t.Errorf("a write answered created_at %s, expired_at %s: want microseconds", w.CreatedAt, w.ExpiredAt)
		}
	}
	last := writes[len(writes)-1]
	for _, r := range reads {
		if !milli.MatchString(r.CreatedAt) || !milli.MatchString(r.ExpiredAt) {
			t.Errorf("a read answered created_at %s, expired_at %s: want at most milliseconds", r.CreatedAt, r.ExpiredAt)
		}
		if !sameTime(t, r.CreatedAt, last.CreatedAt) || !sameTime(t, r.ExpiredAt, last.ExpiredAt) || r.CreatedAt == last.CreatedAt {
			t.Errorf("read %s / %s, write %s / %s: want the same instants written differently",
				r.CreatedAt, r.ExpiredAt, last.CreatedAt, last.ExpiredAt)
		}
	}

	s.SetTimePrecisionDrift(false)
	if a := answer("enable", sa); a.CreatedAt != s.SpaceONEAgents()[0].CreatedAt || parseSpaceONETime(t, a.CreatedAt).IsZero() {
		t.Errorf("without the drift enable answered created_at %s, want the seed's format", a.CreatedAt)
	}
}

// sameTime reports whether two RFC 3339 timestamps name the same instant.
func sameTime(t *testing.T, a, b string) bool {
	t.Helper()
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	if errA != nil || errB != nil {
		t.Fatalf("timestamps %q, %q: %v, %v", a, b, errA, errB)
	}
	return ta.Equal(tb)
}

// A SpaceONE whose regenerate does not move the expiry still issues a new secret and client id.
func TestSpaceONERegenerateKeepsExpiry(t *testing.T) {
	s := newTestServer(t)
	auth := []string{"Authorization", "Bearer " + s.Credentials().SpaceONEToken}
	orig := s.PutSpaceONEAgent("sa-1", "c")
	s.SetSpaceONERegenerateKeepsExpiry(true)
	status, _, body := call(t, http.MethodPost, s.ep.SpaceONE+"/identity/agent/regenerate",
		map[string]string{"service_account_id": "sa-1"}, auth...)
	wantStatus(t, status, http.StatusOK, body)
	var got SpaceONEAgent
	decode(t, body, &got)
	if got.ExpiredAt != orig.ExpiredAt || got.ClientSecret == orig.ClientSecret || got.ClientID == orig.ClientID {
		t.Fatalf("regenerate answered expired_at %s (was %s), a new secret %t, a new client id %t: want only the secret and client id new",
			got.ExpiredAt, orig.ExpiredAt, got.ClientSecret != orig.ClientSecret, got.ClientID != orig.ClientID)
	}
}

// Aging an agent brings its expiry closer and keeps its secret's lifetime.
func TestAgeSpaceONEAgent(t *testing.T) {
	s := newTestServer(t)
	orig := s.PutSpaceONEAgent("sa-1", "c")
	if !s.AgeSpaceONEAgent("sa-1", 48*time.Hour) || s.AgeSpaceONEAgent("sa-2", time.Hour) {
		t.Fatal("AgeSpaceONEAgent should find sa-1 only")
	}
	aged := s.SpaceONEAgents()[0]
	for field, pair := range map[string][2]string{"created_at": {orig.CreatedAt, aged.CreatedAt}, "expired_at": {orig.ExpiredAt, aged.ExpiredAt}} {
		if d := parseSpaceONETime(t, pair[0]).Sub(parseSpaceONETime(t, pair[1])); d != 48*time.Hour {
			t.Errorf("%s moved by %s, want 48h", field, d)
		}
	}
}
