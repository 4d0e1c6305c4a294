package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

// recorded is one request the fake Monitoring API received.
type recorded struct {
	method string
	path   string // relative to the tenant, as sent (escaped)
	query  url.Values
	header http.Header
	body   string
}

// fakeMonitoring is a Cloud Monitoring agent-token API in memory.
type fakeMonitoring struct {
	t *testing.T

	mu       sync.Mutex
	tokens   []AgentToken
	requests []recorded

	// locationOnly answers creates with a Location header and no X-Object-ID.
	locationOnly bool
	// onCreate, when set, handles the nth POST (from 1) instead of the default and returns true;
	// create stores a new token and returns it.
	onCreate func(n int, w http.ResponseWriter, r *http.Request, create func() AgentToken) bool
	// onList, when set, handles list calls instead of the default and returns true.
	onList func(w http.ResponseWriter, r *http.Request) bool
}

func newFakeMonitoring(t *testing.T) (*fakeMonitoring, string) {
	f := &fakeMonitoring{t: t}
	srv := serve(t, f.ServeHTTP)
	return f, srv.URL
}

func (f *fakeMonitoring) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("reading the request body: %v", err)
	}
	rel, ok := strings.CutPrefix(r.URL.EscapedPath(), testTenantPath)
	if !ok {
		f.t.Errorf("request %s %s is outside the tenant %s", r.Method, r.URL.EscapedPath(), testTenantPath)
	}
	f.mu.Lock()
	f.requests = append(f.requests, recorded{method: r.Method, path: rel, query: r.URL.Query(), header: r.Header.Clone(), body: string(body)})
	posts := f.countLocked(http.MethodPost, "/agent_tokens")
	f.mu.Unlock()

	switch {
	case r.Method == http.MethodPost && rel == "/agent_tokens":
		var req agentTokenRequest
		if err := json.Unmarshal(body, &req); err != nil {
			f.t.Errorf("create body %q: %v", body, err)
		}
		create := func() AgentToken { return f.store(req.Label) }
		if f.onCreate != nil && f.onCreate(posts, w, r, create) {
			return
		}
		tok := create()
		if f.locationOnly {
			w.Header().Set("Location", "http://"+r.Host+testTenantPath+"/agent_tokens/"+url.PathEscape(tok.ID))
		} else {
			w.Header().Set("X-Object-ID", tok.ID)
			w.Header().Set("Location", "http://"+r.Host+testTenantPath+"/agent_tokens/"+url.PathEscape(tok.ID))
		}
		w.WriteHeader(http.StatusCreated)
	case r.Method == http.MethodGet && rel == "/agent_tokens":
		if f.onList != nil && f.onList(w, r) {
			return
		}
		writeJSON(f.t, w, http.StatusOK, map[string]any{
			"values":   f.all(),
			"metadata": map[string]any{"count": len(f.all()), "limit": 100, "marker": nil, "next_marker": nil, "next_href": nil},
		})
	case r.Method == http.MethodPut && strings.HasPrefix(rel, "/agent_tokens/"):
		var req agentTokenRequest
		if err := json.Unmarshal(body, &req); err != nil {
			f.t.Errorf("update body %q: %v", body, err)
		}
		f.setLabel(f.tokenID(rel), req.Label)
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodDelete && strings.HasPrefix(rel, "/agent_tokens/"):
		f.remove(f.tokenID(rel))
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodGet && strings.HasPrefix(rel, "/agent_tokens/"):
		id, err := url.PathUnescape(strings.TrimPrefix(rel, "/agent_tokens/"))
		if err != nil {
			f.t.Errorf("token path %q: %v", rel, err)
		}
		for _, tok := range f.all() {
			if tok.ID == id {
				writeJSON(f.t, w, http.StatusOK, tok)
				return
			}
		}
		writeJSON(f.t, w, http.StatusNotFound, monitoringError("notFoundError", 404, "Object does not exist", id))
	default:
		f.t.Errorf("unexpected request %s %s", r.Method, rel)
		w.WriteHeader(http.StatusNotImplemented)
	}
}

func (f *fakeMonitoring) store(label string) AgentToken {
	f.mu.Lock()
	defer f.mu.Unlock()
	tok := AgentToken{
		ID:    fmt.Sprintf("d9208af%d.hybrid:123456", len(f.tokens)+1),
		Token: fmt.Sprintf("4c5e28f0-0b3f-11e1-860d-c55c4705a286:%d", len(f.tokens)+1),
		Label: label,
	}
	f.tokens = append(f.tokens, tok)
	return tok
}

// tokenID is the id in the path of one token.
func (f *fakeMonitoring) tokenID(rel string) string {
	id, err := url.PathUnescape(strings.TrimPrefix(rel, "/agent_tokens/"))
	if err != nil {
		f.t.Errorf("token path %q: %v", rel, err)
	}
	return id
}

// setLabel changes a token's label.
func (f *fakeMonitoring) setLabel(id, label string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.tokens {
		if f.tokens[i].ID == id {
			f.tokens[i].Label = label
		}
	}
}

// remove deletes a token.
func (f *fakeMonitoring) remove(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens = slices.DeleteFunc(f.tokens, func(t AgentToken) bool { return t.ID == id })
}

func (f *fakeMonitoring) all() []AgentToken {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]AgentToken(nil), f.tokens...)
}

func (f *fakeMonitoring) countLocked(method, path string) int {
	n := 0
	for _, r := range f.requests {
		if r.method == method && r.path == path {
			n++
		}
	}
	return n
}

func (f *fakeMonitoring) count(method, path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.countLocked(method, path)
}

// countPrefix counts the requests of method to paths under prefix.
func (f *fakeMonitoring) countPrefix(method, prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r.method == method && strings.HasPrefix(r.path, prefix) {
			n++
		}
	}
	return n
}

func (f *fakeMonitoring) recordedRequests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

// checkOneToken fails the test unless the fake holds exactly one token, labelled label.
func (f *fakeMonitoring) checkOneToken(t *testing.T, label string) AgentToken {
	t.Helper()
	tokens := f.all()
	if len(tokens) != 1 || tokens[0].Label != label {
		t.Fatalf("the server holds %+v, want exactly one token labelled %q", tokens, label)
	}
	return tokens[0]
}

func TestCreateAgentToken(t *testing.T) {
	for _, locationOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("location only %v", locationOnly), func(t *testing.T) {
			f, base := newFakeMonitoring(t)
			f.locationOnly = locationOnly
			m := newTestMonitoring(t, base, testOptions(), testAuthToken)

			got, err := m.CreateAgentToken(context.Background(), "web servers")
			if err != nil {
				t.Fatalf("CreateAgentToken: %v", err)
			}
			want := f.checkOneToken(t, "web servers")
			if *got != want {
				t.Errorf("CreateAgentToken = %+v, want %+v", *got, want)
			}

			// The create carries a label of its own, which proves whose token it is should its
			// answer be lost; the configured label is set once the id is known.
			reqs := f.recordedRequests()
			if len(reqs) != 3 {
				t.Fatalf("server saw %d requests, want 3 (POST, PUT, GET): %+v", len(reqs), reqs)
			}
			post, put, get := reqs[0], reqs[1], reqs[2]
			if post.method != http.MethodPost || post.path != "/agent_tokens" {
				t.Errorf("first request %s %s, want POST /agent_tokens", post.method, post.path)
			}
			if !regexp.MustCompile(`^\{"label":"agentfleet-create-[0-9a-f]{24}"\}$`).MatchString(post.body) {
				t.Errorf("create body %q, want a label made for this create as JSON", post.body)
			}
			if put.method != http.MethodPut || put.path != "/agent_tokens/"+want.ID || put.body != `{"label":"web servers"}` {
				t.Errorf("second request %s %s %s, want PUT /agent_tokens/%s with the configured label", put.method, put.path, put.body, want.ID)
			}
			if get.method != http.MethodGet || get.path != "/agent_tokens/"+want.ID {
				t.Errorf("third request %s %s, want GET /agent_tokens/%s", get.method, get.path, want.ID)
			}
			for _, r := range reqs {
				checkHeader(t, r, "X-Auth-Token", testAuthToken)
				checkHeader(t, r, "User-Agent", "test-agent/1")
				checkHeader(t, r, "Accept", "application/json")
			}
			checkHeader(t, post, "Content-Type", "application/json")
			checkHeader(t, get, "Content-Type", "")
		})
	}
}

func checkHeader(t *testing.T, r recorded, name, want string) {
	t.Helper()
	if got := r.header.Get(name); got != want {
		t.Errorf("%s %s: header %s = %q, want %q", r.method, r.path, name, got, want)
	}
}

func TestCreateAgentTokenWithoutIDIsAnError(t *testing.T) {
	f, base := newFakeMonitoring(t)
	f.onCreate = func(_ int, w http.ResponseWriter, _ *http.Request, create func() AgentToken) bool {
		create()
		w.WriteHeader(http.StatusCreated)
		return true
	}
	m := newTestMonitoring(t, base, testOptions(), testAuthToken)

	_, err := m.CreateAgentToken(context.Background(), "x")
	if err == nil || !strings.Contains(err.Error(), "X-Object-ID") {
		t.Errorf("error = %v, want one saying the answer had no X-Object-ID or Location", err)
	}
	if n := f.count(http.MethodPost, "/agent_tokens"); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
}

func TestCreateAgentTokenRetriesOnlyWhenTurnedAway(t *testing.T) {
	// A gateway's 502 or 504 may hide a create the platform made: the create is sent again only
	// after a lookup finds no token of its own.
	tests := []struct {
		status          int
		retried, looked bool
	}{
		{status: http.StatusServiceUnavailable, retried: true},
		{status: http.StatusTooManyRequests, retried: true},
		{status: http.StatusBadGateway, retried: true, looked: true},
		{status: http.StatusGatewayTimeout, retried: true, looked: true},
		{status: http.StatusInternalServerError},
	}
	for _, tc := range tests {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			f, base := newFakeMonitoring(t)
			f.onCreate = func(n int, w http.ResponseWriter, _ *http.Request, _ func() AgentToken) bool {
				if n > 1 {
					return false
				}
				writeJSON(t, w, tc.status, monitoringError("failure", tc.status, "first create fails", ""))
				return true
			}
			m := newTestMonitoring(t, base, testOptions(), testAuthToken)

			got, err := m.CreateAgentToken(context.Background(), "l")
			posts := f.count(http.MethodPost, "/agent_tokens")
			if !tc.retried {
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.Status != tc.status {
					t.Fatalf("error = %v, want an *APIError with status %d", err, tc.status)
				}
				if posts != 1 || len(f.all()) != 0 {
					t.Errorf("%d creates sent and %d tokens exist, want 1 and 0: a create the server may have acted on is not retried", posts, len(f.all()))
				}
				if n := len(f.recordedRequests()); n != 1 {
					t.Errorf("server saw %d requests, want 1", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateAgentToken: %v", err)
			}
			if want := f.checkOneToken(t, "l"); *got != want {
				t.Errorf("CreateAgentToken = %+v, want %+v", *got, want)
			}
			if posts != 2 {
				t.Errorf("%d creates sent, want 2", posts)
			}
			if lists, want := f.count(http.MethodGet, "/agent_tokens"), map[bool]int{true: 1, false: 0}[tc.looked]; lists != want {
				t.Errorf("the tokens were listed %d times, want %d", lists, want)
			}
		})
	}
}

func TestCreateAgentTokenAfterLostAnswer(t *testing.T) {
	tests := []struct {
		name string
		// commitFrom: from this create on (counting from 1), the server creates the token before
		// the answer is lost; 0: never.
		commitFrom int
		// lostAnswers: how many creates in a row lose their answer.
		lostAnswers int
		// namesake: a token made elsewhere already carries the label.
		namesake bool
		// late: the first create, lost before the server acted, lands with the second.
		late bool

		wantPosts, wantLists, wantMine, wantDeletes int
		wantErr                                     string // empty: the create succeeds
	}{
		{name: "server created the token: adopted", commitFrom: 1, lostAnswers: 1, wantPosts: 1, wantLists: 1, wantMine: 1},
		{name: "server did not create the token: sent again", lostAnswers: 1, wantPosts: 2, wantLists: 1, wantMine: 1},
		{name: "not created, then created with the answer lost again: adopted", commitFrom: 2, lostAnswers: 2, wantPosts: 2, wantLists: 2, wantMine: 1},
		{name: "two lost before the server, then created", lostAnswers: 2, wantPosts: 3, wantLists: 2, wantMine: 1},
		{
			name: "someone else's token carries the label: never adopted", commitFrom: 1, lostAnswers: 1, namesake: true,
			wantPosts: 1, wantLists: 1, wantMine: 2,
		},
		{
			name: "not created, then two of this create's sends landed: one kept", late: true, commitFrom: 2, lostAnswers: 2,
			wantPosts: 2, wantLists: 2, wantMine: 1, wantDeletes: 1,
		},
		{
			name: "someone else's token carries the label, nothing created: sent again", lostAnswers: 1, namesake: true,
			wantPosts: 2, wantLists: 1, wantMine: 2,
		},
		{
			name: "every answer lost, nothing created: gives up", lostAnswers: 100,
			wantPosts: maxLostAnswers, wantLists: maxLostAnswers, wantMine: 0, wantErr: fmt.Sprintf("sent %d times", maxLostAnswers),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, base := newFakeMonitoring(t)
			f.onCreate = func(n int, w http.ResponseWriter, _ *http.Request, create func() AgentToken) bool {
				if n > tc.lostAnswers {
					return false
				}
				if tc.commitFrom > 0 && n >= tc.commitFrom {
					create()
					if tc.late && n == 2 {
						create()
					}
				}
				dropConnection(t, w)
				return true
			}
			// A token with another label must never be taken for ours.
			f.store("someone else's")
			var namesake AgentToken
			if tc.namesake {
				namesake = f.store("mine")
			}
			m := newTestMonitoring(t, base, testOptions(), testAuthToken)

			got, err := m.CreateAgentToken(context.Background(), "mine")
			var mine []AgentToken
			for _, tok := range f.all() {
				if tok.Label == "mine" {
					mine = append(mine, tok)
				}
			}
			if len(mine) != tc.wantMine {
				t.Fatalf("the server holds %d tokens labelled mine, want %d: %+v", len(mine), tc.wantMine, f.all())
			}
			if posts := f.count(http.MethodPost, "/agent_tokens"); posts != tc.wantPosts {
				t.Errorf("%d creates sent, want %d: a create is sent again only when the labels show none was made", posts, tc.wantPosts)
			}
			if lists := f.count(http.MethodGet, "/agent_tokens"); lists != tc.wantLists {
				t.Errorf("the tokens were listed %d times, want %d", lists, tc.wantLists)
			}
			if deletes := f.countPrefix(http.MethodDelete, "/agent_tokens/"); deletes != tc.wantDeletes {
				t.Errorf("%d tokens deleted, want %d: only an extra token of this create's own", deletes, tc.wantDeletes)
			}
			if tc.wantErr != "" {
				var ambiguous *AmbiguousError
				if !errors.As(err, &ambiguous) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want an *AmbiguousError saying %q", err, tc.wantErr)
				}
				for _, tok := range mine {
					if !strings.Contains(err.Error(), tok.ID) {
						t.Errorf("error %q does not name the token %s", err, tok.ID)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateAgentToken: %v", err)
			}
			ours := mine[len(mine)-1]
			if *got != ours || got.ID == namesake.ID {
				t.Errorf("CreateAgentToken = %+v, want %+v", *got, ours)
			}
		})
	}
}

func TestCreateAgentTokenLostAnswerAndFailedLookup(t *testing.T) {
	f, base := newFakeMonitoring(t)
	f.onCreate = func(_ int, w http.ResponseWriter, _ *http.Request, create func() AgentToken) bool {
		create()
		dropConnection(t, w)
		return true
	}
	f.onList = func(w http.ResponseWriter, _ *http.Request) bool {
		writeJSON(t, w, http.StatusForbidden, monitoringError("forbidden", 403, "no listing for you", ""))
		return true
	}
	m := newTestMonitoring(t, base, testOptions(), testAuthToken)

	_, err := m.CreateAgentToken(context.Background(), "mine")
	var ambiguous *AmbiguousError
	var apiErr *APIError
	if !errors.As(err, &ambiguous) || !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
		t.Fatalf("error = %v, want both the AmbiguousError and the list's 403 APIError", err)
	}
	if posts := f.count(http.MethodPost, "/agent_tokens"); posts != 1 {
		t.Errorf("%d creates sent, want 1: without a successful lookup the create must not be sent again", posts)
	}
}

// A create that outlives the per-attempt timeout may have been completed by the server: it is
// not sent again blindly, but resolved by label like any lost answer.
func TestCreateAgentTokenPerAttemptTimeoutIsResolvedByLabel(t *testing.T) {
	f, base := newFakeMonitoring(t)
	f.onCreate = func(n int, _ http.ResponseWriter, r *http.Request, create func() AgentToken) bool {
		if n > 1 {
			return false
		}
		create()
		<-r.Context().Done() // answer only once the client has given up
		return true
	}
	opts := testOptions()
	opts.RequestTimeout = 300 * time.Millisecond
	m := newTestMonitoring(t, base, opts, testAuthToken)

	got, err := m.CreateAgentToken(context.Background(), "mine")
	tok := f.checkOneToken(t, "mine")
	if err != nil || *got != tok {
		t.Errorf("CreateAgentToken = %+v, %v; want the token %s the timed-out create made", got, err, tok.ID)
	}
	if posts := f.count(http.MethodPost, "/agent_tokens"); posts != 1 {
		t.Errorf("%d creates sent, want 1", posts)
	}
}

func TestCreateAgentTokenRetriedAfterConnectionRefused(t *testing.T) {
	f, base := newFakeMonitoring(t)
	m := newTestMonitoring(t, base, testOptions(), testAuthToken)
	dials := countDials(t, m, 1)

	got, err := m.CreateAgentToken(context.Background(), "mine")
	if err != nil {
		t.Fatalf("CreateAgentToken: %v", err)
	}
	if want := f.checkOneToken(t, "mine"); *got != want {
		t.Errorf("CreateAgentToken = %+v, want %+v", *got, want)
	}
	if dials.Load() < 2 {
		t.Errorf("%d dials, want the refused one and at least one more", dials.Load())
	}
	if posts := f.count(http.MethodPost, "/agent_tokens"); posts != 1 {
		t.Errorf("%d creates reached the server, want 1", posts)
	}
	if lists := f.count(http.MethodGet, "/agent_tokens"); lists != 0 {
		t.Errorf("the tokens were listed %d times, want 0: a refused create is retried, not recovered", lists)
	}
}

func TestGetAgentTokenEscapesID(t *testing.T) {
	f, base := newFakeMonitoring(t)
	m := newTestMonitoring(t, base, testOptions(), testAuthToken)

	_, err := m.GetAgentToken(context.Background(), "a b/c")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("error = %v, want ErrNotFound", err)
	}
	reqs := f.recordedRequests()
	if len(reqs) != 1 || reqs[0].path != "/agent_tokens/a%20b%2Fc" {
		t.Errorf("requests %+v, want one GET /agent_tokens/a%%20b%%2Fc", reqs)
	}
}

func TestUpdateAndDeleteAgentToken(t *testing.T) {
	var mu sync.Mutex
	var got []recorded
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, recorded{method: r.Method, path: r.URL.EscapedPath(), header: r.Header.Clone(), body: string(body)})
		mu.Unlock()
		if r.Method == http.MethodDelete && strings.HasSuffix(r.URL.Path, "/gone") {
			writeJSON(t, w, http.StatusNotFound, monitoringError("notFoundError", 404, "Object does not exist", ""))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)
	ctx := context.Background()

	if err := m.UpdateAgentTokenLabel(ctx, "tok:1", "new"); err != nil {
		t.Errorf("UpdateAgentTokenLabel: %v", err)
	}
	if err := m.DeleteAgentToken(ctx, "tok:1"); err != nil {
		t.Errorf("DeleteAgentToken: %v", err)
	}
	if err := m.DeleteAgentToken(ctx, "gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteAgentToken of a missing token = %v, want ErrNotFound", err)
	}

	mu.Lock()
	defer mu.Unlock()
	want := []recorded{
		{method: http.MethodPut, path: testTenantPath + "/agent_tokens/tok:1", body: `{"label":"new"}`},
		{method: http.MethodDelete, path: testTenantPath + "/agent_tokens/tok:1"},
		{method: http.MethodDelete, path: testTenantPath + "/agent_tokens/gone"},
	}
	if len(got) != len(want) {
		t.Fatalf("server saw %d requests, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].method != w.method || got[i].path != w.path || got[i].body != w.body {
			t.Errorf("request %d = %s %s %q, want %s %s %q", i, got[i].method, got[i].path, got[i].body, w.method, w.path, w.body)
		}
	}
	checkHeader(t, got[0], "Content-Type", "application/json")
}

// pagedList answers list calls from pages keyed by the marker asked for, counting calls in n.
func pagedList(t *testing.T, n *atomic.Int32, pages map[string]monitoringPage[AgentToken]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) > 20 {
			t.Errorf("runaway pagination: more than 20 list calls")
			writeJSON(t, w, http.StatusBadRequest, monitoringError("badRequest", 400, "stop", ""))
			return
		}
		if r.URL.EscapedPath() != testTenantPath+"/agent_tokens" || r.Method != http.MethodGet {
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
		}
		if got := r.URL.Query().Get("limit"); got != "1000" {
			t.Errorf("limit = %q, want 1000, the API's maximum page", got)
		}
		page, ok := pages[r.URL.Query().Get("marker")]
		if !ok {
			t.Errorf("no page for marker %q", r.URL.Query().Get("marker"))
		}
		writeJSON(t, w, http.StatusOK, page)
	}
}

func page(next string, ids ...string) monitoringPage[AgentToken] {
	var p monitoringPage[AgentToken]
	for _, id := range ids {
		p.Values = append(p.Values, AgentToken{ID: id, Token: "v-" + id, Label: "l-" + id})
	}
	if next != "" {
		p.Metadata.NextMarker = &next
	}
	return p
}

func TestListAgentTokensFollowsNextMarker(t *testing.T) {
	var n atomic.Int32
	srv := serve(t, pagedList(t, &n, map[string]monitoringPage[AgentToken]{
		"":   page("c", "a", "b"),
		"c":  page("e", "c", "d"),
		"e":  page("", "e"),
		"zz": page("", "never"),
	}))
	m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)

	got, err := m.ListAgentTokens(context.Background())
	if err != nil {
		t.Fatalf("ListAgentTokens: %v", err)
	}
	var ids []string
	for _, tok := range got {
		ids = append(ids, tok.ID)
		if tok.Token != "v-"+tok.ID || tok.Label != "l-"+tok.ID {
			t.Errorf("token %+v lost its fields", tok)
		}
	}
	if strings.Join(ids, ",") != "a,b,c,d,e" {
		t.Errorf("ids = %v, want a,b,c,d,e in order", ids)
	}
	if n.Load() != 3 {
		t.Errorf("%d list calls, want 3", n.Load())
	}
}

// A page that names the next one only by next_href, which the docs tell clients to follow, is
// followed by the marker in that link.
func TestListAgentTokensFollowsNextHref(t *testing.T) {
	var n atomic.Int32
	first := page("", "a", "b")
	first.Metadata.NextHref = ptr("https://monitoring.api.rackspacecloud.com/v1.0/hybrid:123456/agent_tokens?limit=1000&marker=c%3A1")
	srv := serve(t, pagedList(t, &n, map[string]monitoringPage[AgentToken]{"": first, "c:1": page("", "c:1")}))
	m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)

	got, err := m.ListAgentTokens(t.Context())
	if err != nil || len(got) != 3 || got[2].ID != "c:1" || n.Load() != 2 {
		t.Errorf("ListAgentTokens = %+v, %v after %d calls; want a, b and c:1 after 2", got, err, n.Load())
	}
}

// Against the mock, which pages as the docs say: 2,345 tokens take three calls of 1,000.
func TestListAgentTokensOfTheMockInPagesOf1000(t *testing.T) {
	mock := mockserver.New(mockserver.DefaultCredentials())
	srv := serve(t, mock.ServeHTTP)
	for i := range 2345 {
		mock.PutMonitoringToken(fmt.Sprintf("t%d", i))
	}
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMonitoring(tr, MonitoringConfig{Endpoint: mock.Endpoints(srv.URL).Monitoring, AuthToken: mock.Credentials().MonitoringToken})
	if err != nil {
		t.Fatal(err)
	}

	got, err := m.ListAgentTokens(t.Context())
	if err != nil {
		t.Fatalf("ListAgentTokens: %v", err)
	}
	want := mock.MonitoringTokens()
	if len(got) != len(want) {
		t.Fatalf("listed %d tokens, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Token != want[i].Token || got[i].Label != want[i].Label {
			t.Fatalf("token %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if calls := mock.Calls("GET " + mockserver.MonitoringPrefix + "/{tenant}/agent_tokens"); calls != 3 {
		t.Errorf("%d list calls, want 3", calls)
	}
}

// newMonitoringAgainstMock returns a client for the mock's Cloud Monitoring API and the mock.
func newMonitoringAgainstMock(t *testing.T) (*Monitoring, *mockserver.Server) {
	t.Helper()
	mock := mockserver.New(mockserver.DefaultCredentials())
	srv := serve(t, mock.ServeHTTP)
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMonitoring(tr, MonitoringConfig{Endpoint: mock.Endpoints(srv.URL).Monitoring, AuthToken: mock.Credentials().MonitoringToken})
	if err != nil {
		t.Fatal(err)
	}
	return m, mock
}

// List items without ids (the seed's list example has none) are an error that names the
// missing field, never tokens with empty ids: nothing in an item gives its id away.
func TestListAgentTokensWithoutIDsIsAnError(t *testing.T) {
	m, mock := newMonitoringAgainstMock(t)
	mock.PutMonitoringToken("web")
	mock.PutMonitoringToken("db")
	mock.SetMonitoringListWithoutIDs(true)
	got, err := m.ListAgentTokens(t.Context())
	if err == nil {
		t.Fatalf("ListAgentTokens = %+v, want an error for the missing ids", got)
	}
	for _, want := range []string{PlatformMonitoring, "2 of the 2 agent tokens listed", `no "id" field`, `"db"`, `"web"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	for _, tok := range mock.MonitoringTokens() {
		if strings.Contains(err.Error(), tok.Token) {
			t.Errorf("the error holds the token value of %s", tok.ID)
		}
	}
}

// A create whose answer was lost, against a list without ids: a token that carries the label
// cannot be adopted (its id is unknown), and the error says so; when none carries it, the create
// provably did not happen and is sent again.
func TestCreateAgentTokenLostAnswerWithListWithoutIDs(t *testing.T) {
	t.Run("made by the lost create: not adopted", func(t *testing.T) {
		m, mock := newMonitoringAgainstMock(t)
		mock.SetMonitoringListWithoutIDs(true)
		mock.DropNextWrites(1)
		got, err := m.CreateAgentToken(t.Context(), "mine")
		var ambiguous *AmbiguousError
		if !errors.As(err, &ambiguous) || !strings.Contains(err.Error(), `no "id" field`) || !strings.Contains(err.Error(), `labelled "agentfleet-create-`) {
			t.Fatalf("CreateAgentToken = %+v, %v; want an *AmbiguousError saying the token labelled mine has no id in the list", got, err)
		}
		if posts := mock.Calls("POST " + mockserver.MonitoringPrefix + "/{tenant}/agent_tokens"); posts != 1 || len(mock.MonitoringTokens()) != 1 {
			t.Fatalf("%d creates sent and %d tokens held, want 1 and 1: nothing sent again", posts, len(mock.MonitoringTokens()))
		}
	})
	t.Run("not made: sent again", func(t *testing.T) {
		m, mock := newMonitoringAgainstMock(t)
		mock.PutMonitoringToken("someone else's")
		mock.SetMonitoringListWithoutIDs(true)
		mock.FailNext(0) // the connection is closed before the create is handled
		got, err := m.CreateAgentToken(t.Context(), "mine")
		if err != nil {
			t.Fatalf("CreateAgentToken: %v", err)
		}
		stored := mock.MonitoringTokens()
		if len(stored) != 2 || got.ID != stored[1].ID || got.ID == "" || got.Label != "mine" {
			t.Fatalf("CreateAgentToken = %+v, the mock holds %+v", got, stored)
		}
		if posts := mock.Calls("POST " + mockserver.MonitoringPrefix + "/{tenant}/agent_tokens"); posts != 2 {
			t.Fatalf("%d creates sent, want 2", posts)
		}
	})
}

// A next_href with no marker says there is more but not how to ask for it: an error, not a
// list cut short without a word.
func TestListAgentTokensNextHrefWithoutMarkerIsAnError(t *testing.T) {
	var n atomic.Int32
	first := page("", "a")
	first.Metadata.NextHref = ptr("https://monitoring.api.rackspacecloud.com/v1.0/hybrid:123456/agent_tokens?page=2")
	srv := serve(t, pagedList(t, &n, map[string]monitoringPage[AgentToken]{"": first}))
	m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)

	got, err := m.ListAgentTokens(t.Context())
	if err == nil || !strings.Contains(err.Error(), "without a marker") || got != nil {
		t.Errorf("ListAgentTokens = %+v, %v; want no tokens and an error about the next page", got, err)
	}
}

func ptr(s string) *string { return &s }

func TestListAgentTokensEmptyNextMarkerEnds(t *testing.T) {
	var n atomic.Int32
	empty := page("", "a")
	empty.Metadata.NextMarker = new(string)
	srv := serve(t, pagedList(t, &n, map[string]monitoringPage[AgentToken]{"": empty}))
	m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)

	got, err := m.ListAgentTokens(context.Background())
	if err != nil || len(got) != 1 || n.Load() != 1 {
		t.Errorf("ListAgentTokens = %+v, %v after %d calls; want one token after one call", got, err, n.Load())
	}
}

func TestListAgentTokensStopsOnRepeatedMarker(t *testing.T) {
	tests := []struct {
		name  string
		pages map[string]monitoringPage[AgentToken]
		calls int32
	}{
		{name: "same marker forever", pages: map[string]monitoringPage[AgentToken]{"": page("m", "a"), "m": page("m", "b")}, calls: 2},
		{name: "cycle", pages: map[string]monitoringPage[AgentToken]{"": page("m1", "a"), "m1": page("m2", "b"), "m2": page("m1", "c")}, calls: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := serve(t, pagedList(t, &n, tc.pages))
			m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)

			got, err := m.ListAgentTokens(context.Background())
			if err == nil {
				t.Fatalf("ListAgentTokens = %+v, want an error for a repeated marker", got)
			}
			if !strings.Contains(err.Error(), PlatformMonitoring) || !strings.Contains(err.Error(), "twice") {
				t.Errorf("error %q does not name the platform and the repeated marker", err)
			}
			if n.Load() != tc.calls {
				t.Errorf("%d list calls, want %d", n.Load(), tc.calls)
			}
		})
	}
}

func TestListAgentTokensErrorStopsPaging(t *testing.T) {
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			writeJSON(t, w, http.StatusOK, page("next", "a"))
			return
		}
		writeJSON(t, w, http.StatusUnauthorized, monitoringError("unauthorized", 401, "expired", ""))
	})
	m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)

	got, err := m.ListAgentTokens(context.Background())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized || got != nil {
		t.Errorf("ListAgentTokens = %+v, %v; want no tokens and the 401 APIError", got, err)
	}
	if n.Load() != 2 {
		t.Errorf("%d list calls, want 2", n.Load())
	}
}

// PUT and DELETE are sent again after a lost answer; the retried delete finds nothing, an
// ErrNotFound the resource counts as done.
func TestAgentTokenWritesAfterLostAnswer(t *testing.T) {
	mock := mockserver.New(mockserver.DefaultCredentials())
	srv := serve(t, mock.ServeHTTP)
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMonitoring(tr, MonitoringConfig{Endpoint: mock.Endpoints(srv.URL).Monitoring, AuthToken: mock.Credentials().MonitoringToken})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	tok, err := m.CreateAgentToken(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}

	mock.DropNextWrites(1)
	if err := m.UpdateAgentTokenLabel(ctx, tok.ID, "web-tier"); err != nil {
		t.Fatalf("update after a lost answer: %v", err)
	}
	if stored := mock.MonitoringTokens(); len(stored) != 1 || stored[0].Label != "web-tier" {
		t.Fatalf("the platform holds %+v, want the one token relabelled", stored)
	}
	mock.DropNextWrites(1)
	if err := m.DeleteAgentToken(ctx, tok.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete after a lost answer: %v, want the retry's ErrNotFound", err)
	}
	if stored := mock.MonitoringTokens(); len(stored) != 0 {
		t.Fatalf("tokens left after delete: %+v", stored)
	}
}

// Every part of the documented fault body is read: type, code (a string in the docs' example,
// a number elsewhere), message, details and request_id; details joins the message when it says
// more than the message does.
func TestMonitoringErrorBodies(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   APIError // Platform and Status are filled in
	}{
		{
			name: "documented example", status: 404,
			body: `{"type":"notFoundError","code":"404","message":"Item not found.","details":"Error Details...","request_id":"req-1a2b"}`,
			want: APIError{Code: "notFoundError", Message: "Item not found. Error Details...", RequestID: "req-1a2b"},
		},
		{
			name: "numeric code", status: 400,
			body: `{"type":"badRequest","code":400,"message":"Validation error","details":"label: too long"}`,
			want: APIError{Code: "badRequest", Message: "Validation error: label: too long"},
		},
		{
			name: "details repeat the message", status: 404,
			body: `{"type":"notFoundError","code":"404","message":"Object does not exist","details":"Object does not exist"}`,
			want: APIError{Code: "notFoundError", Message: "Object does not exist"},
		},
		{
			name: "details extend the message", status: 404,
			body: `{"type":"notFoundError","code":404,"message":"Object does not exist","details":"Object does not exist: tk1"}`,
			want: APIError{Code: "notFoundError", Message: "Object does not exist: tk1"},
		},
		{
			name: "details only", status: 400,
			body: `{"type":"limitReached","code":"400","details":"Limit has been reached"}`,
			want: APIError{Code: "limitReached", Message: "Limit has been reached"},
		},
		{
			name: "empty details", status: 400,
			body: `{"type":"badRequest","code":"400","message":"bad label","details":""}`,
			want: APIError{Code: "badRequest", Message: "bad label"},
		},
		{
			name: "structured details stay out of the message", status: 400,
			body: `{"type":"alarmParseError","code":400,"message":"Cannot parse","details":{"error_line":1}}`,
			want: APIError{Code: "alarmParseError", Message: "Cannot parse"},
		},
		{
			name: "code without type", status: 500,
			body: `{"code":"500","message":"boom"}`,
			want: APIError{Code: "500", Message: "boom"},
		},
		{
			name: "code of another JSON type", status: 400,
			body: `{"type":"badRequest","code":true,"message":"m"}`,
			want: APIError{Code: "badRequest", Message: "m"},
		},
		{
			name: "numeric request id", status: 503,
			body: `{"type":"systemFailureError","code":503,"message":"overloaded","request_id":12345}`,
			want: APIError{Code: "systemFailureError", Message: "overloaded", RequestID: "12345"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &APIError{Platform: PlatformMonitoring, Status: tc.status}
			if !parseMonitoringError([]byte(tc.body), e) {
				t.Fatalf("parseMonitoringError(%s) = false, want the body read", tc.body)
			}
			want := tc.want
			want.Platform, want.Status = PlatformMonitoring, tc.status
			if fmt.Sprint(*e) != fmt.Sprint(want) {
				t.Errorf("APIError = %+v, want %+v", *e, want)
			}
			msg := e.Error()
			if !strings.Contains(msg, want.Message) {
				t.Errorf("Error() = %q, want it to hold the message %q", msg, want.Message)
			}
			if want.RequestID != "" && !strings.Contains(msg, "request ID "+want.RequestID) {
				t.Errorf("Error() = %q, want it to name the request ID %s for a support ticket", msg, want.RequestID)
			}
		})
	}
}

// limitReached answers a request as Cloud Monitoring does over its rate limit: 400 with a
// wait header and/or the limitReached fault body.
type limitReached struct {
	header, value string // the wait header, if any
	contentType   string
	body          string
}

func (l limitReached) write(w http.ResponseWriter) {
	if l.header != "" {
		w.Header().Set(l.header, l.value)
	}
	w.Header().Set("Content-Type", l.contentType)
	w.WriteHeader(http.StatusBadRequest)
	_, _ = io.WriteString(w, l.body)
}

const limitReachedBody = `{"type":"limitReached","code":"400","message":"Limit has been reached. Please contact cmbeta@rackspace.com to increase our limit.","details":"","request_id":"req-9"}`

// The ways a 400 says "over the rate limit": the documented Reply-After header (sic), the
// standard Retry-After, or with neither header the fault type or its documented message, also
// as plain text from the gateway.
var limitReachedAnswers = map[string]limitReached{
	"Reply-After":           {header: "Reply-After", value: "0", contentType: "application/json", body: limitReachedBody},
	"Retry-After":           {header: "Retry-After", value: "0", contentType: "application/json", body: `{"type":"badRequest","code":400,"message":"slow down"}`},
	"Reply-After, no body":  {header: "Reply-After", value: "0"},
	"fault type":            {contentType: "application/json", body: `{"type":"limitReached","code":400,"details":"quota"}`},
	"fault message":         {contentType: "application/json", body: `{"type":"overLimit","code":"400","message":"Limit has been reached"}`},
	"plain text message":    {contentType: "text/plain", body: "400, Limit has been reached"},
	"HTTP date Reply-After": {header: "Reply-After", value: "Mon, 02 Jan 2006 15:04:05 GMT", contentType: "application/json", body: limitReachedBody},
}

func TestLimitReachedIsRetried(t *testing.T) {
	for name, answer := range limitReachedAnswers {
		t.Run(name, func(t *testing.T) {
			var n atomic.Int32
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					answer.write(w)
					return
				}
				writeJSON(t, w, http.StatusOK, AgentToken{ID: "tok-1", Token: "value-1", Label: "l"})
			})
			m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)

			got, err := m.GetAgentToken(t.Context(), "tok-1")
			if err != nil {
				t.Fatalf("GetAgentToken: %v, want the over-limit 400 retried", err)
			}
			if got.Token != "value-1" || n.Load() != 2 {
				t.Errorf("GetAgentToken = %+v after %d requests, want the token after 2", got, n.Load())
			}
		})
	}
}

// A 400 that is not about the rate limit is a validation error: final, and parsed.
func TestPlainBadRequestIsNotRetried(t *testing.T) {
	tests := map[string]string{
		"bad request":   `{"type":"badRequest","code":"400","message":"Validation error","details":"label: too long"}`,
		"invalid limit": `{"type":"invalidLimit","code":400,"message":"Invalid limit has been specified."}`,
		"not json":      `label too long`,
		// Larger than what the retry check looks at: the error parser still reads all of it.
		"long body": `{"type":"badRequest","code":400,"message":"` + strings.Repeat("x", 100<<10) + `"}`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			var n atomic.Int32
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, body)
			})
			m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)

			_, err := m.GetAgentToken(t.Context(), "tok-1")
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest {
				t.Fatalf("error = %v, want the 400 APIError", err)
			}
			if n.Load() != 1 {
				t.Errorf("server saw %d requests, want 1: a plain 400 is final", n.Load())
			}
			want := &APIError{Platform: PlatformMonitoring}
			if !parseMonitoringError([]byte(body), want) {
				want.Message = excerpt([]byte(body))
			}
			if apiErr.Message != want.Message {
				t.Errorf("Message is %d bytes starting %.40q, want the whole body's %d bytes: looking at the body for the rate limit lost part of it",
					len(apiErr.Message), apiErr.Message, len(want.Message))
			}
		})
	}
}

// When every attempt is over the limit, the last answer's fault is what the user sees: the
// retry check looked at the body and left it for the error parser.
func TestLimitReachedExhaustedReturnsTheFault(t *testing.T) {
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		limitReached{contentType: "application/json", body: limitReachedBody}.write(w)
	})
	opts := testOptions()
	m := newTestMonitoring(t, srv.URL, opts, testAuthToken)

	_, err := m.GetAgentToken(t.Context(), "tok-1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || apiErr.Code != "limitReached" ||
		!strings.HasPrefix(apiErr.Message, "Limit has been reached.") || apiErr.RequestID != "req-9" {
		t.Fatalf("error = %#v, want the limitReached fault in full", err)
	}
	if want := int32(opts.MaxRetries + 1); n.Load() != want {
		t.Errorf("server saw %d requests, want %d (MaxRetries+1)", n.Load(), want)
	}
}

// The server turned the create away over its limit, so nothing was made: the create is sent
// again, and exactly one token exists. No lookup is needed.
func TestCreateAgentTokenRetriedAfterLimitReached(t *testing.T) {
	for name, answer := range limitReachedAnswers {
		t.Run(name, func(t *testing.T) {
			f, base := newFakeMonitoring(t)
			f.onCreate = func(n int, w http.ResponseWriter, _ *http.Request, _ func() AgentToken) bool {
				if n > 2 {
					return false
				}
				answer.write(w)
				return true
			}
			m := newTestMonitoring(t, base, testOptions(), testAuthToken)

			got, err := m.CreateAgentToken(t.Context(), "mine")
			if err != nil {
				t.Fatalf("CreateAgentToken: %v", err)
			}
			if want := f.checkOneToken(t, "mine"); *got != want {
				t.Errorf("CreateAgentToken = %+v, want %+v", *got, want)
			}
			if posts := f.count(http.MethodPost, "/agent_tokens"); posts != 3 {
				t.Errorf("%d creates sent, want 3 (two turned away, one made)", posts)
			}
			if lists := f.count(http.MethodGet, "/agent_tokens"); lists != 0 {
				t.Errorf("the tokens were listed %d times, want 0: a create turned away needs no lookup", lists)
			}
		})
	}
}

// monitoringAnswer is a response as the Monitoring client's transport sees it, for backoff.
func monitoringAnswer(t *testing.T, status int, headers ...string) *http.Response {
	t.Helper()
	m := newTestMonitoring(t, "http://127.0.0.1:1", testOptions(), testAuthToken)
	req, err := m.newRequest(t.Context(), request{method: http.MethodGet, path: "/agent_tokens"})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	for i := 0; i+1 < len(headers); i += 2 {
		h.Set(headers[i], headers[i+1])
	}
	return &http.Response{StatusCode: status, Header: h, Request: req.Request}
}

func TestLimitReachedBackoffHonoursTheWaitHeader(t *testing.T) {
	inThirtySeconds := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	const hour = time.Hour
	tests := []struct {
		name     string
		max      time.Duration
		resp     *http.Response
		from, to time.Duration // inclusive bounds of the wait; the minimum is 1ms
	}{
		{name: "Reply-After seconds", max: hour, resp: monitoringAnswer(t, 400, "Reply-After", "7"), from: 7 * time.Second, to: 7 * time.Second},
		{name: "Retry-After seconds", max: hour, resp: monitoringAnswer(t, 400, "Retry-After", "2"), from: 2 * time.Second, to: 2 * time.Second},
		{name: "Reply-After http date", max: hour, resp: monitoringAnswer(t, 400, "Reply-After", inThirtySeconds), from: 28 * time.Second, to: 30 * time.Second},
		{name: "Retry-After before Reply-After", max: hour, resp: monitoringAnswer(t, 400, "Retry-After", "3", "Reply-After", "9"), from: 3 * time.Second, to: 3 * time.Second},
		{name: "unparseable Retry-After, Reply-After", max: hour, resp: monitoringAnswer(t, 400, "Retry-After", "soon", "Reply-After", "4"), from: 4 * time.Second, to: 4 * time.Second},
		{name: "Reply-After on 429", max: hour, resp: monitoringAnswer(t, 429, "Reply-After", "5"), from: 5 * time.Second, to: 5 * time.Second},
		{name: "capped at max", max: 30 * time.Second, resp: monitoringAnswer(t, 400, "Reply-After", "86400"), from: 30 * time.Second, to: 30 * time.Second},
		{name: "huge seconds capped at max", max: 30 * time.Second, resp: monitoringAnswer(t, 400, "Reply-After", "9223372036854775807"), from: 30 * time.Second, to: 30 * time.Second},
		{name: "http date capped at max", max: 5 * time.Millisecond, resp: monitoringAnswer(t, 400, "Reply-After", inThirtySeconds), from: 5 * time.Millisecond, to: 5 * time.Millisecond},
		{name: "no header: backs off", max: hour, resp: monitoringAnswer(t, 400), from: time.Millisecond, to: 2 * time.Millisecond},
		{name: "unparseable: backs off", max: hour, resp: monitoringAnswer(t, 400, "Reply-After", "later"), from: time.Millisecond, to: 2 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := backoff(time.Millisecond, tc.max, 1, tc.resp); got < tc.from || got > tc.to {
				t.Errorf("backoff = %v, want within [%v, %v]", got, tc.from, tc.to)
			}
		})
	}
}

// End to end: the client sleeps as Reply-After asks, but never longer than retry_wait_max.
func TestLimitReachedWaitIsHonouredAndCapped(t *testing.T) {
	tests := []struct {
		name       string
		replyAfter string
		waitMax    time.Duration
		from, to   time.Duration
	}{
		{name: "honoured", replyAfter: "1", waitMax: 10 * time.Second, from: time.Second, to: 3 * time.Second},
		{name: "capped", replyAfter: "3600", waitMax: 50 * time.Millisecond, from: 50 * time.Millisecond, to: 2 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					limitReached{header: "Reply-After", value: tc.replyAfter, contentType: "application/json", body: limitReachedBody}.write(w)
					return
				}
				writeJSON(t, w, http.StatusOK, AgentToken{ID: "tok-1", Token: "value-1"})
			})
			opts := testOptions()
			opts.RetryWaitMax = tc.waitMax
			m := newTestMonitoring(t, srv.URL, opts, testAuthToken)

			start := time.Now()
			if _, err := m.GetAgentToken(t.Context(), "tok-1"); err != nil {
				t.Fatalf("GetAgentToken: %v", err)
			}
			if took := time.Since(start); took < tc.from || took > tc.to {
				t.Errorf("the call took %v, want within [%v, %v] for Reply-After %s and retry_wait_max %v", took, tc.from, tc.to, tc.replyAfter, tc.waitMax)
			}
		})
	}
}

// The retry is logged with what gave the over-limit answer away.
func TestLimitReachedRetryIsLogged(t *testing.T) {
	tests := map[string]struct {
		answer limitReached
		reason string
	}{
		"header": {answer: limitReachedAnswers["Reply-After"], reason: "Reply-After"},
		"body":   {answer: limitReachedAnswers["fault type"], reason: "limitReached"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var n atomic.Int32
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					tc.answer.write(w)
					return
				}
				writeJSON(t, w, http.StatusOK, AgentToken{ID: "tok-1", Token: "value-1"})
			})
			m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)
			var buf bytes.Buffer
			ctx := tflogtest.RootLogger(t.Context(), &buf)

			if _, err := m.GetAgentToken(ctx, "tok-1"); err != nil {
				t.Fatalf("GetAgentToken: %v", err)
			}
			entries, err := tflogtest.MultilineJSONDecode(&buf)
			if err != nil {
				t.Fatal(err)
			}
			var reasons []string
			for _, e := range entries {
				if e["@message"] == "retrying API request" {
					reason, _ := e["reason"].(string)
					reasons = append(reasons, reason)
				}
			}
			if len(reasons) != 1 || !strings.Contains(reasons[0], "400") || !strings.Contains(reasons[0], "rate limit") ||
				!strings.Contains(reasons[0], tc.reason) {
				t.Errorf("retry log reasons %q, want one naming the 400, the rate limit and %s", reasons, tc.reason)
			}
		})
	}
}
