package mockserver

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// VMware Aria Operations for Logs agent secrets, as the Log Management API serves them, mounted at
// /arialogs. Calls carry a JWT in X-JWT-Token, which a client gets from VCF Operations (mounted
// at /vcfops): it acquires a VCF Operations token with a username and password, then exchanges
// it for a JWT of the "ops-li" service. The legacy Operations for Logs 8.x login is kept too: a
// username and password open a session whose id is sent as a bearer token.

// AriaSecret is an agent secret as the mock stores it. Secret is only sent by create.
type AriaSecret struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Secret string `json:"secret,omitempty"`
	Status string `json:"status"`
}

type ariaStore struct {
	sessions     map[string]time.Time   // legacy session id to expiry
	opsTokens    map[string]time.Time   // VCF Operations token to expiry
	jwts         map[string]time.Time   // JWT to expiry
	logins       int                    // successful legacy logins, so tests can see a client log in again
	acquisitions int                    // VCF Operations tokens acquired
	exchanges    int                    // VCF Operations tokens exchanged for a JWT
	authSources  []string               // the authSource of every successful acquire, "" when there was none
	rejected     int                    // agent secret calls answered 401 for want of a live JWT or session
	userID       string                 // the one user's id, chosen at the first login
	secrets      map[string]*AriaSecret // by id
}

const (
	ariaSessions   = AriaLogsPrefix + "/api/v2/sessions"
	ariaSecrets    = AriaLogsPrefix + "/api/v2/agent/secrets"
	vcfOpsAcquire  = VCFOperationsPrefix + "/suite-api/api/auth/token/acquire"
	vcfOpsExchange = VCFOperationsPrefix + "/suite-api/api/auth/token/exchange"
)

const (
	ariaSessionTTL    = 1800 // seconds, as the legacy API's default
	vcfOpsTokenTTL    = 6 * time.Hour
	ariaJWTTTL        = 30 * time.Minute
	ariaServiceKey    = "ops-li" // the Log Management API's key in a VCF Operations token exchange
	ariaJWTHeader     = "X-JWT-Token"
	ariaActive        = "ACTIVE"
	maxAriaSecretName = 255
)

func (s *Server) registerAriaLogs() {
	s.aria.sessions = map[string]time.Time{}
	s.aria.opsTokens = map[string]time.Time{}
	s.aria.jwts = map[string]time.Time{}
	s.aria.secrets = map[string]*AriaSecret{}
	// Logging in and acquiring a token are the calls that cannot carry credentials yet.
	open := platform{authorized: func(*http.Request) bool { return true }, writeError: writeAriaCoreError}
	p := platform{authorized: s.ariaAuthorized, writeError: writeAriaCoreError}
	s.handle("POST "+ariaSessions, open, s.createAriaSession)
	s.handle("POST "+ariaSecrets, p, s.createAriaSecret)
	s.handle("GET "+ariaSecrets, p, s.listAriaSecrets)
	s.handle("GET "+ariaSecrets+"/{id}", p, s.getAriaSecret)
	s.handle("DELETE "+ariaSecrets+"/{id}", p, s.deleteAriaSecret)

	opsOpen := platform{authorized: func(*http.Request) bool { return true }, writeError: writeVCFOpsError}
	ops := platform{authorized: s.vcfOpsAuthorized, writeError: writeVCFOpsError}
	s.handle("POST "+vcfOpsAcquire, opsOpen, s.acquireVCFOpsToken)
	s.handle("POST "+vcfOpsExchange, ops, s.exchangeVCFOpsToken)
}

// ariaAuthorized reports whether r carries a live JWT in X-JWT-Token, or a live legacy session
// as a bearer token, counting the calls it turns away. Called with s.mu held.
func (s *Server) ariaAuthorized(r *http.Request) bool {
	if live(s.aria.jwts, r.Header.Get(ariaJWTHeader)) || s.ariaLiveSession(r) {
		return true
	}
	s.aria.rejected++
	return false
}

// live reports whether credential is in store and not expired. Called with s.mu held.
func live(store map[string]time.Time, credential string) bool {
	expiry, ok := store[credential]
	return credential != "" && ok && time.Now().Before(expiry)
}

// ariaLiveSession reports whether r carries a live legacy session id. Called with s.mu held.
func (s *Server) ariaLiveSession(r *http.Request) bool {
	id, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && live(s.aria.sessions, id)
}

// vcfOpsAuthorized reports whether r carries a live VCF Operations token as
// "Authorization: OpsToken <token>". Called with s.mu held.
func (s *Server) vcfOpsAuthorized(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "OpsToken ")
	return ok && live(s.aria.opsTokens, token)
}

// writeAriaError writes the Aria Operations for Logs error body.
func writeAriaError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"errorCode": code, "errorDetails": map[string]any{}, "errorMessage": message})
}

// writeAriaCoreError is the writer the shared wrapper uses. It turns the wrapper's generic codes
// into ones from the API's documented errorCode list, which is all a client should ever see.
func writeAriaCoreError(w http.ResponseWriter, status int, code, message string) {
	switch {
	case status == http.StatusUnauthorized:
		code = "SECURITY_ERROR"
	case status == http.StatusTooManyRequests:
		code = "RESOURCE_EXHAUSTED"
	case status >= http.StatusInternalServerError:
		code = "INTERNAL_SERVER_ERROR"
	}
	writeAriaError(w, status, code, message)
}

// writeVCFOpsError writes the error body of the VCF Operations suite API.
func writeVCFOpsError(w http.ResponseWriter, status int, _, message string) {
	writeJSON(w, status, map[string]any{"message": message, "httpStatusCode": status, "apiErrorCode": status})
}

type vcfOpsAcquireRequest struct {
	Username   string  `json:"username"`
	Password   string  `json:"password"`
	AuthSource *string `json:"authSource"`
}

// acquireVCFOpsToken checks a username and password and answers with a VCF Operations token. The
// mock has one user, reachable through any auth source; a refusal has no body, as documented.
func (s *Server) acquireVCFOpsToken(w http.ResponseWriter, r *http.Request) {
	var req vcfOpsAcquireRequest
	if err := decodeJSON(r, &req); err != nil {
		writeVCFOpsError(w, http.StatusBadRequest, "", "invalid JSON body: "+err.Error())
		return
	}
	if req.Username == "" || req.Password == "" {
		writeVCFOpsError(w, http.StatusBadRequest, "", "username and password are required")
		return
	}
	if req.Username != s.creds.AriaUsername || req.Password != s.creds.AriaPassword {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	token := s.ariaUUID() + "::" + s.ariaUUID()
	expiry := time.Now().Add(vcfOpsTokenTTL)
	s.aria.opsTokens[token] = expiry
	s.aria.acquisitions++
	source := ""
	if req.AuthSource != nil {
		source = *req.AuthSource
	}
	s.aria.authSources = append(s.aria.authSources, source)
	writeJSON(w, http.StatusOK, map[string]any{
		"token":     token,
		"validity":  expiry.UnixMilli(),
		"expiresAt": expiry.UTC().Format("Monday, January 2, 2006 at 3:04:05 PM Coordinated Universal Time"),
		"roles":     []string{"ADMIN"},
	})
}

type vcfOpsExchangeRequest struct {
	ServiceKeys []string `json:"serviceKeys"`
}

// exchangeVCFOpsToken answers a VCF Operations token with a JWT for the Log Management API.
func (s *Server) exchangeVCFOpsToken(w http.ResponseWriter, r *http.Request) {
	var req vcfOpsExchangeRequest
	if err := decodeJSON(r, &req); err != nil {
		writeVCFOpsError(w, http.StatusBadRequest, "", "invalid JSON body: "+err.Error())
		return
	}
	if !slices.Contains(req.ServiceKeys, ariaServiceKey) {
		writeVCFOpsError(w, http.StatusBadRequest, "", fmt.Sprintf("serviceKeys %q name no service this token can be exchanged for", req.ServiceKeys))
		return
	}
	jwt := s.issueAriaJWT()
	s.aria.exchanges++
	writeJSON(w, http.StatusOK, map[string]any{
		"jwtToken": jwt,
		"services": []map[string]any{{
			"key": ariaServiceKey, "name": "VCF Operations for logs", "type": "LOGS", "version": "9.0.0",
			"address": r.Host, "addressType": "FQDN", "basePath": AriaLogsPrefix, "certificates": []string{},
		}},
	})
}

// issueAriaJWT stores a new JWT and returns it. It has the shape of one (three base64url parts)
// and nothing more. Called with s.mu held.
func (s *Server) issueAriaJWT() string {
	jwt := "eyJhbGciOiJSUzI1NiJ9." + s.randomSecret("eyJzdWIiOi") + "." + s.randomSecret("")
	s.aria.jwts[jwt] = time.Now().Add(ariaJWTTTL)
	return jwt
}

type ariaSessionRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Provider string `json:"provider"`
}

func (s *Server) createAriaSession(w http.ResponseWriter, r *http.Request) {
	var req ariaSessionRequest
	if err := decodeJSON(r, &req); err != nil {
		writeAriaError(w, http.StatusBadRequest, "JSON_FORMAT_ERROR", "invalid JSON body: "+err.Error())
		return
	}
	if req.Provider == "" {
		req.Provider = "Local"
	}
	if req.Provider != "Local" && req.Provider != "ActiveDirectory" {
		writeAriaError(w, http.StatusBadRequest, "AUTH_PROVIDER_ERROR", fmt.Sprintf("unknown authentication provider %q", req.Provider))
		return
	}
	if req.Username == "" || req.Password == "" {
		writeAriaError(w, http.StatusBadRequest, "FIELD_ERROR", "username and password are required")
		return
	}
	// The mock has one user, reachable through either provider.
	if req.Username != s.creds.AriaUsername || req.Password != s.creds.AriaPassword {
		writeAriaError(w, http.StatusUnauthorized, "SECURITY_ERROR", "invalid username or password")
		return
	}
	if s.aria.userID == "" {
		s.aria.userID = s.ariaUUID()
	}
	id := s.openAriaSession()
	s.aria.logins++
	writeJSON(w, http.StatusOK, map[string]any{"userId": s.aria.userID, "sessionId": id, "ttl": ariaSessionTTL})
}

// openAriaSession stores a new session and returns its id. Called with s.mu held.
func (s *Server) openAriaSession() string {
	id := s.randomSecret("")
	s.aria.sessions[id] = time.Now().Add(ariaSessionTTL * time.Second)
	return id
}

// ariaUUID returns a version-4-shaped UUID. Its last six hex digits count up, so ids never
// collide. Called with s.mu held.
func (s *Server) ariaUUID() string {
	rng := s.rng
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%06x%06x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xfff,
		0x8000|rng.Uint32()&0x3fff, rng.Uint32()&0xffffff, s.nextID()&0xffffff)
}

type ariaSecretRequest struct {
	Name string `json:"name"`
}

func (s *Server) createAriaSecret(w http.ResponseWriter, r *http.Request) {
	var req ariaSecretRequest
	if err := decodeJSON(r, &req); err != nil {
		writeAriaError(w, http.StatusBadRequest, "JSON_FORMAT_ERROR", "invalid JSON body: "+err.Error())
		return
	}
	if strings.TrimSpace(req.Name) == "" {
		writeAriaError(w, http.StatusBadRequest, "FIELD_ERROR", "name is required")
		return
	}
	if utf8.RuneCountInString(req.Name) > maxAriaSecretName {
		writeAriaError(w, http.StatusBadRequest, "FIELD_ERROR", fmt.Sprintf("name must be at most %d characters", maxAriaSecretName))
		return
	}
	// Names identify agents, so a duplicate is refused rather than overwriting the first secret.
	if s.ariaSecretNamed(req.Name) != nil {
		writeAriaError(w, http.StatusConflict, "API_ERROR", fmt.Sprintf("an agent secret named %q already exists", req.Name))
		return
	}
	writeJSON(w, http.StatusCreated, s.storeAriaSecret(req.Name))
}

// ariaSecretNamed finds a secret by its exact name. Called with s.mu held.
func (s *Server) ariaSecretNamed(name string) *AriaSecret {
	for _, sec := range s.aria.secrets {
		if sec.Name == name {
			return sec
		}
	}
	return nil
}

// storeAriaSecret creates an active secret. Called with s.mu held.
func (s *Server) storeAriaSecret(name string) AriaSecret {
	sec := &AriaSecret{ID: s.ariaUUID(), Name: name, Secret: s.randomSecret(""), Status: ariaActive}
	s.aria.secrets[sec.ID] = sec
	return *sec
}

// withoutSecret is the secret as reads return it: the value is shown once, by create.
func (a AriaSecret) withoutSecret() AriaSecret {
	a.Secret = ""
	return a
}

// sortedAriaSecrets returns copies of every secret, sorted by name. Called with s.mu held.
func (s *Server) sortedAriaSecrets() []AriaSecret {
	out := make([]AriaSecret, 0, len(s.aria.secrets))
	for _, sec := range s.aria.secrets {
		out = append(out, *sec)
	}
	slices.SortFunc(out, func(a, b AriaSecret) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (s *Server) listAriaSecrets(w http.ResponseWriter, r *http.Request) {
	secrets := s.sortedAriaSecrets()
	for i := range secrets {
		secrets[i] = secrets[i].withoutSecret()
	}
	writeJSON(w, http.StatusOK, map[string]any{"secrets": secrets})
}

func (s *Server) getAriaSecret(w http.ResponseWriter, r *http.Request) {
	sec, ok := s.aria.secrets[r.PathValue("id")]
	if !ok {
		writeAriaNotFound(w, r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, sec.withoutSecret())
}

func (s *Server) deleteAriaSecret(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, ok := s.aria.secrets[id]; !ok {
		writeAriaNotFound(w, id)
		return
	}
	delete(s.aria.secrets, id)
	w.WriteHeader(http.StatusNoContent)
}

func writeAriaNotFound(w http.ResponseWriter, id string) {
	writeAriaError(w, http.StatusNotFound, "API_ERROR", fmt.Sprintf("agent secret %q not found", id))
}

// AriaSecrets returns a copy of the stored agent secrets, values included, sorted by name.
func (s *Server) AriaSecrets() []AriaSecret {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedAriaSecrets()
}

// PutAriaSecret creates a secret out of band and returns it, value included. A secret already
// holding the name is replaced, as if revoked and re-created in the console, so names stay unique.
func (s *Server) PutAriaSecret(name string) AriaSecret {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.ariaSecretNamed(name); old != nil {
		delete(s.aria.secrets, old.ID)
	}
	return s.storeAriaSecret(name)
}

// DeleteAriaSecret removes a secret out of band, as a user of the console would.
func (s *Server) DeleteAriaSecret(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.aria.secrets[id]; !ok {
		return false
	}
	delete(s.aria.secrets, id)
	return true
}

// ExpireAriaJWTs ends every JWT, as their expiry would: the next call with an old JWT is answered
// 401 and the client has to get a new one from VCF Operations.
func (s *Server) ExpireAriaJWTs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.aria.jwts)
}

// IssueAriaJWT issues a JWT out of band and returns it, as a user would who exchanges a token
// elsewhere and hands the provider the JWT. It is not counted in AriaTokenExchanges.
func (s *Server) IssueAriaJWT() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueAriaJWT()
}

// AriaTokenAcquisitions returns how many VCF Operations tokens were acquired.
func (s *Server) AriaTokenAcquisitions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.aria.acquisitions
}

// AriaTokenExchanges returns how many VCF Operations tokens were exchanged for a JWT.
func (s *Server) AriaTokenExchanges() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.aria.exchanges
}

// AriaAuthSources returns the authSource of every successful acquire, in order: "" for an
// acquire that sent none.
func (s *Server) AriaAuthSources() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.aria.authSources)
}

// ExpireAriaSessions ends every legacy session, as their TTL running out would: the next call
// with an old session id is answered 401 and the client has to log in again.
func (s *Server) ExpireAriaSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.aria.sessions)
}

// AriaLogins returns how many legacy logins succeeded.
func (s *Server) AriaLogins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.aria.logins
}

// AriaRejectedCalls returns how many agent secret calls were answered 401 because they carried
// no live JWT or session: with AriaTokenAcquisitions or AriaLogins, it shows how a client
// recovered from expired credentials.
func (s *Server) AriaRejectedCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.aria.rejected
}

// OpenAriaSession opens a session out of band and returns its id, as a user would who logs in
// elsewhere and hands the provider the session token. It is not counted in AriaLogins.
func (s *Server) OpenAriaSession() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.openAriaSession()
}
