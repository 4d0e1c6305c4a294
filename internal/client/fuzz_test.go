package client

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"
)

// Fuzz tests: whatever a platform answers, the client returns a value or an error, never
// panics, never loops, and never produces a message Terraform cannot display. `make test` runs
// their seed corpus; `go test -fuzz=FuzzX ./internal/client` explores further.

var errorBodySeeds = []string{
	``, `null`, `[]`, `{}`, `"text"`, `<html>Bad gateway</html>`,
	`{"type":"badRequest","code":400,"message":"label too long","details":"x"}`,
	`{"error":{"code":"ERROR_NOT_FOUND","message":"agent not found"}}`,
	`{"error":{"code":400,"message":"m","details":[{"field":"id"}]}}`,
	`{"code":"CONFLICT","message":"A resource with id 'x' already exists."}`,
	`{"code":5,"message":"not found","details":[]}`,
	`{"errorCode":"API_ERROR","errorDetails":{},"errorMessage":"duplicate"}`,
	`{"timestamp":"t","status":400,"error":"Bad Request","message":"unknown account"}`,
	`{"error":null}`, `{"error":"flat"}`, "\xff\xfe", `{"message":` + strings.Repeat("[", 10000),
}

var errorParsers = map[string]func([]byte, *APIError) bool{
	"monitoring": parseMonitoringError,
	"nested":     parseNestedError,
	"flat":       parseFlatError,
	"armory":     parseArmoryError,
	"aria":       parseAriaError,
}

func FuzzErrorBodies(f *testing.F) {
	for _, s := range errorBodySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for name, parse := range errorParsers {
			a := &api{platform: PlatformMonitoring, parseError: parse, secrets: []string{"sekrit"}}
			e := a.apiError(http.StatusBadRequest, body)
			msg := e.Error()
			if !utf8.ValidString(e.Message) && !parse(body, &APIError{}) {
				t.Fatalf("%s: an unparsed body gave a message that is not UTF-8: %q", name, e.Message)
			}
			if strings.Contains(msg, "sekrit") {
				t.Fatalf("%s: the message leaks a configured secret: %q", name, msg)
			}
			if e.Status != http.StatusBadRequest || e.Platform != PlatformMonitoring {
				t.Fatalf("%s: status or platform lost: %+v", name, e)
			}
		}
	})
}

// FuzzAgentTokenPages answers every page with the same fuzzed body, the worst case for a
// paginator: a next_marker that never changes must end in an error, not a loop.
func FuzzAgentTokenPages(f *testing.F) {
	for _, s := range []string{
		`{"values":[],"metadata":{"next_marker":null}}`,
		`{"values":[{"id":"a","token":"t","label":"l"}],"metadata":{"next_marker":"b"}}`,
		`{"values":[{"id":"a"}],"metadata":{"next_marker":""}}`,
		`{"values":null}`, `{}`, `[]`, `not json`, `{"metadata":{"next_marker":5}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		srv, calls := sameAnswerServer(t, body)
		m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)
		_, _ = m.ListAgentTokens(t.Context())
		if n := calls.Load(); n > maxFuzzPages {
			t.Fatalf("the paginator did not stop: %d pages", n)
		}
	})
}

// FuzzAgentPages does the same for SpaceONE's start/limit pagination: a total_count that never
// matches what the pages hold must still end.
func FuzzAgentPages(f *testing.F) {
	for _, s := range []string{
		`{"results":[],"total_count":0}`,
		`{"results":[{"agent_id":"a"}],"total_count":1}`,
		`{"results":[{"agent_id":"a"}],"total_count":1000000}`,
		`{"results":[{"agent_id":"a","options":{"kube_state_metrics":"maybe"}}],"total_count":2}`,
		`{"total_count":-1}`, `not json`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		srv, calls := sameAnswerServer(t, body)
		tr, err := NewTransport(testOptions())
		if err != nil {
			t.Fatal(err)
		}
		c, err := NewSpaceONE(tr, SpaceONEConfig{Endpoint: srv.URL, Token: "tok"})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.ListAgents(t.Context(), AgentFilter{})
		if n := calls.Load(); n > maxFuzzPages {
			t.Fatalf("the paginator did not stop: %d pages", n)
		}
	})
}

// maxFuzzPages is more pages than any paginator may ask for when every page is the same.
const maxFuzzPages = 3

// sameAnswerServer answers every request with body, refusing with 400 once a paginator has
// asked for more than maxFuzzPages pages, and counts the requests.
func sameAnswerServer(t *testing.T, body []byte) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) > maxFuzzPages {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	return srv, &calls
}
