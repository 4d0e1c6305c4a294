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

// With the switch on, an expired JWT or session is answered 403 "Authorization required", the
// code seed 001 documents, and a credential never issued still 401.
func TestAriaExpiryForbidden(t *testing.T) {
	s := newTestServer(t)
	s.SetAriaExpiryForbidden(true)
	base := s.ep.AriaLogs + "/api/v2/agent/secrets"
	jwt, session := ariaJWT(t, s), ariaLogin(t, s)
	for _, auth := range [][]string{jwt, session} {
		status, _, body := call(t, http.MethodGet, base, nil, auth...)
		wantStatus(t, status, http.StatusOK, body)
	}
	s.ExpireAriaJWTs()
	s.ExpireAriaSessions()
	for _, auth := range [][]string{jwt, session} {
		status, _, body := call(t, http.MethodGet, base, nil, auth...)
		wantStatus(t, status, http.StatusForbidden, body)
		wantAriaError(t, body, "SECURITY_ERROR")
	}
	status, _, body := call(t, http.MethodGet, base, nil, "X-JWT-Token", "eyJ.not.issued")
	wantStatus(t, status, http.StatusUnauthorized, body)
	if got := s.AriaRejectedCalls(); got != 3 {
		t.Fatalf("AriaRejectedCalls %d, want 3", got)
	}

	s.SetAriaExpiryForbidden(false)
	status, _, body = call(t, http.MethodGet, base, nil, jwt...)
	wantStatus(t, status, http.StatusUnauthorized, body)
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

// ariaPage is the Spring Page the list answers with.
type ariaPage struct {
	Content          []map[string]any `json:"content"`
	Number           int              `json:"number"`
	Size             int              `json:"size"`
	TotalPages       int              `json:"totalPages"`
	TotalElements    int              `json:"totalElements"`
	NumberOfElements int              `json:"numberOfElements"`
	First, Last      bool
	Empty            bool
	Pageable         struct {
		PageNumber, PageSize, Offset int
	} `json:"pageable"`
}

// listAria fetches one page of the list with the given query.
func listAria(t *testing.T, s *testServer, query string, auth []string) ariaPage {
	t.Helper()
	status, _, body := call(t, http.MethodGet, s.ep.AriaLogs+"/api/v2/agent/secrets"+query, nil, auth...)
	wantStatus(t, status, http.StatusOK, body)
	var p ariaPage
	decode(t, body, &p)
	for _, sec := range p.Content {
		if _, ok := sec["secret"]; ok {
			t.Fatalf("list returned a secret value: %s", body)
		}
	}
	return p
}

// names are the names on a page, with " (REVOKED)" after revoked ones.
func (p ariaPage) names() string {
	var out []string
	for _, sec := range p.Content {
		n := sec["name"].(string)
		if sec["status"] == AriaRevoked {
			n += " (REVOKED)"
		}
		out = append(out, n)
	}
	return strings.Join(out, ",")
}

func TestAriaSecretLifecycle(t *testing.T) {
	s := newTestServer(t)
	auth := ariaJWT(t, s)
	base := s.ep.AriaLogs + "/api/v2/agent/secrets"

	status, _, body := call(t, http.MethodPost, base, map[string]string{"name": "web"}, auth...)
	wantStatus(t, status, http.StatusCreated, body)
	var created AriaSecret
	decode(t, body, &created)
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	var fields map[string]any
	decode(t, body, &fields)
	if !uuid.MatchString(created.ID) || created.Name != "web" || created.Secret == "" || created.Status != "ACTIVE" || len(fields) != 4 {
		t.Fatalf("create returned %s, want the documented id, name, secret and status", body)
	}
	if stored := s.AriaSecrets(); len(stored) != 1 || stored[0].ID != created.ID || stored[0].Secret != created.Secret {
		t.Fatalf("store holds %+v after create returned %+v", stored, created)
	}
	listed := listAria(t, s, "", auth).Content
	if len(listed) != 1 || listed[0]["id"] != created.ID || listed[0]["status"] != "ACTIVE" ||
		!regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(listed[0]["modificationTime"].(string)) || len(listed[0]) != 4 {
		t.Fatalf("list holds %v, want id, name, status ACTIVE and a modificationTime", listed)
	}

	// There is no GET of one secret and no DELETE: unknown routes.
	for _, method := range []string{http.MethodGet, http.MethodDelete, http.MethodPut} {
		status, _, body = call(t, method, base+"/"+created.ID, nil, auth...)
		wantStatus(t, status, http.StatusNotFound, body)
	}
	status, _, body = call(t, http.MethodDelete, base, nil, auth...)
	wantStatus(t, status, http.StatusMethodNotAllowed, body)

	status, _, body = call(t, http.MethodPost, base+"/web/revoke", nil, auth...)
	wantStatus(t, status, http.StatusOK, body)
	var revoked map[string]any
	decode(t, body, &revoked)
	if revoked["id"] != created.ID || revoked["name"] != "web" || revoked["status"] != AriaRevoked || len(revoked) != 3 {
		t.Fatalf("revoke returned %s, want id, name and status REVOKED", body)
	}
	if listed := listAria(t, s, "", auth); listed.names() != "web (REVOKED)" {
		t.Fatalf("after the revoke the list holds %s, want the secret, revoked", listed.names())
	}
	if len(s.ActiveAriaSecrets()) != 0 || len(s.AriaSecrets()) != 1 {
		t.Fatal("the revoked secret is not kept, revoked, in the store")
	}

	status, _, body = call(t, http.MethodPost, base+"/web/revoke", nil, auth...)
	wantStatus(t, status, http.StatusBadRequest, body)
	wantAriaError(t, body, "API_ERROR")
	status, _, body = call(t, http.MethodPost, base+"/nobody/revoke", nil, auth...)
	wantStatus(t, status, http.StatusNotFound, body)
	wantAriaError(t, body, "API_ERROR")
}

// Revoke is by name, escaped in the path: a name with a slash, a space or a percent sign reaches
// the right secret.
func TestAriaRevokeEscapedName(t *testing.T) {
	s := newTestServer(t)
	auth := ariaJWT(t, s)
	s.PutAriaSecret("web")
	odd := s.PutAriaSecret("web/tier 1%")
	status, _, body := call(t, http.MethodPost, s.ep.AriaLogs+"/api/v2/agent/secrets/web%2Ftier%201%25/revoke", nil, auth...)
	wantStatus(t, status, http.StatusOK, body)
	if active := s.ActiveAriaSecrets(); len(active) != 1 || active[0].Name != "web" {
		t.Fatalf("active secrets %+v, want web only: %s revoked", active, odd.ID)
	}
}

func TestAriaSecretListIsASpringPage(t *testing.T) {
	s := newTestServer(t)
	auth := ariaJWT(t, s)
	p := listAria(t, s, "", auth)
	if len(p.Content) != 0 || p.TotalPages != 0 || p.TotalElements != 0 || !p.Last || !p.First || !p.Empty || p.Size != 20 {
		t.Fatalf("empty list %+v, want an empty last page of the default size 20", p)
	}
	for i := range 45 {
		s.PutAriaSecret(fmt.Sprintf("s%02d", i))
	}
	p = listAria(t, s, "", auth)
	if len(p.Content) != 20 || p.Number != 0 || p.TotalPages != 3 || p.TotalElements != 45 || p.Last || !p.First || p.NumberOfElements != 20 {
		t.Fatalf("first default page %+v", p)
	}
	p = listAria(t, s, "?page=2&size=20", auth)
	if len(p.Content) != 5 || p.Number != 2 || !p.Last || p.First || p.Pageable.Offset != 40 || p.Content[0]["name"] != "s40" {
		t.Fatalf("last page %+v", p)
	}
	if p = listAria(t, s, "?page=3&size=20", auth); len(p.Content) != 0 || !p.Last || !p.Empty {
		t.Fatalf("page past the end %+v, want empty", p)
	}
	// Spring's leniency: unusable values fall back to the defaults, a size over the cap is cut.
	for query, want := range map[string][2]int{"?page=-1&size=0": {0, 20}, "?page=x&size=y": {0, 20}, "?size=5000": {0, 2000}, "?page=1&size=40": {1, 40}} {
		if p = listAria(t, s, query, auth); p.Number != want[0] || p.Size != want[1] {
			t.Errorf("%s answered page %d of size %d, want %d of %d", query, p.Number, p.Size, want[0], want[1])
		}
	}
	s.SetAriaMaxPageSize(7)
	if p = listAria(t, s, "?page=0&size=100", auth); len(p.Content) != 7 || p.Size != 7 || p.TotalPages != 7 {
		t.Fatalf("capped page %+v, want 7 of 7 per page", p)
	}
}

func TestAriaSecretListOrder(t *testing.T) {
	s := newTestServer(t)
	auth := ariaJWT(t, s)
	for _, name := range []string{"zeta", "alpha", "mid", "alpha"} {
		s.PutAriaSecret(name)
	}
	// By name, and within a name by creation; PutAriaSecret revoked the first alpha.
	if got := listAria(t, s, "", auth).names(); got != "alpha (REVOKED),alpha,mid,zeta" {
		t.Fatalf("list names %s, want sorted by name, then by creation", got)
	}
	for _, sec := range s.AriaSecrets() {
		s.DeleteAriaSecret(sec.ID)
	}
	if got := listAria(t, s, "", auth); len(got.Content) != 0 {
		t.Fatalf("list after removing everything: %+v", got)
	}
}

func TestAriaSecretValidation(t *testing.T) {
	s := newTestServer(t)
	auth := ariaJWT(t, s)
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
	auth := ariaJWT(t, s)
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

	// Putting a name again revokes the secret that held it, so live names stay unique.
	again := s.PutAriaSecret("web")
	if active := s.ActiveAriaSecrets(); len(active) != 1 || active[0] != again || again.ID == orig.ID || again.Secret == orig.Secret {
		t.Fatalf("PutAriaSecret of an existing name left %+v active", active)
	}
	if !s.AriaSecrets()[0].Revoked() || s.AriaSecrets()[0].ID != orig.ID {
		t.Fatalf("the replaced secret is not kept revoked: %+v", s.AriaSecrets())
	}
}

// Whether a revoked secret's name can be used again is a switch: by default it can.
func TestAriaRevokedNameReuse(t *testing.T) {
	for _, reusable := range []bool{true, false} {
		t.Run(fmt.Sprint(reusable), func(t *testing.T) {
			s := newTestServer(t)
			auth := ariaJWT(t, s)
			if !reusable {
				s.SetAriaRevokedNamesReusable(false)
			}
			s.RevokeAriaSecret(s.PutAriaSecret("web").ID)
			status, _, body := call(t, http.MethodPost, s.ep.AriaLogs+"/api/v2/agent/secrets", map[string]string{"name": "web"}, auth...)
			if reusable {
				wantStatus(t, status, http.StatusCreated, body)
				if got := listAria(t, s, "", auth).names(); got != "web (REVOKED),web" {
					t.Fatalf("list %s, want the revoked secret and the new one", got)
				}
				return
			}
			wantStatus(t, status, http.StatusConflict, body)
			wantAriaError(t, body, "API_ERROR")
			if !strings.Contains(string(body), "revoked") {
				t.Fatalf("the refusal does not say the name belongs to a revoked secret: %s", body)
			}
		})
	}
}

func TestAriaOutOfBandRevokeAndRemoval(t *testing.T) {
	s := newTestServer(t)
	sec := s.PutAriaSecret("web")
	if !s.RevokeAriaSecret(sec.ID) || s.RevokeAriaSecret(sec.ID) || s.RevokeAriaSecret("nope") {
		t.Fatal("RevokeAriaSecret reports a revoke only of a live secret")
	}
	if got := s.AriaSecrets(); len(got) != 1 || !got[0].Revoked() || got[0].ModificationTime == "" {
		t.Fatalf("store %+v, want the secret revoked", got)
	}
	if !s.DeleteAriaSecret(sec.ID) || len(s.AriaSecrets()) != 0 || s.DeleteAriaSecret(sec.ID) {
		t.Fatal("DeleteAriaSecret does not remove the secret from the store")
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
	auth := ariaJWT(t, s)
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
