package mockserver

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// VMware Aria Operations for Logs agent secrets (seed 001), mounted at /arialogs. A client logs in
// with a username and password for a session id, then sends it as a bearer token.

// AriaSecret is an agent secret as the mock stores it. Secret is only sent by create.
type AriaSecret struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Secret string `json:"secret,omitempty"`
	Status string `json:"status"`
}

type ariaStore struct {
	sessions map[string]time.Time   // session id to expiry
	logins   int                    // successful logins, so tests can see a client log in again
	rejected int                    // calls answered 401 for want of a live session
	userID   string                 // the one user's id, chosen at the first login
	secrets  map[string]*AriaSecret // by id
}

const (
	ariaSessions = AriaLogsPrefix + "/api/v2/sessions"
	ariaSecrets  = AriaLogsPrefix + "/api/v2/agent/secrets"
)

const (
	ariaSessionTTL    = 1800 // seconds, as the real API's default
	ariaActive        = "ACTIVE"
	maxAriaSecretName = 255
)

func (s *Server) registerAriaLogs() {
	s.aria.sessions = map[string]time.Time{}
	s.aria.secrets = map[string]*AriaSecret{}
	// Logging in is the one call that cannot carry a session.
	open := platform{authorized: func(*http.Request) bool { return true }, writeError: writeAriaCoreError}
	p := platform{authorized: s.ariaAuthorized, writeError: writeAriaCoreError}
	s.handle("POST "+ariaSessions, open, s.createAriaSession)
	s.handle("POST "+ariaSecrets, p, s.createAriaSecret)
	s.handle("GET "+ariaSecrets, p, s.listAriaSecrets)
	s.handle("GET "+ariaSecrets+"/{id}", p, s.getAriaSecret)
	s.handle("DELETE "+ariaSecrets+"/{id}", p, s.deleteAriaSecret)
}

// ariaAuthorized reports whether r carries a live session id, counting the calls it turns away.
// Called with s.mu held.
func (s *Server) ariaAuthorized(r *http.Request) bool {
	if s.ariaLiveSession(r) {
		return true
	}
	s.aria.rejected++
	return false
}

// ariaLiveSession reports whether r carries a live session id. Called with s.mu held.
func (s *Server) ariaLiveSession(r *http.Request) bool {
	id, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || id == "" {
		return false
	}
	expiry, ok := s.aria.sessions[id]
	return ok && time.Now().Before(expiry)
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

// ExpireAriaSessions ends every session, as their TTL running out would: the next call with an
// old session id is answered 401 and the client has to log in again.
func (s *Server) ExpireAriaSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.aria.sessions)
}

// AriaLogins returns how many logins succeeded.
func (s *Server) AriaLogins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.aria.logins
}

// AriaRejectedCalls returns how many calls were answered 401 because they carried no live
// session: with AriaLogins, it shows how a client recovered from an expired session.
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
