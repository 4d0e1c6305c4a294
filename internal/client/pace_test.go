package client

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The pacer (pace.go): the configured rate holds under parallel calls, counted where the calls
// arrive, and a platform's rate-limit answers hold every call of that platform.

// arrivals records when each request reached a test server.
type arrivals struct {
	mu    sync.Mutex
	times []time.Time
}

// add records an arrival and returns its number, from 1.
func (a *arrivals) add() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.times = append(a.times, time.Now())
	return len(a.times)
}

func (a *arrivals) all() []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Time(nil), a.times...)
}

// newPacedMonitoring is a Monitoring client for the server at base with the given rate and
// retry_wait_max, which caps every pause.
func newPacedMonitoring(t *testing.T, base string, perSecond float64, waitMax time.Duration) *Monitoring {
	t.Helper()
	opts := testOptions()
	opts.RetryWaitMax = waitMax
	tr, err := NewTransport(opts)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMonitoring(tr, MonitoringConfig{Endpoint: base + testTenantPath, AuthToken: testAuthToken,
		CallOptions: CallOptions{MaxRequestsPerSecond: perSecond}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// tokenServer answers every GET with a token and records the arrivals; answer, when set, may
// answer a request instead (by its number, from 1) and return true.
func tokenServer(t *testing.T, answer func(n int, w http.ResponseWriter) bool) (string, *arrivals) {
	var got arrivals
	srv := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		n := got.add()
		if answer != nil && answer(n, w) {
			return
		}
		writeJSON(t, w, http.StatusOK, AgentToken{ID: "tk1", Token: "value", Label: "l"})
	})
	return srv.URL, &got
}

// readInParallel makes n reads from parallel goroutines, as Terraform's walk does.
func readInParallel(t *testing.T, m *Monitoring, n, parallel int) {
	t.Helper()
	var wg sync.WaitGroup
	work := make(chan struct{}, n)
	for range n {
		work <- struct{}{}
	}
	close(work)
	for range parallel {
		wg.Go(func() {
			for range work {
				if _, err := m.GetAgentToken(t.Context(), "tk1"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

// maxInWindow is the most arrivals within any window of length d.
func maxInWindow(times []time.Time, d time.Duration) int {
	most := 0
	for i := range times {
		n := 0
		for _, u := range times[i:] {
			if u.Sub(times[i]) < d {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

func TestRateLimitHoldsUnderParallelCalls(t *testing.T) {
	base, got := tokenServer(t, nil)
	const perSecond, calls = 40.0, 30
	m := newPacedMonitoring(t, base, perSecond, time.Second)

	start := time.Now()
	readInParallel(t, m, calls, 10)
	elapsed := time.Since(start)

	times := got.all()
	if len(times) != calls {
		t.Fatalf("%d requests arrived, want %d", len(times), calls)
	}
	// Evenly spaced: the first leaves at once, each other one 1/rate after the one before.
	if least := time.Duration(float64(calls-1) / perSecond * float64(time.Second)); elapsed < least {
		t.Errorf("%d calls at %g a second took %s, want at least %s", calls, perSecond, elapsed, least)
	}
	// In any half second, no more than half the rate, give or take the first call's burst and
	// a few that the scheduler held back and let go together (unpaced, all 30 arrive at once).
	if most, limit := maxInWindow(times, 500*time.Millisecond), int(perSecond/2)+3; most > limit {
		t.Errorf("%d requests arrived within 500ms, want at most %d at %g a second", most, limit, perSecond)
	}
}

func TestNoRateLimitByDefault(t *testing.T) {
	base, got := tokenServer(t, nil)
	m := newPacedMonitoring(t, base, 0, time.Second)

	readInParallel(t, m, 30, 10)

	if most := maxInWindow(got.all(), 250*time.Millisecond); most < 20 {
		t.Errorf("at most %d of 30 unpaced requests arrived within 250ms; they should not be spaced", most)
	}
}

// overLimitOnce answers the first request as over the limit, with answer, and records when;
// the other requests get a token.
func overLimitOnce(t *testing.T, answer func(w http.ResponseWriter)) (base string, got *arrivals, turnedAway <-chan time.Time) {
	at := make(chan time.Time, 1)
	base, got = tokenServer(t, func(n int, w http.ResponseWriter) bool {
		if n != 1 {
			return false
		}
		answer(w)
		at <- time.Now()
		return true
	})
	return base, got, at
}

// readsWhileTurnedAway sends one read that the server turns away, and, while that read waits to
// be retried, five more from other goroutines; it fails the test unless each of them arrived
// only once the pause was over. The five leave a moment after the answer, once the client has
// surely read it: requests already on their way when it comes cannot be held.
func readsWhileTurnedAway(t *testing.T, m *Monitoring, got *arrivals, turnedAway <-chan time.Time, pause time.Duration) {
	t.Helper()
	first := make(chan error)
	go func() {
		_, err := m.GetAgentToken(t.Context(), "tk1")
		first <- err
	}()
	at := <-turnedAway
	time.Sleep(pause / 3)
	readInParallel(t, m, 5, 5)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	times := got.all()
	for i, arrived := range times[1:] {
		if wait := arrived.Sub(at); wait < pause-50*time.Millisecond {
			t.Errorf("request %d arrived %s after the request turned away, want the %s pause it asked for (capped)", i+2, wait, pause)
		}
	}
	if len(times) != 7 {
		t.Errorf("%d requests, want 7: the one turned away, its retry and 5 reads", len(times))
	}
}

// A 429 with Retry-After holds every call of the platform, not only the one it answered, and
// the wait is capped at retry_wait_max.
func TestRetryAfterPausesEveryCallOfThePlatform(t *testing.T) {
	base, got, turnedAway := overLimitOnce(t, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "30") // capped at retry_wait_max below
		writeJSON(t, w, http.StatusTooManyRequests, monitoringError("rateLimitReached", 429, "slow down", ""))
	})
	const pause = 600 * time.Millisecond
	readsWhileTurnedAway(t, newPacedMonitoring(t, base, 0, pause), got, turnedAway, pause)
}

// Cloud Monitoring turns a request away with 400 limitReached and Reply-After: that holds every
// call too.
func TestMonitoringReplyAfterPausesEveryCall(t *testing.T) {
	base, got, turnedAway := overLimitOnce(t, func(w http.ResponseWriter) {
		w.Header().Set("Reply-After", "1")
		writeJSON(t, w, http.StatusBadRequest, monitoringError("limitReached", 400, "Limit has been reached", ""))
	})
	const pause = 600 * time.Millisecond
	readsWhileTurnedAway(t, newPacedMonitoring(t, base, 0, pause), got, turnedAway, pause)
}

// An answer that used up the window (X-RateLimit-Remaining: 0) holds the next calls until
// X-RateLimit-Reset, in either reading of it.
func TestRateLimitRemainingZeroPausesUntilTheReset(t *testing.T) {
	resets := map[string]func() string{
		"seconds from now": func() string { return "1" },
		"unix time":        func() string { return strconv.FormatInt(time.Now().Add(2*time.Second).Unix(), 10) },
	}
	for name, reset := range resets {
		t.Run(name, func(t *testing.T) {
			var used time.Time
			base, got := tokenServer(t, func(n int, w http.ResponseWriter) bool {
				if n != 1 {
					return false
				}
				used = time.Now()
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", reset())
				writeJSON(t, w, http.StatusOK, AgentToken{ID: "tk1", Token: "value", Label: "l"})
				return true
			})
			const pause = 250 * time.Millisecond
			m := newPacedMonitoring(t, base, 0, pause)

			if _, err := m.GetAgentToken(t.Context(), "tk1"); err != nil {
				t.Fatal(err)
			}
			if _, err := m.GetAgentToken(t.Context(), "tk1"); err != nil {
				t.Fatal(err)
			}
			if wait := got.all()[1].Sub(used); wait < pause-20*time.Millisecond {
				t.Errorf("the next request arrived %s after the window was used up, want the %s pause", wait, pause)
			}
		})
	}
}

// Answers that do not say the platform is over its limit pause nothing.
func TestRateLimitWaitReadsOnlyOverLimitAnswers(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	answer := func(status int, header ...string) *http.Response {
		h := http.Header{}
		for i := 0; i+1 < len(header); i += 2 {
			h.Set(header[i], header[i+1])
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	tests := []struct {
		name string
		resp *http.Response
		want time.Duration
		ok   bool
	}{
		{"429 with Retry-After", answer(429, "Retry-After", "3"), 3 * time.Second, true},
		{"503 with Retry-After", answer(503, "Retry-After", "2"), 2 * time.Second, true},
		{"429 without a wait", answer(429), 0, false},
		{"404 with Retry-After", answer(404, "Retry-After", "3"), 0, false},
		{"200 with the window left", answer(200, "X-RateLimit-Remaining", "5", "X-RateLimit-Reset", "10"), 0, false},
		{"200 with the window used, delay", answer(200, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "10"), 10 * time.Second, true},
		{"200 with the window used, unix time", answer(200, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1800000007"), 7 * time.Second, true},
		{"reset in the past", answer(200, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1700000000"), 0, true},
		{"reset as an HTTP date", answer(200, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", now.Add(4*time.Second).UTC().Format(http.TimeFormat)), 4 * time.Second, true},
		{"reset unreadable", answer(200, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "soon"), 0, false},
		{"used up, no reset", answer(200, "X-RateLimit-Remaining", "0"), 0, false},
	}
	for _, tt := range tests {
		got, ok := rateLimitWait(tt.resp, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: rateLimitWait = %s, %v; want %s, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
