package mockserver

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// VMware Aria Operations for Logs agent secrets, as the Log Management API serves them, mounted at
// /arialogs. Calls carry a JWT in X-JWT-Token, which a client gets from VCF Operations (mounted
// at /vcfops): it acquires a VCF Operations token with a username and password, then exchanges
// it for a JWT of the "ops-li" service. The legacy Operations for Logs 8.x login is kept too: a
// username and password open a session whose id is sent as a bearer token.
//
// The API lists, creates and revokes secrets; it has no GET of one secret and no DELETE, so
// those routes answer as unknown routes do (404, or 405 for a method the path lacks). The list is
// a Spring Page. A revoked secret stays listed with status REVOKED. Whether its name can be used
// again is not documented: SetAriaRevokedNamesReusable switches between the two readings.

// AriaSecret is an agent secret as the mock stores it. Secret is only sent by create.
type AriaSecret struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Secret           string `json:"secret,omitempty"`
	Status           string `json:"status"`
	ModificationTime string `json:"modificationTime,omitempty"`
	seq              int    // creation order, which the list follows within one name
}

// Revoked reports whether the secret was revoked.
func (a AriaSecret) Revoked() bool { return a.Status == AriaRevoked }

type ariaStore struct {
	sessions     map[string]time.Time // legacy session id to expiry
	opsTokens    map[string]time.Time // VCF Operations token to expiry
	jwts         map[string]time.Time // JWT to expiry
	logins       int                  // successful legacy logins, so tests can see a client log in again
	acquisitions int                  // VCF Operations tokens acquired
	exchanges    int                  // VCF Operations tokens exchanged for a JWT
	authSources  []string             // the authSource of every successful acquire, "" when there was none
	rejected     int                  // agent secret calls refused for want of a live JWT or session
	// expiryForbidden answers an expired JWT or session with 403 instead of 401.
	expiryForbidden bool
	userID          string                 // the one user's id, chosen at the first login
	secrets         map[string]*AriaSecret // by id, revoked ones included
	reuseNames      bool                   // a revoked secret's name can be used again
	maxPageSize     int                    // the list's cap on size, as Spring's max-page-size
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
	// Spring Data's defaults for a pageable list.
	ariaDefaultPageSize = 20
	ariaMaxPageSize     = 2000
	// ariaTimeLayout is how the mock writes modificationTime, which the API documents as a string.
	ariaTimeLayout = "2006-01-02T15:04:05.000Z"
)

// AriaRevoked is the status of a revoked agent secret. The API does not document status values.
const AriaRevoked = "REVOKED"

func (s *Server) registerAriaLogs() {
	s.aria.sessions = map[string]time.Time{}
	s.aria.opsTokens = map[string]time.Time{}
	s.aria.jwts = map[string]time.Time{}
	s.aria.secrets = map[string]*AriaSecret{}
	s.aria.reuseNames = true
	s.aria.maxPageSize = ariaMaxPageSize
	// Logging in and acquiring a token are the calls that cannot carry credentials yet.
	open := platform{authorized: func(*http.Request) bool { return true }, writeError: writeAriaCoreError}
	p := platform{authorized: s.ariaAuthorized, refusal: s.ariaRefusal, writeError: writeAriaCoreError}
	s.handle("POST "+ariaSessions, open, s.createAriaSession)
	s.handle("POST "+ariaSecrets, p, s.createAriaSecret)
	s.handle("GET "+ariaSecrets, p, s.listAriaSecrets)
	s.handle("POST "+ariaSecrets+"/{name}/revoke", p, s.revokeAriaSecret)

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

// ariaRefusal answers a call without a live JWT or session: 401, or with SetAriaExpiryForbidden
// for a credential that was issued and has expired, 403 "Authorization required", the code seed
// 001 documents. Called with s.mu held.
func (s *Server) ariaRefusal(r *http.Request) (int, string) {
	if s.aria.expiryForbidden && s.ariaExpired(r) {
		return http.StatusForbidden, "Authorization required"
	}
	return http.StatusUnauthorized, "missing or invalid credentials"
}

// ariaExpired reports whether r carries a JWT or a legacy session that was issued and has
// expired. Called with s.mu held.
func (s *Server) ariaExpired(r *http.Request) bool {
	session, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return expired(s.aria.jwts, r.Header.Get(ariaJWTHeader)) || expired(s.aria.sessions, session)
}

// expired reports whether credential is in store and past its expiry. Called with s.mu held.
func expired(store map[string]time.Time, credential string) bool {
	expiry, ok := store[credential]
	return credential != "" && ok && !time.Now().Before(expiry)
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
	case status == http.StatusUnauthorized, code == "UNAUTHORIZED":
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
	if s.liveAriaSecretNamed(req.Name) != nil {
		writeAriaError(w, http.StatusConflict, "API_ERROR", fmt.Sprintf("an agent secret named %q already exists", req.Name))
		return
	}
	if !s.aria.reuseNames && s.anyAriaSecretNamed(req.Name) {
		writeAriaError(w, http.StatusConflict, "API_ERROR", fmt.Sprintf("the agent secret named %q was revoked; its name cannot be used again", req.Name))
		return
	}
	// The documented answer is id, name, secret and status: no modification time.
	created := s.storeAriaSecret(req.Name)
	created.ModificationTime = ""
	writeJSON(w, http.StatusCreated, created)
}

// liveAriaSecretNamed finds the secret of this exact name that is not revoked. Called with s.mu held.
func (s *Server) liveAriaSecretNamed(name string) *AriaSecret {
	for _, sec := range s.aria.secrets {
		if sec.Name == name && !sec.Revoked() {
			return sec
		}
	}
	return nil
}

// anyAriaSecretNamed reports whether a secret, revoked or not, has this name. Called with s.mu held.
func (s *Server) anyAriaSecretNamed(name string) bool {
	for _, sec := range s.aria.secrets {
		if sec.Name == name {
			return true
		}
	}
	return false
}

// storeAriaSecret creates an active secret. Called with s.mu held.
func (s *Server) storeAriaSecret(name string) AriaSecret {
	sec := &AriaSecret{ID: s.ariaUUID(), Name: name, Secret: s.randomSecret(""), Status: ariaActive,
		ModificationTime: ariaNow(), seq: s.nextID()}
	s.aria.secrets[sec.ID] = sec
	return *sec
}

// ariaNow is the current time as modificationTime carries it.
func ariaNow() string { return time.Now().UTC().Format(ariaTimeLayout) }

// revoke marks a secret revoked. Called with s.mu held.
func (a *AriaSecret) revoke() {
	a.Status = AriaRevoked
	a.ModificationTime = ariaNow()
}

// withoutSecret is the secret as reads return it: the value is shown once, by create.
func (a AriaSecret) withoutSecret() AriaSecret {
	a.Secret = ""
	return a
}

// sortedAriaSecrets returns copies of every secret, revoked ones included, sorted by name and
// then by creation. Called with s.mu held.
func (s *Server) sortedAriaSecrets() []AriaSecret {
	out := make([]AriaSecret, 0, len(s.aria.secrets))
	for _, sec := range s.aria.secrets {
		out = append(out, *sec)
	}
	slices.SortFunc(out, func(a, b AriaSecret) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.seq, b.seq))
	})
	return out
}

// listAriaSecrets answers one page of the list as Spring Data writes a Page. Like Spring, it
// takes page (from 0) and size leniently: a value it cannot use falls back to the default, and
// a size over the cap is cut to it.
func (s *Server) listAriaSecrets(w http.ResponseWriter, r *http.Request) {
	number := lenientInt(r, "page", 0, 0, math.MaxInt32)
	size := lenientInt(r, "size", ariaDefaultPageSize, 1, s.aria.maxPageSize)
	all := s.sortedAriaSecrets()
	from, to := page(len(all), number*size, size)
	content := make([]AriaSecret, 0, to-from)
	for _, sec := range all[from:to] {
		content = append(content, sec.withoutSecret())
	}
	totalPages := (len(all) + size - 1) / size
	sort := map[string]any{"empty": true, "sorted": false, "unsorted": true}
	writeJSON(w, http.StatusOK, map[string]any{
		"content": content,
		"pageable": map[string]any{"pageNumber": number, "pageSize": size, "offset": number * size, "paged": true, "unpaged": false,
			"sort": sort},
		"last": number+1 >= totalPages, "totalPages": totalPages, "totalElements": len(all), "size": size, "number": number,
		"sort": sort, "first": number == 0, "numberOfElements": len(content), "empty": len(content) == 0,
	})
}

// lenientInt reads an integer query parameter as Spring's pageable resolver does: absent or
// unusable is def, below lowest is def, above highest is highest.
func lenientInt(r *http.Request, name string, def, lowest, highest int) int {
	n, err := strconv.Atoi(r.URL.Query().Get(name))
	switch {
	case err != nil || n < lowest:
		return def
	case n > highest:
		return highest
	}
	return n
}

// revokeAriaSecret revokes the live secret of a name. The revoked secret stays listed. A name
// whose secrets are all revoked already is refused, and a name nobody has is not found.
func (s *Server) revokeAriaSecret(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	sec := s.liveAriaSecretNamed(name)
	switch {
	case sec != nil:
		sec.revoke()
		writeJSON(w, http.StatusOK, map[string]any{"id": sec.ID, "name": sec.Name, "status": sec.Status})
	case s.anyAriaSecretNamed(name):
		writeAriaError(w, http.StatusBadRequest, "API_ERROR", fmt.Sprintf("the agent secret named %q is already revoked", name))
	default:
		writeAriaError(w, http.StatusNotFound, "API_ERROR", fmt.Sprintf("no agent secret is named %q", name))
	}
}

// AriaSecrets returns a copy of the stored agent secrets, values and revoked ones included,
// sorted by name and then by creation.
func (s *Server) AriaSecrets() []AriaSecret {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sortedAriaSecrets()
}

// ActiveAriaSecrets is AriaSecrets without the revoked secrets: those agents can use.
func (s *Server) ActiveAriaSecrets() []AriaSecret {
	return slices.DeleteFunc(s.AriaSecrets(), AriaSecret.Revoked)
}

// PutAriaSecret creates a secret out of band and returns it, value included. A live secret
// holding the name is revoked first, as if revoked and re-created in the console, so live names
// stay unique. It ignores SetAriaRevokedNamesReusable.
func (s *Server) PutAriaSecret(name string) AriaSecret {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.liveAriaSecretNamed(name); old != nil {
		old.revoke()
	}
	return s.storeAriaSecret(name)
}

// RevokeAriaSecret revokes a secret out of band, as a user of the console would, and reports
// whether there was a live secret of that id.
func (s *Server) RevokeAriaSecret(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, ok := s.aria.secrets[id]
	if !ok || sec.Revoked() {
		return false
	}
	sec.revoke()
	return true
}

// DeleteAriaSecret removes a secret from the store out of band, so that it is no longer listed
// at all (the API offers no such call; a purge by an administrator might).
func (s *Server) DeleteAriaSecret(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.aria.secrets[id]; !ok {
		return false
	}
	delete(s.aria.secrets, id)
	return true
}

// SetAriaRevokedNamesReusable chooses between the two readings of the API, which does not say
// whether a revoked secret's name can be used again: true (the default) lets a create take it,
// false refuses the create with 409 as long as the revoked secret is listed.
func (s *Server) SetAriaRevokedNamesReusable(reusable bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aria.reuseNames = reusable
}

// SetAriaMaxPageSize caps the list's page size, as spring.data.web.pageable.max-page-size does,
// so that tests can make a client walk many pages with few secrets.
func (s *Server) SetAriaMaxPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aria.maxPageSize = max(n, 1)
}

// ExpireAriaJWTs ends every JWT, as their expiry would: the next call with an old JWT is answered
// 401 (403 with SetAriaExpiryForbidden) and the client has to get a new one from VCF Operations.
func (s *Server) ExpireAriaJWTs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	expireAll(s.aria.jwts)
}

// expireAll ends every credential of store, keeping it known as expired. Called with s.mu held.
func expireAll(store map[string]time.Time) {
	past := time.Now().Add(-time.Second)
	for credential := range store {
		store[credential] = past
	}
}

// SetAriaExpiryForbidden makes agent secret calls with an expired JWT or session answer 403
// "Authorization required", the code seed 001 documents, instead of 401; calls with a credential
// never issued are still answered 401.
func (s *Server) SetAriaExpiryForbidden(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aria.expiryForbidden = on
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
// with an old session id is answered 401 (403 with SetAriaExpiryForbidden) and the client has to
// log in again.
func (s *Server) ExpireAriaSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	expireAll(s.aria.sessions)
}

// AriaLogins returns how many legacy logins succeeded.
func (s *Server) AriaLogins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.aria.logins
}

// AriaRejectedCalls returns how many agent secret calls were refused (401 or 403) because they carried
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
