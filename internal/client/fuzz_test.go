package client

import (
	"bytes"
	"fmt"
	"io"
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
	`{"type":"notFoundError","code":"404","message":"Item not found.","details":"Error Details...","request_id":"req-1"}`,
	`{"type":"limitReached","code":"400","details":"Limit has been reached"}`,
	`{"code":{"n":1},"details":"sekrit in the details","request_id":"request-secret"}`,
	`{"type":"alarmParseError","code":true,"message":"m","details":{"error_line":1},"request_id":7}`,
	`{"error":{"code":"ERROR_NOT_FOUND","message":"agent not found"}}`,
	`{"detail":{"code":"ERROR_EXIST_RESOURCE","message":"'Agent' resources is existed in service_account(sa-1)."}}`,
	`{"detail":"Not Found"}`, `{"detail":[{"loc":["body",0],"msg":"field required"}]}`, `{"detail":null}`, `{"detail":7}`,
	`{"detail":{"code":"ERROR_INVALID_ARGUMENT","message":"Bearer sekrit rejected"}}`,
	`{"error":{"code":400,"message":"m","details":[{"field":"id"}]}}`,
	`{"code":"CONFLICT","message":"A resource with id 'x' already exists."}`,
	`{"code":5,"message":"not found","details":[]}`,
	`{"errorCode":"API_ERROR","errorDetails":{},"errorMessage":"duplicate"}`,
	`{"message":"Invalid service key","httpStatusCode":400,"apiErrorCode":1512}`, `{"message":"OpsToken sekrit rejected","apiErrorCode":"x"}`,
	`{"timestamp":"t","status":400,"error":"Bad Request","message":"unknown account"}`,
	`{"error":null}`, `{"error":"flat"}`, "\xff\xfe", `{"message":` + strings.Repeat("[", 10000),
	`{"errorCode":"FIELD_ERROR","errorMessage":"request {\"kubeconfigFile\":\"request-secret\"} rejected"}`,
	`{"error":"Bad Request","message":"Bearer sekrit rejected"}`, `request-secret in plain text`,
}

var errorParsers = map[string]func([]byte, *APIError) bool{
	"monitoring": parseMonitoringError,
	"fastapi":    parseFastAPIError,
	"nested":     parseNestedError,
	"flat":       parseFlatError,
	"armory":     parseArmoryError,
	"aria":       parseAriaError,
	"vcfops":     parseVCFOpsError,
}

func FuzzErrorBodies(f *testing.F) {
	for _, s := range errorBodySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for name, parse := range errorParsers {
			a := &api{platform: PlatformMonitoring, parseError: parse, secrets: []string{"sekrit"}}
			e := a.apiError(http.StatusBadRequest, body, a.masker("request-secret"))
			msg := e.Error()
			if !utf8.ValidString(e.Message) && !parse(body, &APIError{}) {
				t.Fatalf("%s: an unparsed body gave a message that is not UTF-8: %q", name, e.Message)
			}
			if strings.Contains(msg, "sekrit") || strings.Contains(msg, "request-secret") {
				t.Fatalf("%s: the message leaks a configured secret or one the request carried: %q", name, msg)
			}
			if e.Status != http.StatusBadRequest || e.Platform != PlatformMonitoring {
				t.Fatalf("%s: status or platform lost: %+v", name, e)
			}
		}
	})
}

// FuzzMonitoringOverLimit: whatever a 400 carries, the retry check's look at the body leaves
// all of it, byte for byte, for the error parser.
func FuzzMonitoringOverLimit(f *testing.F) {
	for _, s := range errorBodySeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(strings.Repeat("Limit has been reached ", maxPeekedFault/10)))
	f.Fuzz(func(t *testing.T, body []byte) {
		resp := &http.Response{StatusCode: http.StatusBadRequest, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
		_, _ = monitoringOverLimit(resp)
		got, err := io.ReadAll(resp.Body)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("after the retry check the body reads %q (%v), want the %d bytes sent", got, err, len(body))
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
		`{"values":[{"id":"a"}],"metadata":{"next_marker":null,"next_href":"https://h/v1.0/t/agent_tokens?limit=1000&marker=b"}}`,
		`{"values":[{"token":"t","label":"l"}],"metadata":{"next_marker":"","next_href":"?marker=%zz"}}`,
		`{"values":[{"id":"a"}],"metadata":{"next_href":"https://h/agent_tokens?limit=1000"}}`,
		`{"values":[{"id":"a"}],"metadata":{"count":"1","limit":"1000","marker":5,"next_marker":null,"next_href":7}}`,
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

// FuzzAgentPages does the same for SpaceONE's start/limit pagination, which ends only on an empty
// page: a server that answers the same page whatever the start must still end.
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

// FuzzArmoryAccountPages does the same for Armory's page/limit/total pagination: a total that
// the pages never reach, or a page number the server ignores, must still end.
func FuzzArmoryAccountPages(f *testing.F) {
	for _, s := range []string{
		`{"items":[],"page":1,"limit":100,"total":0}`,
		`{"items":[{"name":"a","state":"ACTIVE"}],"page":1,"limit":100,"total":1}`,
		`{"items":[{"name":"a"},{"name":"b"}],"page":1,"limit":100,"total":1000000}`,
		`{"items":[{"name":"a"},{"name":"a"}],"total":3}`,
		`{"items":[{}],"total":-1}`, `{"items":[{"name":"a","agents":[{"agentId":1}]}]}`,
		`{"items":null,"total":5}`, `{}`, `[]`, `not json`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		srv, calls := sameAnswerServer(t, body)
		c := newTestArmory(t, srv.URL, map[string]string{"X-Api-Key": "key"})
		_, _ = c.ListAccounts(t.Context())
		if n := calls.Load(); n > maxFuzzPages {
			t.Fatalf("the paginator did not stop: %d pages", n)
		}
	})
}

// FuzzK0rdentServiceAccountPages does the same for k0rdent's pageToken pagination: a
// nextPageToken that never changes must end in an error, not a loop.
func FuzzK0rdentServiceAccountPages(f *testing.F) {
	for _, s := range []string{
		`{"serviceAccounts":[],"nextPageToken":""}`,
		`{"serviceAccounts":[{"id":"sa-a","displayName":"A","roles":["r"]}],"nextPageToken":"t1"}`,
		`{"serviceAccounts":[{"id":"sa-a"}]}`, `{"serviceAccounts":null,"nextPageToken":"t"}`,
		`{"serviceAccounts":[{"id":"sa-a","activeCredentialCount":"many"}],"nextPageToken":"t"}`,
		`{"nextPageToken":5}`, `{}`, `[]`, `not json`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		srv, calls := sameAnswerServer(t, body)
		tr, err := NewTransport(testOptions())
		if err != nil {
			t.Fatal(err)
		}
		c, err := NewK0rdent(tr, K0rdentConfig{Endpoint: srv.URL, Token: "tok"})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.ListServiceAccounts(t.Context())
		if n := calls.Load(); n > maxFuzzPages {
			t.Fatalf("the paginator did not stop: %d pages", n)
		}
	})
}

// FuzzAgentSecretPages does the same for the Aria list, which comes in any of several envelopes
// with Spring's page/size: a page that claims not to be the last, or a server that ignores the
// page number, must still end.
func FuzzAgentSecretPages(f *testing.F) {
	for _, s := range []string{
		`{"content":[],"last":true,"totalPages":0,"number":0}`,
		`{"content":[{"id":"a","name":"a","status":"ACTIVE","modificationTime":"2025-01-01T00:00:00.000Z"}],"last":false}`,
		`{"content":[{"id":"a"}],"number":0,"totalPages":1000000}`,
		`{"content":[{"id":"a"}],"page":{"number":-5,"totalPages":2}}`,
		`[{"id":"a","modificationTime":17}]`, `{"secrets":[{"name":"x"}]}`, `{"items":[{}]}`,
		`{"content":null}`, `{"content":[null]}`, `{"last":"yes","content":[]}`, `{}`, `[]`, `null`, `not json`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		srv, calls := sameAnswerServer(t, body)
		tr, err := NewTransport(testOptions())
		if err != nil {
			t.Fatal(err)
		}
		c, err := NewAriaLogs(tr, AriaLogsConfig{Endpoint: srv.URL, Token: "jwt"})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.ListAgentSecrets(t.Context())
		if n := calls.Load(); n > maxFuzzPages {
			t.Fatalf("the paginator did not stop: %d pages", n)
		}
	})
}

// Token paginators must also stop when a server hands out a fresh token with every page but the
// pages repeat what was already read: a token that never repeats proves nothing about progress.
// k0rdent is not here: its API follows AIP-158, where a page with nothing new may still carry a
// token and must be followed, so its walk ends only after a bounded run of such pages
// (TestK0rdentListEndsAfterARunOfPagesWithNothingNew).
func TestTokenPaginatorsStopWhenPagesRepeat(t *testing.T) {
	tests := []struct {
		name string
		page string // %s is the page's next token
		list func(t *testing.T, url string) error
	}{
		{
			name: "monitoring agent tokens",
			page: `{"values":[{"id":"a","token":"t","label":"l"}],"metadata":{"next_marker":%q}}`,
			list: func(t *testing.T, url string) error {
				_, err := newTestMonitoring(t, url, testOptions(), testAuthToken).ListAgentTokens(t.Context())
				return err
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := serve(t, func(w http.ResponseWriter, _ *http.Request) {
				n := calls.Add(1)
				if n > maxFuzzPages {
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = fmt.Fprintf(w, tc.page, fmt.Sprintf("token-%d", n))
			})
			if err := tc.list(t, srv.URL); err == nil {
				t.Error("a list whose pages repeat succeeded")
			}
			if n := calls.Load(); n > maxFuzzPages {
				t.Fatalf("the paginator did not stop: %d pages", n)
			}
		})
	}
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
