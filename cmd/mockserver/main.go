// Command mockserver runs the in-memory mock of all five platform APIs on a loopback port, for
// the demo and for trying the provider by hand. It prints the base URL of each platform and the
// demo credentials, as shell exports that the provider reads.
//
// With -rate-limit N each platform accepts N requests a second (a bucket of -rate-burst) and
// answers the rest 429 with Retry-After.
//
// With -admin it also serves /_mock/ on the same port, for scripts/bench.sh: GET /_mock/calls lists
// the per-route counters, every request received more than once with the same method, URL and
// body, and the 429s of the rate limit per platform; DELETE /_mock/calls zeroes them;
// PUT /_mock/faults?latency=50ms&rate=20&burst=5 sets the injected latency and the rate limit
// (each parameter optional; one left out is off).
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on (port 0 picks a free port)")
	envFile := flag.String("env-file", "", "also write the exports to this file, once the server is listening")
	latency := flag.Duration("latency", 0, "delay added before every API response")
	rateLimit := flag.Float64("rate-limit", 0, "requests a second each platform accepts before it answers 429 (0: no limit)")
	rateBurst := flag.Int("rate-burst", 1, "requests each platform accepts at once, within -rate-limit")
	adminOn := flag.Bool("admin", false, "serve the call counters and fault settings under /_mock/ (for benchmarks)")
	flag.Parse()
	faults := mockserver.Faults{Latency: *latency, RateLimit: *rateLimit, RateBurst: *rateBurst}
	if err := run(*addr, *envFile, faults, *adminOn); err != nil {
		log.Fatal(err)
	}
}

func run(addr, envFile string, faults mockserver.Faults, adminOn bool) error {
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", addr)
	if err != nil {
		return err
	}
	if !ln.Addr().(*net.TCPAddr).IP.IsLoopback() {
		return fmt.Errorf("refusing to listen on %s: the mock serves demo credentials and belongs on loopback", ln.Addr())
	}
	mock := mockserver.New(mockserver.DefaultCredentials())
	mock.SetFaults(faults)
	exports := exportLines(mock, "http://"+ln.Addr().String())
	fmt.Print(exports)
	if envFile != "" {
		if err := os.WriteFile(envFile, []byte(exports), 0o600); err != nil {
			return err
		}
	}

	var handler http.Handler = mock
	if adminOn {
		handler = &admin{mock: mock, requests: map[string]int{}}
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// exportLines are the provider's environment variables for this mock, as shell exports.
func exportLines(m *mockserver.Server, baseURL string) string {
	ep, c := m.Endpoints(baseURL), m.Credentials()
	return fmt.Sprintf(`# agentfleet mock server listening on %s
export AGENTFLEET_SPACEONE_ENDPOINT=%q
export AGENTFLEET_SPACEONE_TOKEN=%q
export AGENTFLEET_ARIA_LOGS_ENDPOINT=%q
export AGENTFLEET_ARIA_LOGS_OPERATIONS_ENDPOINT=%q
export AGENTFLEET_ARIA_LOGS_USERNAME=%q
export AGENTFLEET_ARIA_LOGS_PASSWORD=%q
export AGENTFLEET_MONITORING_ENDPOINT=%q
export AGENTFLEET_MONITORING_AUTH_TOKEN=%q
export AGENTFLEET_ARMORY_ENDPOINT=%q
export AGENTFLEET_ARMORY_HEADERS='{"%s":"%s"}'
export AGENTFLEET_K0RDENT_ENDPOINT=%q
export AGENTFLEET_K0RDENT_TOKEN=%q
`, baseURL, ep.SpaceONE, c.SpaceONEToken, ep.AriaLogs, ep.VCFOperations, c.AriaUsername, c.AriaPassword,
		ep.Monitoring, c.MonitoringToken, ep.Armory, mockserver.ArmoryAPIKeyHeader, c.ArmoryAPIKey,
		ep.K0rdent, c.K0rdentToken)
}

// admin serves /_mock/ and passes every other request to the mock, counting identical requests:
// the route counters say how many calls an operation made, the repeats whether any of them
// fetched or sent the same thing twice.
type admin struct {
	mock     *mockserver.Server
	mu       sync.Mutex
	requests map[string]int // "METHOD /path?query body:<digest>" -> count
}

func (a *admin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_mock/") {
		a.serveAdmin(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	digest := sha256.Sum256(body)
	a.mu.Lock()
	a.requests[fmt.Sprintf("%s %s body:%x", r.Method, r.URL.RequestURI(), digest[:4])]++
	a.mu.Unlock()
	a.mock.ServeHTTP(w, r)
}

func (a *admin) serveAdmin(w http.ResponseWriter, r *http.Request) {
	switch r.Method + " " + r.URL.Path {
	case "GET /_mock/calls":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, a.report())
	case "DELETE /_mock/calls":
		a.mock.ResetCalls()
		a.mu.Lock()
		clear(a.requests)
		a.mu.Unlock()
	case "PUT /_mock/faults":
		faults, err := faultsFrom(r.URL.Query())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.mock.SetFaults(faults)
	default:
		http.NotFound(w, r)
	}
}

// faultsFrom reads the faults of PUT /_mock/faults: latency (a Go duration), rate (requests a
// second per platform) and burst. A parameter left out is off.
func faultsFrom(q url.Values) (mockserver.Faults, error) {
	var f mockserver.Faults
	var err error
	if v := q.Get("latency"); v != "" {
		if f.Latency, err = time.ParseDuration(v); err != nil {
			return f, fmt.Errorf("latency: %w", err)
		}
	}
	if v := q.Get("rate"); v != "" {
		if f.RateLimit, err = strconv.ParseFloat(v, 64); err != nil {
			return f, fmt.Errorf("rate: %w", err)
		}
	}
	if v := q.Get("burst"); v != "" {
		if f.RateBurst, err = strconv.Atoi(v); err != nil {
			return f, fmt.Errorf("burst: %w", err)
		}
	}
	return f, nil
}

// report lists "route<TAB>count<TAB>pattern" for every route called, then
// "limited<TAB>count<TAB>platform" for the 429s of the rate limit, then
// "repeat<TAB>count<TAB>request" for every request received more than once, sorted.
func (a *admin) report() string {
	var b strings.Builder
	routes := a.mock.AllCalls()
	for _, pattern := range slices.Sorted(maps.Keys(routes)) {
		fmt.Fprintf(&b, "route\t%d\t%s\n", routes[pattern], pattern)
	}
	limited := a.mock.RateLimited()
	for _, prefix := range slices.Sorted(maps.Keys(limited)) {
		fmt.Fprintf(&b, "limited\t%d\t%s\n", limited[prefix], prefix)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, req := range slices.Sorted(maps.Keys(a.requests)) {
		if n := a.requests[req]; n > 1 {
			fmt.Fprintf(&b, "repeat\t%d\t%s\n", n, req)
		}
	}
	return b.String()
}
