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

// APIError is a non-2xx answer from a platform, with the platform's own code and message.
type APIError struct {
	Platform string
	Status   int
	Code     string
	Message  string
	Details  any
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
	if hint := e.hint(); hint != "" {
		msg += ". " + hint
	}
	return msg
}

// hint adds what the user can do about the errors that have an obvious remedy.
func (e *APIError) hint() string {
	switch e.Status {
	case http.StatusUnauthorized:
		return fmt.Sprintf("Check the credentials in the provider's %s block", blockName(e.Platform))
	case http.StatusForbidden:
		return fmt.Sprintf("The credentials in the provider's %s block lack permission for this call", blockName(e.Platform))
	}
	return ""
}

// blockName maps a platform to the provider configuration block that holds its settings.
func blockName(platform string) string {
	switch platform {
	case PlatformSpaceONE:
		return "spaceone"
	case PlatformAriaLogs:
		return "aria_logs"
	case PlatformMonitoring:
		return "monitoring"
	case PlatformArmory:
		return "armory"
	case PlatformK0rdent:
		return "k0rdent"
	}
	return platform
}

// Is makes errors.Is(err, ErrNotFound) true for 404 answers.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// AmbiguousError is a create whose request was sent but whose answer was lost: the platform may
// or may not have created the object. Creates are never blindly retried after one; the typed
// clients look the object up first.
type AmbiguousError struct {
	Platform string
	Err      error
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%s API: the create request was sent but no answer came back (%v); the object may exist", e.Platform, e.Err)
}

func (e *AmbiguousError) Unwrap() error { return e.Err }

// parseNestedError reads the {"error": {"code": ..., "message": "...", "details": [...]}} body
// that SpaceONE and k0rdent share. The code may be a string or a number.
func parseNestedError(body []byte, e *APIError) bool {
	var b struct {
		Error *struct {
			Code    any    `json:"code"`
			Message string `json:"message"`
			Details any    `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &b) != nil || b.Error == nil {
		return false
	}
	e.Code, e.Message, e.Details = codeString(b.Error.Code), b.Error.Message, b.Error.Details
	return true
}

// parseFlatError reads a top-level {"code": ..., "message": "...", "details": ...} body, as
// gRPC gateways and k0rdent's conflicts send.
func parseFlatError(body []byte, e *APIError) bool {
	var b struct {
		Code    any    `json:"code"`
		Message string `json:"message"`
		Details any    `json:"details"`
	}
	if json.Unmarshal(body, &b) != nil || b.Message == "" {
		return false
	}
	e.Code, e.Message, e.Details = codeString(b.Code), b.Message, b.Details
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
