package client

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

// newAriaAgainstMock returns a client for the mock's Aria API and the mock itself.
func newAriaAgainstMock(t *testing.T, cfg AriaLogsConfig) (*AriaLogs, *mockserver.Server) {
	t.Helper()
	mock := mockserver.New(mockserver.DefaultCredentials())
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Endpoint = mock.Endpoints(srv.URL).AriaLogs
	c, err := NewAriaLogs(tr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, mock
}

// listSecrets is an authenticated call, enough to exercise the session handling.
func listSecrets(t *testing.T, c *AriaLogs) error {
	t.Helper()
	var out map[string]any
	_, err := c.do(t.Context(), request{method: http.MethodGet, path: "/api/v2/agent/secrets"}, &out)
	return err
}

func TestAriaLogsLogsInOnceAndAgainAfterExpiry(t *testing.T) {
	creds := mockserver.DefaultCredentials()
	c, mock := newAriaAgainstMock(t, AriaLogsConfig{Username: creds.AriaUsername, Password: creds.AriaPassword})
	for i := 0; i < 3; i++ {
		if err := listSecrets(t, c); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got := mock.AriaLogins(); got != 1 {
		t.Fatalf("%d logins for three calls, want 1 (the session is cached)", got)
	}

	mock.ExpireAriaSessions()
	if err := listSecrets(t, c); err != nil {
		t.Fatalf("after the session expired: %v", err)
	}
	if got := mock.AriaLogins(); got != 2 {
		t.Fatalf("%d logins after expiry, want 2 (one transparent re-login)", got)
	}
}

func TestAriaLogsWrongPasswordIsAClearError(t *testing.T) {
	c, mock := newAriaAgainstMock(t, AriaLogsConfig{Username: "admin", Password: "wrong-password"})
	err := listSecrets(t, c)
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") || !strings.Contains(err.Error(), "aria_logs block") {
		t.Fatalf("err %v; want a 401 that names the aria_logs block", err)
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("the error leaks the password: %v", err)
	}
	if got := mock.Calls("POST /arialogs/api/v2/sessions"); got != 1 {
		t.Fatalf("%d login attempts, want 1: a rejected password is not retried", got)
	}
}

func TestAriaLogsRejectedSessionTokenSaysWhatToDo(t *testing.T) {
	c, _ := newAriaAgainstMock(t, AriaLogsConfig{SessionID: "stale-session"})
	err := listSecrets(t, c)
	if err == nil || !strings.Contains(err.Error(), "session token was rejected") {
		t.Fatalf("err %v; want the rejected-token explanation", err)
	}
}
