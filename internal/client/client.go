// Package client talks HTTP to the five platform APIs the provider drives. It knows nothing of
// Terraform: the provider calls its typed methods and gets typed results and typed errors.
//
// All platforms share one Transport: one connection pool, one retry policy, one logger. Each
// platform file (spaceone.go, arialogs.go, monitoring.go, armory.go, k0rdent.go) adds a typed client
// that knows its API's paths, authentication and error body, and keeps that API's quirks to itself.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
)

// Options configure the shared transport.
type Options struct {
	MaxRetries         int
	RetryWaitMin       time.Duration
	RetryWaitMax       time.Duration
	RequestTimeout     time.Duration // per attempt
	InsecureSkipVerify bool
	CACertPEM          []byte // extra roots, added to the system pool
	UserAgent          string
}

// DefaultOptions are the documented provider defaults.
func DefaultOptions() Options {
	return Options{
		MaxRetries:     5,
		RetryWaitMin:   time.Second,
		RetryWaitMax:   30 * time.Second,
		RequestTimeout: 60 * time.Second,
		UserAgent:      "terraform-provider-agentfleet/dev",
	}
}

// maxResponseBytes bounds what is read of any response body, so a broken or hostile endpoint
// cannot exhaust the provider's memory.
const maxResponseBytes = 10 << 20

// Transport is the retrying HTTP transport every platform client shares.
type Transport struct {
	http      *retryablehttp.Client
	userAgent string
	// waitMax caps the pauses a platform's rate-limit answers impose on its pacer.
	waitMax time.Duration
	// requestTimeout bounds one attempt, and the walk of a list that serves reads (snapshot.go).
	requestTimeout time.Duration
	// quietLogs is set when the environment turns the HTTP logs off (httpLogsOff).
	quietLogs bool
}

// NewTransport builds the shared transport. It fails only on a CA bundle that holds no certificate.
func NewTransport(o Options) (*Transport, error) {
	pooled := cleanhttp.DefaultPooledTransport()
	// Terraform walks the graph with parallelism 10 by default; keep that many connections warm per host.
	pooled.MaxIdleConnsPerHost = 64
	if o.InsecureSkipVerify || len(o.CACertPEM) > 0 {
		tlsConfig, err := newTLSConfig(o)
		if err != nil {
			return nil, err
		}
		pooled.TLSClientConfig = tlsConfig
	}

	t := &Transport{userAgent: o.UserAgent, waitMax: o.RetryWaitMax, requestTimeout: o.RequestTimeout, quietLogs: httpLogsOff(os.Getenv)}
	t.http = &retryablehttp.Client{
		HTTPClient:      &http.Client{Transport: pooled, Timeout: o.RequestTimeout},
		RetryMax:        o.MaxRetries,
		RetryWaitMin:    o.RetryWaitMin,
		RetryWaitMax:    o.RetryWaitMax,
		CheckRetry:      checkRetry,
		Backoff:         backoff,
		ErrorHandler:    retryablehttp.PassthroughErrorHandler, // hand the last answer back to be parsed
		RequestLogHook:  beforeAttempt,                         // paces every attempt, then logs it
		ResponseLogHook: afterAttempt,
		// Logger stays nil: retryablehttp's logger has no context, so it cannot reach tflog. The
		// hooks above and checkRetry log with the request's context instead.
	}
	return t, nil
}

func newTLSConfig(o Options) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.InsecureSkipVerify} //nolint:gosec // the user asked for it, and the provider's Configure warns
	if len(o.CACertPEM) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(o.CACertPEM) {
			return nil, errors.New("the CA bundle contains no PEM certificate")
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// Platform names, as they appear in every error message.
const (
	PlatformSpaceONE   = "SpaceONE"
	PlatformAriaLogs   = "Aria Operations for Logs"
	PlatformMonitoring = "Rackspace Cloud Monitoring"
	PlatformArmory     = "Armory Scale Agent"
	PlatformK0rdent    = "k0rdent IAM"
	// PlatformVCFOperations issues the tokens of Aria Operations for Logs; it is configured in the
	// aria_logs block.
	PlatformVCFOperations = "VCF Operations"
)

// CallOptions are what every platform block sets about how the client calls the platform.
// The zero value sends every call as soon as it is made and reads every object with a call of
// its own.
type CallOptions struct {
	// MaxRequestsPerSecond caps the requests sent to the platform, retries and list pages
	// included, shared by every call of the platform; 0 sets no cap. Whatever it is, the
	// platform's own rate-limit answers hold its calls for as long as they ask (see pacer).
	MaxRequestsPerSecond float64
	// BatchReads serves the reads of a family of objects from one list of the family while it
	// is fresh (see snapshot.go). Each platform's client says whether its API allows it safely.
	BatchReads bool
}

// beforeAttempt holds an attempt for its platform's pacer, then logs it. retryablehttp calls it
// before every attempt, retries included, and before the attempt's timeout starts: a call that
// waits its turn does not spend its timeout waiting, as it would in a RoundTripper.
func beforeAttempt(_ retryablehttp.Logger, req *http.Request, attempt int) {
	callInfoFrom(req.Context()).pace.wait(req.Context())
	logRequest(req, attempt)
}

// afterAttempt lets the platform's pacer read an answer's rate-limit headers, then logs it.
func afterAttempt(_ retryablehttp.Logger, resp *http.Response) {
	callInfoFrom(resp.Request.Context()).pace.observe(resp)
	logResponse(resp)
}

// api is what every platform client embeds: where the API lives and how to speak to it.
type api struct {
	transport *Transport
	platform  string
	baseURL   *url.URL
	// pace paces every call of the platform; batchReads is CallOptions.BatchReads.
	pace       *pacer
	batchReads bool
	// authorize adds credentials to a request.
	authorize func(ctx context.Context, req *http.Request) error
	// reauthorize, when set, is called once after a 401 or 403 (session-based APIs, whose
	// credentials expire). It reports whether the request is to be sent again with fresh
	// credentials; when not, the answer stands, unless it returns an error to report instead.
	reauthorize func(ctx context.Context, status int) (again bool, err error)
	// parseError reads the platform's own error body into e.
	parseError func(body []byte, e *APIError) bool
	// overLimit, when set, recognises the platform's own answers to a request over its rate
	// limit besides 429. Such an answer is retried like a 429, also for a create: the server
	// turned the request away. It reports what gave the answer away, for the retry log. It runs
	// in the retry check, before the body is read, and may look at the body with peekBody.
	overLimit func(resp *http.Response) (why string, ok bool)
	// waitHeaders, when set, replace Retry-After as the headers, in order of preference, whose
	// value (seconds or an HTTP date) says how long to wait before retrying a turned-away request.
	waitHeaders []string
	// secrets are configured credential values, masked wherever they could surface.
	secrets []string
}

// masker builds the masker of one call: the configured credentials and the secrets the request
// carries (see requestSecrets).
func (a *api) masker(requestSecrets ...string) masker {
	return newMasker(append(slices.Clone(a.secrets), requestSecrets...)...)
}

func newAPI(t *Transport, platform, endpoint string, o CallOptions) (api, error) {
	u, err := url.Parse(strings.TrimSuffix(endpoint, "/"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return api{}, fmt.Errorf("%s endpoint %q is not an absolute URL", platform, endpoint)
	}
	return api{transport: t, platform: platform, baseURL: u, pace: newPacer(o.MaxRequestsPerSecond, t.waitMax), batchReads: o.BatchReads}, nil
}

// batched returns the snapshot of one family of the platform (see snapshot.go), on when the
// platform's reads are batched.
func batched[K comparable, V any](a *api, family string, list func(context.Context) ([]V, error), key func(V) (K, bool)) *snapshot[K, V] {
	return newSnapshot(a.batchReads, family, a.transport.requestTimeout, list, key)
}

// request describes one API call.
type request struct {
	method string
	path   string // relative to the platform's base URL, already escaped
	query  url.Values
	body   any // sent as JSON when non-nil
	// createsObject marks a call that creates something on each delivery. It is retried only
	// when the server provably did not act on it (see checkRetry).
	createsObject bool
}

// response is what a call returns besides the decoded body.
type response struct {
	status int
	header http.Header
	// mask hides the values the exchange must never reveal: the configured credentials and
	// those the request carried (see api.masker).
	mask masker
}

// do sends r, retrying as the shared policy allows, and decodes a successful JSON answer into
// out (when out is non-nil and the body is not empty). A non-2xx answer is an *APIError, and
// for a create an *AmbiguousError wrapping it when a gateway may have lost the platform's answer.
func (a *api) do(ctx context.Context, r request, out any) (*response, error) {
	resp, body, err := a.send(ctx, r)
	if err == nil && a.reauthorize != nil && (resp.status == http.StatusUnauthorized || resp.status == http.StatusForbidden) {
		again, authErr := a.reauthorize(ctx, resp.status)
		if authErr != nil {
			return nil, authErr
		}
		if again {
			resp, body, err = a.send(ctx, r)
		}
	}
	if err != nil {
		return nil, a.transportError(ctx, r, err)
	}
	if resp.status < 200 || resp.status > 299 {
		apiErr := a.apiError(resp.status, body, resp.mask)
		if r.createsObject && gatewayLostAnswer(resp.status) {
			return nil, &AmbiguousError{Platform: a.platform, Err: apiErr}
		}
		return nil, apiErr
	}
	if out != nil && len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, out); err != nil {
			return nil, fmt.Errorf("%s API: cannot decode the answer to %s %s: %w", a.platform, r.method, r.path, err)
		}
	}
	return resp, nil
}

// send performs the HTTP exchange and reads the (bounded) body, closing it.
func (a *api) send(ctx context.Context, r request) (*response, []byte, error) {
	req, err := a.newRequest(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	resp, err := a.transport.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, nil, err
	}
	logResponseBody(req.Context(), body)
	return &response{status: resp.StatusCode, header: resp.Header, mask: callInfoFrom(req.Context()).mask}, body, nil
}

func (a *api) newRequest(ctx context.Context, r request) (*retryablehttp.Request, error) {
	u := *a.baseURL
	// r.path is already escaped (ids go through url.PathEscape); keep it escaped as it is.
	escaped := a.baseURL.EscapedPath() + r.path
	unescaped, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, fmt.Errorf("%s API: invalid request path %q: %w", a.platform, r.path, err)
	}
	u.Path, u.RawPath = unescaped, escaped
	if r.query != nil {
		u.RawQuery = r.query.Encode()
	}
	var body any
	var raw []byte
	if r.body != nil {
		if raw, err = json.Marshal(r.body); err != nil {
			return nil, err
		}
		body = raw
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", a.transport.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.authorize != nil {
		if err := a.authorize(ctx, req.Request); err != nil {
			return nil, err
		}
	}
	// Only now are the request's own secrets known, such as a session id the authorizer just
	// obtained: the logs and the error of this exchange mask them too.
	info := callInfo{
		platform:      a.platform,
		createsObject: r.createsObject,
		overLimit:     a.overLimit,
		waitHeaders:   a.waitHeaders,
		pace:          a.pace,
		quiet:         a.transport.quietLogs,
		mask:          a.masker(requestSecrets(req.Header, raw)...),
	}
	return req.WithContext(withCallInfo(ctx, info)), nil
}

// transportError describes a failure with no HTTP answer, saying whether a create may have
// reached the server so callers can look before they create again.
func (a *api) transportError(ctx context.Context, r request, err error) error {
	// Only the caller's own context ending is a cancellation. A per-attempt timeout also
	// matches context.DeadlineExceeded, but it may have cut off a create the server completed.
	if ctx.Err() != nil {
		return fmt.Errorf("%s API: %s %s: %w", a.platform, r.method, r.path, ctx.Err())
	}
	if r.createsObject && !provablyNotDelivered(err) {
		return &AmbiguousError{Platform: a.platform, Err: err}
	}
	return fmt.Errorf("%s API: %s %s failed: %w", a.platform, r.method, r.path, err)
}

// apiError turns a non-2xx answer into an *APIError, with the platform's own message when the
// body has one and a short, masked excerpt of the raw body when it does not. mask is the call's
// (api.masker): the configured credentials and the secrets the request carried are masked, so
// that an API that echoes a rejected request cannot put them in front of the user.
func (a *api) apiError(status int, body []byte, mask masker) *APIError {
	e := &APIError{Platform: a.platform, Status: status}
	if a.parseError != nil && a.parseError(body, e) {
		e.Code, e.Message, e.RequestID = mask.value(e.Code), mask.value(e.Message), mask.value(e.RequestID)
		return e
	}
	// Mask the whole body before it is cut, so a secret across the cut cannot leak its first bytes.
	e.Message = excerpt([]byte(mask.text(string(body))))
	return e
}

// excerpt returns the start of a non-JSON body on one line, as valid UTF-8 (Terraform's
// diagnostics refuse anything else), cut at a character boundary.
func excerpt(body []byte) string {
	const limit = 200
	s := strings.ToValidUTF8(strings.Join(strings.Fields(string(body)), " "), "\uFFFD")
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// checkRetry decides whether an attempt is tried again. Idempotent calls are retried on
// connection errors and on 429, 502, 503 and 504. A call that creates an object is retried only
// when the server provably did not act on it: the connection was refused, or the server
// answered 429 or 503, which mean it turned the request away. A platform may name other answers
// that turn a request away over its rate limit (api.overLimit). Every other 4xx is final.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	retry, reason := shouldRetry(callInfoFrom(ctx), resp, err)
	if retry {
		logRetry(ctx, reason)
	}
	return retry, nil
}

func shouldRetry(info callInfo, resp *http.Response, err error) (bool, string) {
	if err != nil {
		if info.createsObject && !provablyNotDelivered(err) {
			return false, ""
		}
		// Reuse retryablehttp's judgement of errors that no retry can fix (bad TLS, bad URL).
		retry, _ := retryablehttp.DefaultRetryPolicy(context.Background(), nil, err)
		return retry, "connection error"
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true, resp.Status
	}
	if gatewayLostAnswer(resp.StatusCode) {
		return !info.createsObject, resp.Status
	}
	if info.overLimit != nil {
		if why, ok := info.overLimit(resp); ok {
			return true, resp.Status + ", " + why
		}
	}
	return false, ""
}

// gatewayLostAnswer reports whether status is a gateway's answer in place of the platform's:
// 502 and 504 say that the gateway got no usable answer, not that the platform did nothing.
func gatewayLostAnswer(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusGatewayTimeout
}

// provablyNotDelivered reports whether err shows the request never reached a server: the
// connection could not be made at all.
func provablyNotDelivered(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}

// backoff waits as the server asks in Retry-After (seconds or an HTTP date), capped at the
// configured maximum so a misbehaving server cannot stall a run; otherwise it backs off
// exponentially from the minimum with full jitter, so parallel resources do not retry in step.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if wait, ok := serverWait(resp); ok {
		return min(wait, maxWait)
	}
	ceiling := minWait << min(attempt, 30)
	if ceiling <= 0 || ceiling > maxWait {
		ceiling = maxWait
	}
	if ceiling <= minWait {
		return ceiling
	}
	return minWait + rand.N(ceiling-minWait)
}

// serverWait is how long the server asked to wait before the request is sent again, when it
// turned the request away (429, 503, or a 4xx the platform's overLimit recognised: backoff only
// sees answers the retry check let through, and no other 4xx passes it) and said how long.
func serverWait(resp *http.Response) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	var info callInfo
	if resp.Request != nil {
		info = callInfoFrom(resp.Request.Context())
	}
	turnedAway := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable ||
		(info.overLimit != nil && resp.StatusCode >= 400 && resp.StatusCode < 500)
	if !turnedAway {
		return 0, false
	}
	headers := info.waitHeaders
	if len(headers) == 0 {
		headers = []string{"Retry-After"}
	}
	for _, h := range headers {
		if wait, ok := parseWait(resp.Header.Get(h)); ok {
			return wait, true
		}
	}
	return 0, false
}

// parseWait reads a Retry-After value: whole seconds, or an HTTP date (a date in the past means
// now). A negative or unreadable value says nothing. Seconds too many to count are "very long",
// for the caller's cap to cut.
func parseWait(value string) (time.Duration, bool) {
	if value == "" {
		return 0, false
	}
	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		switch {
		case seconds < 0:
			return 0, false
		case seconds > int64(math.MaxInt64/time.Second):
			return math.MaxInt64, true
		}
		return time.Duration(seconds) * time.Second, true
	}
	at, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	return max(time.Until(at), 0), true
}

// peekBody returns up to limit bytes of resp's body and puts them back in front of the rest, so
// that a retry check can look at an answer that the error parser then reads in full.
func peekBody(resp *http.Response, limit int64) []byte {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, limit))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	return head
}
