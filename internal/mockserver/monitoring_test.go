package mockserver

import (
	"net/http"
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
		status, _, body := call(t, http.MethodGet, url, nil, "X-Auth-Token", s.Credentials().MonitoringToken)
		wantStatus(t, status, http.StatusOK, body)
		var resp struct {
			Values   []MonitoringToken `json:"values"`
			Metadata struct {
				Count    int     `json:"count"`
				NextHref *string `json:"next_href"`
			} `json:"metadata"`
		}
		decode(t, body, &resp)
		if resp.Metadata.Count != len(resp.Values) {
			t.Fatalf("count %d for %d values", resp.Metadata.Count, len(resp.Values))
		}
		for _, v := range resp.Values {
			seen = append(seen, v.ID)
		}
		url = ""
		if resp.Metadata.NextHref != nil {
			url = *resp.Metadata.NextHref
		}
	}
	if len(seen) != 5 {
		t.Fatalf("walked %d tokens, want 5: %v", len(seen), seen)
	}
	status, _, body := call(t, http.MethodGet, s.ep.Monitoring+"/agent_tokens?limit=0", nil, "X-Auth-Token", s.Credentials().MonitoringToken)
	wantStatus(t, status, http.StatusBadRequest, body)
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
