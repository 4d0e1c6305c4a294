package provider

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWaitForReturnsWhenDone(t *testing.T) {
	calls := 0
	err := waitFor(t.Context(), 10*time.Millisecond, func(context.Context) (bool, error) {
		calls++
		return calls == 3, nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("waitFor = %v after %d checks, want nil after 3", err, calls)
	}
}

func TestWaitForChecksAtOnce(t *testing.T) {
	start := time.Now()
	err := waitFor(t.Context(), time.Hour, func(context.Context) (bool, error) { return true, nil })
	if err != nil || time.Since(start) > 100*time.Millisecond {
		t.Fatalf("waitFor = %v after %s, want nil at once", err, time.Since(start))
	}
}

func TestWaitForStopsOnCheckError(t *testing.T) {
	boom := errors.New("assignment failed")
	calls := 0
	err := waitFor(t.Context(), 10*time.Millisecond, func(context.Context) (bool, error) {
		calls++
		return false, boom
	})
	if !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("waitFor = %v after %d checks, want the check's error after 1", err, calls)
	}
}

func TestWaitForHonoursTheDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	calls := 0
	err := waitFor(ctx, 10*time.Millisecond, func(context.Context) (bool, error) {
		calls++
		return false, nil
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waitFor = %v, want context.DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("waitFor returned after %s, long past the 50ms deadline", elapsed)
	}
	if calls < 2 {
		t.Fatalf("%d checks before the deadline, want it polled repeatedly", calls)
	}
}

// A check whose API call the deadline cut short reports a timeout, not the call's error.
func TestWaitForCheckCutShortByDeadlineIsATimeout(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	err := waitFor(ctx, 10*time.Millisecond, func(ctx context.Context) (bool, error) {
		<-ctx.Done()
		return false, errors.New("GET: connection reset")
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waitFor = %v, want context.DeadlineExceeded", err)
	}
}

func TestWaitForCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	called := false
	err := waitFor(ctx, 10*time.Millisecond, func(context.Context) (bool, error) {
		called = true
		return true, nil
	})
	if !errors.Is(err, context.Canceled) || called {
		t.Fatalf("waitFor = %v (check called: %v), want context.Canceled without a check", err, called)
	}
}

func TestWaitForBacksOffUpToTheInterval(t *testing.T) {
	var at []time.Time
	err := waitFor(t.Context(), 300*time.Millisecond, func(context.Context) (bool, error) {
		at = append(at, time.Now())
		return len(at) == 4, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Waits of 250ms, then 300ms (the cap), then 300ms.
	for i, want := range []time.Duration{250 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond} {
		if got := at[i+1].Sub(at[i]); got < want || got > want+200*time.Millisecond {
			t.Errorf("wait %d was %s, want about %s", i+1, got, want)
		}
	}
}
