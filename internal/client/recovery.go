package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// A create whose answer was lost (an *AmbiguousError: the connection broke or timed out after
// the request went out, or a gateway answered 502 or 504) may or may not have made the object.
// Every typed client resolves it with createRecovering, which looks before it sends again. What
// a lookup may conclude is the family's to say, under two rules. An object is deleted or
// regenerated only with proof that this create made it: a marker the create carried that no
// other create can carry. An object is adopted only with that proof, or when the configuration
// names it by its identity (a dynamic account's name, a service account's id) and it is what
// the request asked for, holding no secret that went with the lost answer: whoever's create
// landed, it is the object the configuration declares. Anything else the lookup finds may belong
// to another workspace creating at the same moment: it is left alone and named in the error,
// for the user to import or remove.

// createRecovery is how one family creates an object and resolves a lost answer.
type createRecovery[T any] struct {
	// send sends the create once.
	send func(ctx context.Context) (T, error)
	// look runs after a lost answer. It returns the object and true when it proves that the
	// object is this create's, false and no error when it proves that nothing was created (the
	// create is sent again), and otherwise an error: the lookup failed (see lookFailed), or it
	// found an object it cannot prove is ours, which the error names.
	look func(ctx context.Context, cause *AmbiguousError) (T, bool, error)
	// landedLate, when set, recognises the refusal of a create sent again that an earlier create
	// explains, because it landed after the lookup: the object is looked up again.
	landedLate func(err error) bool
	// absent says what no lookup found, for the error after maxLostAnswers lost answers:
	// `no agent token labelled "x" exists`.
	absent string
}

// createRecovering sends the create of r, and after a lost answer looks before it sends again,
// sending it at most maxLostAnswers times in all.
func createRecovering[T any](ctx context.Context, r createRecovery[T]) (T, error) {
	var zero T
	v, err := r.send(ctx)
	var cause *AmbiguousError
	for sent := 1; ; sent++ {
		if lost, ok := asAmbiguous(err); ok {
			cause = lost
		} else if cause == nil || r.landedLate == nil || !r.landedLate(err) {
			return v, err
		}
		found, ours, lookErr := r.look(ctx, cause)
		switch {
		case lookErr != nil:
			return zero, lookErr
		case ours:
			return found, nil
		case sent == maxLostAnswers:
			return zero, lostTooOften(cause, r.absent)
		}
		v, err = r.send(ctx)
	}
}

// lookFailed is the error when the lookup after a lost answer fails too.
func lookFailed(cause *AmbiguousError, err error) error {
	return fmt.Errorf("%w; looking for it failed too: %w", cause, err)
}

// createNonce returns n random bytes in hex: the part of a create's marker that no other create
// carries.
func createNonce(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return hex.EncodeToString(b)
}
