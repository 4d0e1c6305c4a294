package provider

import (
	"context"
	"time"
)

// Waiting for asynchronous work on a platform, shared by every resource that has to. Resources
// never sleep or loop by themselves: they hand waitFor a check and a context whose deadline comes
// from their timeouts block.

// firstPollInterval is the wait before the second check. Waits then double up to the caller's
// interval, so work that settles in a moment is seen at once and long work costs few calls.
const firstPollInterval = 250 * time.Millisecond

// waitFor calls check until it reports done or fails, waiting between calls from
// firstPollInterval up to interval. It returns nil when check is done, check's error when it
// fails, and ctx.Err() when the context ends first: callers tell a timeout with
// errors.Is(err, context.DeadlineExceeded). A check that fails because the context ended
// (its API call was cut short) also counts as the context ending.
func waitFor(ctx context.Context, interval time.Duration, check func(context.Context) (done bool, err error)) error {
	if interval <= 0 { // never spin
		interval = firstPollInterval
	}
	wait := min(firstPollInterval, interval)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		done, err := check(ctx)
		if ctx.Err() != nil && !done {
			return ctx.Err()
		}
		if err != nil || done {
			return err
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return err
		}
		wait = min(2*wait, interval)
	}
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
