package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// testOptions retry fast so that retry tests take milliseconds.
func testOptions() Options {
	return Options{
		MaxRetries:     3,
		RetryWaitMin:   time.Millisecond,
		RetryWaitMax:   5 * time.Millisecond,
		RequestTimeout: 5 * time.Second,
		UserAgent:      "test-agent/1",
	}
}

const (
	testTenantPath = "/v1.0/hybrid:123456"
	testAuthToken  = "auth-1"
)

// newTestMonitoring returns a Monitoring client for the server at baseURL (tenant path appended).
func newTestMonitoring(t *testing.T, baseURL string, opts Options, authToken string) *Monitoring {
	t.Helper()
	tr, err := NewTransport(opts)
	if err != nil {
		t.Fatalf("NewTransport: %v", err)
	}
	m, err := NewMonitoring(tr, MonitoringConfig{Endpoint: baseURL + testTenantPath, AuthToken: authToken})
	if err != nil {
		t.Fatalf("NewMonitoring: %v", err)
	}
	return m
}

// serve starts an httptest server for h that is closed when the test ends.
func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// writeJSON answers with status and v encoded as JSON.
func writeJSON(t *testing.T, w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		t.Errorf("encoding the answer: %v", err)
	}
}

// monitoringError is a Cloud Monitoring error body.
func monitoringError(typ string, code int, message, details string) map[string]any {
	return map[string]any{"type": typ, "code": code, "message": message, "details": details}
}

// closedAddr returns the address of a listener that no longer listens, so dialing it is refused.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatalf("closing the listener: %v", err)
	}
	return addr
}

// refusedDialError returns the real error of an HTTP request to an address that refuses connections.
func refusedDialError(t *testing.T) error {
	t.Helper()
	resp, err := http.Get("http://" + closedAddr(t) + "/")
	if err == nil {
		resp.Body.Close()
		t.Fatal("a request to a closed listener succeeded")
	}
	return err
}

// dropConnection hijacks the connection of a request the server has read and closes it without
// answering, as when a proxy or the network loses the answer.
func dropConnection(t *testing.T, w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Errorf("the response writer cannot be hijacked")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	conn.Close()
}

// statusThenToken answers the first failures requests with status (Monitoring error body) and the
// rest with a token, counting every request in n.
func statusThenToken(t *testing.T, n *atomic.Int32, failures int32, status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= failures {
			writeJSON(t, w, status, monitoringError("serviceUnavailable", status, "try later", ""))
			return
		}
		writeJSON(t, w, http.StatusOK, AgentToken{ID: "tok-1", Token: "value-1", Label: "l"})
	}
}

func TestTransientStatusesAreRetriedUntilSuccess(t *testing.T) {
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusGatewayTimeout} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var n atomic.Int32
			srv := serve(t, statusThenToken(t, &n, 2, status))
			m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)

			got, err := m.GetAgentToken(context.Background(), "tok-1")
			if err != nil {
				t.Fatalf("GetAgentToken: %v", err)
			}
			if got.ID != "tok-1" || got.Token != "value-1" {
				t.Errorf("got %+v, want token tok-1 with value value-1", got)
			}
			if n.Load() != 3 {
				t.Errorf("server saw %d requests, want 3 (two failures, one success)", n.Load())
			}
		})
	}
}

func TestFinalStatusesAreNotRetriedAndParsed(t *testing.T) {
	tests := []struct {
		status   int
		typ      string
		notFound bool
	}{
		{status: http.StatusBadRequest, typ: "badRequest"},
		{status: http.StatusUnauthorized, typ: "unauthorized"},
		{status: http.StatusForbidden, typ: "forbidden"},
		{status: http.StatusNotFound, typ: "notFoundError", notFound: true},
		{status: http.StatusConflict, typ: "conflict"},
	}
	for _, tc := range tests {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			var n atomic.Int32
			message := fmt.Sprintf("the %s message", tc.typ)
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				writeJSON(t, w, tc.status, monitoringError(tc.typ, tc.status, message, "some details"))
			})
			m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)

			_, err := m.GetAgentToken(context.Background(), "tok-1")
			if n.Load() != 1 {
				t.Errorf("server saw %d requests, want exactly 1 (no retry)", n.Load())
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T) is not an *APIError", err, err)
			}
			want := APIError{Platform: PlatformMonitoring, Status: tc.status, Code: tc.typ, Message: message + ": some details"}
			if *apiErr != want {
				t.Errorf("APIError = %+v, want %+v", *apiErr, want)
			}
			if got := errors.Is(err, ErrNotFound); got != tc.notFound {
				t.Errorf("errors.Is(err, ErrNotFound) = %v, want %v", got, tc.notFound)
			}
			msg := err.Error()
			for _, part := range []string{PlatformMonitoring, fmt.Sprintf("HTTP %d", tc.status), message} {
				if !strings.Contains(msg, part) {
					t.Errorf("Error() = %q, want it to contain %q", msg, part)
				}
			}
			if strings.Contains(msg, "provider") {
				t.Errorf("Error() = %q names the provider's configuration, which is the provider's to add", msg)
			}
		})
	}
}

func TestNonJSONErrorBodiesGiveAShortOneLineMessage(t *testing.T) {
	const maxMessage = 200 + len("…")
	tests := []struct {
		name        string
		contentType string
		body        string
		wantMessage string // exact Message, when not empty; otherwise only bounds are checked
	}{
		{name: "html", contentType: "text/html", body: "<html>\n  <body>\n    <h1>502 Bad Gateway</h1>\n  </body>\n</html>\n",
			wantMessage: "<html> <body> <h1>502 Bad Gateway</h1> </body> </html>"},
		{name: "plain text", contentType: "text/plain", body: "upstream\tconnect error\r\nor disconnect\n", wantMessage: "upstream connect error or disconnect"},
		{name: "empty", contentType: "text/plain", body: ""},
		{name: "json of another shape", contentType: "application/json", body: `{"error": {"reason": "nope"}}`, wantMessage: `{"error": {"reason": "nope"}}`},
		{name: "json null", contentType: "application/json", body: "null", wantMessage: "null"},
		{name: "5 MiB", contentType: "text/html", body: strings.Repeat("<p>"+strings.Repeat("x", 1017)+"</p>\n", 5<<10)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = io.WriteString(w, tc.body)
			})
			m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)

			_, err := m.GetAgentToken(context.Background(), "tok-1")
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T) is not an *APIError", err, err)
			}
			if apiErr.Status != http.StatusInternalServerError || apiErr.Code != "" {
				t.Errorf("APIError = %+v, want status 500 and no code", apiErr)
			}
			if tc.wantMessage != "" && apiErr.Message != tc.wantMessage {
				t.Errorf("Message = %q, want %q", apiErr.Message, tc.wantMessage)
			}
			if tc.body == "" && apiErr.Message != "" {
				t.Errorf("Message = %q, want empty for an empty body", apiErr.Message)
			}
			if len(apiErr.Message) > maxMessage {
				t.Errorf("Message is %d bytes, want at most %d", len(apiErr.Message), maxMessage)
			}
			msg := err.Error()
			if strings.ContainsAny(msg, "\r\n") {
				t.Errorf("Error() spans several lines: %q", msg)
			}
			if !strings.HasPrefix(msg, PlatformMonitoring+" API returned HTTP 500 Internal Server Error") {
				t.Errorf("Error() = %q, want it to start with the platform and the status", msg)
			}
			if n.Load() != 1 {
				t.Errorf("server saw %d requests, want 1 (500 is not retried)", n.Load())
			}
		})
	}
}

func TestErrorExcerptIsValidUTF8(t *testing.T) {
	// Three-byte runes: byte 200 falls inside one.
	body := []byte(strings.Repeat("€", 100))
	got := excerpt(body)
	if !utf8.ValidString(got) {
		t.Errorf("excerpt(%d bytes of '€') = %q, which is not valid UTF-8", len(body), got)
	}
	if !strings.HasPrefix(string(body), strings.TrimSuffix(got, "…")) {
		t.Errorf("excerpt = %q, want a prefix of the body", got)
	}
	// An ISO-8859-1 error page ("Accès refusé").
	if got := excerpt([]byte("Acc\xe8s refus\xe9")); !utf8.ValidString(got) {
		t.Errorf("excerpt of a Latin-1 body = %q, which is not valid UTF-8", got)
	}
}

func TestRetriesExhaustedReturnsTheLastAnswer(t *testing.T) {
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		writeJSON(t, w, http.StatusServiceUnavailable, monitoringError("serviceUnavailable", 503, "overloaded", ""))
	})
	opts := testOptions()
	m := newTestMonitoring(t, srv.URL, opts, testAuthToken)

	_, err := m.GetAgentToken(context.Background(), "tok-1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not an *APIError", err, err)
	}
	if apiErr.Status != http.StatusServiceUnavailable || apiErr.Message != "overloaded" {
		t.Errorf("APIError = %+v, want status 503 with message %q", apiErr, "overloaded")
	}
	if want := int32(opts.MaxRetries + 1); n.Load() != want {
		t.Errorf("server saw %d requests, want %d (MaxRetries+1)", n.Load(), want)
	}
}

func TestContextCancellationStopsRetrying(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			cancel()
		}
		writeJSON(t, w, http.StatusServiceUnavailable, monitoringError("serviceUnavailable", 503, "overloaded", ""))
	})
	m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)

	_, err := m.GetAgentToken(ctx, "tok-1")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if !strings.Contains(err.Error(), PlatformMonitoring) {
		t.Errorf("error %q does not name the platform", err)
	}
	if n.Load() != 1 {
		t.Errorf("server saw %d requests, want 1: retries must stop once the context is cancelled", n.Load())
	}
}

func TestRetryAfterZeroIsRetried(t *testing.T) {
	var n atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			writeJSON(t, w, http.StatusTooManyRequests, monitoringError("overLimit", 429, "slow down", ""))
			return
		}
		writeJSON(t, w, http.StatusOK, AgentToken{ID: "tok-1", Token: "value-1"})
	})
	m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)

	if _, err := m.GetAgentToken(context.Background(), "tok-1"); err != nil {
		t.Fatalf("GetAgentToken: %v", err)
	}
	if n.Load() != 2 {
		t.Errorf("server saw %d requests, want 2", n.Load())
	}
}

// answer builds the response backoff sees.
func answer(status int, retryAfter string) *http.Response {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return &http.Response{StatusCode: status, Header: h}
}

func TestBackoffHonoursRetryAfter(t *testing.T) {
	inThirtySeconds := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	anHourAgo := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	tests := []struct {
		name     string
		min, max time.Duration
		resp     *http.Response
		from, to time.Duration // inclusive bounds of the wait
	}{
		{name: "seconds on 429", min: time.Millisecond, max: time.Hour, resp: answer(429, "7"), from: 7 * time.Second, to: 7 * time.Second},
		{name: "seconds on 503", min: time.Millisecond, max: time.Hour, resp: answer(503, "2"), from: 2 * time.Second, to: 2 * time.Second},
		{name: "zero seconds", min: time.Millisecond, max: time.Hour, resp: answer(429, "0"), from: 0, to: 0},
		{name: "http date", min: time.Millisecond, max: time.Hour, resp: answer(429, inThirtySeconds), from: 28 * time.Second, to: 30 * time.Second},
		{name: "http date in the past", min: time.Millisecond, max: time.Hour, resp: answer(503, anHourAgo), from: 0, to: 0},
		{name: "seconds capped at max", min: time.Millisecond, max: 30 * time.Second, resp: answer(429, "3600"), from: 30 * time.Second, to: 30 * time.Second},
		// More seconds than a time.Duration holds: capped, not wrapped round to no wait at all.
		{name: "huge seconds capped at max", min: time.Millisecond, max: 30 * time.Second, resp: answer(429, "9223372036854775807"), from: 30 * time.Second, to: 30 * time.Second},
		{name: "http date capped at max", min: time.Millisecond, max: 5 * time.Millisecond, resp: answer(503, inThirtySeconds), from: 5 * time.Millisecond, to: 5 * time.Millisecond},
		{name: "ignored on 502", min: time.Millisecond, max: time.Hour, resp: answer(502, "600"), from: time.Millisecond, to: 2 * time.Millisecond},
		{name: "unparseable", min: time.Millisecond, max: time.Hour, resp: answer(429, "soon"), from: time.Millisecond, to: 2 * time.Millisecond},
		{name: "negative", min: time.Millisecond, max: time.Hour, resp: answer(429, "-5"), from: time.Millisecond, to: 2 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := backoff(tc.min, tc.max, 1, tc.resp); got < tc.from || got > tc.to {
				t.Errorf("backoff = %v, want within [%v, %v]", got, tc.from, tc.to)
			}
		})
	}
}

func TestBackoffWithoutRetryAfterIsJitteredExponential(t *testing.T) {
	const draws = 500
	tests := []struct {
		name     string
		min, max time.Duration
		attempt  int
		ceiling  time.Duration // the wait lies in [min, ceiling)
	}{
		{name: "first retry waits min", min: time.Millisecond, max: time.Second, attempt: 0, ceiling: time.Millisecond},
		{name: "doubles per attempt", min: time.Millisecond, max: time.Second, attempt: 3, ceiling: 8 * time.Millisecond},
		{name: "capped at max", min: time.Millisecond, max: 5 * time.Millisecond, attempt: 6, ceiling: 5 * time.Millisecond},
		{name: "large attempt stays under max", min: time.Second, max: 30 * time.Second, attempt: 40, ceiling: 30 * time.Second},
		{name: "shift overflow stays under max", min: 10 * time.Second, max: 30 * time.Second, attempt: 35, ceiling: 30 * time.Second},
		{name: "min equals max", min: 5 * time.Millisecond, max: 5 * time.Millisecond, attempt: 4, ceiling: 5 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, resp := range []*http.Response{nil, answer(503, ""), answer(502, "")} {
				seen := map[time.Duration]bool{}
				for range draws {
					got := backoff(tc.min, tc.max, tc.attempt, resp)
					seen[got] = true
					if got < tc.min || got > tc.ceiling || (got == tc.ceiling && tc.ceiling != tc.min) {
						t.Fatalf("backoff(%v, %v, %d) = %v, want within [%v, %v)", tc.min, tc.max, tc.attempt, got, tc.min, tc.ceiling)
					}
				}
				if tc.ceiling > tc.min && len(seen) < 2 {
					t.Errorf("backoff(%v, %v, %d) gave the same wait %d times: no jitter", tc.min, tc.max, tc.attempt, draws)
				}
			}
		})
	}
}

func TestShouldRetry(t *testing.T) {
	statuses := []struct {
		status                int
		idempotent, createOne bool
	}{
		{status: 200},
		{status: 400},
		{status: 401},
		{status: 403},
		{status: 404},
		{status: 409},
		{status: 500},
		{status: 429, idempotent: true, createOne: true},
		{status: 503, idempotent: true, createOne: true},
		{status: 502, idempotent: true},
		{status: 504, idempotent: true},
	}
	for _, tc := range statuses {
		for _, creates := range []bool{false, true} {
			want := tc.idempotent
			if creates {
				want = tc.createOne
			}
			if got, _ := shouldRetry(callInfo{createsObject: creates}, &http.Response{StatusCode: tc.status, Status: http.StatusText(tc.status)}, nil); got != want {
				t.Errorf("shouldRetry(createsObject=%v, %d) = %v, want %v", creates, tc.status, got, want)
			}
		}
	}
}

// The over-limit quirk is a platform's own: without its hook (every platform but Cloud
// Monitoring) a 400 stays final whatever its headers and body say, and its headers set no wait.
func TestOverLimitAnswersNeedThePlatformHook(t *testing.T) {
	resp := &http.Response{
		StatusCode: http.StatusBadRequest, Status: "400 Bad Request",
		Header: http.Header{"Retry-After": {"7"}, "Reply-After": {"7"}},
		Body:   io.NopCloser(strings.NewReader(`{"type":"limitReached","message":"Limit has been reached"}`)),
	}
	for _, creates := range []bool{false, true} {
		if retry, _ := shouldRetry(callInfo{createsObject: creates}, resp, nil); retry {
			t.Errorf("shouldRetry(createsObject=%v) of a 400 without a platform hook = true, want false", creates)
		}
	}
	if got := backoff(time.Millisecond, time.Hour, 0, resp); got != time.Millisecond {
		t.Errorf("backoff of a 400 without a platform hook = %v, want the minimum: its headers ask nothing", got)
	}
}

func TestConnectionRefusedIsProvablyNotDelivered(t *testing.T) {
	refused := refusedDialError(t)
	if !provablyNotDelivered(refused) {
		t.Errorf("provablyNotDelivered(%v) = false, want true for a refused connection", refused)
	}
	for _, creates := range []bool{false, true} {
		if retry, reason := shouldRetry(callInfo{createsObject: creates}, nil, refused); !retry || reason == "" {
			t.Errorf("shouldRetry(createsObject=%v, refused) = %v, %q; want a retry with a reason", creates, retry, reason)
		}
	}

	dns := &url.Error{Op: "Post", URL: "https://nowhere.invalid/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "nowhere.invalid", IsNotFound: true}}}
	bareDNS := &url.Error{Op: "Post", URL: "https://nowhere.invalid/", Err: &net.DNSError{Err: "no such host", Name: "nowhere.invalid", IsNotFound: true}}
	for _, err := range []error{dns, bareDNS} {
		if !provablyNotDelivered(err) {
			t.Errorf("provablyNotDelivered(%v) = false, want true for a failed name lookup", err)
		}
	}
}

func TestLostAnswerIsNotProvablyNotDelivered(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		dropConnection(t, w)
	})
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"label":"x"}`))
	if err == nil {
		resp.Body.Close()
		t.Fatal("the request whose connection was dropped succeeded")
	}
	if provablyNotDelivered(err) {
		t.Errorf("provablyNotDelivered(%v) = true, want false: the server read the request", err)
	}
	if retry, _ := shouldRetry(callInfo{createsObject: true}, nil, err); retry {
		t.Errorf("shouldRetry(createsObject=true, %v) = true, want false", err)
	}
	if retry, _ := shouldRetry(callInfo{}, nil, err); !retry {
		t.Errorf("shouldRetry(createsObject=false, %v) = false, want true", err)
	}
}

// countDials makes the transport count its dials; the first refuse dials go to an address that
// refuses them, the others to the real one.
func countDials(t *testing.T, m *Monitoring, refuse int32) *atomic.Int32 {
	t.Helper()
	pooled, ok := m.transport.http.HTTPClient.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("transport is a %T, want *http.Transport", m.transport.http.HTTPClient.Transport)
	}
	refusing := closedAddr(t)
	var dials atomic.Int32
	var d net.Dialer
	pooled.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) <= refuse {
			addr = refusing
		}
		return d.DialContext(ctx, network, addr)
	}
	return &dials
}

func TestConnectionRefusedIsRetried(t *testing.T) {
	opts := testOptions()
	m := newTestMonitoring(t, "http://"+closedAddr(t), opts, testAuthToken)
	dials := countDials(t, m, 1<<30)

	_, err := m.CreateAgentToken(context.Background(), "label")
	if err == nil {
		t.Fatal("CreateAgentToken against a closed port succeeded")
	}
	var ambiguous *AmbiguousError
	if errors.As(err, &ambiguous) {
		t.Errorf("error %v is an AmbiguousError, but a refused connection provably did not deliver the create", err)
	}
	if !strings.Contains(err.Error(), PlatformMonitoring) {
		t.Errorf("error %q does not name the platform", err)
	}
	if want := int32(opts.MaxRetries + 1); dials.Load() != want {
		t.Errorf("%d dials, want %d (MaxRetries+1)", dials.Load(), want)
	}
}

func TestNewTransportRejectsEmptyCABundle(t *testing.T) {
	opts := testOptions()
	opts.CACertPEM = []byte("not a certificate")
	if _, err := NewTransport(opts); err == nil {
		t.Error("NewTransport accepted a CA bundle without a certificate")
	}
}

func TestNewMonitoringRejectsRelativeEndpoint(t *testing.T) {
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, endpoint := range []string{"", "monitoring.example.com/v1.0/123", "/v1.0/123", "://x"} {
		if _, err := NewMonitoring(tr, MonitoringConfig{Endpoint: endpoint, AuthToken: "a"}); err == nil {
			t.Errorf("NewMonitoring accepted endpoint %q", endpoint)
		}
	}
}

func TestUndecodableSuccessIsAnError(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "<html>not json</html>")
	})
	m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)

	_, err := m.GetAgentToken(context.Background(), "tok-1")
	if err == nil || !strings.Contains(err.Error(), PlatformMonitoring) || !strings.Contains(err.Error(), "cannot decode") {
		t.Errorf("error = %v, want a decode error naming the platform", err)
	}
}

func TestMaskHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", "Bearer abc")
	h.Set("X-Auth-Token", "tok")
	h["x-auth-token"] = []string{"lower"} // not canonical, as a map literal could set it
	h["X-AUTH-TOKEN"] = []string{"upper"}
	h.Set("X-Armory-Api-Key", "key")
	h.Set("X-JWT-Token", "jwt")
	h.Set("Cookie", "a=b")
	h.Set("Set-Cookie", "c=d")
	h.Set("Content-Type", "application/json")
	h.Add("Accept", "application/json")
	h.Add("Accept", "text/plain")
	h.Set("X-Gateway-Credential", "gw-value")
	h.Set("X-Echo", "seen gw-value here")
	h.Set("X-Short", "k1")

	got := newMasker("gw-value", "k1").headers(h)
	want := map[string]string{
		"Authorization":    masked,
		"X-Auth-Token":     masked,
		"x-auth-token":     masked,
		"X-AUTH-TOKEN":     masked,
		"X-Armory-Api-Key": masked,
		"X-Jwt-Token":      masked,
		"Cookie":           masked,
		"Set-Cookie":       masked,
		"Content-Type":     "application/json",
		"Accept":           "application/json, text/plain",
		// Headers on no list: masked by value, a short one where it is the whole value.
		"X-Gateway-Credential": masked,
		"X-Echo":               "seen " + masked + " here",
		"X-Short":              masked,
	}
	if len(got) != len(want) {
		t.Errorf("maskHeaders returned %d headers, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("maskHeaders[%q] = %q, want %q", k, got[k], v)
		}
	}
}

func TestMaskBody(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		secrets []string
		want    string // JSON bodies are compared as JSON, others as strings
	}{
		{
			name: "top-level secret fields",
			body: `{"client_secret":"cs","token":"tk","password":"pw","sessionId":"sid","kubeconfigFile":"kc","secret":"s","label":"keep"}`,
			want: `{"client_secret":"***","token":"***","password":"***","sessionId":"***","kubeconfigFile":"***","secret":"***","label":"keep"}`,
		},
		{
			name: "nested in objects and arrays",
			body: `{"values":[{"id":"a","token":"t1"},{"id":"b","Token":"t2"}],"meta":{"auth":{"Password":"p","user":"u"}},"list":[[{"SESSION_ID":"x"}]]}`,
			want: `{"values":[{"id":"a","token":"***"},{"id":"b","Token":"***"}],"meta":{"auth":{"Password":"***","user":"u"}},"list":[[{"SESSION_ID":"***"}]]}`,
		},
		{
			// The VCF Operations token acquire and exchange answers (Aria Operations for Logs).
			name: "ops token and jwt",
			body: `{"token":"ops","validity":1,"expiresAt":"x","jwtToken":"jwt","services":[{"key":"ops-li"}]}`,
			want: `{"token":"***","validity":1,"expiresAt":"x","jwtToken":"***","services":[{"key":"ops-li"}]}`,
		},
		{
			name: "secret field holding an object",
			body: `{"secret":{"value":"v","nested":[1,2]},"n":1}`,
			want: `{"secret":"***","n":1}`,
		},
		{
			name:    "configured secret value in a plain field",
			body:    `{"message":"token sekrit-auth is invalid","code":401}`,
			secrets: []string{"sekrit-auth"},
			want:    `{"message":"token *** is invalid","code":401}`,
		},
		{
			name: "top-level array",
			body: `[{"token":"a"},{"label":"b"}]`,
			want: `[{"token":"***"},{"label":"b"}]`,
		},
		{
			name:    "not json",
			body:    "Unauthorized:\n  token sekrit-auth was revoked",
			secrets: []string{"sekrit-auth", ""},
			want:    "Unauthorized: token *** was revoked",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := newMasker(tc.secrets...).body([]byte(tc.body))
			if !json.Valid([]byte(tc.want)) {
				if got != tc.want {
					t.Errorf("maskBody = %q, want %q", got, tc.want)
				}
				return
			}
			var gotV, wantV any
			if err := json.Unmarshal([]byte(got), &gotV); err != nil {
				t.Fatalf("maskBody returned invalid JSON %q: %v", got, err)
			}
			if err := json.Unmarshal([]byte(tc.want), &wantV); err != nil {
				t.Fatal(err)
			}
			if g, w := mustJSON(t, gotV), mustJSON(t, wantV); g != w {
				t.Errorf("maskBody = %s, want %s", g, w)
			}
		})
	}
}

func TestMaskBodyMasksSecretsJSONEscapes(t *testing.T) {
	const secret = `p&ss<w>rd`
	got := newMasker(secret).body([]byte(`{"message":"login with p&ss<w>rd failed"}`))
	var decoded map[string]any
	if err := json.Unmarshal([]byte(got), &decoded); err != nil {
		t.Fatalf("maskBody returned invalid JSON %q: %v", got, err)
	}
	if msg, _ := decoded["message"].(string); strings.Contains(msg, secret) {
		t.Errorf("maskBody = %s: the secret %q is still readable", got, secret)
	}
}

// The credentials a request carries are masked whole and without their scheme, whatever the
// scheme: Aria Operations for Logs sends "OpsToken <token>" to VCF Operations and a bare JWT in
// X-JWT-Token.
func TestRequestSecretsOfEveryCredentialHeader(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", "OpsToken ops-token-value")
	h.Set("X-JWT-Token", "jwt-value")
	h.Set("Accept", "application/json")
	got := requestSecrets(h, []byte(`{"serviceKeys":["ops-li"],"password":"pw-value"}`))
	for _, want := range []string{"OpsToken ops-token-value", "ops-token-value", "jwt-value", "pw-value"} {
		if !slices.Contains(got, want) {
			t.Errorf("requestSecrets = %q, missing %q", got, want)
		}
	}
	if slices.Contains(got, "application/json") || slices.Contains(got, "ops-li") {
		t.Errorf("requestSecrets = %q holds values that are not secrets", got)
	}
}

func TestMaskerText(t *testing.T) {
	got := newMasker("sekrit", "", "other", "abc").text("a sekrit b sekrit c other d abc")
	if want := "a *** b *** c *** d abc"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
}

// A secret that holds another is masked whole, whatever the order the secrets come in: masking
// the shorter one first would leave the rest of the longer one readable.
func TestMaskerMasksTheLongestSecretWhole(t *testing.T) {
	for _, secrets := range [][]string{{"abcd", "abcdefgh"}, {"abcdefgh", "abcd"}} {
		if got := newMasker(secrets...).text("x abcdefgh y abcd z"); got != "x *** y *** z" {
			t.Errorf("secrets %q: text = %q, want %q", secrets, got, "x *** y *** z")
		}
	}
}

// A value too short to look for in text is still masked where it is a whole JSON string.
func TestMaskerMasksShortSecretsOnlyWhole(t *testing.T) {
	got := newMasker("k1").body([]byte(`{"key":"k1","note":"k1 is short"}`))
	if want := `{"key":"***","note":"k1 is short"}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
}

func TestExcerptOfLongBodyMasksSecretAtTheCut(t *testing.T) {
	const secret = "sekrit-auth-value"
	body := []byte(strings.Repeat("a", 195) + " " + secret + " rest of the page")
	a := &api{platform: PlatformMonitoring, secrets: []string{secret}}
	msg := a.apiError(http.StatusBadRequest, body, a.masker()).Message
	logged := a.masker().body(body)
	for name, s := range map[string]string{"APIError message": msg, "logged body": logged} {
		if strings.Contains(s, secret[:4]) {
			t.Errorf("%s %q holds the start of the secret %q", name, s, secret)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLogsNeverHoldSecrets(t *testing.T) {
	const auth, tokenValue = "sekrit-auth", "sekrit-token-value"
	var created atomic.Bool
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			created.Store(true)
			w.Header().Set("X-Object-ID", "tok-1")
			w.WriteHeader(http.StatusCreated)
		case http.MethodGet:
			writeJSON(t, w, http.StatusOK, AgentToken{ID: "tok-1", Token: tokenValue, Label: "logged-label"})
		}
	})
	m := newTestMonitoring(t, srv.URL, testOptions(), auth)
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)

	got, err := m.CreateAgentToken(ctx, "logged-label")
	if err != nil {
		t.Fatalf("CreateAgentToken: %v", err)
	}
	if got.Token != tokenValue {
		t.Fatalf("token value = %q, want %q", got.Token, tokenValue)
	}

	out := buf.String()
	for _, secret := range []string{auth, tokenValue} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds the secret %q:\n%s", secret, out)
		}
	}
	entries, err := tflogtest.MultilineJSONDecode(strings.NewReader(out))
	if err != nil {
		t.Fatalf("the log is not JSON lines: %v\n%s", err, out)
	}
	var sent, received, bodies int
	for _, e := range entries {
		if e["@module"] != "provider.http" {
			continue
		}
		switch e["@message"] {
		case "sending API request":
			sent++
			headers, _ := e["headers"].(map[string]any)
			if headers["X-Auth-Token"] != masked {
				t.Errorf("logged request headers %v, want X-Auth-Token masked", headers)
			}
			if u, _ := e["url"].(string); !strings.Contains(u, testTenantPath+"/agent_tokens") {
				t.Errorf("logged url %q does not name the call", u)
			}
		case "received API response":
			received++
		case "API response body":
			bodies++
			if b, _ := e["body"].(string); !strings.Contains(b, "logged-label") {
				t.Errorf("logged body %q lost the non-secret fields", b)
			}
		}
	}
	// The create, the label set once its id is known, and the GET of the value.
	if sent != 3 || received != 3 || bodies != 1 {
		t.Errorf("logged %d requests, %d responses, %d bodies; want 3, 3, 1:\n%s", sent, received, bodies, out)
	}
	if !created.Load() {
		t.Error("the create never reached the server")
	}
}

func TestAPIErrorMasksConfiguredAuthToken(t *testing.T) {
	const auth = "sekrit-auth"
	tests := []struct {
		name string
		body func(w http.ResponseWriter)
	}{
		{name: "monitoring error body", body: func(w http.ResponseWriter) {
			writeJSON(t, w, http.StatusUnauthorized, monitoringError("unauthorized", 401, "token "+auth+" is not valid", ""))
		}},
		{name: "plain text body", body: func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, "bad X-Auth-Token: "+auth)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) { tc.body(w) })
			m := newTestMonitoring(t, srv.URL, testOptions(), auth)
			var buf bytes.Buffer
			ctx := tflogtest.RootLogger(context.Background(), &buf)

			_, err := m.GetAgentToken(ctx, "tok-1")
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			if strings.Contains(err.Error(), auth) {
				t.Errorf("Error() = %q holds the auth token", err)
			}
			if !strings.Contains(apiErr.Message, masked) {
				t.Errorf("Message = %q, want the token replaced by %q", apiErr.Message, masked)
			}
			if buf.Len() == 0 || strings.Contains(buf.String(), auth) {
				t.Errorf("the log is empty or holds the auth token:\n%s", buf.String())
			}
		})
	}
}

// With the HTTP logs turned off in the environment, as the provider does when Terraform would
// discard them, a call logs nothing, and it does not matter what the context's logger is set to.
func TestHTTPLogsOffLogNothing(t *testing.T) {
	tests := map[string]struct {
		env  map[string]string
		off  bool
		logs bool
	}{
		"nothing set":                 {env: map[string]string{}, logs: true},
		"provider logs off":           {env: map[string]string{providerLogLevelEnv: "off"}, off: true},
		"HTTP logs off":               {env: map[string]string{HTTPLogLevelEnv: "OFF"}, off: true},
		"HTTP logs on, provider off":  {env: map[string]string{providerLogLevelEnv: "off", HTTPLogLevelEnv: "debug"}, logs: true},
		"HTTP level unreadable":       {env: map[string]string{providerLogLevelEnv: "off", HTTPLogLevelEnv: "loud"}, off: true},
		"provider logs at some level": {env: map[string]string{providerLogLevelEnv: "warn"}, logs: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := httpLogsOff(func(k string) string { return tt.env[k] }); got != tt.off {
				t.Fatalf("httpLogsOff = %v, want %v", got, tt.off)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			srv := serve(t, func(w http.ResponseWriter, _ *http.Request) {
				writeJSON(t, w, http.StatusOK, AgentToken{ID: "tok-1", Token: "v", Label: "l"})
			})
			m := newTestMonitoring(t, srv.URL, testOptions(), testAuthToken)
			var buf bytes.Buffer
			if _, err := m.GetAgentToken(tflogtest.RootLogger(t.Context(), &buf), "tok-1"); err != nil {
				t.Fatal(err)
			}
			// tflogtest's logger logs at trace whatever the environment says; only the client's
			// own switch can keep the HTTP lines out. The HTTP level set in the environment
			// filters them further, so "debug" keeps the request and the response but not the body.
			if logged := strings.Contains(buf.String(), "sending API request"); logged != tt.logs {
				t.Errorf("request logged: %v, want %v:\n%s", logged, tt.logs, buf.String())
			}
		})
	}
}
