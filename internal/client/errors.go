package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// ErrNotFound matches (with errors.Is) every APIError whose status is 404.
var ErrNotFound = errors.New("not found")

// APIError is a non-2xx answer from a platform, with the platform's own code and message. What
// to do about it in terms of the provider's configuration (the block and arguments behind a 401)
// is the provider's to say.
type APIError struct {
	Platform string
	Status   int
	Code     string
	Message  string
	// RequestID is the platform's id of the failed request, when its error body has one: the
	// platform's operators ask for it in a support ticket.
	RequestID string
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s API returned HTTP %d %s", e.Platform, e.Status, http.StatusText(e.Status))
	switch {
	case e.Code != "" && e.Message != "":
		msg += fmt.Sprintf(": %s: %s", e.Code, e.Message)
	case e.Message != "":
		msg += ": " + e.Message
	case e.Code != "":
		msg += ": " + e.Code
	}
	if e.RequestID != "" {
		msg += fmt.Sprintf(" (request ID %s)", e.RequestID)
	}
	return msg
}

// Is makes errors.Is(err, ErrNotFound) true for 404 answers.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// AmbiguousError is a create whose request was sent but whose answer was lost: the connection
// broke or timed out, or a gateway answered 502 or 504 in the platform's stead. The platform may
// or may not have created the object. Creates are never blindly retried after one; the typed
// clients look the object up first (see createRecovering).
type AmbiguousError struct {
	Platform string
	Err      error
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%s API: the request was sent but its answer was lost (%v), so it may have been carried out", e.Platform, e.Err)
}

func (e *AmbiguousError) Unwrap() error { return e.Err }

// maxLostAnswers is how many times in a row a create may lose its answer before the typed
// client gives up. After each lost answer the client looks the object up, and sends the create
// again only when the lookup proves it safe. With one answer in 20 lost, five in a row happen
// once in 3 million creates; a connection that keeps failing still ends.
const maxLostAnswers = 5

// asAmbiguous returns err's *AmbiguousError, if it has one.
func asAmbiguous(err error) (*AmbiguousError, bool) {
	var ambiguous *AmbiguousError
	ok := errors.As(err, &ambiguous)
	return ambiguous, ok
}

// lostTooOften is the error when every one of maxLostAnswers creates lost its answer and no
// lookup found the object: nothing is known to exist, and trying again is the user's call.
// absent says what was not found.
func lostTooOften(cause error, absent string) error {
	return fmt.Errorf("%w; the request was sent %d times, every answer was lost, and %s: apply again once the platform answers",
		cause, maxLostAnswers, absent)
}

// parseNestedError reads the {"error": {"code": ..., "message": "...", "details": [...]}} body
// that SpaceONE and k0rdent share. The code may be a string or a number. The details are not
// kept: nothing shows them, and the message says what they do.
func parseNestedError(body []byte, e *APIError) bool {
	var b struct {
		Error *struct {
			Code    any    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &b) != nil || b.Error == nil {
		return false
	}
	e.Code, e.Message = codeString(b.Error.Code), b.Error.Message
	return true
}

// parseFlatError reads a top-level {"code": ..., "message": "...", "details": ...} body, as
// gRPC gateways and k0rdent's conflicts send.
func parseFlatError(body []byte, e *APIError) bool {
	var b struct {
		Code    any    `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &b) != nil || b.Message == "" {
		return false
	}
	e.Code, e.Message = codeString(b.Code), b.Message
	return true
}

// codeString renders an error code that may arrive as a string or a number.
func codeString(code any) string {
	switch c := code.(type) {
	case nil:
		return ""
	case string:
		return c
	case float64:
		return strconv.FormatFloat(c, 'f', -1, 64)
	}
	return fmt.Sprint(code)
}

// firstOf tries error-body parsers in order.
func firstOf(parsers ...func([]byte, *APIError) bool) func([]byte, *APIError) bool {
	return func(body []byte, e *APIError) bool {
		for _, parse := range parsers {
			if parse(body, e) {
				return true
			}
		}
		return false
	}
}

// appendNew appends the items whose key was not seen before and reports whether there was any,
// so paginators can stop when a server repeats itself.
func appendNew[T any](all *[]T, seen map[string]bool, page []T, key func(T) string) bool {
	added := false
	for _, item := range page {
		if k := key(item); !seen[k] {
			seen[k] = true
			*all = append(*all, item)
			added = true
		}
	}
	return added
}
