// Package mockserver implements the five platform APIs the provider drives, in memory, for
// acceptance tests and the demo. It knows the APIs from the server side only: it imports nothing
// from the provider or the client.
//
// Each platform is mounted under its own path prefix so that one http.Handler serves all five;
// Endpoints tells a client where each one lives.
package mockserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Path prefixes under which each platform's API is mounted.
const (
	SpaceONEPrefix = "/spaceone"
	AriaLogsPrefix = "/arialogs"
	// VCFOperationsPrefix is VCF Operations, where Aria Operations for Logs clients get their
	// tokens. It has a base of its own, as a separate appliance would.
	VCFOperationsPrefix = "/vcfops"
	MonitoringPrefix    = "/monitoring/v1.0" // followed by /{tenant}
	ArmoryPrefix        = "/clouddriver"
	K0rdentPrefix       = "/k0rdent"
)

// Credentials are the secrets the mock accepts. The demo prints them; tests pass them to the provider.
type Credentials struct {
	SpaceONEToken    string
	AriaUsername     string
	AriaPassword     string
	MonitoringTenant string
	MonitoringToken  string
	ArmoryAPIKey     string // sent as the ArmoryAPIKeyHeader header
	K0rdentToken     string
}

// ArmoryAPIKeyHeader is the header the mock's Armory API checks. Real deployments put Clouddriver
// behind a gateway with its own header; the provider sends whatever headers the user configures.
const ArmoryAPIKeyHeader = "X-Armory-Api-Key"

// DefaultCredentials are the fixed demo credentials.
func DefaultCredentials() Credentials {
	return Credentials{
		SpaceONEToken:    "demo-spaceone-token",
		AriaUsername:     "admin",
		AriaPassword:     "demo-aria-password",
		MonitoringTenant: "hybrid:000000",
		MonitoringToken:  "demo-monitoring-token",
		ArmoryAPIKey:     "demo-armory-key",
		K0rdentToken:     "demo-k0rdent-token",
	}
}

// Endpoints are the base URLs of each platform on a server reachable at baseURL.
type Endpoints struct {
	SpaceONE, AriaLogs, Monitoring, Armory, K0rdent string
	// VCFOperations is the base URL of VCF Operations (where /suite-api lives), which issues the
	// tokens the Aria Operations for Logs API takes.
	VCFOperations string
}

// Faults are injected into responses. The zero value injects nothing.
type Faults struct {
	// Latency is added before every response.
	Latency time.Duration
	// ErrorRate is the fraction (0..1) of requests answered 429 or 503 with Retry-After before
	// the request is handled, so nothing is committed (see LimitReached for the 429s).
	ErrorRate float64
	// RetryAfter is the wait sent with injected rate limits and 503s, in whole seconds.
	RetryAfter int
	// DropRate is the fraction (0..1) of write requests (see isRead) that are handled
	// and committed, after which the connection is closed without a response.
	DropRate float64
	// DropSpares lists the routes (as registered) whose writes DropRate leaves alone.
	DropSpares []string
	// LimitReached makes the platforms that have their own answer to a request over the rate
	// limit give it instead of each injected 429: Cloud Monitoring answers 400 limitReached with
	// Reply-After (RetryAfter seconds), as its limits page documents. Others keep the 429.
	LimitReached bool
	// RateLimit, when above 0, is how many requests a second each platform accepts (a token
	// bucket of RateBurst requests per platform, refilled at RateLimit a second). A request over
	// it is answered 429 with Retry-After, unhandled, and counted (see RateLimited).
	RateLimit float64
	// RateBurst is the bucket's size; 0 or less means 1.
	RateBurst int
}

// Server is the mock. Create it with New; it is safe for concurrent use.
type Server struct {
	creds Credentials
	mux   *http.ServeMux

	mu       sync.Mutex // guards everything below and every platform store
	faults   Faults
	failNext []int            // statuses for the next requests; 0 closes the connection unhandled, limitReachedFault is a rate limit
	failOn   map[string][]int // as failNext, for the next requests of one route only
	// lostNext lists how the answers of the next writes are lost after they were committed: 0
	// drops the connection, a status is a gateway's answer (502, 504) in place of the server's.
	lostNext []int
	calls    map[string]int
	// buckets holds each platform's rate-limit bucket (by the first segment of its routes),
	// limited the 429s each answered over the limit.
	buckets map[string]*rate.Limiter
	limited map[string]int
	rng     *rand.Rand
	seq     int  // for generated ids
	drift   bool // timestamps in another precision on reads than on writes (SetTimePrecisionDrift)

	spaceone   spaceoneStore
	aria       ariaStore
	monitoring monitoringStore
	armory     armoryStore
	k0rdent    k0rdentStore
}

// New returns a mock with empty stores and the given credentials.
func New(creds Credentials) *Server {
	s := &Server{
		creds:   creds,
		mux:     http.NewServeMux(),
		calls:   map[string]int{},
		buckets: map[string]*rate.Limiter{},
		limited: map[string]int{},
		rng:     rand.New(rand.NewPCG(1, 2)),
	}
	s.registerSpaceONE()
	s.registerAriaLogs()
	s.registerMonitoring()
	s.registerArmory()
	s.registerK0rdent()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Endpoints returns the per-platform base URLs for a server listening at baseURL.
func (s *Server) Endpoints(baseURL string) Endpoints {
	return Endpoints{
		SpaceONE:      baseURL + SpaceONEPrefix,
		AriaLogs:      baseURL + AriaLogsPrefix,
		Monitoring:    baseURL + MonitoringPrefix + "/" + s.creds.MonitoringTenant,
		Armory:        baseURL + ArmoryPrefix,
		K0rdent:       baseURL + K0rdentPrefix,
		VCFOperations: baseURL + VCFOperationsPrefix,
	}
}

// Credentials returns the credentials the mock accepts.
func (s *Server) Credentials() Credentials { return s.creds }

// SetFaults replaces the injected faults. The rate-limit buckets start full.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	clear(s.buckets)
}

// RateLimited returns how many requests each platform answered 429 for going over
// Faults.RateLimit, by the path prefix the platform is mounted at (such as "/monitoring").
func (s *Server) RateLimited() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.limited)
}

// overRateLimit takes a request of the route pattern from its platform's bucket, and reports
// whether the bucket was empty. Called with s.mu held.
func (s *Server) overRateLimit(pattern string) (string, bool) {
	if s.faults.RateLimit <= 0 {
		return "", false
	}
	prefix := routePrefix(pattern)
	bucket, ok := s.buckets[prefix]
	if !ok {
		bucket = rate.NewLimiter(rate.Limit(s.faults.RateLimit), max(s.faults.RateBurst, 1))
		s.buckets[prefix] = bucket
	}
	return prefix, !bucket.Allow()
}

// routePrefix is the first path segment of a route pattern such as
// "GET /monitoring/v1.0/{tenant}/agent_tokens" or "/spaceone/": the platform it belongs to.
func routePrefix(pattern string) string {
	p := pattern
	if _, path, ok := strings.Cut(pattern, " "); ok {
		p = path
	}
	if i := strings.Index(strings.TrimPrefix(p, "/"), "/"); i >= 0 {
		return p[:i+1]
	}
	return p
}

// writeRateLimited turns a request away for the rate limit: 429, with the whole seconds until
// the bucket holds a request again in Retry-After (at least 1). Called with s.mu held.
func (s *Server) writeRateLimited(w http.ResponseWriter, p platform, prefix string) {
	s.limited[prefix]++
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(1/s.faults.RateLimit))))
	p.writeError(w, http.StatusTooManyRequests, "RATE_LIMITED", fmt.Sprintf("over the rate limit of %g requests per second (mock)", s.faults.RateLimit))
}

// FailNext answers the next len(statuses) requests with those statuses, unhandled. A status of 0
// closes the connection without answering, as a network failure before the server saw the request.
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = append(s.failNext, statuses...)
}

// FailNextOn is FailNext for the requests of one route (as registered, e.g.
// "PUT /monitoring/v1.0/{tenant}/agent_tokens/{id}") only, whatever other requests come first.
func (s *Server) FailNextOn(pattern string, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failOn == nil {
		s.failOn = map[string][]int{}
	}
	s.failOn[pattern] = append(s.failOn[pattern], statuses...)
}

// limitReachedFault in failNext stands for the platform's own over-limit answer.
const limitReachedFault = -1

// FailNextLimitReached answers the next n requests, unhandled, as over the rate limit in the
// platform's own way whatever Faults.LimitReached says: Cloud Monitoring with 400 limitReached
// and Reply-After; a platform without such an answer with 429 and Retry-After.
func (s *Server) FailNextLimitReached(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failNext = append(s.failNext, limitReachedFault)
	}
}

// DropNextWrites handles and commits the next n write requests (not reads, see isRead), then closes their connections
// without a response: the client cannot tell whether the write happened.
func (s *Server) DropNextWrites(n int) {
	s.GatewayErrorNextWrites(0, n)
}

// GatewayErrorNextWrites handles and commits the next n write requests, then answers each with
// status (502 or 504) as a gateway does whose upstream answered too late or not at all: the
// client cannot tell whether the write happened. Status 0 drops the connection instead.
func (s *Server) GatewayErrorNextWrites(status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.lostNext = append(s.lostNext, status)
	}
}

// Calls returns how many requests reached the route pattern (as registered, e.g.
// "POST /monitoring/v1.0/{tenant}/agent_tokens"), including those answered by injected faults.
func (s *Server) Calls(pattern string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[pattern]
}

// AllCalls returns a copy of the per-route counters.
func (s *Server) AllCalls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// TotalCalls returns the number of requests that reached any route.
func (s *Server) TotalCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.calls {
		n += v
	}
	return n
}

// ResetCalls zeroes the counters, those of RateLimited included.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
	clear(s.limited)
}

// platform is what the shared request wrapper needs to know about one API.
type platform struct {
	// authorized reports whether the request carries valid credentials. Called with s.mu held.
	authorized func(r *http.Request) bool
	// refusal, when set, is the status and message of the answer to a request authorized turned
	// away; without it, 401. Called with s.mu held, after authorized.
	refusal func(r *http.Request) (status int, message string)
	// writeError writes an error in the platform's own body format. Called with s.mu held.
	writeError func(w http.ResponseWriter, status int, code, message string)
	// writeLimitReached, when set, writes the platform's own answer to a request over the rate
	// limit, other than 429, telling the client to wait retryAfter seconds. Called with s.mu held.
	writeLimitReached func(w http.ResponseWriter, retryAfter int)
}

// handle registers h for pattern behind the shared concerns: counting, fault injection, auth
// and the store lock. Handlers therefore run with s.mu held and must not take it again.
func (s *Server) handle(pattern string, p platform, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls[pattern]++
		latency := s.faults.Latency
		prefix, overLimit := s.overRateLimit(pattern) // as the request arrives
		s.mu.Unlock()
		if latency > 0 {
			time.Sleep(latency)
		}

		s.mu.Lock()
		defer s.mu.Unlock()
		if overLimit {
			s.writeRateLimited(w, p, prefix)
			return
		}
		if status, injected := s.takeInjectedFailure(pattern); injected {
			s.writeInjected(w, p, status)
			return
		}
		if !p.authorized(r) {
			status, message := p.refused(r)
			p.writeError(w, status, "UNAUTHORIZED", message)
			return
		}
		if status, lost := s.takeLostAnswer(pattern, r); lost {
			h(httptest.NewRecorder(), r) // commit, and throw the answer away
			if status == 0 {
				closeConnection(w)
			} else {
				p.writeError(w, status, "GATEWAY", http.StatusText(status)+" (injected by the mock after the write was committed)")
			}
			return
		}
		h(w, r)
	})
}

// refused is the status and message of the answer to a request without valid credentials.
// Called with s.mu held.
func (p platform) refused(r *http.Request) (int, string) {
	if p.refusal != nil {
		return p.refusal(r)
	}
	return http.StatusUnauthorized, "missing or invalid credentials"
}

// writeInjected answers with an injected failure: status 0 closes the connection, and a rate
// limit (429, or limitReachedFault) is answered the platform's own way when it has one and the
// fault asks for it. Called with s.mu held.
func (s *Server) writeInjected(w http.ResponseWriter, p platform, status int) {
	overLimit := status == limitReachedFault || (status == http.StatusTooManyRequests && s.faults.LimitReached)
	switch {
	case status == 0:
		closeConnection(w)
		return
	case overLimit && p.writeLimitReached != nil:
		p.writeLimitReached(w, s.faults.RetryAfter)
		return
	case status == limitReachedFault:
		status = http.StatusTooManyRequests
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		// Only the answers that turn a request away say when to come back; a client may take
		// any answer with a wait header for one of them.
		w.Header().Set("Retry-After", strconv.Itoa(s.faults.RetryAfter))
	}
	p.writeError(w, status, "INJECTED_FAULT", http.StatusText(status)+" (injected by the mock)")
}

// takeInjectedFailure consumes a FailNextOn or FailNext status or rolls ErrorRate. Called with s.mu held.
func (s *Server) takeInjectedFailure(pattern string) (int, bool) {
	if queued := s.failOn[pattern]; len(queued) > 0 {
		s.failOn[pattern] = queued[1:]
		return queued[0], true
	}
	if len(s.failNext) > 0 {
		status := s.failNext[0]
		s.failNext = s.failNext[1:]
		return status, true
	}
	if s.faults.ErrorRate > 0 && s.rng.Float64() < s.faults.ErrorRate {
		if s.rng.IntN(2) == 0 {
			return http.StatusTooManyRequests, true
		}
		return http.StatusServiceUnavailable, true
	}
	return 0, false
}

// isRead reports whether a request only reads: a GET, or one of the POST verbs of SpaceONE's
// API that read (get, list). Lost answers are injected into writes only.
func isRead(pattern string, r *http.Request) bool {
	return r.Method == http.MethodGet || strings.HasSuffix(pattern, "/get") || strings.HasSuffix(pattern, "/list")
}

// takeLostAnswer consumes a lost answer queued for the next write, or rolls DropRate (sparing
// DropSpares), and says how the answer is lost. Called with s.mu held.
func (s *Server) takeLostAnswer(pattern string, r *http.Request) (status int, lost bool) {
	if isRead(pattern, r) {
		return 0, false
	}
	if len(s.lostNext) > 0 {
		status, s.lostNext = s.lostNext[0], s.lostNext[1:]
		return status, true
	}
	if slices.Contains(s.faults.DropSpares, pattern) {
		return 0, false
	}
	return 0, s.faults.DropRate > 0 && s.rng.Float64() < s.faults.DropRate
}

// SetTimePrecisionDrift makes the platforms whose answers carry timestamps (SpaceONE and
// k0rdent) write the same instant in another precision depending on the call, as a server whose
// write and read paths format times differently does: answers to writes carry microseconds, always
// six digits ("…46.520000Z", "…00.000000Z"), answers to reads at most milliseconds with trailing
// zeros cut ("…46.52Z", "…00Z"). Off, each platform answers in its own single format.
func (s *Server) SetTimePrecisionDrift(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drift = on
}

// The layouts of the precision drift; times are stored in UTC, so the zone is written "Z".
const (
	driftWriteLayout = "2006-01-02T15:04:05.000000Z07:00"
	driftReadLayout  = "2006-01-02T15:04:05.999Z07:00"
)

// inAnswerPrecision returns v, a value that encodes as a JSON object, as the answer to a write
// (write) or a read: with the precision drift on, its RFC 3339 timestamps under keys are written in
// that answer's precision; off, v is returned as it is. Called with s.mu held.
func (s *Server) inAnswerPrecision(v any, write bool, keys ...string) any {
	if !s.drift {
		return v
	}
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err) // the mock's own types always encode
	}
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers stay as written
	if err := dec.Decode(&obj); err != nil {
		panic(err)
	}
	layout := driftReadLayout
	if write {
		layout = driftWriteLayout
	}
	for _, k := range keys {
		if text, ok := obj[k].(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, text); err == nil {
				obj[k] = t.UTC().Format(layout)
			}
		}
	}
	return obj
}

// closeConnection ends the exchange without a response, as a network failure would.
func closeConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// nextID returns a process-unique suffix for generated identifiers. Called with s.mu held.
func (s *Server) nextID() int {
	s.seq++
	return s.seq
}

// randomSecret returns a fresh secret value. Called with s.mu held.
func (s *Server) randomSecret(prefix string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 32)
	for i := range b {
		b[i] = alphabet[s.rng.IntN(len(alphabet))]
	}
	return prefix + string(b)
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decodeJSON reads a JSON request body into v, rejecting unknown shapes and bodies over 1 MiB.
func decodeJSON(r *http.Request, v any) error {
	return json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v)
}

// queryInt reads a positive integer query parameter, with a default when it is absent.
func queryInt(r *http.Request, name string, def int) (int, bool) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, true
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// hasBearer reports whether r carries "Authorization: Bearer <token>".
func hasBearer(r *http.Request, token string) bool {
	return token != "" && r.Header.Get("Authorization") == "Bearer "+token
}

// page returns the half-open range [from, to) of a slice of length n for a zero-based offset and limit.
func page(n, offset, limit int) (from, to int) {
	from = min(offset, n)
	to = min(from+limit, n)
	return from, to
}

// requestBaseURL is the scheme and host the client used to reach the mock.
func requestBaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// nilIfEmpty turns "" into a JSON null.
func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
