package client

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

// newAriaAgainstMock returns a client for the mock's Aria API and the mock itself.
func newAriaAgainstMock(t *testing.T, cfg AriaLogsConfig) (*AriaLogs, *mockserver.Server) {
	t.Helper()
	return newAriaBehind(t, cfg, nil)
}

// newAriaBehind is newAriaAgainstMock with intercept, when not nil, in front of the mock to
// stage what the mock cannot.
func newAriaBehind(t *testing.T, cfg AriaLogsConfig, intercept interceptor) (*AriaLogs, *mockserver.Server) {
	t.Helper()
	mock := mockserver.New(mockserver.DefaultCredentials())
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if intercept != nil && intercept(mock, w, r) {
			return
		}
		mock.ServeHTTP(w, r)
	})
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

// ariaSecretsRoute is the mock's route for creating and listing agent secrets, for its counters.
const ariaSecretsRoute = "/arialogs/api/v2/agent/secrets"

// newLoggedInAria returns a client that has already logged in, so that faults injected next hit
// the call under test rather than the login.
func newLoggedInAria(t *testing.T) (*AriaLogs, *mockserver.Server) {
	t.Helper()
	return newLoggedInAriaBehind(t, nil)
}

// newLoggedInAriaBehind is newLoggedInAria with intercept in front of the mock.
func newLoggedInAriaBehind(t *testing.T, intercept interceptor) (*AriaLogs, *mockserver.Server) {
	t.Helper()
	creds := mockserver.DefaultCredentials()
	c, mock := newAriaBehind(t, AriaLogsConfig{Username: creds.AriaUsername, Password: creds.AriaPassword}, intercept)
	if _, err := c.ListAgentSecrets(t.Context()); err != nil {
		t.Fatalf("first call: %v", err)
	}
	return c, mock
}

func TestAriaAgentSecretLifecycle(t *testing.T) {
	c, mock := newLoggedInAria(t)
	ctx := t.Context()

	created, err := c.CreateAgentSecret(ctx, "web")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	stored := mock.AriaSecrets()
	if len(stored) != 1 || created.ID != stored[0].ID || created.Secret != stored[0].Secret || created.Secret == "" ||
		created.Name != "web" || created.Status != "ACTIVE" {
		t.Fatalf("create returned %+v; the platform holds %+v", created, stored)
	}

	got, err := c.GetAgentSecret(ctx, created.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if want := (AgentSecret{ID: created.ID, Name: "web", Status: "ACTIVE"}); *got != want {
		t.Fatalf("get returned %+v, want %+v (reads carry no value)", *got, want)
	}

	if _, err := c.CreateAgentSecret(ctx, "api"); err != nil {
		t.Fatalf("second create: %v", err)
	}
	all, err := c.ListAgentSecrets(ctx)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(all) != 2 || all[0].Name != "api" || all[1] != *got {
		t.Fatalf("list returned %+v", all)
	}
	found, err := c.FindAgentSecretByName(ctx, "web")
	if err != nil || found == nil || *found != *got {
		t.Fatalf("find by name: %+v, %v", found, err)
	}
	if none, err := c.FindAgentSecretByName(ctx, "we"); none != nil || err != nil {
		t.Fatalf("find by a name nobody has: %+v, %v; want nil, nil", none, err)
	}

	if err := c.DeleteAgentSecret(ctx, created.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := c.GetAgentSecret(ctx, created.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get after delete: %v, want ErrNotFound", err)
	}
	if err := c.DeleteAgentSecret(ctx, created.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v, want ErrNotFound", err)
	}
}

func TestAriaAgentSecretErrorBodyIsParsed(t *testing.T) {
	c, _ := newLoggedInAria(t)
	_, err := c.CreateAgentSecret(t.Context(), "   ")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || apiErr.Code != "FIELD_ERROR" || apiErr.Message != "name is required" {
		t.Fatalf("err %#v; want a 400 APIError with FIELD_ERROR and the API's message", err)
	}
}

func TestAriaAgentSecretDuplicateNameLeavesTheExistingOne(t *testing.T) {
	c, mock := newLoggedInAria(t)
	orig := mock.PutAriaSecret("web")

	_, err := c.CreateAgentSecret(t.Context(), "web")
	var taken *AgentSecretNameTakenError
	if !errors.As(err, &taken) || taken.Name != "web" || taken.ID != orig.ID {
		t.Fatalf("err %v; want an AgentSecretNameTakenError naming the existing secret %s", err, orig.ID)
	}
	for _, want := range []string{"HTTP 409", `already exists`, orig.ID, "left unchanged"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if stored := mock.AriaSecrets(); len(stored) != 1 || stored[0] != orig {
		t.Fatalf("the refused create changed the platform: %+v, was %+v", stored, orig)
	}
	if got := mock.Calls("POST " + ariaSecretsRoute); got != 1 {
		t.Fatalf("%d creates sent, want 1: a conflict is final", got)
	}
}

// isSecretCreate reports whether r creates an agent secret.
func isSecretCreate(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/agent/secrets")
}

// A create costs one lookup and one POST: the lookup is what makes a lost answer recoverable.
func TestAriaAgentSecretCreateCostsALookupAndAPost(t *testing.T) {
	c, mock := newLoggedInAria(t)
	mock.ResetCalls()

	if _, err := c.CreateAgentSecret(t.Context(), "web"); err != nil {
		t.Fatal(err)
	}
	if n := mock.TotalCalls(); n != 2 || mock.Calls("GET "+ariaSecretsRoute) != 1 || mock.Calls("POST "+ariaSecretsRoute) != 1 {
		t.Fatalf("the create made %d calls (%v), want 2: one list and one POST", n, mock.AllCalls())
	}
}

// The create is committed but its answer, the only one that carries the value, is lost. The
// name was free before, so the secret holding it now is ours, without a value: it is deleted
// and created again.
func TestAriaAgentSecretLostAnswerIsDeletedAndCreatedAgain(t *testing.T) {
	c, mock := newLoggedInAriaBehind(t, loseNth(t, isSecretCreate, 1, true))

	created, err := c.CreateAgentSecret(t.Context(), "web")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	stored := mock.AriaSecrets()
	if len(stored) != 1 || stored[0].ID != created.ID || stored[0].Secret != created.Secret || created.Secret == "" {
		t.Fatalf("create returned %+v; the platform holds %+v: want exactly the one secret, with its value", created, stored)
	}
	if got := mock.Calls("POST " + ariaSecretsRoute); got != 2 {
		t.Fatalf("%d creates sent, want 2: the lost one and one after deleting what it made", got)
	}
	if got := mock.Calls("DELETE " + ariaSecretsRoute + "/{id}"); got != 1 {
		t.Fatalf("%d deletes sent, want 1", got)
	}
}

// The connection closes before the server handles the create: nothing exists, so it is sent again.
func TestAriaAgentSecretCreateSentAgainWhenNothingWasCreated(t *testing.T) {
	c, mock := newLoggedInAriaBehind(t, loseNth(t, isSecretCreate, 1, false))

	created, err := c.CreateAgentSecret(t.Context(), "web")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	stored := mock.AriaSecrets()
	if len(stored) != 1 || stored[0].ID != created.ID || stored[0].Secret != created.Secret {
		t.Fatalf("create returned %+v; the platform holds %+v", created, stored)
	}
	// The lost create never reached the mock's handler, so its counters show the second only.
	if got := mock.Calls("POST " + ariaSecretsRoute); got != 1 {
		t.Fatalf("%d creates reached the platform, want 1", got)
	}
	if got := mock.Calls("DELETE " + ariaSecretsRoute + "/{id}"); got != 0 {
		t.Fatalf("%d deletes sent, want none: nothing was made", got)
	}
}

// Every answer is lost: the create gives up after maxLostAnswers tries and leaves nothing.
func TestAriaAgentSecretEveryAnswerLost(t *testing.T) {
	c, mock := newLoggedInAriaBehind(t, loseFrom(t, isSecretCreate, 1))

	_, err := c.CreateAgentSecret(t.Context(), "web")
	var ambiguous *AmbiguousError
	if !errors.As(err, &ambiguous) || !strings.Contains(err.Error(), fmt.Sprintf("sent %d times", maxLostAnswers)) {
		t.Fatalf("err %v; want the lost create, saying how often it was sent", err)
	}
	if stored := mock.AriaSecrets(); len(stored) != 0 {
		t.Fatalf("the platform holds %+v, want nothing: each secret whose value was lost is deleted", stored)
	}
	if got := mock.Calls("DELETE " + ariaSecretsRoute + "/{id}"); got != maxLostAnswers {
		t.Fatalf("%d deletes sent, want %d", got, maxLostAnswers)
	}
}

// The name was taken before the create, by the secret that still holds it: the lost answer can
// only have been the refusal, and the existing secret is left alone.
func TestAriaAgentSecretLostAnswerForATakenName(t *testing.T) {
	c, mock := newLoggedInAriaBehind(t, loseNth(t, isSecretCreate, 1, true))
	orig := mock.PutAriaSecret("web")

	_, err := c.CreateAgentSecret(t.Context(), "web")
	var taken *AgentSecretNameTakenError
	if !errors.As(err, &taken) || taken.ID != orig.ID {
		t.Fatalf("err %v; want an AgentSecretNameTakenError naming the existing secret %s", err, orig.ID)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		t.Fatalf("err %v unwraps to an APIError %v, but the refusal was lost", err, apiErr)
	}
	for _, want := range []string{`named "web" already exists`, orig.ID, "left unchanged"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if stored := mock.AriaSecrets(); len(stored) != 1 || stored[0] != orig {
		t.Fatalf("the platform holds %+v, want the existing secret unchanged: %+v", stored, orig)
	}
	if got := mock.Calls("DELETE " + ariaSecretsRoute + "/{id}"); got != 0 {
		t.Fatalf("%d deletes sent, want none", got)
	}
}

// The name changed hands while the create's answer was lost: who made the secret holding it now
// cannot be told, so nothing is deleted and nothing sent again.
func TestAriaAgentSecretLostAnswerWhileTheNameChangedHands(t *testing.T) {
	c, mock := newLoggedInAriaBehind(t, func(mock *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
		if !isSecretCreate(r) {
			return false
		}
		mock.PutAriaSecret("web") // revoked and re-created in the console meanwhile
		dropConnection(t, w)
		return true
	})
	before := mock.PutAriaSecret("web")

	_, err := c.CreateAgentSecret(t.Context(), "web")
	stored := mock.AriaSecrets()
	if len(stored) != 1 || stored[0].ID == before.ID {
		t.Fatalf("the platform holds %+v, want only the replacement of %s, untouched", stored, before.ID)
	}
	var ambiguous *AmbiguousError
	if !errors.As(err, &ambiguous) || !strings.Contains(err.Error(), "cannot be told") ||
		!strings.Contains(err.Error(), before.ID) || !strings.Contains(err.Error(), stored[0].ID) {
		t.Fatalf("err %v; want the lost create, naming the secret before (%s) and now (%s)", err, before.ID, stored[0].ID)
	}
	if got := mock.Calls("DELETE " + ariaSecretsRoute + "/{id}"); got != 0 {
		t.Fatalf("%d deletes sent, want none", got)
	}
}

func TestAriaAgentSecretLostAnswerAndFailedLookup(t *testing.T) {
	var lost atomic.Bool
	c, mock := newLoggedInAriaBehind(t, func(mock *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
		switch {
		case lost.Load() && r.Method == http.MethodGet:
			writeJSON(t, w, http.StatusBadRequest, map[string]any{"errorCode": "API_ERROR", "errorMessage": "no listing now"})
		case isSecretCreate(r) && !lost.Load():
			mock.ServeHTTP(httptest.NewRecorder(), r)
			lost.Store(true)
			dropConnection(t, w)
		default:
			return false
		}
		return true
	})

	_, err := c.CreateAgentSecret(t.Context(), "web")
	var ambiguous *AmbiguousError
	if !errors.As(err, &ambiguous) || !strings.Contains(err.Error(), `looking for an agent secret named "web" failed too`) {
		t.Fatalf("err %v; want the ambiguous create and the failed lookup", err)
	}
	if got := mock.Calls("POST " + ariaSecretsRoute); got != 1 {
		t.Fatalf("%d creates sent, want 1: without the lookup a second create could duplicate", got)
	}
}

// The secret a lost create made cannot be deleted: the error names it and how to go on.
func TestAriaAgentSecretLostAnswerAndFailedDelete(t *testing.T) {
	lose := loseNth(t, isSecretCreate, 1, true)
	c, mock := newLoggedInAriaBehind(t, func(mock *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodDelete {
			writeJSON(t, w, http.StatusForbidden, map[string]any{"errorCode": "SECURITY_ERROR", "errorMessage": "no deleting"})
			return true
		}
		return lose(mock, w, r)
	})

	_, err := c.CreateAgentSecret(t.Context(), "web")
	stored := mock.AriaSecrets()
	if len(stored) != 1 {
		t.Fatalf("the platform holds %d secrets, want the one the lost create made", len(stored))
	}
	var ambiguous *AmbiguousError
	if !errors.As(err, &ambiguous) || !strings.Contains(err.Error(), stored[0].ID) || !strings.Contains(err.Error(), "no deleting") ||
		!strings.Contains(err.Error(), "Delete it outside Terraform") {
		t.Fatalf("err %v; want the lost create, the secret %s to delete and why deleting failed", err, stored[0].ID)
	}
	if strings.Contains(err.Error(), stored[0].Secret) {
		t.Fatal("the error holds the secret value")
	}
}

// A create answered 401 was refused, not acted on, so it is sent again after the re-login.
func TestAriaAgentSecretCreateAfterSessionExpiry(t *testing.T) {
	c, mock := newLoggedInAria(t)
	mock.ExpireAriaSessions()

	if _, err := c.CreateAgentSecret(t.Context(), "web"); err != nil {
		t.Fatalf("create after the session expired: %v", err)
	}
	if got := mock.AriaLogins(); got != 2 {
		t.Fatalf("%d logins, want 2 (one re-login)", got)
	}
	if got := len(mock.AriaSecrets()); got != 1 {
		t.Fatalf("the platform holds %d secrets, want 1", got)
	}
}

// When a session expires under parallel calls, all of them are answered 401; the first to log
// in again renews the session for every one of them.
func TestAriaConcurrentCallsAfterExpiryShareOneLogin(t *testing.T) {
	c, mock := newLoggedInAria(t)
	mock.ExpireAriaSessions()

	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < cap(errs); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.ListAgentSecrets(t.Context())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := mock.AriaLogins(); got != 2 {
		t.Fatalf("%d logins, want 2: parallel calls rejected together share one re-login", got)
	}
}

// A delete is sent again after a lost answer; the retry finds nothing, an ErrNotFound the
// resource counts as done.
func TestAriaDeleteAgentSecretAfterLostAnswer(t *testing.T) {
	c, mock := newLoggedInAria(t)
	s, err := c.CreateAgentSecret(t.Context(), "web")
	if err != nil {
		t.Fatal(err)
	}
	mock.DropNextWrites(1)
	if err := c.DeleteAgentSecret(t.Context(), s.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete after a lost answer: %v, want the retry's ErrNotFound", err)
	}
	if left := mock.AriaSecrets(); len(left) != 0 {
		t.Fatalf("secrets left after delete: %+v", left)
	}
}
