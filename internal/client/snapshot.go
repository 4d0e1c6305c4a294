package client

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Coalesced reads. A Terraform refresh reads every object of a family one by one, in parallel;
// a snapshot serves those reads from the family's list instead, read once (every page) and
// shared by the reads that arrive while it is fresh. The rules, in order of importance:
//
//   - An object that the snapshot does not hold is read with its own call, which decides whether
//     it is new or really gone: a snapshot never reports an object missing.
//   - A write of the family by this client drops the snapshot for good: the walk in flight, if
//     any, is not used, and every later read of the family is its own call. In Terraform a
//     provider process that writes a family is applying it, and its reads follow its own writes:
//     confirmations and polls that need the object as it is now, and that a list per read would
//     only make dearer.
//   - A list that fails, or that the reads cannot use, makes the reads of the next snapshotMaxAge
//     their own calls, without a list on every read.
//   - The walk runs on a context of its own, detached from the first reader's cancellation and
//     bounded by the request timeout, so one cancelled read cannot fail the others.

// BatchReadsMaxAge is how long a list serves reads after its walk began. One walk serves a whole
// refresh of a few thousand objects on a small machine, and what a read may miss is a change made
// in the seconds before it: a refresh that reads each object with its own call reads them at
// moments that far apart too.
const BatchReadsMaxAge = 10 * time.Second

// snapshotMaxAge is BatchReadsMaxAge, a variable so tests can age a snapshot.
var snapshotMaxAge = BatchReadsMaxAge

// snapshot coalesces the reads of one family of objects of type V, keyed by K.
type snapshot[K comparable, V any] struct {
	family string // for the logs, such as "agent tokens"
	// list reads the whole family, every page.
	list func(ctx context.Context) ([]V, error)
	// key returns the key a listed object is read by, and false when the listed object lacks
	// something a read returns (its id, say): that object is then read with its own call.
	key func(V) (K, bool)
	// timeout bounds one walk of the list.
	timeout time.Duration

	mu      sync.Mutex
	off     bool        // batching is switched off, or the family was written
	current *walk[K, V] // the latest walk: in flight, done, or failed
}

// walk is one reading of the list.
type walk[K comparable, V any] struct {
	started time.Time
	done    chan struct{} // closed when items and err are set
	items   map[K]V
	err     error
	dropped bool // a write came while it ran or after; guarded by the snapshot's mu
}

// newSnapshot returns the snapshot of a family; with on false, every read is its own call.
func newSnapshot[K comparable, V any](on bool, family string, timeout time.Duration,
	list func(context.Context) ([]V, error), key func(V) (K, bool),
) *snapshot[K, V] {
	return &snapshot[K, V]{family: family, list: list, key: key, timeout: timeout, off: !on}
}

// get returns the object with key k: a copy of the listed one when a fresh list holds it, and
// otherwise what read, the object's own call, returns.
func (s *snapshot[K, V]) get(ctx context.Context, k K, read func(context.Context) (*V, error)) (*V, error) {
	w := s.walkToUse(ctx)
	if w == nil {
		return read(ctx)
	}
	select {
	case <-w.done:
	case <-ctx.Done():
		return read(ctx) // fails on the ended context, with the call's own error
	}
	if v, ok := s.lookup(w, k); ok {
		return &v, nil
	}
	return read(ctx)
}

// walkToUse returns the walk that serves a read now: the one in flight, the last one while it
// is fresh (even a failed one, whose failure then sends the read to its own call), or a new one.
// It returns nil when reads are not batched.
func (s *snapshot[K, V]) walkToUse(ctx context.Context) *walk[K, V] {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.off {
		return nil
	}
	if w := s.current; w != nil && (!isDone(w.done) || time.Since(w.started) < snapshotMaxAge) {
		return w
	}
	w := &walk[K, V]{started: time.Now(), done: make(chan struct{})}
	s.current = w
	go s.run(ctx, w)
	return w
}

// run reads the list into w, on a context detached from the reader that started it.
func (s *snapshot[K, V]) run(ctx context.Context, w *walk[K, V]) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	listed, err := s.list(ctx)
	items := s.index(listed)
	tflog.Debug(ctx, "listed a family to serve its reads", map[string]any{
		"family": s.family, "listed": len(listed), "servable": len(items), "error": errorText(err),
	})
	w.items, w.err = items, err
	close(w.done)
}

// index keys the listed objects. One that cannot serve a read, and a key listed twice (whose
// object cannot be told), are left out: their reads make their own calls.
func (s *snapshot[K, V]) index(listed []V) map[K]V {
	items := make(map[K]V, len(listed))
	twice := map[K]bool{}
	for _, v := range listed {
		k, ok := s.key(v)
		switch {
		case !ok:
		case twice[k]:
		default:
			if _, seen := items[k]; seen {
				delete(items, k)
				twice[k] = true
				continue
			}
			items[k] = v
		}
	}
	return items
}

// lookup returns k's object from a finished walk, unless the walk failed or a write dropped it.
func (s *snapshot[K, V]) lookup(w *walk[K, V], k K) (V, bool) {
	s.mu.Lock()
	dropped := w.dropped
	s.mu.Unlock()
	var zero V
	if dropped || w.err != nil {
		return zero, false
	}
	v, ok := w.items[k]
	return v, ok
}

// drop is called by every write of the family: the snapshot, and any walk in flight, serve no
// read from now on, and neither does any later one.
func (s *snapshot[K, V]) drop() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.off = true
	if s.current != nil {
		s.current.dropped = true
		s.current = nil
	}
}

func isDone(done chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// snapshots holds one snapshot per parent object, for families that are listed per parent (the
// credentials of each service account). The zero value needs newFor set before use.
type snapshots[K comparable, V any] struct {
	newFor func(parent string) *snapshot[K, V]

	mu  sync.Mutex
	all map[string]*snapshot[K, V]
}

// of returns the parent's snapshot, made on first use. Snapshots are never freed: there is one
// per parent a provider process reads the children of.
func (s *snapshots[K, V]) of(parent string) *snapshot[K, V] {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.all == nil {
		s.all = map[string]*snapshot[K, V]{}
	}
	snap, ok := s.all[parent]
	if !ok {
		snap = s.newFor(parent)
		s.all[parent] = snap
	}
	return snap
}
