package mockserver

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestMonitoringTokenLifecycle(t *testing.T) {
	s := newTestServer(t)
	auth := []string{"X-Auth-Token", s.Credentials().MonitoringToken}
	base := s.ep.Monitoring + "/agent_tokens"

	status, hdr, body := call(t, http.MethodPost, base, map[string]string{"label": "web"}, auth...)
	wantStatus(t, status, http.StatusCreated, body)
	id := hdr.Get("X-Object-ID")
	if id == "" || len(body) != 0 {
		t.Fatalf("create: X-Object-ID %q, body %q; want an id and no body", id, body)
	}
	if !strings.HasSuffix(hdr.Get("Location"), "/agent_tokens/"+id) {
		t.Fatalf("Location %q does not name %s", hdr.Get("Location"), id)
	}

	var got MonitoringToken
	status, _, body = call(t, http.MethodGet, base+"/"+id, nil, auth...)
	wantStatus(t, status, http.StatusOK, body)
	decode(t, body, &got)
	if got.ID != id || got.Label != "web" || got.Token == "" {
		t.Fatalf("get: %+v", got)
	}

	status, _, body = call(t, http.MethodPut, base+"/"+id, map[string]string{"label": "api"}, auth...)
	wantStatus(t, status, http.StatusNoContent, body)
	if toks := s.MonitoringTokens(); len(toks) != 1 || toks[0].Label != "api" || toks[0].Token != got.Token {
		t.Fatalf("after update the store holds %+v", toks)
	}

	status, _, body = call(t, http.MethodDelete, base+"/"+id, nil, auth...)
	wantStatus(t, status, http.StatusNoContent, body)
	status, _, body = call(t, http.MethodGet, base+"/"+id, nil, auth...)
	wantStatus(t, status, http.StatusNotFound, body)
	status, _, body = call(t, http.MethodDelete, base+"/"+id, nil, auth...)
	wantStatus(t, status, http.StatusNotFound, body)
}

func TestMonitoringRejectsBadCredentials(t *testing.T) {
	s := newTestServer(t)
	status, _, body := call(t, http.MethodGet, s.ep.Monitoring+"/agent_tokens", nil, "X-Auth-Token", "wrong")
	wantStatus(t, status, http.StatusUnauthorized, body)
	status, _, body = call(t, http.MethodPost, s.url+MonitoringPrefix+"/other-tenant/agent_tokens", map[string]string{},
		"X-Auth-Token", s.Credentials().MonitoringToken)
	wantStatus(t, status, http.StatusUnauthorized, body)
	if len(s.MonitoringTokens()) != 0 {
		t.Fatal("an unauthorized create stored a token")
	}
}

// monitoringList is a list answer as the client reads it.
type monitoringList struct {
	Values   []MonitoringToken `json:"values"`
	Metadata struct {
		Count      int     `json:"count"`
		Limit      int     `json:"limit"`
		Marker     *string `json:"marker"`
		NextMarker *string `json:"next_marker"`
		NextHref   *string `json:"next_href"`
	} `json:"metadata"`
}

func listMonitoring(t *testing.T, s *testServer, url string) monitoringList {
	t.Helper()
	status, _, body := call(t, http.MethodGet, url, nil, "X-Auth-Token", s.Credentials().MonitoringToken)
	wantStatus(t, status, http.StatusOK, body)
	var l monitoringList
	decode(t, body, &l)
	if l.Metadata.Count != len(l.Values) {
		t.Fatalf("count %d for %d values", l.Metadata.Count, len(l.Values))
	}
	return l
}

func ids(tokens []MonitoringToken) []string {
	out := make([]string, 0, len(tokens))
	for _, t := range tokens {
		out = append(out, t.ID)
	}
	return out
}

// Following next_href walks every token once, in id order.
func TestMonitoringListPages(t *testing.T) {
	s := newTestServer(t)
	for i := 0; i < 5; i++ {
		s.PutMonitoringToken("t")
	}
	url := s.ep.Monitoring + "/agent_tokens?limit=2"
	var seen []string
	for pages := 0; url != ""; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		l := listMonitoring(t, s, url)
		seen = append(seen, ids(l.Values)...)
		url = ""
		if l.Metadata.NextHref != nil {
			url = *l.Metadata.NextHref
		}
	}
	if want := ids(s.MonitoringTokens()); strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Fatalf("walked %v, want %v", seen, want)
	}
}

// With the switch on, list items carry only token and label, as the seed's list example; the
// pages still follow each other by id, and a GET by id still has the id.
func TestMonitoringListWithoutIDs(t *testing.T) {
	s := newTestServer(t)
	for i := 0; i < 3; i++ {
		s.PutMonitoringToken("t")
	}
	s.SetMonitoringListWithoutIDs(true)
	status, _, body := call(t, http.MethodGet, s.ep.Monitoring+"/agent_tokens?limit=2", nil, "X-Auth-Token", s.Credentials().MonitoringToken)
	wantStatus(t, status, http.StatusOK, body)
	var page struct {
		Values   []map[string]any `json:"values"`
		Metadata struct {
			NextMarker string `json:"next_marker"`
		} `json:"metadata"`
	}
	decode(t, body, &page)
	stored := s.MonitoringTokens()
	if len(page.Values) != 2 || page.Metadata.NextMarker != stored[2].ID {
		t.Fatalf("page %s, want 2 items and next_marker %s", body, stored[2].ID)
	}
	for i, item := range page.Values {
		if _, hasID := item["id"]; hasID || item["token"] != stored[i].Token || item["label"] != "t" || len(item) != 2 {
			t.Fatalf("item %v, want only the token and label of %+v", item, stored[i])
		}
	}
	status, _, body = call(t, http.MethodGet, s.ep.Monitoring+"/agent_tokens/"+stored[0].ID, nil, "X-Auth-Token", s.Credentials().MonitoringToken)
	wantStatus(t, status, http.StatusOK, body)
	var got MonitoringToken
	decode(t, body, &got)
	if got != stored[0] {
		t.Fatalf("GET by id = %+v, want %+v", got, stored[0])
	}
	s.SetMonitoringListWithoutIDs(false)
	if l := listMonitoring(t, s, s.ep.Monitoring+"/agent_tokens"); l.Values[0].ID != stored[0].ID {
		t.Fatalf("with the switch off the list has %+v, want ids", l.Values)
	}
}

// Items are sorted by id, lexicographically, whatever order they were made in; the marker is
// the id of the first item of the page, and next_marker and next_href are empty on the last page.
func TestMonitoringListSortedByIDWithMarker(t *testing.T) {
	s := newTestServer(t)
	s.mu.Lock()
	for _, id := range []string{"tk10.t", "tk02.t", "tk3.t", "tk01.t"} {
		s.storeMonitoringToken(id, "l-"+id)
	}
	s.mu.Unlock()
	base := s.ep.Monitoring + "/agent_tokens"

	first := listMonitoring(t, s, base+"?limit=2")
	if got := strings.Join(ids(first.Values), ","); got != "tk01.t,tk02.t" {
		t.Errorf("first page %s, want tk01.t,tk02.t", got)
	}
	if first.Metadata.Marker != nil || first.Metadata.NextMarker == nil || *first.Metadata.NextMarker != "tk10.t" {
		t.Errorf("first page metadata %+v, want no marker and next_marker tk10.t, the next page's first id", first.Metadata)
	}
	second := listMonitoring(t, s, base+"?limit=2&marker="+*first.Metadata.NextMarker)
	if got := strings.Join(ids(second.Values), ","); got != "tk10.t,tk3.t" {
		t.Errorf("second page %s, want tk10.t,tk3.t", got)
	}
	if second.Metadata.Marker == nil || *second.Metadata.Marker != "tk10.t" || second.Metadata.NextMarker != nil || second.Metadata.NextHref != nil {
		t.Errorf("last page metadata %+v, want marker tk10.t and empty next_marker and next_href", second.Metadata)
	}
	// A marker whose token is gone (deleted between two pages) starts at the next id after it.
	if got := strings.Join(ids(listMonitoring(t, s, base+"?marker=tk05.t").Values), ","); got != "tk10.t,tk3.t" {
		t.Errorf("page from a missing marker %s, want tk10.t,tk3.t", got)
	}
}

// limit defaults to 100 and may be at most 1000; beyond that, the invalidLimit fault.
func TestMonitoringListLimit(t *testing.T) {
	s := newTestServer(t)
	for i := 0; i < 1001; i++ {
		s.PutMonitoringToken("t")
	}
	base := s.ep.Monitoring + "/agent_tokens"
	all := ids(s.MonitoringTokens())

	def := listMonitoring(t, s, base)
	if len(def.Values) != 100 || def.Metadata.Limit != 100 || def.Metadata.NextMarker == nil || *def.Metadata.NextMarker != all[100] {
		t.Errorf("default page: %d values, limit %d, next_marker %v; want 100, 100 and %s", len(def.Values), def.Metadata.Limit, def.Metadata.NextMarker, all[100])
	}
	if h := def.Metadata.NextHref; h == nil || !strings.Contains(*h, "limit=100") || !strings.Contains(*h, "marker="+url.QueryEscape(all[100])) {
		t.Errorf("next_href %v, want the same limit and the escaped next marker", h)
	}
	if most := listMonitoring(t, s, base+"?limit=1000"); len(most.Values) != 1000 || *most.Metadata.NextMarker != all[1000] {
		t.Errorf("limit=1000: %d values, want 1000 and next_marker %s", len(most.Values), all[1000])
	}
	for _, limit := range []string{"1001", "0", "-1", "many"} {
		status, _, body := call(t, http.MethodGet, base+"?limit="+limit, nil, "X-Auth-Token", s.Credentials().MonitoringToken)
		wantStatus(t, status, http.StatusBadRequest, body)
		var fault map[string]any
		decode(t, body, &fault)
		if fault["type"] != "invalidLimit" {
			t.Errorf("limit=%s: fault %v, want type invalidLimit", limit, fault)
		}
	}
}

// The fault body has every documented part: type, code as a string, message, details and a
// request_id.
func TestMonitoringFaultBody(t *testing.T) {
	s := newTestServer(t)
	status, _, body := call(t, http.MethodGet, s.ep.Monitoring+"/agent_tokens/nope", nil, "X-Auth-Token", s.Credentials().MonitoringToken)
	wantStatus(t, status, http.StatusNotFound, body)
	var fault map[string]any
	decode(t, body, &fault)
	if fault["type"] != "notFoundError" || fault["code"] != "404" || fault["message"] == "" || fault["details"] == nil {
		t.Errorf("fault %v, want type notFoundError, code \"404\", a message and details", fault)
	}
	if id, _ := fault["request_id"].(string); id == "" {
		t.Errorf("fault %v has no request_id", fault)
	}
}

// Over the rate limit Cloud Monitoring answers 400 limitReached with Reply-After: injected so
// by FailNextLimitReached, or for every injected 429 once Faults.LimitReached is on. Nothing is
// committed. Other platforms keep answering 429 with Retry-After.
func TestMonitoringLimitReached(t *testing.T) {
	s := newTestServer(t)
	auth := []string{"X-Auth-Token", s.Credentials().MonitoringToken}
	base := s.ep.Monitoring + "/agent_tokens"
	wantLimitReached := func(t *testing.T, status int, hdr http.Header, body []byte) {
		t.Helper()
		wantStatus(t, status, http.StatusBadRequest, body)
		var fault map[string]any
		decode(t, body, &fault)
		if fault["type"] != "limitReached" || fault["code"] != "400" || !strings.Contains(fault["message"].(string), "Limit has been reached") {
			t.Errorf("fault %v, want type limitReached, code \"400\" and the documented message", fault)
		}
		if hdr.Get("Reply-After") != "3" || hdr.Get("Retry-After") != "" {
			t.Errorf("Reply-After %q, Retry-After %q; want 3 and none", hdr.Get("Reply-After"), hdr.Get("Retry-After"))
		}
	}

	s.SetFaults(Faults{RetryAfter: 3})
	s.FailNextLimitReached(1)
	status, hdr, body := call(t, http.MethodPost, base, map[string]string{"label": "x"}, auth...)
	wantLimitReached(t, status, hdr, body)

	s.FailNext(http.StatusTooManyRequests)
	status, hdr, body = call(t, http.MethodPost, base, map[string]string{"label": "x"}, auth...)
	wantStatus(t, status, http.StatusTooManyRequests, body)
	if hdr.Get("Retry-After") != "3" {
		t.Errorf("429 without the switch: Retry-After %q, want 3", hdr.Get("Retry-After"))
	}

	s.SetFaults(Faults{RetryAfter: 3, LimitReached: true})
	s.FailNext(http.StatusTooManyRequests)
	status, hdr, body = call(t, http.MethodPost, base, map[string]string{"label": "x"}, auth...)
	wantLimitReached(t, status, hdr, body)

	s.SetFaults(Faults{RetryAfter: 3, LimitReached: true, ErrorRate: 1})
	for i := 0; i < 20; i++ {
		status, hdr, body = call(t, http.MethodGet, base, nil, auth...)
		if status == http.StatusServiceUnavailable {
			continue
		}
		wantLimitReached(t, status, hdr, body)
	}
	if len(s.MonitoringTokens()) != 0 {
		t.Fatalf("an over-limit answer committed a write: %+v", s.MonitoringTokens())
	}

	// Another platform has no such answer: its injected rate limit stays a 429.
	s.SetFaults(Faults{RetryAfter: 3, LimitReached: true})
	s.FailNextLimitReached(1)
	status, hdr, body = call(t, http.MethodGet, s.ep.K0rdent+"/v1/regions/global/iam/service-accounts", nil, "Authorization", "Bearer "+s.Credentials().K0rdentToken)
	wantStatus(t, status, http.StatusTooManyRequests, body)
	if hdr.Get("Retry-After") != "3" || hdr.Get("Reply-After") != "" {
		t.Errorf("k0rdent: Retry-After %q, Reply-After %q; want 3 and none", hdr.Get("Retry-After"), hdr.Get("Reply-After"))
	}
}

func TestFaultInjection(t *testing.T) {
	s := newTestServer(t)
	auth := []string{"X-Auth-Token", s.Credentials().MonitoringToken}
	base := s.ep.Monitoring + "/agent_tokens"

	s.SetFaults(Faults{RetryAfter: 2})
	s.FailNext(http.StatusServiceUnavailable)
	status, hdr, body := call(t, http.MethodPost, base, map[string]string{"label": "x"}, auth...)
	wantStatus(t, status, http.StatusServiceUnavailable, body)
	if hdr.Get("Retry-After") != "2" {
		t.Fatalf("Retry-After %q, want 2", hdr.Get("Retry-After"))
	}
	if len(s.MonitoringTokens()) != 0 {
		t.Fatal("an injected failure committed the write")
	}

	// Retry-After belongs to the answers that turn a request away; an injected 400 is final.
	s.FailNext(http.StatusTooManyRequests, http.StatusBadRequest)
	status, hdr, body = call(t, http.MethodPost, base, map[string]string{"label": "x"}, auth...)
	wantStatus(t, status, http.StatusTooManyRequests, body)
	if hdr.Get("Retry-After") != "2" {
		t.Fatalf("429: Retry-After %q, want 2", hdr.Get("Retry-After"))
	}
	status, hdr, body = call(t, http.MethodPost, base, map[string]string{"label": "x"}, auth...)
	wantStatus(t, status, http.StatusBadRequest, body)
	if v, ok := hdr["Retry-After"]; ok {
		t.Fatalf("400: Retry-After %q, want none", v)
	}

	s.DropNextWrites(1)
	req, _ := http.NewRequest(http.MethodPost, base, strings.NewReader(`{"label":"dropped"}`))
	req.Header.Set("X-Auth-Token", s.Credentials().MonitoringToken)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("a dropped write answered %d", resp.StatusCode)
	}
	if toks := s.MonitoringTokens(); len(toks) != 1 || toks[0].Label != "dropped" {
		t.Fatalf("a dropped write must still be committed; store %+v", toks)
	}
	if got := s.Calls("POST " + monitoringTokens); got != 4 {
		t.Fatalf("counted %d creates, want 4", got)
	}
}
