package mockserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// ariaJWT gets a JWT the way clients do, acquiring a VCF Operations token with the demo
// credentials and exchanging it, and returns its X-JWT-Token header pair.
func ariaJWT(t *testing.T, s *testServer) []string {
	t.Helper()
	return []string{"X-JWT-Token", exchangeOpsToken(t, s, acquireOpsToken(t, s))}
}

// acquireOpsToken acquires a VCF Operations token with the demo credentials.
func acquireOpsToken(t *testing.T, s *testServer) string {
	t.Helper()
	c := s.Credentials()
	status, _, body := call(t, http.MethodPost, s.ep.VCFOperations+"/suite-api/api/auth/token/acquire",
		map[string]string{"username": c.AriaUsername, "password": c.AriaPassword})
	wantStatus(t, status, http.StatusOK, body)
	var resp struct {
		Token    string `json:"token"`
		Validity int64  `json:"validity"`
	}
	decode(t, body, &resp)
	if resp.Token == "" || resp.Validity <= time.Now().UnixMilli() {
		t.Fatalf("acquire returned %s, want a token valid in the future", body)
	}
	return resp.Token
}

// exchangeOpsToken exchanges a VCF Operations token for a JWT of the Log Management API.
func exchangeOpsToken(t *testing.T, s *testServer, opsToken string) string {
	t.Helper()
	status, _, body := call(t, http.MethodPost, s.ep.VCFOperations+"/suite-api/api/auth/token/exchange",
		map[string]any{"serviceKeys": []string{"ops-li"}}, "Authorization", "OpsToken "+opsToken)
	wantStatus(t, status, http.StatusOK, body)
	var resp struct {
		JWT      string `json:"jwtToken"`
		Services []struct {
			Key, BasePath string
		} `json:"services"`
	}
	decode(t, body, &resp)
	if resp.JWT == "" || len(resp.Services) != 1 || resp.Services[0].Key != "ops-li" || resp.Services[0].BasePath != AriaLogsPrefix {
		t.Fatalf("exchange returned %s, want a JWT and the ops-li service", body)
	}
	return resp.JWT
}

// wantOpsError fails the test unless body is the VCF Operations error body for status.
func wantOpsError(t *testing.T, body []byte, status int) {
	t.Helper()
	var e map[string]any
	decode(t, body, &e)
	if msg, _ := e["message"].(string); msg == "" || e["httpStatusCode"] != float64(status) {
		t.Fatalf("error body %s, want a message and httpStatusCode %d", body, status)
	}
}

func TestVCFOperationsTokenAcquireAndExchange(t *testing.T) {
	s := newTestServer(t)
	c := s.Credentials()
	acquire := s.ep.VCFOperations + "/suite-api/api/auth/token/acquire"
	exchange := s.ep.VCFOperations + "/suite-api/api/auth/token/exchange"

	jwt := exchangeOpsToken(t, s, acquireOpsToken(t, s))
	status, _, body := call(t, http.MethodGet, s.ep.AriaLogs+"/api/v2/agent/secrets", nil, "X-JWT-Token", jwt)
	wantStatus(t, status, http.StatusOK, body)

	status, _, body = call(t, http.MethodPost, acquire, map[string]string{"username": c.AriaUsername, "password": c.AriaPassword, "authSource": "corp-ldap"})
	wantStatus(t, status, http.StatusOK, body)
	if got := s.AriaAuthSources(); len(got) != 2 || got[0] != "" || got[1] != "corp-ldap" {
		t.Fatalf("AriaAuthSources %q, want none and then corp-ldap", got)
	}
	if a, e := s.AriaTokenAcquisitions(), s.AriaTokenExchanges(); a != 2 || e != 1 {
		t.Fatalf("%d acquisitions and %d exchanges counted, want 2 and 1", a, e)
	}

	t.Run("wrong password has no body", func(t *testing.T) {
		status, _, body := call(t, http.MethodPost, acquire, map[string]string{"username": c.AriaUsername, "password": "nope"})
		wantStatus(t, status, http.StatusUnauthorized, body)
		if len(body) != 0 {
			t.Fatalf("a refused acquire answered %s, want no body", body)
		}
	})
	t.Run("no password", func(t *testing.T) {
		status, _, body := call(t, http.MethodPost, acquire, map[string]string{"username": c.AriaUsername})
		wantStatus(t, status, http.StatusBadRequest, body)
		wantOpsError(t, body, http.StatusBadRequest)
	})
	opsToken := acquireOpsToken(t, s)
	for name, tc := range map[string]struct {
		body    any
		headers []string
		status  int
	}{
		"no ops token":        {map[string]any{"serviceKeys": []string{"ops-li"}}, nil, http.StatusUnauthorized},
		"ops token as bearer": {map[string]any{"serviceKeys": []string{"ops-li"}}, []string{"Authorization", "Bearer " + opsToken}, http.StatusUnauthorized},
		"unknown ops token":   {map[string]any{"serviceKeys": []string{"ops-li"}}, []string{"Authorization", "OpsToken nope"}, http.StatusUnauthorized},
		"another service":     {map[string]any{"serviceKeys": []string{"fleet-lcm"}}, []string{"Authorization", "OpsToken " + opsToken}, http.StatusBadRequest},
	} {
		t.Run(name, func(t *testing.T) {
			status, _, body := call(t, http.MethodPost, exchange, tc.body, tc.headers...)
			wantStatus(t, status, tc.status, body)
			wantOpsError(t, body, tc.status)
		})
	}
}

func TestAriaJWTExpiry(t *testing.T) {
	s := newTestServer(t)
	base := s.ep.AriaLogs + "/api/v2/agent/secrets"
	auth := ariaJWT(t, s)
	status, _, body := call(t, http.MethodGet, base, nil, auth...)
	wantStatus(t, status, http.StatusOK, body)

	s.ExpireAriaJWTs()
	status, _, body = call(t, http.MethodGet, base, nil, auth...)
	wantStatus(t, status, http.StatusUnauthorized, body)
	wantAriaError(t, body, "SECURITY_ERROR")
	if got := s.AriaRejectedCalls(); got != 1 {
		t.Fatalf("AriaRejectedCalls %d, want 1 (the call with the expired JWT)", got)
	}

	out := s.IssueAriaJWT()
	status, _, body = call(t, http.MethodGet, base, nil, "X-JWT-Token", out)
	wantStatus(t, status, http.StatusOK, body)
	if got := s.AriaTokenExchanges(); got != 1 {
		t.Fatalf("AriaTokenExchanges %d, want 1: a JWT issued out of band is not a client's exchange", got)
	}
}

// ariaLogin opens a legacy session with the demo credentials and returns its Authorization header pair.
func ariaLogin(t *testing.T, s *testServer) []string {
	t.Helper()
	c := s.Credentials()
	status, _, body := call(t, http.MethodPost, s.ep.AriaLogs+"/api/v2/sessions",
		map[string]string{"username": c.AriaUsername, "password": c.AriaPassword})
	wantStatus(t, status, http.StatusOK, body)
	var resp struct {
		SessionID string `json:"sessionId"`
	}
	decode(t, body, &resp)
	return []string{"Authorization", "Bearer " + resp.SessionID}
}

// wantAriaError fails the test unless body is exactly the Aria error body with the given code.
func wantAriaError(t *testing.T, body []byte, code string) {
	t.Helper()
	var e map[string]any
	decode(t, body, &e)
	_, detailsIsObject := e["errorDetails"].(map[string]any)
	if msg, _ := e["errorMessage"].(string); e["errorCode"] != code || msg == "" || !detailsIsObject || len(e) != 3 {
		t.Fatalf("error body %s, want errorCode %s, an errorMessage and errorDetails {}", body, code)
	}
}

func TestAriaLogin(t *testing.T) {
	s := newTestServer(t)
	c := s.Credentials()
	url := s.ep.AriaLogs + "/api/v2/sessions"

	for _, provider := range []string{"", "Local", "ActiveDirectory"} {
		status, _, body := call(t, http.MethodPost, url,
			map[string]string{"username": c.AriaUsername, "password": c.AriaPassword, "provider": provider})
		wantStatus(t, status, http.StatusOK, body)
		var resp struct {
			UserID    string `json:"userId"`
			SessionID string `json:"sessionId"`
			TTL       int    `json:"ttl"`
		}
		decode(t, body, &resp)
		if resp.UserID == "" || resp.SessionID == "" || resp.TTL != 1800 {
			t.Fatalf("provider %q: login returned %s", provider, body)
		}
	}
	if got := s.AriaLogins(); got != 3 {
		t.Fatalf("AriaLogins %d, want 3", got)
	}

	tests := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"wrong password", map[string]string{"username": c.AriaUsername, "password": "nope"}, http.StatusUnauthorized, "SECURITY_ERROR"},
		{"wrong user", map[string]string{"username": "eve", "password": c.AriaPassword}, http.StatusUnauthorized, "SECURITY_ERROR"},
		{"no password", map[string]string{"username": c.AriaUsername}, http.StatusBadRequest, "FIELD_ERROR"},
		{"unknown provider", map[string]string{"username": c.AriaUsername, "password": c.AriaPassword, "provider": "LDAP"},
			http.StatusBadRequest, "AUTH_PROVIDER_ERROR"},
		{"malformed JSON", []int{1}, http.StatusBadRequest, "JSON_FORMAT_ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := call(t, http.MethodPost, url, tt.body)
			wantStatus(t, status, tt.status, body)
			wantAriaError(t, body, tt.code)
		})
	}
	if got := s.AriaLogins(); got != 3 {
		t.Fatalf("failed logins were counted: AriaLogins %d, want 3", got)
	}
}

func TestAriaSecretLifecycle(t *testing.T) {
	s := newTestServer(t)
	auth := ariaLogin(t, s)
	base := s.ep.AriaLogs + "/api/v2/agent/secrets"

	status, _, body := call(t, http.MethodPost, base, map[string]string{"name": "web"}, auth...)
	wantStatus(t, status, http.StatusCreated, body)
	var created AriaSecret
	decode(t, body, &created)
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if !uuid.MatchString(created.ID) || created.Name != "web" || created.Secret == "" || created.Status != "ACTIVE" {
		t.Fatalf("create returned %s", body)
	}
	if stored := s.AriaSecrets(); len(stored) != 1 || stored[0] != created {
		t.Fatalf("store holds %+v after create returned %+v", stored, created)
	}

	var got map[string]any
	status, _, body = call(t, http.MethodGet, base+"/"+created.ID, nil, auth...)
	wantStatus(t, status, http.StatusOK, body)
	decode(t, body, &got)
	if _, ok := got["secret"]; ok || got["id"] != created.ID || got["name"] != "web" || got["status"] != "ACTIVE" {
		t.Fatalf("get returned %s, want id, name and status without the secret", body)
	}

	status, _, body = call(t, http.MethodDelete, base+"/"+created.ID, nil, auth...)
	wantStatus(t, status, http.StatusNoContent, body)
	if len(s.AriaSecrets()) != 0 {
		t.Fatal("delete left the secret in the store")
	}
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		status, _, body = call(t, method, base+"/"+created.ID, nil, auth...)
		wantStatus(t, status, http.StatusNotFound, body)
		wantAriaError(t, body, "API_ERROR")
	}
}

func TestAriaSecretList(t *testing.T) {
	s := newTestServer(t)
	auth := ariaLogin(t, s)
	for _, name := range []string{"zeta", "alpha", "mid"} {
		s.PutAriaSecret(name)
	}
	status, _, body := call(t, http.MethodGet, s.ep.AriaLogs+"/api/v2/agent/secrets", nil, auth...)
	wantStatus(t, status, http.StatusOK, body)
	var resp struct {
		Secrets []map[string]any `json:"secrets"`
	}
	decode(t, body, &resp)
	var names []string
	for _, sec := range resp.Secrets {
		if _, ok := sec["secret"]; ok {
			t.Fatalf("list returned a secret value: %s", body)
		}
		names = append(names, sec["name"].(string))
	}
	if strings.Join(names, ",") != "alpha,mid,zeta" {
		t.Fatalf("list names %v, want sorted by name", names)
	}

	s.DeleteAriaSecret(s.AriaSecrets()[0].ID)
	s.DeleteAriaSecret(s.AriaSecrets()[0].ID)
	s.DeleteAriaSecret(s.AriaSecrets()[0].ID)
	status, _, body = call(t, http.MethodGet, s.ep.AriaLogs+"/api/v2/agent/secrets", nil, auth...)
	wantStatus(t, status, http.StatusOK, body)
	if strings.TrimSpace(string(body)) != `{"secrets":[]}` {
		t.Fatalf("empty list returned %s", body)
	}
}

func TestAriaSecretValidation(t *testing.T) {
	s := newTestServer(t)
	auth := ariaLogin(t, s)
	base := s.ep.AriaLogs + "/api/v2/agent/secrets"
	tests := []struct {
		name string
		body any
		code string
	}{
		{"no name", map[string]string{}, "FIELD_ERROR"},
		{"empty name", map[string]string{"name": ""}, "FIELD_ERROR"},
		{"blank name", map[string]string{"name": "   "}, "FIELD_ERROR"},
		{"name too long", map[string]string{"name": strings.Repeat("é", 256)}, "FIELD_ERROR"},
		{"name not a string", map[string]int{"name": 5}, "JSON_FORMAT_ERROR"},
		{"not an object", "web", "JSON_FORMAT_ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := call(t, http.MethodPost, base, tt.body, auth...)
			wantStatus(t, status, http.StatusBadRequest, body)
			wantAriaError(t, body, tt.code)
		})
	}
	if len(s.AriaSecrets()) != 0 {
		t.Fatal("an invalid create stored a secret")
	}
	// The limit counts characters, not bytes.
	status, _, body := call(t, http.MethodPost, base, map[string]string{"name": strings.Repeat("é", 255)}, auth...)
	wantStatus(t, status, http.StatusCreated, body)
}

func TestAriaSecretDuplicateName(t *testing.T) {
	s := newTestServer(t)
	auth := ariaLogin(t, s)
	orig := s.PutAriaSecret("web")
	status, _, body := call(t, http.MethodPost, s.ep.AriaLogs+"/api/v2/agent/secrets", map[string]string{"name": "web"}, auth...)
	wantStatus(t, status, http.StatusConflict, body)
	wantAriaError(t, body, "API_ERROR")
	if !strings.Contains(string(body), `\"web\"`) {
		t.Fatalf("conflict message does not name the duplicate: %s", body)
	}
	if stored := s.AriaSecrets(); len(stored) != 1 || stored[0] != orig {
		t.Fatalf("a refused create changed the store: %+v, was %+v", stored, orig)
	}

	// Putting a name again replaces the secret, so names stay unique.
	again := s.PutAriaSecret("web")
	if stored := s.AriaSecrets(); len(stored) != 1 || stored[0] != again || again.ID == orig.ID || again.Secret == orig.Secret {
		t.Fatalf("PutAriaSecret of an existing name left %+v", stored)
	}
}

func TestAriaRequiresJWTOrSession(t *testing.T) {
	s := newTestServer(t)
	base := s.ep.AriaLogs + "/api/v2/agent/secrets"
	jwt := ariaJWT(t, s)[1]
	session := ariaLogin(t, s)[1]
	opsToken := acquireOpsToken(t, s)
	for name, headers := range map[string][]string{
		"missing":              nil,
		"unknown":              {"Authorization", "Bearer not-a-session"},
		"empty bearer":         {"Authorization", "Bearer "},
		"password auth":        {"Authorization", "Basic YWRtaW46ZGVtby1hcmlhLXBhc3N3b3Jk"},
		"unknown jwt":          {"X-JWT-Token", "eyJ.not.issued"},
		"jwt as bearer":        {"Authorization", "Bearer " + jwt},
		"session in jwt field": {"X-JWT-Token", strings.TrimPrefix(session, "Bearer ")},
		"ops token":            {"Authorization", "OpsToken " + opsToken},
		"ops token as jwt":     {"X-JWT-Token", opsToken},
	} {
		t.Run(name, func(t *testing.T) {
			status, _, body := call(t, http.MethodPost, base, map[string]string{"name": "web"}, headers...)
			wantStatus(t, status, http.StatusUnauthorized, body)
			wantAriaError(t, body, "SECURITY_ERROR")
		})
	}
	if len(s.AriaSecrets()) != 0 {
		t.Fatal("an unauthorized create stored a secret")
	}
}

func TestAriaSessionExpiry(t *testing.T) {
	s := newTestServer(t)
	base := s.ep.AriaLogs + "/api/v2/agent/secrets"
	auth := ariaLogin(t, s)
	status, _, body := call(t, http.MethodGet, base, nil, auth...)
	wantStatus(t, status, http.StatusOK, body)

	s.ExpireAriaSessions()
	status, _, body = call(t, http.MethodGet, base, nil, auth...)
	wantStatus(t, status, http.StatusUnauthorized, body)
	wantAriaError(t, body, "SECURITY_ERROR")

	fresh := ariaLogin(t, s)
	if fresh[1] == auth[1] {
		t.Fatal("a new login reused the expired session id")
	}
	status, _, body = call(t, http.MethodGet, base, nil, fresh...)
	wantStatus(t, status, http.StatusOK, body)
	if got := s.AriaLogins(); got != 2 {
		t.Fatalf("AriaLogins %d, want 2", got)
	}
	if got := s.Calls("POST " + ariaSessions); got != 2 {
		t.Fatalf("counted %d logins on the route, want 2", got)
	}
	if got := s.AriaRejectedCalls(); got != 1 {
		t.Fatalf("AriaRejectedCalls %d, want 1 (the call with the expired session)", got)
	}
}

func TestAriaSessionOpenedOutOfBand(t *testing.T) {
	s := newTestServer(t)
	session := s.OpenAriaSession()
	status, _, body := call(t, http.MethodGet, s.ep.AriaLogs+"/api/v2/agent/secrets", nil, "Authorization", "Bearer "+session)
	wantStatus(t, status, http.StatusOK, body)
	if got := s.AriaLogins(); got != 0 {
		t.Fatalf("AriaLogins %d, want 0: a session opened out of band is not a client's login", got)
	}
	s.ExpireAriaSessions()
	status, _, body = call(t, http.MethodGet, s.ep.AriaLogs+"/api/v2/agent/secrets", nil, "Authorization", "Bearer "+session)
	wantStatus(t, status, http.StatusUnauthorized, body)
}

func TestAriaInjectedFaultsUseDocumentedCodes(t *testing.T) {
	s := newTestServer(t)
	auth := ariaLogin(t, s)
	s.FailNext(http.StatusTooManyRequests, http.StatusServiceUnavailable)
	for _, code := range []string{"RESOURCE_EXHAUSTED", "INTERNAL_SERVER_ERROR"} {
		_, _, body := call(t, http.MethodGet, s.ep.AriaLogs+"/api/v2/agent/secrets", nil, auth...)
		wantAriaError(t, body, code)
	}
}

// TestAriaConcurrentCreates races creates of one name: exactly one wins, the rest conflict.
func TestAriaConcurrentCreates(t *testing.T) {
	s := newTestServer(t)
	auth := ariaLogin(t, s)
	t.Run("group", func(t *testing.T) {
		for i := 0; i < 8; i++ {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				status, _, body := call(t, http.MethodPost, s.ep.AriaLogs+"/api/v2/agent/secrets", map[string]string{"name": "web"}, auth...)
				if status != http.StatusCreated && status != http.StatusConflict {
					t.Errorf("status %d; body %s", status, body)
				}
			})
		}
	})
	if n := len(s.AriaSecrets()); n != 1 {
		t.Fatalf("%d secrets after racing creates, want 1", n)
	}
}

// TestAriaBrokenJSON sends bodies that are not JSON at all, which call cannot produce.
func TestAriaBrokenJSON(t *testing.T) {
	s := newTestServer(t)
	auth := ariaLogin(t, s)
	for _, path := range []string{"/api/v2/sessions", "/api/v2/agent/secrets"} {
		req, _ := http.NewRequest(http.MethodPost, s.ep.AriaLogs+path, strings.NewReader(`{"name":`))
		req.Header.Set(auth[0], auth[1])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			ErrorCode string `json:"errorCode"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || e.ErrorCode != "JSON_FORMAT_ERROR" {
			t.Fatalf("%s: status %d, errorCode %q; want 400 JSON_FORMAT_ERROR", path, resp.StatusCode, e.ErrorCode)
		}
	}
}
