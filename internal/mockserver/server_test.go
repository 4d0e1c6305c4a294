package mockserver

import (
	"net/http"
	"testing"
	"time"
)

// The rate-limit mode: each platform accepts RateLimit requests a second with a burst of
// RateBurst, and turns the rest away with 429 and Retry-After, unhandled and counted.
func TestRateLimitPerPlatform(t *testing.T) {
	s := newTestServer(t)
	s.SetFaults(Faults{RateLimit: 4, RateBurst: 2})
	auth := []string{"X-Auth-Token", s.Credentials().MonitoringToken}
	tokens := s.ep.Monitoring + "/agent_tokens"

	var statuses []int
	for range 4 {
		status, hdr, body := call(t, http.MethodPost, tokens, map[string]string{"label": "x"}, auth...)
		statuses = append(statuses, status)
		if status == http.StatusTooManyRequests && hdr.Get("Retry-After") != "1" {
			t.Errorf("429 with Retry-After %q, want 1 (the whole seconds until the next request is accepted); body %s", hdr.Get("Retry-After"), body)
		}
	}
	if want := []int{http.StatusCreated, http.StatusCreated, http.StatusTooManyRequests, http.StatusTooManyRequests}; !equalInts(statuses, want) {
		t.Errorf("4 creates at once answered %v, want the burst of 2 accepted and the rest turned away: %v", statuses, want)
	}
	if n := len(s.MonitoringTokens()); n != 2 {
		t.Errorf("%d tokens stored, want 2: a request turned away is not handled", n)
	}
	if got := s.RateLimited(); got["/monitoring"] != 2 || len(got) != 1 {
		t.Errorf("RateLimited() = %v, want 2 for /monitoring alone", got)
	}

	// Another platform has a bucket of its own.
	status, _, body := call(t, http.MethodGet, s.ep.K0rdent+"/v1/regions/global/iam/service-accounts", nil,
		"Authorization", "Bearer "+s.Credentials().K0rdentToken)
	wantStatus(t, status, http.StatusOK, body)

	// The bucket refills at the rate: a quarter of a second later, one more request passes.
	time.Sleep(260 * time.Millisecond)
	status, _, body = call(t, http.MethodGet, tokens, nil, auth...)
	wantStatus(t, status, http.StatusOK, body)

	s.ResetCalls()
	if got := s.RateLimited(); len(got) != 0 {
		t.Errorf("RateLimited() after ResetCalls = %v, want none", got)
	}
	s.SetFaults(Faults{})
	for range 5 {
		status, _, body = call(t, http.MethodGet, tokens, nil, auth...)
		wantStatus(t, status, http.StatusOK, body)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRoutePrefix(t *testing.T) {
	for pattern, want := range map[string]string{
		"GET /monitoring/v1.0/{tenant}/agent_tokens":             "/monitoring",
		"POST /k0rdent/v1/regions/{region}/iam/service-accounts": "/k0rdent",
		"/spaceone/": "/spaceone",
	} {
		if got := routePrefix(pattern); got != want {
			t.Errorf("routePrefix(%q) = %q, want %q", pattern, got, want)
		}
	}
}
