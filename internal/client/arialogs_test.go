package client

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

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
	if cfg.OperationsEndpoint == "" {
		cfg.OperationsEndpoint = mock.Endpoints(srv.URL).VCFOperations
	}
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

// legacyAria is the configuration of the legacy session login with the mock's user.
func legacyAria() AriaLogsConfig {
	creds := mockserver.DefaultCredentials()
	return AriaLogsConfig{AuthMethod: AriaAuthLegacySession, Username: creds.AriaUsername, Password: creds.AriaPassword}
}

func TestAriaLegacyLogsInOnceAndAgainAfterExpiry(t *testing.T) {
	c, mock := newAriaAgainstMock(t, legacyAria())
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
	if got := mock.AriaTokenAcquisitions(); got != 0 {
		t.Fatalf("%d VCF Operations tokens acquired, want none with the legacy method", got)
	}
}

func TestAriaLegacyWrongPasswordIsAClearError(t *testing.T) {
	cfg := legacyAria()
	cfg.Password = "wrong-password"
	c, mock := newAriaAgainstMock(t, cfg)
	err := listSecrets(t, c)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized || apiErr.Platform != PlatformAriaLogs {
		t.Fatalf("err %v; want the login's 401", err)
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("the error leaks the password: %v", err)
	}
	if got := mock.Calls("POST /arialogs/api/v2/sessions"); got != 1 {
		t.Fatalf("%d login attempts, want 1: a rejected password is not retried", got)
	}
}

func TestAriaLegacyRejectedSessionTokenSaysWhatToDo(t *testing.T) {
	c, _ := newAriaAgainstMock(t, AriaLogsConfig{AuthMethod: AriaAuthLegacySession, Token: "stale-session"})
	err := listSecrets(t, c)
	if err == nil || !strings.Contains(err.Error(), "session token was rejected") {
		t.Fatalf("err %v; want the rejected-token explanation", err)
	}
}

// A session token the mock issued is sent as a bearer token, and nothing else is.
func TestAriaLegacySessionTokenIsABearerToken(t *testing.T) {
	var headers http.Header
	c, mock := newAriaBehind(t, AriaLogsConfig{AuthMethod: AriaAuthLegacySession}, func(_ *mockserver.Server, _ http.ResponseWriter, r *http.Request) bool {
		headers = r.Header.Clone()
		return false
	})
	c.credential = mock.OpenAriaSession()
	if err := listSecrets(t, c); err != nil {
		t.Fatal(err)
	}
	if headers.Get("Authorization") != "Bearer "+c.credential || headers.Get("X-JWT-Token") != "" {
		t.Fatalf("the call carried %v, want only the session as a bearer token", headers)
	}
}

func TestAriaJWTAcquiredOnceAndAgainAfterExpiry(t *testing.T) {
	creds := mockserver.DefaultCredentials()
	c, mock := newAriaAgainstMock(t, AriaLogsConfig{Username: creds.AriaUsername, Password: creds.AriaPassword})
	for i := 0; i < 3; i++ {
		if err := listSecrets(t, c); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if a, e := mock.AriaTokenAcquisitions(), mock.AriaTokenExchanges(); a != 1 || e != 1 {
		t.Fatalf("%d acquisitions and %d exchanges for three calls, want 1 and 1 (the JWT is cached)", a, e)
	}
	mock.ExpireAriaJWTs()
	if err := listSecrets(t, c); err != nil {
		t.Fatalf("after the JWT expired: %v", err)
	}
	if a, e := mock.AriaTokenAcquisitions(), mock.AriaTokenExchanges(); a != 2 || e != 2 {
		t.Fatalf("%d acquisitions and %d exchanges after expiry, want 2 and 2 (one transparent renewal)", a, e)
	}
	if got := mock.AriaLogins(); got != 0 {
		t.Fatalf("%d legacy logins, want none", got)
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

// newLoggedInAriaBehind is newLoggedInAria with intercept in front of the mock. It holds a JWT
// from VCF Operations, the default method.
func newLoggedInAriaBehind(t *testing.T, intercept interceptor) (*AriaLogs, *mockserver.Server) {
	t.Helper()
	creds := mockserver.DefaultCredentials()
	c, mock := newAriaBehind(t, AriaLogsConfig{Username: creds.AriaUsername, Password: creds.AriaPassword}, intercept)
	if _, err := c.ListAgentSecrets(t.Context()); err != nil {
		t.Fatalf("first call: %v", err)
	}
	return c, mock
}

// ariaRevokeRoute is the mock's revoke route, for its counters.
const ariaRevokeRoute = "POST " + ariaSecretsRoute + "/{name}/revoke"

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
	if want := (AgentSecret{ID: created.ID, Name: "web", Status: "ACTIVE", ModificationTime: stored[0].ModificationTime}); *got != want || got.ModificationTime == "" {
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

	if err := c.RevokeAgentSecret(ctx, created.ID); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if got, err := c.GetAgentSecret(ctx, created.ID); err != nil || !got.Revoked() {
		t.Fatalf("get after revoke: %+v, %v; want the secret, revoked", got, err)
	}
	if err := c.RevokeAgentSecret(ctx, created.ID); err != nil {
		t.Fatalf("second revoke: %v, want nothing to do", err)
	}
	if err := c.RevokeAgentSecret(ctx, "3f2b8c1e-5d4a-4e6f-9a7b-2c1d0e9f8a7b"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoke of an unknown id: %v, want ErrNotFound", err)
	}
	if got := mock.Calls(ariaRevokeRoute); got != 1 {
		t.Fatalf("%d revokes sent, want 1", got)
	}

	// The mock lets a revoked secret's name be used again: the new secret is the one found by name.
	again, err := c.CreateAgentSecret(ctx, "web")
	if err != nil {
		t.Fatalf("create of the revoked name: %v", err)
	}
	if found, err := c.FindAgentSecretByName(ctx, "web"); err != nil || found.ID != again.ID {
		t.Fatalf("find by name after re-creating: %+v, %v; want %s", found, err, again.ID)
	}
}

// The list is read page by page, however small the server makes them.
func TestAriaListWalksThePagesOfTheMock(t *testing.T) {
	c, mock := newLoggedInAria(t)
	for i := range 23 {
		mock.PutAriaSecret(fmt.Sprintf("s%02d", i))
	}
	mock.SetAriaMaxPageSize(5)
	mock.ResetCalls()
	all, err := c.ListAgentSecrets(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 23 || all[22].Name != "s22" || mock.Calls("GET "+ariaSecretsRoute) != 5 {
		t.Fatalf("%d secrets in %d pages, want 23 in 5", len(all), mock.Calls("GET "+ariaSecretsRoute))
	}
}

func TestAriaAgentSecretErrorBodyIsParsed(t *testing.T) {
	c, _ := newLoggedInAria(t)
	_, err := c.CreateAgentSecret(t.Context(), "   ")
	var apiErr *APIError
	var taken *AgentSecretNameTakenError
	if !errors.As(err, &apiErr) || errors.As(err, &taken) || apiErr.Status != http.StatusBadRequest || apiErr.Code != "FIELD_ERROR" ||
		apiErr.Message != "name is required" {
		t.Fatalf("err %#v; want a 400 APIError with FIELD_ERROR and the API's message, not a name taken", err)
	}
}

func TestAriaAgentSecretDuplicateNameLeavesTheExistingOne(t *testing.T) {
	c, mock := newLoggedInAria(t)
	orig := mock.PutAriaSecret("web")

	_, err := c.CreateAgentSecret(t.Context(), "web")
	var taken *AgentSecretNameTakenError
	if !errors.As(err, &taken) || taken.Name != "web" || taken.ID != orig.ID || taken.Revoked {
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

// The API documents no status for a duplicate name: a 400 while a secret holds the name is the
// same refusal as a 409.
func TestAriaAgentSecretDuplicateNameAnswered400(t *testing.T) {
	c, mock := newLoggedInAriaBehind(t, func(mock *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
		if !isSecretCreate(r) || len(mock.ActiveAriaSecrets()) == 0 {
			return false
		}
		writeJSON(t, w, http.StatusBadRequest, map[string]any{"errorCode": "FIELD_ERROR", "errorMessage": "secret name must be unique"})
		return true
	})
	orig := mock.PutAriaSecret("web")
	_, err := c.CreateAgentSecret(t.Context(), "web")
	var taken *AgentSecretNameTakenError
	if !errors.As(err, &taken) || taken.ID != orig.ID || !strings.Contains(err.Error(), "HTTP 400") || !strings.Contains(err.Error(), "left unchanged") {
		t.Fatalf("err %v; want the 400 as an AgentSecretNameTakenError naming %s", err, orig.ID)
	}
}

// Where the platform keeps the names of revoked secrets, a create of such a name is refused, and
// the error says the name belongs to a revoked secret.
func TestAriaAgentSecretNameOfARevokedSecret(t *testing.T) {
	c, mock := newLoggedInAria(t)
	mock.SetAriaRevokedNamesReusable(false)
	old := mock.PutAriaSecret("web")
	mock.RevokeAriaSecret(old.ID)

	_, err := c.CreateAgentSecret(t.Context(), "web")
	var taken *AgentSecretNameTakenError
	if !errors.As(err, &taken) || taken.ID != old.ID || !taken.Revoked {
		t.Fatalf("err %v; want an AgentSecretNameTakenError naming the revoked secret %s", err, old.ID)
	}
	for _, want := range []string{"HTTP 409", old.ID, "which is revoked", "cannot be used again", "Choose another name"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
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

// The create is committed but its answer, the only one that carries the value, is lost, or a
// gateway answers 502 or 504 in its stead. The name was free before, but a secret that holds it
// now may be another workspace's, created at the same moment: nothing is revoked, nothing sent
// again, and the error names the secret and what to do.
func TestAriaAgentSecretLostAnswerLeavesTheNewSecretAlone(t *testing.T) {
	for name, lose := range lostAnswerWays(t, isSecretCreate) {
		t.Run(name, func(t *testing.T) {
			c, mock := newLoggedInAriaBehind(t, lose)

			_, err := c.CreateAgentSecret(t.Context(), "web")
			active := mock.ActiveAriaSecrets()
			if len(active) != 1 {
				t.Fatalf("the platform holds %+v active, want the one secret the lost create made, untouched", active)
			}
			var ambiguous *AmbiguousError
			if !errors.As(err, &ambiguous) {
				t.Fatalf("err %v; want the lost create", err)
			}
			for _, want := range []string{active[0].ID, "left alone", "revoke it outside Terraform", "import it"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), active[0].Secret) {
				t.Fatal("the error holds the secret value")
			}
			if c, r := mock.Calls("POST "+ariaSecretsRoute), mock.Calls(ariaRevokeRoute); c != 1 || r != 0 {
				t.Fatalf("%d creates and %d revokes sent, want 1 and none", c, r)
			}
		})
	}
}

// Every answer is lost before the platform acts: the create gives up after maxLostAnswers tries.
func TestAriaAgentSecretEveryAnswerLost(t *testing.T) {
	c, mock := newLoggedInAriaBehind(t, func(_ *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
		if !isSecretCreate(r) {
			return false
		}
		dropConnection(t, w)
		return true
	})

	_, err := c.CreateAgentSecret(t.Context(), "web")
	var ambiguous *AmbiguousError
	if !errors.As(err, &ambiguous) || !strings.Contains(err.Error(), fmt.Sprintf("sent %d times", maxLostAnswers)) {
		t.Fatalf("err %v; want the lost create, saying how often it was sent", err)
	}
	if all := mock.AriaSecrets(); len(all) != 0 {
		t.Fatalf("the platform holds %+v, want nothing", all)
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
	if got := mock.Calls(ariaRevokeRoute); got != 0 {
		t.Fatalf("%d revokes sent, want none: nothing was made", got)
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
	if got := mock.Calls(ariaRevokeRoute); got != 0 {
		t.Fatalf("%d revokes sent, want none", got)
	}
}

// The name changed hands while the create's answer was lost: who made the secret holding it now
// cannot be told, so nothing is revoked and nothing sent again.
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
	active := mock.ActiveAriaSecrets()
	if len(active) != 1 || active[0].ID == before.ID {
		t.Fatalf("the platform holds %+v active, want only the replacement of %s, untouched", active, before.ID)
	}
	var ambiguous *AmbiguousError
	if !errors.As(err, &ambiguous) || !strings.Contains(err.Error(), "cannot be told") ||
		!strings.Contains(err.Error(), before.ID) || !strings.Contains(err.Error(), active[0].ID) {
		t.Fatalf("err %v; want the lost create, naming the secret before (%s) and now (%s)", err, before.ID, active[0].ID)
	}
	if got := mock.Calls(ariaRevokeRoute); got != 0 {
		t.Fatalf("%d revokes sent, want none", got)
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
	if !errors.As(err, &ambiguous) || !strings.Contains(err.Error(), "looking for it failed too") {
		t.Fatalf("err %v; want the ambiguous create and the failed lookup", err)
	}
	if got := mock.Calls("POST " + ariaSecretsRoute); got != 1 {
		t.Fatalf("%d creates sent, want 1: without the lookup a second create could duplicate", got)
	}
}

// A create answered 401 was refused, not acted on, so it is sent again with a new JWT.
func TestAriaAgentSecretCreateAfterJWTExpiry(t *testing.T) {
	c, mock := newLoggedInAria(t)
	mock.ExpireAriaJWTs()

	if _, err := c.CreateAgentSecret(t.Context(), "web"); err != nil {
		t.Fatalf("create after the JWT expired: %v", err)
	}
	if got := mock.AriaTokenAcquisitions(); got != 2 {
		t.Fatalf("%d acquisitions, want 2 (one renewal)", got)
	}
	if got := len(mock.AriaSecrets()); got != 1 {
		t.Fatalf("the platform holds %d secrets, want 1", got)
	}
}

// When a JWT expires under parallel calls, all of them are answered 401; the first to get a new
// one renews it for every one of them.
func TestAriaConcurrentCallsAfterExpiryShareOneAcquisition(t *testing.T) {
	c, mock := newLoggedInAria(t)
	mock.ExpireAriaJWTs()

	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range cap(errs) {
		wg.Go(func() {
			_, err := c.ListAgentSecrets(t.Context())
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if a, e := mock.AriaTokenAcquisitions(), mock.AriaTokenExchanges(); a != 2 || e != 2 {
		t.Fatalf("%d acquisitions and %d exchanges, want 2 and 2: parallel calls rejected together share one renewal", a, e)
	}
}

// A revoke is sent again after a lost answer; the mock refuses the retry as already revoked,
// and the list shows it is: the revoke is done.
func TestAriaRevokeAgentSecretAfterLostAnswer(t *testing.T) {
	c, mock := newLoggedInAria(t)
	s, err := c.CreateAgentSecret(t.Context(), "web")
	if err != nil {
		t.Fatal(err)
	}
	mock.DropNextWrites(1)
	if err := c.RevokeAgentSecret(t.Context(), s.ID); err != nil {
		t.Fatalf("revoke after a lost answer: %v, want success", err)
	}
	if active := mock.ActiveAriaSecrets(); len(active) != 0 {
		t.Fatalf("active secrets left after revoke: %+v", active)
	}
	if got := mock.Calls(ariaRevokeRoute); got != 2 {
		t.Fatalf("%d revokes sent, want 2: the lost one and its retry", got)
	}
}

// vcfOpsFake is VCF Operations and the Log Management API as their documentation shows them: a
// token acquire that answers a refusal with an empty 401, a token exchange that wants
// "Authorization: OpsToken <token>", and agent secret calls that want the exchanged JWT in
// X-JWT-Token. It records what the client sends.
type vcfOpsFake struct {
	t        *testing.T
	password string
	delay    time.Duration // before answering an acquire, so that parallel callers overlap

	mu       sync.Mutex
	acquires []map[string]any // request bodies
	exchange []string         // Authorization headers of the exchanges
	keys     []string         // request bodies of the exchanges
	calls    []http.Header    // headers of the agent secret calls
	valid    map[string]bool  // JWTs the agent secret calls accept
	opsToken map[string]bool  // VCF Operations tokens issued
	// rejectAll answers every agent secret call with refusal, whatever it carries.
	rejectAll bool
	// refusal is the status of a refused agent secret call: 401 unless set.
	refusal int
	// noJWT leaves jwtToken out of the exchange's answer.
	noJWT bool
}

func newVCFOpsFake(t *testing.T) *vcfOpsFake {
	return &vcfOpsFake{t: t, password: "ops-password", valid: map[string]bool{}, opsToken: map[string]bool{}}
}

func (f *vcfOpsFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/suite-api/api/auth/token/acquire":
		f.acquire(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/suite-api/api/auth/token/exchange":
		f.exchangeToken(w, r)
	case strings.HasSuffix(r.URL.Path, "/api/v2/agent/secrets"):
		f.agentSecrets(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (f *vcfOpsFake) acquire(w http.ResponseWriter, r *http.Request) {
	time.Sleep(f.delay)
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		f.t.Errorf("acquire body: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acquires = append(f.acquires, body)
	if body["password"] != f.password {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	token := fmt.Sprintf("ops-token-%d::%d", len(f.acquires), len(f.acquires))
	f.opsToken[token] = true
	writeJSON(f.t, w, http.StatusOK, map[string]any{"token": token, "validity": time.Now().Add(6 * time.Hour).UnixMilli(),
		"expiresAt": "Friday, March 3, 2023 at 6:52:07 PM Coordinated Universal Time", "roles": []string{"ADMIN"}})
}

func (f *vcfOpsFake) exchangeToken(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	auth := r.Header.Get("Authorization")
	f.exchange = append(f.exchange, auth)
	f.keys = append(f.keys, string(raw))
	if token, ok := strings.CutPrefix(auth, "OpsToken "); !ok || !f.opsToken[token] {
		writeJSON(f.t, w, http.StatusUnauthorized, map[string]any{"message": "Not authenticated", "httpStatusCode": 401, "apiErrorCode": 401})
		return
	}
	jwt := fmt.Sprintf("eyJ.jwt-%d.sig", len(f.exchange))
	f.valid[jwt] = true
	answer := map[string]any{"jwtToken": jwt, "services": []map[string]any{{"key": "ops-li", "address": "logs.example.com", "port": 443, "basePath": "/"}}}
	if f.noJWT {
		delete(answer, "jwtToken")
	}
	writeJSON(f.t, w, http.StatusOK, answer)
}

func (f *vcfOpsFake) agentSecrets(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.Header.Clone())
	if f.rejectAll || !f.valid[r.Header.Get("X-JWT-Token")] {
		writeJSON(f.t, w, cmp.Or(f.refusal, http.StatusUnauthorized),
			map[string]any{"errorCode": "SECURITY_ERROR", "errorMessage": "JWT not valid", "errorDetails": map[string]any{}})
		return
	}
	writeJSON(f.t, w, http.StatusOK, map[string]any{"secrets": []any{}})
}

// expire makes every JWT issued so far invalid.
func (f *vcfOpsFake) expire() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.valid)
}

// counts returns how many acquires, exchanges and agent secret calls the fake received.
func (f *vcfOpsFake) counts() (acquires, exchanges, calls int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.acquires), len(f.exchange), len(f.calls)
}

// newAriaWithFake returns a client for the Log Management API at <fake>/logs, whose VCF
// Operations is the fake's root, reached through the default: the endpoint's scheme and host.
func newAriaWithFake(t *testing.T, f *vcfOpsFake, cfg AriaLogsConfig) *AriaLogs {
	t.Helper()
	srv := serve(t, f.ServeHTTP)
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Endpoint = srv.URL + "/logs"
	c, err := NewAriaLogs(tr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAriaAcquiresAndExchangesAVCFOperationsToken(t *testing.T) {
	f := newVCFOpsFake(t)
	c := newAriaWithFake(t, f, AriaLogsConfig{Username: "ops-user", Password: f.password})
	if err := listSecrets(t, c); err != nil {
		t.Fatal(err)
	}
	if a, e, n := f.counts(); a != 1 || e != 1 || n != 1 {
		t.Fatalf("%d acquires, %d exchanges and %d calls, want one each", a, e, n)
	}
	// No authSource is configured, so none is sent.
	if got := mustJSON(t, f.acquires[0]); got != `{"password":"ops-password","username":"ops-user"}` {
		t.Errorf("acquire body %s, want username and password only", got)
	}
	if f.exchange[0] != "OpsToken ops-token-1::1" || strings.TrimSpace(f.keys[0]) != `{"serviceKeys":["ops-li"]}` {
		t.Errorf("exchange sent %q with %s, want the acquired OpsToken and serviceKeys [ops-li]", f.exchange[0], f.keys[0])
	}
	if got := f.calls[0]; got.Get("X-JWT-Token") != "eyJ.jwt-1.sig" || got.Get("Authorization") != "" {
		t.Errorf("the agent secret call carried X-JWT-Token %q and Authorization %q, want the JWT and no Authorization",
			got.Get("X-JWT-Token"), got.Get("Authorization"))
	}
}

func TestAriaSendsTheConfiguredAuthSource(t *testing.T) {
	f := newVCFOpsFake(t)
	c := newAriaWithFake(t, f, AriaLogsConfig{Username: "ops-user", Password: f.password, AuthSource: "Imported LDAP Server"})
	if err := listSecrets(t, c); err != nil {
		t.Fatal(err)
	}
	if got := f.acquires[0]["authSource"]; got != "Imported LDAP Server" {
		t.Errorf("acquire sent authSource %v, want the configured one", got)
	}
}

// VCF Operations on a host of its own: the tokens come from there, and the Log Management API
// host sees only agent secret calls.
func TestAriaOperationsEndpointOnAnotherHost(t *testing.T) {
	opsFake, logsFake := newVCFOpsFake(t), newVCFOpsFake(t)
	ops := serve(t, opsFake.ServeHTTP)
	var logsPaths []string
	logs := serve(t, func(w http.ResponseWriter, r *http.Request) {
		logsPaths = append(logsPaths, r.URL.Path)
		if strings.HasPrefix(r.URL.Path, "/suite-api/") {
			http.NotFound(w, r)
			return
		}
		opsFake.ServeHTTP(w, r) // the JWTs are VCF Operations'
	})
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewAriaLogs(tr, AriaLogsConfig{Endpoint: logs.URL, OperationsEndpoint: ops.URL + "/", Username: "u", Password: opsFake.password})
	if err != nil {
		t.Fatal(err)
	}
	if err := listSecrets(t, c); err != nil {
		t.Fatal(err)
	}
	if a, e, _ := opsFake.counts(); a != 1 || e != 1 {
		t.Fatalf("VCF Operations saw %d acquires and %d exchanges, want 1 and 1", a, e)
	}
	if a, e, n := logsFake.counts(); a+e+n != 0 || len(logsPaths) != 1 || logsPaths[0] != "/api/v2/agent/secrets" {
		t.Fatalf("the Log Management API host saw %v, want the agent secret call only", logsPaths)
	}
}

// VCF Operations is not where the client looked: the error says where it looked, and is no
// ErrNotFound, which would make the secret the call was for look gone.
func TestAriaVCFOperationsNotFoundSaysWhereItLooked(t *testing.T) {
	logs := serve(t, http.NotFound)
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewAriaLogs(tr, AriaLogsConfig{Endpoint: logs.URL + "/logs", Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	err = listSecrets(t, c)
	var notFound *CredentialRouteNotFoundError
	if errors.Is(err, ErrNotFound) || !errors.As(err, &notFound) || notFound.Err.Platform != PlatformVCFOperations ||
		!strings.Contains(err.Error(), "VCF Operations API returned HTTP 404") || !strings.Contains(err.Error(), "expected at "+logs.URL+";") {
		t.Fatalf("err %v; want the 404 of VCF Operations and where it was expected, not an ErrNotFound", err)
	}
}

func TestAriaParallelFirstCallsShareOneAcquisition(t *testing.T) {
	f := newVCFOpsFake(t)
	f.delay = 50 * time.Millisecond
	c := newAriaWithFake(t, f, AriaLogsConfig{Username: "u", Password: f.password})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range cap(errs) {
		wg.Go(func() { errs <- listSecrets(t, c) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if a, e, n := f.counts(); a != 1 || e != 1 || n != cap(errs) {
		t.Fatalf("%d acquires and %d exchanges for %d parallel calls (%d seen), want 1 and 1", a, e, cap(errs), n)
	}
}

// An expired JWT is answered 401: the client acquires a new one once and sends the call again.
func TestAriaExpiredJWTIsRenewedAndTheCallSentAgain(t *testing.T) {
	f := newVCFOpsFake(t)
	c := newAriaWithFake(t, f, AriaLogsConfig{Username: "u", Password: f.password})
	if err := listSecrets(t, c); err != nil {
		t.Fatal(err)
	}
	f.expire()
	if err := listSecrets(t, c); err != nil {
		t.Fatalf("after the JWT expired: %v", err)
	}
	if a, e, n := f.counts(); a != 2 || e != 2 || n != 3 {
		t.Fatalf("%d acquires, %d exchanges and %d calls, want 2, 2 and 3 (the rejected call is sent once more)", a, e, n)
	}
	if got := f.calls[2].Get("X-JWT-Token"); got != "eyJ.jwt-2.sig" {
		t.Fatalf("the call was sent again with %q, want the new JWT", got)
	}
}

// A 401 that a fresh JWT does not cure is final after one renewal.
func TestAriaRenewsOnlyOnceOn401(t *testing.T) {
	f := newVCFOpsFake(t)
	f.rejectAll = true
	c := newAriaWithFake(t, f, AriaLogsConfig{Username: "u", Password: f.password})
	err := listSecrets(t, c)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized || apiErr.Platform != PlatformAriaLogs {
		t.Fatalf("err %v; want the Aria Operations for Logs 401", err)
	}
	if a, e, n := f.counts(); a != 2 || e != 2 || n != 2 {
		t.Fatalf("%d acquires, %d exchanges and %d calls, want 2 each: one renewal, then the 401 is final", a, e, n)
	}
}

// An expired JWT answered 403, the code seed 001 documents for "Authorization required", is
// renewed once like a 401 and the call sent again.
func TestAriaExpiredJWTAnswered403IsRenewed(t *testing.T) {
	f := newVCFOpsFake(t)
	f.refusal = http.StatusForbidden
	c := newAriaWithFake(t, f, AriaLogsConfig{Username: "u", Password: f.password})
	if err := listSecrets(t, c); err != nil {
		t.Fatal(err)
	}
	f.expire()
	if err := listSecrets(t, c); err != nil {
		t.Fatalf("after the JWT expired: %v", err)
	}
	if a, e, n := f.counts(); a != 2 || e != 2 || n != 3 {
		t.Fatalf("%d acquires, %d exchanges and %d calls, want 2, 2 and 3 (the refused call is sent once more)", a, e, n)
	}
	if got := f.calls[2].Get("X-JWT-Token"); got != "eyJ.jwt-2.sig" {
		t.Fatalf("the call was sent again with %q, want the new JWT", got)
	}
}

// A 403 that a fresh JWT does not cure is the permission error, after one renewal.
func TestAriaRenewsOnlyOnceOn403(t *testing.T) {
	f := newVCFOpsFake(t)
	f.rejectAll, f.refusal = true, http.StatusForbidden
	c := newAriaWithFake(t, f, AriaLogsConfig{Username: "u", Password: f.password})
	err := listSecrets(t, c)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden || apiErr.Platform != PlatformAriaLogs {
		t.Fatalf("err %v; want the Aria Operations for Logs 403", err)
	}
	if a, e, n := f.counts(); a != 2 || e != 2 || n != 2 {
		t.Fatalf("%d acquires, %d exchanges and %d calls, want 2 each: one renewal, then the 403 is final", a, e, n)
	}
}

// The legacy login not served where the client looked says nothing about the secrets: it is no
// ErrNotFound, which would make the secret the call was for look gone.
func TestAriaLegacyLoginNotFoundIsNotErrNotFound(t *testing.T) {
	cfg := legacyAria()
	c, _ := newAriaBehind(t, cfg, func(_ *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/api/v2/sessions") {
			return false
		}
		http.NotFound(w, r)
		return true
	})
	err := listSecrets(t, c)
	var notFound *CredentialRouteNotFoundError
	if errors.Is(err, ErrNotFound) || !errors.As(err, &notFound) || notFound.Err.Platform != PlatformAriaLogs ||
		!strings.Contains(err.Error(), "legacy login (POST /api/v2/sessions)") {
		t.Fatalf("err %v; want the login's 404, not an ErrNotFound", err)
	}
}

// When the call sent again after a renewal loses its connection, that failure is the error.
func TestAriaRenewedCallThatFailsReportsTheFailure(t *testing.T) {
	creds := mockserver.DefaultCredentials()
	var lists atomic.Int32
	c, mock := newAriaBehind(t, AriaLogsConfig{Username: creds.AriaUsername, Password: creds.AriaPassword},
		func(_ *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
			if r.Method != http.MethodGet || r.URL.Path != ariaSecretsRoute || lists.Add(1) == 1 {
				return false
			}
			dropConnection(t, w)
			return true
		})
	mock.SetAriaExpiryForbidden(true)
	c.credential = mock.IssueAriaJWT()
	mock.ExpireAriaJWTs()
	err := listSecrets(t, c)
	if err == nil || !strings.Contains(err.Error(), "failed") || mock.AriaTokenExchanges() != 1 {
		t.Fatalf("err %v after %d exchanges; want the lost connection after one renewal", err, mock.AriaTokenExchanges())
	}
}

// A given JWT without a username and password cannot be renewed: its 403 is reported as it is,
// after the one call.
func TestAriaGivenJWTAnswered403IsReported(t *testing.T) {
	f := newVCFOpsFake(t)
	f.refusal = http.StatusForbidden
	c := newAriaWithFake(t, f, AriaLogsConfig{Token: "given-jwt"})
	err := listSecrets(t, c)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
		t.Fatalf("err %v; want the 403", err)
	}
	if a, e, n := f.counts(); a != 0 || e != 0 || n != 1 {
		t.Fatalf("%d acquires, %d exchanges and %d calls, want 0, 0 and 1", a, e, n)
	}
}

// Against the mock answering expiry with 403: a legacy session is opened again once, and a JWT
// acquired again once, and the call succeeds.
func TestAriaExpiryAnswered403RenewsOnce(t *testing.T) {
	creds := mockserver.DefaultCredentials()
	for name, tc := range map[string]struct {
		cfg     AriaLogsConfig
		expire  func(*mockserver.Server)
		renewed func(*mockserver.Server) int
	}{
		"legacy session": {legacyAria(), (*mockserver.Server).ExpireAriaSessions, (*mockserver.Server).AriaLogins},
		"jwt": {AriaLogsConfig{Username: creds.AriaUsername, Password: creds.AriaPassword},
			(*mockserver.Server).ExpireAriaJWTs, (*mockserver.Server).AriaTokenExchanges},
	} {
		t.Run(name, func(t *testing.T) {
			c, mock := newAriaAgainstMock(t, tc.cfg)
			mock.SetAriaExpiryForbidden(true)
			if err := listSecrets(t, c); err != nil {
				t.Fatal(err)
			}
			tc.expire(mock)
			if err := listSecrets(t, c); err != nil {
				t.Fatalf("after the expiry: %v", err)
			}
			if got, rejected := tc.renewed(mock), mock.AriaRejectedCalls(); got != 2 || rejected != 1 {
				t.Fatalf("%d credentials obtained and %d calls refused, want 2 and 1", got, rejected)
			}
			if got := mock.Calls("GET " + ariaSecretsRoute); got != 3 {
				t.Fatalf("%d list calls, want 3: two, and the refused one once more", got)
			}
		})
	}
}

// A JWT the user gives is used as it is: nothing is acquired, and its rejection says what to do.
func TestAriaGivenJWTIsUsedAndItsRejectionExplained(t *testing.T) {
	f := newVCFOpsFake(t)
	f.valid["given-jwt"] = true
	c := newAriaWithFake(t, f, AriaLogsConfig{Token: "given-jwt"})
	if err := listSecrets(t, c); err != nil {
		t.Fatal(err)
	}
	if got := f.calls[0].Get("X-JWT-Token"); got != "given-jwt" {
		t.Fatalf("the call carried X-JWT-Token %q, want the given JWT", got)
	}
	f.expire()
	err := listSecrets(t, c)
	var rejected *CredentialRejectedError
	if !errors.As(err, &rejected) || rejected.Platform != PlatformAriaLogs || rejected.Status != http.StatusUnauthorized {
		t.Errorf("err %v; want a *CredentialRejectedError", err)
	}
	for _, want := range []string{"configured JWT was rejected (HTTP 401)", "Refresh it", "username and password"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err %v; want it to say %q", err, want)
		}
	}
	if a, e, n := f.counts(); a != 0 || e != 0 || n != 2 {
		t.Fatalf("%d acquires, %d exchanges and %d calls, want 0, 0 and 2", a, e, n)
	}
}

// A given JWT with a username and password beside it: once it expires, the client gets its own.
func TestAriaGivenJWTWithPasswordIsRenewed(t *testing.T) {
	f := newVCFOpsFake(t)
	c := newAriaWithFake(t, f, AriaLogsConfig{Token: "expired-jwt", Username: "u", Password: f.password})
	if err := listSecrets(t, c); err != nil {
		t.Fatal(err)
	}
	if a, e, n := f.counts(); a != 1 || e != 1 || n != 2 {
		t.Fatalf("%d acquires, %d exchanges and %d calls, want 1, 1 and 2", a, e, n)
	}
}

func TestAriaWrongVCFOperationsPasswordIsAClearError(t *testing.T) {
	f := newVCFOpsFake(t)
	c := newAriaWithFake(t, f, AriaLogsConfig{Username: "u", Password: "wrong-password"})
	err := listSecrets(t, c)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Platform != PlatformVCFOperations || apiErr.Status != http.StatusUnauthorized {
		t.Fatalf("err %v; want the VCF Operations 401", err)
	}
	if !strings.Contains(err.Error(), "VCF Operations API returned HTTP 401") {
		t.Errorf("error %q does not name VCF Operations and the 401", err)
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("the error leaks the password: %v", err)
	}
	if a, e, n := f.counts(); a != 1 || e != 0 || n != 0 {
		t.Fatalf("%d acquires, %d exchanges and %d calls, want 1, 0 and 0: a refused acquire is final", a, e, n)
	}
}

func TestAriaExchangeWithoutJWTIsAnError(t *testing.T) {
	f := newVCFOpsFake(t)
	f.noJWT = true
	c := newAriaWithFake(t, f, AriaLogsConfig{Username: "u", Password: f.password})
	if err := listSecrets(t, c); err == nil || !strings.Contains(err.Error(), "answered without a jwtToken") {
		t.Fatalf("err %v; want the missing jwtToken", err)
	}
	if _, _, n := f.counts(); n != 0 {
		t.Fatalf("%d agent secret calls sent without a JWT", n)
	}
}

func TestAriaWithoutCredentialsSaysWhatToSet(t *testing.T) {
	f := newVCFOpsFake(t)
	c := newAriaWithFake(t, f, AriaLogsConfig{Username: "u"})
	if err := listSecrets(t, c); err == nil || !strings.Contains(err.Error(), "no JWT: the configuration has neither a username and password") {
		t.Fatalf("err %v; want what is missing", err)
	}
	if a, e, n := f.counts(); a+e+n != 0 {
		t.Fatalf("the client sent %d calls without credentials", a+e+n)
	}
}

// Neither the password, the VCF Operations token nor the JWT reaches the logs, nor an error
// whose body echoes the request.
func TestAriaTokensNeverLogged(t *testing.T) {
	f := newVCFOpsFake(t)
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/agent/secrets") {
			writeJSON(t, w, http.StatusBadRequest, map[string]any{"errorCode": "FIELD_ERROR", "errorDetails": map[string]any{},
				"errorMessage": "rejected with X-JWT-Token " + r.Header.Get("X-JWT-Token")})
			return
		}
		f.ServeHTTP(w, r)
	})
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewAriaLogs(tr, AriaLogsConfig{Endpoint: srv.URL, Username: "u", Password: f.password})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)
	_, err = c.postAgentSecret(ctx, "web", nil)
	if err == nil || !strings.Contains(err.Error(), "rejected with X-JWT-Token ***") {
		t.Fatalf("err %v; want the echo with the JWT masked", err)
	}
	log := buf.String()
	if !strings.Contains(log, "suite-api/api/auth/token/exchange") || !strings.Contains(log, "API response body") {
		t.Fatalf("the log does not show the token calls and their answers, so it proves nothing:\n%s", log)
	}
	for _, secret := range []string{f.password, "ops-token-1::1", "eyJ.jwt-1.sig"} {
		if strings.Contains(log, secret) || strings.Contains(err.Error(), secret) {
			t.Errorf("the log or the error holds %q:\n%s\n%v", secret, log, err)
		}
	}
}

// newAriaAt returns a client with a given JWT for the Log Management API that h serves.
func newAriaAt(t *testing.T, h http.HandlerFunc) *AriaLogs {
	t.Helper()
	srv := serve(t, h)
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewAriaLogs(tr, AriaLogsConfig{Endpoint: srv.URL, Token: "given-jwt"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// secretsNamed returns n list items named prefix-0, prefix-1, ..., as the list documents them.
func secretsNamed(prefix string, from, n int) []map[string]any {
	out := make([]map[string]any, 0, n)
	for i := from; i < from+n; i++ {
		out = append(out, map[string]any{"id": fmt.Sprintf("id-%s-%d", prefix, i), "name": fmt.Sprintf("%s-%d", prefix, i),
			"status": "ACTIVE", "modificationTime": "2025-06-01T10:00:00.000Z"})
	}
	return out
}

// ariaPagedList serves the list, page by page, with what envelope makes of a page's items, and
// records the page and size of every request.
func ariaPagedList(t *testing.T, pages [][]map[string]any, envelope func(items []map[string]any, page, pages int) any) (http.HandlerFunc, *[]string) {
	var mu sync.Mutex
	var asked []string
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/api/v2/agent/secrets" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		mu.Lock()
		asked = append(asked, q.Get("page")+"/"+q.Get("size"))
		mu.Unlock()
		var page int
		_, _ = fmt.Sscan(q.Get("page"), &page)
		items := []map[string]any{}
		if page < len(pages) {
			items = pages[page]
		}
		writeJSON(t, w, http.StatusOK, envelope(items, page, len(pages)))
	}, &asked
}

// springPage is the envelope Spring Data writes for a Page.
func springPage(items []map[string]any, page, pages int) any {
	return map[string]any{
		"content": items, "number": page, "size": ariaPageSize, "totalPages": pages, "totalElements": 0,
		"numberOfElements": len(items), "first": page == 0, "last": page >= pages-1, "empty": len(items) == 0,
		"pageable": map[string]any{"pageNumber": page, "pageSize": ariaPageSize, "offset": page * ariaPageSize}, "sort": map[string]any{"sorted": false},
	}
}

func TestAriaListReadsEveryEnvelopeAndPage(t *testing.T) {
	full := func(prefix string) []map[string]any { return secretsNamed(prefix, 0, ariaPageSize) }
	tests := []struct {
		name     string
		pages    [][]map[string]any
		envelope func(items []map[string]any, page, pages int) any
		want     int      // secrets
		asked    []string // page/size of each request
	}{
		{
			name: "spring page, last", pages: [][]map[string]any{full("a"), full("b"), secretsNamed("c", 0, 3)},
			envelope: springPage, want: 2*ariaPageSize + 3, asked: []string{"0/100", "1/100", "2/100"},
		},
		{
			// The last page can be full: last says it is the last, not its length.
			name: "spring page, full last page", pages: [][]map[string]any{full("a"), full("b")},
			envelope: springPage, want: 2 * ariaPageSize, asked: []string{"0/100", "1/100"},
		},
		{
			name: "spring page without last", pages: [][]map[string]any{full("a"), secretsNamed("b", 0, ariaPageSize)},
			envelope: func(items []map[string]any, page, pages int) any {
				return map[string]any{"content": items, "number": page, "totalPages": pages}
			},
			want: 2 * ariaPageSize, asked: []string{"0/100", "1/100"},
		},
		{
			name: "paged model", pages: [][]map[string]any{full("a"), secretsNamed("b", 0, 1)},
			envelope: func(items []map[string]any, page, pages int) any {
				return map[string]any{"content": items, "page": map[string]any{"size": ariaPageSize, "number": page, "totalPages": pages, "totalElements": 101}}
			},
			want: ariaPageSize + 1, asked: []string{"0/100", "1/100"},
		},
		{
			name: "bare array, short last page", pages: [][]map[string]any{full("a"), secretsNamed("b", 0, 7)},
			envelope: func(items []map[string]any, _, _ int) any { return items },
			want:     ariaPageSize + 7, asked: []string{"0/100", "1/100"},
		},
		{
			name: "secrets, empty last page", pages: [][]map[string]any{full("a"), {}},
			envelope: func(items []map[string]any, _, _ int) any { return map[string]any{"secrets": items} },
			want:     ariaPageSize, asked: []string{"0/100", "1/100"},
		},
		{
			name: "items, one short page", pages: [][]map[string]any{secretsNamed("a", 0, 2)},
			envelope: func(items []map[string]any, _, _ int) any { return map[string]any{"items": items} },
			want:     2, asked: []string{"0/100"},
		},
		{
			name: "no secrets at all", pages: nil,
			envelope: springPage, want: 0, asked: []string{"0/100"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, asked := ariaPagedList(t, tc.pages, tc.envelope)
			all, err := newAriaAt(t, h).ListAgentSecrets(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != tc.want || strings.Join(*asked, " ") != strings.Join(tc.asked, " ") {
				t.Fatalf("%d secrets after asking for pages %v, want %d after %v", len(all), *asked, tc.want, tc.asked)
			}
			if tc.want > 0 {
				if first := all[0]; first.ID == "" || first.Name == "" || first.Status != "ACTIVE" || first.ModificationTime != "2025-06-01T10:00:00.000Z" {
					t.Fatalf("first secret %+v lost fields", first)
				}
			}
		})
	}
}

// A list that cannot be read is an error, never an empty list: callers would take the secrets
// for gone.
func TestAriaListThatCannotBeReadIsAnError(t *testing.T) {
	for name, body := range map[string]string{
		"unknown envelope": `{"_embedded":{"agentSecrets":[]}}`,
		"empty object":     `{}`,
		"null content":     `{"content":null,"last":true}`,
		"empty answer":     ``,
		"not a list":       `{"content":{"id":"x"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			c := newAriaAt(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, body)
			})
			all, err := c.ListAgentSecrets(t.Context())
			if err == nil || errors.Is(err, ErrNotFound) {
				t.Fatalf("list of %s returned %v, %v; want an error that is not ErrNotFound", body, all, err)
			}
		})
	}
}

// A server that ignores the page asked for repeats itself: the walk stops with an error rather
// than loop or return a short list.
func TestAriaListPageBringingNothingNewIsAnError(t *testing.T) {
	var calls atomic.Int32
	c := newAriaAt(t, func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		writeJSON(t, w, http.StatusOK, map[string]any{"content": secretsNamed("a", 0, ariaPageSize), "last": false})
	})
	_, err := c.ListAgentSecrets(t.Context())
	if err == nil || !strings.Contains(err.Error(), "page 1") || calls.Load() != 2 {
		t.Fatalf("err %v after %d pages; want an error naming page 1 after 2", err, calls.Load())
	}
}

// modificationTime is documented as a string without a format: an RFC 3339 string is kept as
// sent, a number is read as epoch milliseconds (or seconds, below 1e11), and anything else is no
// time at all rather than text that no RFC 3339 attribute could hold.
func TestAriaModificationTimeAsStringOrNumber(t *testing.T) {
	c := newAriaAt(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `[{"id":"a","name":"a","status":"ACTIVE","modificationTime":"2025-06-01T10:00:00Z"},`+
			`{"id":"b","name":"b","status":"ACTIVE","modificationTime":1748772000123},{"id":"c","name":"c","status":"ACTIVE"},`+
			`{"id":"d","name":"d","status":"ACTIVE","modificationTime":1748772000},`+
			`{"id":"e","name":"e","status":"ACTIVE","modificationTime":"2025-06-01T19:00:00.5+09:00"},`+
			`{"id":"f","name":"f","status":"ACTIVE","modificationTime":"01/06/2025 10:00"},`+
			`{"id":"g","name":"g","status":"ACTIVE","modificationTime":null},`+
			`{"id":"h","name":"h","status":"ACTIVE","modificationTime":true}]`)
	})
	all, err := c.ListAgentSecrets(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range all {
		got = append(got, s.ModificationTime)
	}
	want := []string{"2025-06-01T10:00:00Z", "2025-06-01T10:00:00.123Z", "", "2025-06-01T10:00:00Z", "2025-06-01T19:00:00.5+09:00", "", "", ""}
	if !slices.Equal(got, want) {
		t.Fatalf("modification times %q, want %q", got, want)
	}
}

// There is no GET by id: a secret is read through the list, revoked or not; one missing from the
// list is an ErrNotFound, and a list that fails is that failure.
func TestAriaGetAgentSecretReadsTheList(t *testing.T) {
	h, _ := ariaPagedList(t, [][]map[string]any{secretsNamed("a", 0, ariaPageSize), {
		{"id": "wanted", "name": "web", "status": "REVOKED", "modificationTime": "2025-06-02T10:00:00.000Z"},
	}}, springPage)
	c := newAriaAt(t, h)
	got, err := c.GetAgentSecret(t.Context(), "wanted")
	if err != nil {
		t.Fatal(err)
	}
	if want := (AgentSecret{ID: "wanted", Name: "web", Status: "REVOKED", ModificationTime: "2025-06-02T10:00:00.000Z"}); *got != want || !got.Revoked() {
		t.Fatalf("got %+v, want %+v, revoked", *got, want)
	}
	if _, err := c.GetAgentSecret(t.Context(), "absent"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"absent"`) {
		t.Fatalf("err %v; want an ErrNotFound naming the id", err)
	}

	failing := newAriaAt(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(t, w, http.StatusForbidden, map[string]any{"errorCode": "RBAC_COMMON_ERROR", "errorMessage": "no listing"})
	})
	if _, err := failing.GetAgentSecret(t.Context(), "wanted"); err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "HTTP 403") {
		t.Fatalf("err %v; want the list's 403, which is not ErrNotFound", err)
	}
}

func TestAriaRevokedStatusIsCaseInsensitive(t *testing.T) {
	for status, want := range map[string]bool{"REVOKED": true, "revoked": true, "Revoked": true, "ACTIVE": false, "": false, "REVOKING": false} {
		if got := (AgentSecret{Status: status}).Revoked(); got != want {
			t.Errorf("status %q: Revoked() = %v, want %v", status, got, want)
		}
	}
}

// Revoked secrets stay listed, and with names that can be used again one name can be listed more
// than once: the live secret wins, and without one the latest revoked.
func TestAriaFindByNamePrefersTheLiveSecret(t *testing.T) {
	c := newAriaAt(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(t, w, http.StatusOK, []map[string]any{
			{"id": "old", "name": "web", "status": "REVOKED"},
			{"id": "live", "name": "web", "status": "ACTIVE"},
			{"id": "older", "name": "api", "status": "REVOKED"},
			{"id": "newer", "name": "api", "status": "revoked"},
		})
	})
	for name, want := range map[string]string{"web": "live", "api": "newer", "none": ""} {
		got, err := c.FindAgentSecretByName(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		if (got == nil && want != "") || (got != nil && got.ID != want) {
			t.Errorf("FindAgentSecretByName(%q) = %+v, want id %q", name, got, want)
		}
	}
}

// ariaRevokeFake serves the list and the revoke route only, as the Log Management API documents
// them, revoking by name.
type ariaRevokeFake struct {
	t       *testing.T
	mu      sync.Mutex
	secrets []map[string]any
	revokes []string // escaped paths of the revokes
	other   []string // any other request
	// revokeAnswer, when set, answers the revoke after it is done.
	revokeAnswer func(w http.ResponseWriter) bool
}

func (f *ariaRevokeFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method == http.MethodGet && r.URL.Path == "/api/v2/agent/secrets" {
		writeJSON(f.t, w, http.StatusOK, map[string]any{"content": f.secrets, "last": true})
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, "/api/v2/agent/secrets/")
	name, ok2 := strings.CutSuffix(name, "/revoke")
	if r.Method != http.MethodPost || !ok || !ok2 {
		f.other = append(f.other, r.Method+" "+r.URL.EscapedPath())
		http.NotFound(w, r)
		return
	}
	f.revokes = append(f.revokes, r.URL.EscapedPath())
	for _, s := range f.secrets {
		if s["name"] == name && s["status"] == "ACTIVE" {
			s["status"] = "REVOKED"
			if f.revokeAnswer != nil && f.revokeAnswer(w) {
				return
			}
			writeJSON(f.t, w, http.StatusOK, map[string]any{"id": s["id"], "name": name, "status": "REVOKED"})
			return
		}
	}
	writeJSON(f.t, w, http.StatusNotFound, map[string]any{"errorCode": "API_ERROR", "errorMessage": "no such secret"})
}

func TestAriaRevokeAgentSecretByName(t *testing.T) {
	f := &ariaRevokeFake{t: t, secrets: []map[string]any{
		{"id": "old", "name": "web/tier 1%", "status": "REVOKED"},
		{"id": "s1", "name": "web/tier 1%", "status": "ACTIVE"},
	}}
	c := newAriaAt(t, f.ServeHTTP)
	if err := c.RevokeAgentSecret(t.Context(), "s1"); err != nil {
		t.Fatal(err)
	}
	if len(f.revokes) != 1 || f.revokes[0] != "/api/v2/agent/secrets/web%2Ftier%201%25/revoke" || len(f.other) != 0 {
		t.Fatalf("revokes %v and other calls %v; want one POST to the escaped name's revoke and nothing else", f.revokes, f.other)
	}
	if f.secrets[1]["status"] != "REVOKED" {
		t.Fatal("the secret is not revoked")
	}
	// Revoked already, or gone: nothing to send.
	if err := c.RevokeAgentSecret(t.Context(), "s1"); err != nil {
		t.Fatalf("revoking a revoked secret: %v", err)
	}
	if err := c.RevokeAgentSecret(t.Context(), "gone"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoking a secret not in the list: %v, want ErrNotFound", err)
	}
	if len(f.revokes) != 1 {
		t.Fatalf("%d revokes sent, want 1", len(f.revokes))
	}
}

// A revoke whose answer says it failed, although the list shows the secret revoked (a retried
// revoke answered "already revoked", say), is done.
func TestAriaRevokeCheckedAgainstTheList(t *testing.T) {
	f := &ariaRevokeFake{t: t, secrets: []map[string]any{{"id": "s1", "name": "web", "status": "ACTIVE"}},
		revokeAnswer: func(w http.ResponseWriter) bool {
			writeJSON(t, w, http.StatusBadRequest, map[string]any{"errorCode": "API_ERROR", "errorMessage": "already revoked"})
			return true
		}}
	c := newAriaAt(t, f.ServeHTTP)
	if err := c.RevokeAgentSecret(t.Context(), "s1"); err != nil {
		t.Fatalf("revoke: %v, want success: the list shows the secret revoked", err)
	}

	// Refused, and the list shows it live: the refusal stands.
	refused := &ariaRevokeFake{t: t, secrets: []map[string]any{{"id": "s1", "name": "web", "status": "ACTIVE"}}}
	c = newAriaAt(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			writeJSON(t, w, http.StatusForbidden, map[string]any{"errorCode": "RBAC_COMMON_ERROR", "errorMessage": "not yours to revoke"})
			return
		}
		refused.ServeHTTP(w, r)
	})
	if err := c.RevokeAgentSecret(t.Context(), "s1"); err == nil || !strings.Contains(err.Error(), "not yours to revoke") {
		t.Fatalf("err %v; want the refusal", err)
	}

	// Answered 404, and the list shows it live (a gateway that does not know the route, say): not
	// "already gone", which would leave a usable secret behind.
	unknownRoute := &ariaRevokeFake{t: t, secrets: []map[string]any{{"id": "s1", "name": "web", "status": "ACTIVE"}}}
	c = newAriaAt(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			http.NotFound(w, r)
			return
		}
		unknownRoute.ServeHTTP(w, r)
	})
	err := c.RevokeAgentSecret(t.Context(), "s1")
	if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `still shows it with status "ACTIVE"`) {
		t.Fatalf("err %v; want an error, not ErrNotFound, saying the secret is still live", err)
	}
}
