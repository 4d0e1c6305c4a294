package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

func newSpaceONEAgainstMock(t *testing.T) (*SpaceONE, *mockserver.Server) {
	t.Helper()
	return newSpaceONEBehind(t, nil)
}

// newSpaceONEBehind is newSpaceONEAgainstMock with intercept, when not nil, in front of the mock
// to stage what the mock cannot.
func newSpaceONEBehind(t *testing.T, intercept interceptor) (*SpaceONE, *mockserver.Server) {
	t.Helper()
	mock := mockserver.New(mockserver.DefaultCredentials())
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if intercept != nil && intercept(mock, w, r) {
			return
		}
		mock.ServeHTTP(w, r)
	})
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewSpaceONE(tr, SpaceONEConfig{Endpoint: mock.Endpoints(srv.URL).SpaceONE, Token: mock.Credentials().SpaceONEToken})
	if err != nil {
		t.Fatal(err)
	}
	return c, mock
}

func TestSpaceONEAgentLifecycle(t *testing.T) {
	c, mock := newSpaceONEAgainstMock(t)
	ctx := t.Context()
	created, err := c.CreateAgent(ctx, AgentCreateRequest{ServiceAccountID: "sa-1", Options: NewAgentOptions("prod", true, false)})
	if err != nil {
		t.Fatal(err)
	}
	if created.ClientSecret == "" || created.State != AgentEnabled || !bool(created.Options.KubeStateMetrics) || created.Options.ClusterName != "prod" {
		t.Fatalf("create returned %+v", created)
	}

	got, err := c.GetAgent(ctx, "sa-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.AgentID != created.AgentID || got.ClientSecret != "" {
		t.Fatalf("get returned %+v; want the same agent without its secret", got)
	}

	disabled, err := c.DisableAgent(ctx, "sa-1")
	if err != nil || disabled.State != AgentDisabled {
		t.Fatalf("disable: %+v, %v", disabled, err)
	}
	enabled, err := c.EnableAgent(ctx, "sa-1")
	if err != nil || enabled.State != AgentEnabled {
		t.Fatalf("enable: %+v, %v", enabled, err)
	}

	regenerated, err := c.RegenerateAgent(ctx, "sa-1")
	if err != nil {
		t.Fatal(err)
	}
	if regenerated.ClientSecret == "" || regenerated.ClientSecret == created.ClientSecret || regenerated.AgentID != created.AgentID ||
		regenerated.ClientID == "" || regenerated.ClientID == created.ClientID {
		t.Fatalf("regenerate returned %+v; want a new client id and secret for the same agent", regenerated)
	}
	if stored := mock.SpaceONEAgents()[0]; stored.ClientSecret != regenerated.ClientSecret || stored.ClientID != regenerated.ClientID {
		t.Fatalf("the platform holds client %q, the client got %q (or the secrets differ)", stored.ClientID, regenerated.ClientID)
	}

	if err := c.DeleteAgent(ctx, "sa-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetAgent(ctx, "sa-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get after delete: %v; want ErrNotFound", err)
	}
}

// A second create for a service account is refused with 400 ERROR_EXIST_RESOURCE: the error keeps
// the API's answer and says what to do, naming the agent the account already has.
func TestSpaceONEDuplicateCreateIsRefused(t *testing.T) {
	c, mock := newSpaceONEAgainstMock(t)
	req := AgentCreateRequest{ServiceAccountID: "sa-1", Options: NewAgentOptions("prod", false, false)}
	first, err := c.CreateAgent(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateAgent(t.Context(), req)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || apiErr.Code != "ERROR_EXIST_RESOURCE" || apiErr.Platform != PlatformSpaceONE {
		t.Fatalf("second create: %v; want SpaceONE's 400 ERROR_EXIST_RESOURCE", err)
	}
	for _, want := range []string{"already has agent " + first.AgentID, "terraform import", "sa-1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if agents := mock.SpaceONEAgents(); len(agents) != 1 || agents[0].ClientSecret != first.ClientSecret {
		t.Fatalf("the refused create changed the platform: %+v", agents)
	}
}

// The refusal is recognised in every form a server may give it: SpaceONE's own code, a 409 (the
// status gRPC's ALREADY_EXISTS maps to), or a gateway's numeric code with the name in the message.
func TestSpaceONEDuplicateCreateReadings(t *testing.T) {
	for name, answer := range map[string]struct {
		status int
		body   string
	}{
		"fastapi":      {400, `{"detail":{"code":"ERROR_EXIST_RESOURCE","message":"'Agent' resources is existed in service_account(sa-1)."}}`},
		"conflict":     {409, `{"error":{"code":"ERROR_ALREADY_EXISTS","message":"exists"}}`},
		"grpc gateway": {400, `{"code":3,"message":"ERROR_EXIST_RESOURCE: 'Agent' resources is existed in service_account(sa-1).","details":[]}`},
	} {
		t.Run(name, func(t *testing.T) {
			c := newSpaceONEStub(t, SpaceONEConfig{}, func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/agent/get") {
					writeJSON(t, w, http.StatusNotFound, map[string]any{"detail": map[string]any{"code": "ERROR_NOT_FOUND", "message": "none"}})
					return
				}
				w.WriteHeader(answer.status)
				_, _ = w.Write([]byte(answer.body))
			})
			_, err := c.CreateAgent(t.Context(), AgentCreateRequest{ServiceAccountID: "sa-1", Options: NewAgentOptions("c", false, false)})
			if err == nil || !strings.Contains(err.Error(), "already has an agent") || !strings.Contains(err.Error(), "terraform import") {
				t.Fatalf("error %v, want the refusal with what to do", err)
			}
		})
	}
}

// A create whose answer is lost after the platform made the agent, or that a gateway answers
// 502 or 504: the agent found then may be another workspace's, made at the same moment, so its
// secret is not regenerated and no second create is sent; the error names the agent and the way
// on.
func TestSpaceONELostCreateAnswerLeavesTheAgentAlone(t *testing.T) {
	for name, lose := range lostAnswerWays(t, isAgentCreate) {
		t.Run(name, func(t *testing.T) {
			c, mock := newSpaceONEBehind(t, lose)
			_, err := c.CreateAgent(t.Context(), AgentCreateRequest{ServiceAccountID: "sa-1", Options: NewAgentOptions("prod", false, false)})
			agents := mock.SpaceONEAgents()
			if len(agents) != 1 {
				t.Fatalf("%d agents after a lost create answer, want 1", len(agents))
			}
			var ambiguous *AmbiguousError
			var unproven *UnprovenAgentError
			if !errors.As(err, &ambiguous) || !errors.As(err, &unproven) || unproven.AgentID != agents[0].AgentID ||
				!strings.Contains(err.Error(), agents[0].AgentID) || !strings.Contains(err.Error(), "not regenerated") ||
				!strings.Contains(err.Error(), "terraform import") || strings.Contains(err.Error(), agents[0].ClientSecret) {
				t.Fatalf("error %v, want the lost create naming agent %s and the way on, without its secret", err, agents[0].AgentID)
			}
			if n, r := mock.Calls("POST "+mockserver.SpaceONEAgentRoute+"/create"), mock.Calls("POST "+mockserver.SpaceONEAgentRoute+"/regenerate"); n != 1 || r != 0 {
				t.Fatalf("%d creates and %d regenerates sent, want 1 and none", n, r)
			}
		})
	}
}

func TestSpaceONELostCreateAnswerWithNothingCreatedCreatesOnce(t *testing.T) {
	c, mock := newSpaceONEAgainstMock(t)
	mock.FailNext(0) // connection closed before the server handled anything
	if _, err := c.CreateAgent(t.Context(), AgentCreateRequest{ServiceAccountID: "sa-1", Options: NewAgentOptions("prod", false, false)}); err != nil {
		t.Fatal(err)
	}
	if n := len(mock.SpaceONEAgents()); n != 1 {
		t.Fatalf("%d agents, want 1", n)
	}
}

// isAgentCreate reports whether r creates a SpaceONE agent.
func isAgentCreate(r *http.Request) bool {
	return strings.HasSuffix(r.URL.Path, "/agent/create")
}

// The first create never reaches the server, so it is sent again; the second's answer is lost
// after it created the agent, which is then reported, not regenerated. One agent, never two.
func TestSpaceONELostCreateAnswersTwice(t *testing.T) {
	var creates atomic.Int32
	c, mock := newSpaceONEBehind(t, func(mock *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
		if !isAgentCreate(r) {
			return false
		}
		switch creates.Add(1) {
		case 1:
			dropConnection(t, w)
		case 2:
			mock.ServeHTTP(httptest.NewRecorder(), r)
			dropConnection(t, w)
		default:
			return false
		}
		return true
	})

	_, err := c.CreateAgent(t.Context(), AgentCreateRequest{ServiceAccountID: "sa-1", Options: NewAgentOptions("prod", false, false)})
	agents := mock.SpaceONEAgents()
	if len(agents) != 1 || err == nil || !strings.Contains(err.Error(), agents[0].AgentID) {
		t.Fatalf("error %v, the platform holds %+v: want one agent, named in the error", err, agents)
	}
	if n := mock.Calls("POST " + mockserver.SpaceONEAgentRoute + "/regenerate"); n != 0 {
		t.Fatalf("%d regenerates, want none", n)
	}
	if n := creates.Load(); n != 2 {
		t.Fatalf("%d creates sent, want 2", n)
	}
}

// The first create's answer is lost, the lookup finds nothing, and the create sent again is
// refused with 400 ERROR_EXIST_RESOURCE because an agent has been committed since. The refusal
// sends the client to look again, and the agent it finds is reported with the way on, its
// secret untouched: it may be this create's, landed late, or someone else's.
func TestSpaceONEResentCreateRefusedAsExisting(t *testing.T) {
	var creates atomic.Int32
	c, mock := newSpaceONEBehind(t, func(mock *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
		if !isAgentCreate(r) {
			return false
		}
		switch creates.Add(1) {
		case 1:
			dropConnection(t, w) // sent, but not committed yet...
			return true
		case 2:
			mock.PutSpaceONEAgent("sa-1", "prod") // ...until now, just before the second one arrives
		}
		return false
	})
	_, err := c.CreateAgent(t.Context(), AgentCreateRequest{ServiceAccountID: "sa-1", Options: NewAgentOptions("prod", false, false)})
	agents := mock.SpaceONEAgents()
	var ambiguous *AmbiguousError
	if len(agents) != 1 || !errors.As(err, &ambiguous) || !strings.Contains(err.Error(), agents[0].AgentID) {
		t.Fatalf("error %v, the platform holds %+v: want the lost create, naming the one agent", err, agents)
	}
	if n := mock.Calls("POST " + mockserver.SpaceONEAgentRoute + "/regenerate"); n != 0 {
		t.Fatalf("%d regenerates, want none", n)
	}
	if n := mock.Calls("POST " + mockserver.SpaceONEAgentRoute + "/get"); n != 3 {
		t.Fatalf("%d lookups, want 3: before the create, after the lost one, after the refusal", n)
	}
}

// Every create loses its answer before reaching the server: the client gives up after
// maxLostAnswers tries, and nothing exists.
func TestSpaceONEEveryCreateAnswerLost(t *testing.T) {
	c, mock := newSpaceONEBehind(t, func(_ *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
		if !isAgentCreate(r) {
			return false
		}
		dropConnection(t, w)
		return true
	})

	_, err := c.CreateAgent(t.Context(), AgentCreateRequest{ServiceAccountID: "sa-1", Options: NewAgentOptions("prod", false, false)})
	var ambiguous *AmbiguousError
	if !errors.As(err, &ambiguous) || !strings.Contains(err.Error(), fmt.Sprintf("sent %d times", maxLostAnswers)) {
		t.Fatalf("error %v, want the lost create, saying how often it was sent", err)
	}
	if n := len(mock.SpaceONEAgents()); n != 0 {
		t.Fatalf("%d agents, want none", n)
	}
	if n := mock.Calls("POST " + mockserver.SpaceONEAgentRoute + "/get"); n != maxLostAnswers+1 {
		t.Fatalf("%d lookups, want %d: one before the first create and one after each lost one", n, maxLostAnswers+1)
	}
}

// The account already has an agent, and the refusal of the create (409) is lost: the agent
// found afterwards is not this create's, so its secret must not be regenerated.
func TestSpaceONELostRefusalLeavesTheExistingAgentAlone(t *testing.T) {
	var creates atomic.Int32
	c, mock := newSpaceONEBehind(t, func(mock *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
		if !isAgentCreate(r) || creates.Add(1) == 1 {
			return false
		}
		mock.ServeHTTP(httptest.NewRecorder(), r)
		dropConnection(t, w)
		return true
	})
	req := AgentCreateRequest{ServiceAccountID: "sa-1", Options: NewAgentOptions("prod", false, false)}
	existing, err := c.CreateAgent(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}

	_, err = c.CreateAgent(t.Context(), req)
	var ambiguous *AmbiguousError
	if !errors.As(err, &ambiguous) || !strings.Contains(err.Error(), existing.AgentID) || !strings.Contains(err.Error(), "Import it") {
		t.Fatalf("error %v: want the lost create, naming agent %s to import", err, existing.AgentID)
	}
	if n := mock.Calls("POST " + mockserver.SpaceONEAgentRoute + "/regenerate"); n != 0 {
		t.Fatalf("%d regenerates, want none: the agent was there before the create", n)
	}
	agents := mock.SpaceONEAgents()
	if len(agents) != 1 || agents[0].ClientSecret != existing.ClientSecret {
		t.Fatalf("the platform holds %+v, want the existing agent with its secret unchanged", agents)
	}
}

func TestSpaceONEListWalksPagesAndFilters(t *testing.T) {
	c, mock := newSpaceONEAgainstMock(t)
	defer func(n int) { spaceonePageSize = n }(spaceonePageSize)
	spaceonePageSize = 2
	for i := 0; i < 5; i++ {
		mock.PutSpaceONEAgent(fmt.Sprintf("sa-%d", i), "c")
	}
	mock.SetSpaceONEAgentState("sa-3", AgentDisabled)

	all, err := c.ListAgents(t.Context(), AgentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 {
		t.Fatalf("listed %d agents, want 5", len(all))
	}
	// Pages of 2, 2 and 1, then the empty page that ends the walk: a short page does not, since
	// a server may cap its pages below the limit asked for.
	if n := mock.Calls("POST " + mockserver.SpaceONEAgentRoute + "/list"); n != 4 {
		t.Fatalf("%d list calls for 5 agents in pages of 2, want 4", n)
	}
	disabled, err := c.ListAgents(t.Context(), AgentFilter{State: AgentDisabled})
	if err != nil {
		t.Fatal(err)
	}
	if len(disabled) != 1 || disabled[0].ServiceAccountID != "sa-3" {
		t.Fatalf("disabled agents %+v, want only sa-3", disabled)
	}
}

// agentListServer answers agent/list from agents the way SpaceONE's identity service does: the
// page is results[start-1 : start-1+limit], cut to pageCap when that is set, and total_count is
// the number of results on the page, not of all matches. It records the starts asked for.
func agentListServer(t *testing.T, agents []Agent, pageCap int, starts *[]int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Query struct {
				Page struct{ Start, Limit int } `json:"page"`
			} `json:"query"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("decoding the list request: %v", err)
		}
		*starts = append(*starts, req.Query.Page.Start)
		limit := req.Query.Page.Limit
		if pageCap > 0 {
			limit = min(limit, pageCap)
		}
		from := min(max(req.Query.Page.Start, 1)-1, len(agents))
		page := agents[from:min(from+limit, len(agents))]
		writeJSON(t, w, http.StatusOK, map[string]any{"results": page, "total_count": len(page)})
	}
}

func agentsNamed(n int) []Agent {
	agents := make([]Agent, n)
	for i := range agents {
		agents[i] = Agent{AgentID: fmt.Sprintf("agent-%d", i), ServiceAccountID: fmt.Sprintf("sa-%d", i)}
	}
	return agents
}

// total_count is the page's length, and a server may answer fewer agents than the limit: the walk
// moves start on by what each page brought and ends on an empty page, so no agent is lost.
func TestSpaceONEListPages(t *testing.T) {
	defer func(n int) { spaceonePageSize = n }(spaceonePageSize)
	tests := []struct {
		name             string
		agents, pageSize int
		pageCap          int
		wantStarts       []int
	}{
		{"capped first page of 2 out of 4", 4, 100, 2, []int{1, 3, 5}},
		{"capped pages, odd count", 7, 5, 3, []int{1, 4, 7, 8}},
		{"full pages", 5, 2, 0, []int{1, 3, 5, 6}},
		{"one page", 3, 100, 0, []int{1, 4}},
		{"none", 0, 100, 0, []int{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spaceonePageSize = tc.pageSize
			var starts []int
			agents := agentsNamed(tc.agents)
			c := newSpaceONEStub(t, SpaceONEConfig{}, agentListServer(t, agents, tc.pageCap, &starts))
			got, err := c.ListAgents(t.Context(), AgentFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.agents {
				t.Fatalf("listed %d agents, want %d", len(got), tc.agents)
			}
			for i, a := range got {
				if a.AgentID != agents[i].AgentID {
					t.Fatalf("agent %d is %s, want %s: the API's order", i, a.AgentID, agents[i].AgentID)
				}
			}
			if fmt.Sprint(starts) != fmt.Sprint(tc.wantStarts) {
				t.Fatalf("pages asked from %v, want %v", starts, tc.wantStarts)
			}
		})
	}
}

// A server that ignores start answers the first page again: that page brings nothing new, and the
// walk stops with an error instead of looping or returning a partial list as if it were complete.
func TestSpaceONEListStopsOnARepeatedPage(t *testing.T) {
	var calls atomic.Int32
	c := newSpaceONEStub(t, SpaceONEConfig{}, func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		writeJSON(t, w, http.StatusOK, map[string]any{"results": agentsNamed(2), "total_count": 2})
	})
	_, err := c.ListAgents(t.Context(), AgentFilter{})
	if err == nil || !strings.Contains(err.Error(), "nothing new") {
		t.Fatalf("error %v, want one saying a page brought nothing new", err)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("%d list calls, want 2", n)
	}
}

func TestAgentOptionsTravelAsStringsAndReadEitherWay(t *testing.T) {
	raw, err := NewAgentOptions("c", true, false).KubeStateMetrics.MarshalJSON()
	if err != nil || string(raw) != `"true"` {
		t.Fatalf("marshal: %s, %v; want the string \"true\" as the API documents", raw, err)
	}
	for in, want := range map[string]bool{`true`: true, `"true"`: true, `false`: false, `"false"`: false, `null`: false} {
		var b flexBool
		if err := b.UnmarshalJSON([]byte(in)); err != nil || bool(b) != want {
			t.Errorf("unmarshal %s: %v, %v; want %v", in, b, err, want)
		}
	}
	var b flexBool
	if err := b.UnmarshalJSON([]byte(`"maybe"`)); err == nil {
		t.Error(`"maybe" was accepted as a boolean`)
	}
}

// Enable, disable, regenerate and delete are sent again after a lost answer. The retried delete
// finds nothing, an ErrNotFound the resources count as done; the retried regenerate returns the
// secret the platform holds, the one from the last regeneration.
func TestSpaceONEWritesAfterLostAnswer(t *testing.T) {
	c, mock := newSpaceONEAgainstMock(t)
	ctx := t.Context()
	if _, err := c.CreateAgent(ctx, AgentCreateRequest{ServiceAccountID: "sa-1", Options: NewAgentOptions("prod", false, false)}); err != nil {
		t.Fatal(err)
	}

	mock.DropNextWrites(1)
	if a, err := c.DisableAgent(ctx, "sa-1"); err != nil || a.State != AgentDisabled {
		t.Fatalf("disable after a lost answer: %+v, %v", a, err)
	}
	mock.DropNextWrites(1)
	if a, err := c.EnableAgent(ctx, "sa-1"); err != nil || a.State != AgentEnabled {
		t.Fatalf("enable after a lost answer: %+v, %v", a, err)
	}
	mock.DropNextWrites(1)
	a, err := c.RegenerateAgent(ctx, "sa-1")
	if err != nil {
		t.Fatalf("regenerate after a lost answer: %v", err)
	}
	if stored := mock.SpaceONEAgents()[0].ClientSecret; a.ClientSecret != stored {
		t.Fatalf("regenerate returned secret %q, the platform holds %q", a.ClientSecret, stored)
	}
	if n := mock.Calls("POST " + mockserver.SpaceONEAgentRoute + "/regenerate"); n != 2 {
		t.Fatalf("%d regenerates, want 2: the lost one and the retry", n)
	}
	mock.DropNextWrites(1)
	if err := c.DeleteAgent(ctx, "sa-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete after a lost answer: %v, want the retry's ErrNotFound", err)
	}
	if n := len(mock.SpaceONEAgents()); n != 0 {
		t.Fatalf("%d agents after delete, want 0", n)
	}
}

// newSpaceONEStub returns a client of the httptest server h, configured as the provider does.
func newSpaceONEStub(t *testing.T, cfg SpaceONEConfig, h http.HandlerFunc) *SpaceONE {
	t.Helper()
	srv := serve(t, h)
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Endpoint, cfg.Token = srv.URL, "test-token"
	c, err := NewSpaceONE(tr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// SpaceONE's REST front end is FastAPI: its errors are {"detail": {"code", "message"}}, and
// FastAPI's own answers carry a plain string (an unknown path) or a list (a body it cannot
// validate). The older readings, {"error": {...}} and a gRPC gateway's flat body, still parse.
func TestSpaceONEErrorBodies(t *testing.T) {
	tests := []struct {
		name, body        string
		status            int
		wantCode, wantMsg string
	}{
		{"fastapi", `{"detail":{"code":"ERROR_EXIST_RESOURCE","message":"'Agent' resources is existed in service_account(sa-1)."}}`,
			400, "ERROR_EXIST_RESOURCE", "'Agent' resources is existed in service_account(sa-1)."},
		{"fastapi not found", `{"detail":{"code":"ERROR_NOT_FOUND","message":"Resource cannot be found or access is denied. (service_account_id = sa-1)"}}`,
			404, "ERROR_NOT_FOUND", "Resource cannot be found or access is denied. (service_account_id = sa-1)"},
		{"fastapi authentication", `{"detail":{"code":"ERROR_AUTHENTICATE_FAILURE","message":"Authenticate failure. (message = token expired)"}}`,
			401, "ERROR_AUTHENTICATE_FAILURE", "Authenticate failure. (message = token expired)"},
		{"fastapi plain detail", `{"detail":"Method Not Allowed"}`, 405, "", "Method Not Allowed"},
		{"fastapi validation", `{"detail":[{"loc":["body","service_account_id"],"msg":"field required","type":"value_error.missing"},{"loc":["body"],"msg":"bad","type":"x"}]}`,
			422, "", "body.service_account_id: field required; body: bad"},
		{"nested", `{"error":{"code":"ERROR_NOT_FOUND","message":"agent not found"}}`, 404, "ERROR_NOT_FOUND", "agent not found"},
		{"grpc gateway", `{"code":5,"message":"not found","details":[]}`, 404, "5", "not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newSpaceONEStub(t, SpaceONEConfig{}, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			_, err := c.GetAgent(t.Context(), "sa-1")
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err %v is not an *APIError", err)
			}
			if apiErr.Status != tc.status || apiErr.Code != tc.wantCode || apiErr.Message != tc.wantMsg {
				t.Fatalf("got status %d, code %q, message %q; want %d, %q, %q", apiErr.Status, apiErr.Code, apiErr.Message, tc.status, tc.wantCode, tc.wantMsg)
			}
		})
	}
}

// Calls go to <endpoint><path_prefix>/agent/<verb>: by default /identity/agent/<verb>, the path
// of SpaceONE's REST front end and of its published OpenAPI; a gRPC gateway serves /identity/v2.
func TestSpaceONEPathPrefix(t *testing.T) {
	tests := []struct {
		name, base, prefix, want string
	}{
		{"default", "", "", "/identity/agent/get"},
		{"grpc gateway", "", "/identity/v2", "/identity/v2/agent/get"},
		{"endpoint with a path", "/console-api", "", "/console-api/identity/agent/get"},
		{"both", "/api/", "/id", "/api/id/agent/get"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got atomic.Value
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				got.Store(r.Method + " " + r.URL.Path)
				writeJSON(t, w, http.StatusOK, map[string]any{"agent_id": "agent-1", "service_account_id": "sa-1"})
			})
			tr, err := NewTransport(testOptions())
			if err != nil {
				t.Fatal(err)
			}
			c, err := NewSpaceONE(tr, SpaceONEConfig{Endpoint: srv.URL + tc.base, Token: "t", PathPrefix: tc.prefix})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.GetAgent(t.Context(), "sa-1"); err != nil {
				t.Fatal(err)
			}
			if got.Load() != "POST "+tc.want {
				t.Fatalf("the call went to %v, want POST %s", got.Load(), tc.want)
			}
		})
	}
}

func TestSpaceONERejectsMalformedPathPrefix(t *testing.T) {
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	for prefix, want := range map[string]string{
		"identity":          `must start with "/"`,
		"/":                 `must not end with "/"`,
		"/identity/":        `must not end with "/"`,
		"/identity?v=2":     "without a query",
		"/identity#v2":      "without a query",
		"//identity":        "empty segment",
		"/identity//v2":     "empty segment",
		"/identity/%zz":     "not a valid URL path",
		"https://host/path": `must start with "/"`,
	} {
		_, err := NewSpaceONE(tr, SpaceONEConfig{Endpoint: "https://spaceone.example.com", Token: "t", PathPrefix: prefix})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "path prefix") {
			t.Errorf("prefix %q: error %v, want one naming the path prefix that says %q", prefix, err, want)
		}
	}
}

// The service filters a list by state on the agent records, which hold no state (it is the state
// of the app behind each agent), so what a state filter does there is unknown. The client asks
// for every agent of the other filters and keeps those in the state itself, which is right
// whether the server would have filtered, ignored the filter or matched nothing.
func TestSpaceONEListFiltersStateItself(t *testing.T) {
	agents := agentsNamed(4)
	for i, state := range []string{AgentEnabled, AgentExpired, AgentDisabled, AgentExpired} {
		agents[i].State = state
	}
	var bodies []map[string]any
	c := newSpaceONEStub(t, SpaceONEConfig{}, func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Error(err)
		}
		bodies = append(bodies, req)
		page := agents
		if start := req["query"].(map[string]any)["page"].(map[string]any)["start"].(float64); start > 1 {
			page = nil
		}
		writeJSON(t, w, http.StatusOK, map[string]any{"results": page, "total_count": len(page)})
	})
	got, err := c.ListAgents(t.Context(), AgentFilter{State: AgentExpired, ServiceAccountID: "sa-3"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].AgentID != "agent-1" || got[1].AgentID != "agent-3" {
		t.Fatalf("listed %+v, want the two EXPIRED agents", got)
	}
	for _, b := range bodies {
		if _, sent := b["state"]; sent || b["service_account_id"] != "sa-3" {
			t.Fatalf("list request %v: want the service account filter sent and the state kept back", b)
		}
	}
}

// SpaceONE reports a missing agent with its ERROR_NOT_FOUND code (a gRPC gateway with its numeric
// code). A 404 without one, such as FastAPI's {"detail":"Not Found"} for a path it does not serve
// or a proxy's page, says nothing about the agent: it must not read as ErrNotFound, which would
// drop the agent from state or count a delete as done, and it points at the path prefix.
func TestSpaceONENotFoundNeedsSpaceONEsCode(t *testing.T) {
	tests := []struct {
		name, body string
		gone       bool
	}{
		{"fastapi error", `{"detail":{"code":"ERROR_NOT_FOUND","message":"Resource cannot be found or access is denied. (service_account_id = sa-1)"}}`, true},
		{"grpc gateway", `{"code":5,"message":"agent not found","details":[]}`, true},
		{"nested", `{"error":{"code":"ERROR_NOT_FOUND","message":"agent not found"}}`, true},
		{"unserved path", `{"detail":"Not Found"}`, false},
		{"proxy page", `<html><body>404 Not Found</body></html>`, false},
		{"empty", ``, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newSpaceONEStub(t, SpaceONEConfig{PathPrefix: "/identity/v1"}, func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte(tc.body))
			})
			_, getErr := c.GetAgent(t.Context(), "sa-1")
			deleteErr := c.DeleteAgent(t.Context(), "sa-1")
			for call, err := range map[string]error{"get": getErr, "delete": deleteErr} {
				if gone := errors.Is(err, ErrNotFound); gone != tc.gone {
					t.Errorf("%s: %v: ErrNotFound is %v, want %v", call, err, gone, tc.gone)
				}
				var unserved *UnservedPathError
				if !tc.gone && (!errors.As(err, &unserved) || !strings.Contains(err.Error(), "check the path prefix") ||
					!strings.Contains(err.Error(), "POST /identity/v1/agent/"+call)) {
					t.Errorf("%s: %q is no *UnservedPathError naming the path and the path prefix", call, err)
				}
			}
		})
	}
}
