package client

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Pacing: each platform has one pacer, shared by every call of that platform (retries and
// the calls of list walks included), so that parallel resources slow down together instead of
// each collecting its own 429s. It holds calls to a configured rate, and holds all of them
// while the platform has said it is over its limit.

// pacer paces the calls of one platform.
type pacer struct {
	// limit is the configured rate, nil when none is: the platform's own answers still pause it.
	limit *rate.Limiter
	// maxPause caps a pause a server asks for (retry_wait_max), so a misbehaving server cannot
	// stall a run.
	maxPause time.Duration

	mu          sync.Mutex
	pausedUntil time.Time
}

// newPacer returns a pacer of perSecond requests a second; 0 or less sets no rate. The burst
// is one request: the calls leave evenly spaced, as an API that counts requests per second
// expects, rather than in a burst at the start of every second.
func newPacer(perSecond float64, maxPause time.Duration) *pacer {
	p := &pacer{maxPause: maxPause}
	if perSecond > 0 && !math.IsInf(perSecond, 1) {
		p.limit = rate.NewLimiter(rate.Limit(perSecond), 1)
	}
	return p
}

// wait blocks until the next request of the platform may leave: past any pause, then at its
// turn of the rate. It returns early when ctx ends; the request then fails on its own context.
// A turn is reserved rather than waited for with rate.Limiter.Wait, which refuses at once when
// the turn falls after the context's deadline: the request would then leave at once, unpaced.
func (p *pacer) wait(ctx context.Context) {
	if p == nil {
		return
	}
	for {
		left := p.pauseLeft()
		if left <= 0 {
			break
		}
		if sleepCtx(ctx, left) != nil {
			return
		}
	}
	if p.limit == nil {
		return
	}
	turn := p.limit.Reserve()
	if delay := turn.Delay(); delay > 0 && sleepCtx(ctx, delay) != nil {
		turn.Cancel()
	}
}

func (p *pacer) pauseLeft() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return time.Until(p.pausedUntil)
}

// pause holds every call of the platform for d (at most maxPause) from now; a longer pause
// already running stays.
func (p *pacer) pause(d time.Duration) {
	until := time.Now().Add(min(d, p.maxPause))
	p.mu.Lock()
	defer p.mu.Unlock()
	if until.After(p.pausedUntil) {
		p.pausedUntil = until
	}
}

// observe pauses the platform when resp says it is over its rate limit (see rateLimitWait).
func (p *pacer) observe(resp *http.Response) {
	if p == nil || resp == nil {
		return
	}
	if wait, ok := rateLimitWait(resp, time.Now()); ok {
		p.pause(wait)
	}
}

// rateLimitWait says how long the platform asks every caller to wait after resp: the wait of a
// request it turned away (429 or 503, or the platform's own over-limit answer, with Retry-After
// or the platform's wait headers, as serverWait reads them), or, for any answer that used up
// the rate-limit window (X-RateLimit-Remaining: 0), the time until X-RateLimit-Reset.
func rateLimitWait(resp *http.Response, now time.Time) (time.Duration, bool) {
	if turnedAway(resp) {
		if wait, ok := serverWait(resp); ok {
			return wait, true
		}
	}
	if strings.TrimSpace(resp.Header.Get("X-RateLimit-Remaining")) != "0" {
		return 0, false
	}
	return parseRateLimitReset(resp.Header.Get("X-RateLimit-Reset"), now)
}

// turnedAway reports whether resp refused the request for the rate limit: 429, 503, or an
// answer the platform's overLimit recognises.
func turnedAway(resp *http.Response) bool {
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		return true
	}
	if resp.Request == nil {
		return false
	}
	overLimit := callInfoFrom(resp.Request.Context()).overLimit
	if overLimit == nil {
		return false
	}
	_, ok := overLimit(resp)
	return ok
}

// epochThreshold tells the two readings of X-RateLimit-Reset apart, which no standard fixes:
// APIs send either the Unix time of the reset (GitHub, many gateways) or the seconds until it
// (the IETF draft's RateLimit-Reset, others). A number of seconds above a billion (2001 as a
// Unix time, 31 years as a delay) can only be a Unix time.
const epochThreshold = 1_000_000_000

// parseRateLimitReset reads X-RateLimit-Reset as a Unix time, a number of seconds from now, or
// an HTTP date. A reset in the past means now.
func parseRateLimitReset(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if seconds, err := strconv.ParseFloat(value, 64); err == nil && seconds >= 0 && !math.IsInf(seconds, 0) {
		if seconds >= epochThreshold {
			return max(time.Unix(int64(seconds), 0).Sub(now), 0), true
		}
		return time.Duration(seconds * float64(time.Second)), true
	}
	if at, err := http.ParseTime(value); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// sleepCtx waits for d, or less when ctx ends, and then returns ctx.Err().
func sleepCtx(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
	return ctx.Err()
}
