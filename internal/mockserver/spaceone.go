package mockserver

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// SpaceONE (Cloudforet) identity v2 Agent (seed 000), mounted at /spaceone. Every call is a POST
// with a JSON body; an agent is addressed by the service account it belongs to, one per account.
// The mock answers as SpaceONE's REST front end does (console-api, a FastAPI application): routes
// /identity/agent/<verb> and errors {"detail": {"code", "message"}}.

// SpaceONEAgentOptions are an agent's options as the API returns them.
type SpaceONEAgentOptions struct {
	ClusterName            string `json:"cluster_name"`
	KubeStateMetrics       bool   `json:"kube_state_metrics"`
	PrometheusNodeExporter bool   `json:"prometheus_node_exporter"`
}

// SpaceONEAgent is an AgentInfo as the mock stores it. ClientSecret is only sent by create and
// regenerate; LastAccessedAt is empty, and then omitted as in the seed, until the agent is used.
type SpaceONEAgent struct {
	AgentID          string               `json:"agent_id"`
	Options          SpaceONEAgentOptions `json:"options"`
	ClientSecret     string               `json:"client_secret,omitempty"`
	State            string               `json:"state"`
	IsManaged        bool                 `json:"is_managed"`
	RoleType         string               `json:"role_type"`
	DomainID         string               `json:"domain_id"`
	WorkspaceID      string               `json:"workspace_id"`
	ProjectID        string               `json:"project_id"`
	ServiceAccountID string               `json:"service_account_id"`
	AppID            string               `json:"app_id"`
	RoleID           string               `json:"role_id"`
	ClientID         string               `json:"client_id"`
	CreatedAt        string               `json:"created_at"`
	ExpiredAt        string               `json:"expired_at"`
	LastAccessedAt   string               `json:"last_accessed_at,omitempty"`
}

type spaceoneStore struct {
	agents map[string]*SpaceONEAgent // by service_account_id
	order  []string                  // service account ids in creation order, which is the list order
	// pageCap, when above 0, is the most results a list answers, whatever limit was asked for,
	// as a server that caps its pages does.
	pageCap int
	// regenerateKeepsExpiry makes regenerate leave expired_at where it was
	// (SetSpaceONERegenerateKeepsExpiry).
	regenerateKeepsExpiry bool
}

// spaceoneTimeKeys are the AgentInfo fields that hold timestamps.
var spaceoneTimeKeys = []string{"created_at", "expired_at", "last_accessed_at"}

// The agent API is served where SpaceONE's REST front end and its published OpenAPI have it, and
// also where a gRPC gateway built from the proto's HTTP annotations would, so that a client's
// path prefix can be tested. Both routes share one store; Calls counts them apart.
const (
	SpaceONEAgentRoute        = SpaceONEPrefix + "/identity/agent"
	SpaceONEGatewayAgentRoute = SpaceONEPrefix + "/identity/v2/agent"
)

// Agent states, and the fixed scope every agent of the mock lives in: the token belongs to one
// domain, and the mock's service accounts all sit in one workspace and project.
const (
	spaceoneEnabled     = "ENABLED"
	spaceoneDisabled    = "DISABLED"
	spaceoneExpired     = "EXPIRED"
	spaceoneDomainID    = "domain-0f3a6c2b9d14"
	spaceoneWorkspaceID = "workspace-5e81d07a4c93"
	spaceoneProjectID   = "project-2b7c94e1f058"
	spaceoneRoleType    = "WORKSPACE_OWNER"
	spaceoneRoleID      = "managed-workspace-owner"
	spaceoneSecretTTL   = 365 * 24 * time.Hour
	spaceoneTimeLayout  = "2006-01-02T15:04:05.000Z" // always written in UTC, as in the seed
)

func (s *Server) registerSpaceONE() {
	s.spaceone.agents = map[string]*SpaceONEAgent{}
	p := platform{
		authorized: func(r *http.Request) bool { return hasBearer(r, s.creds.SpaceONEToken) },
		writeError: writeSpaceONECoreError,
	}
	for _, route := range []string{SpaceONEAgentRoute, SpaceONEGatewayAgentRoute} {
		s.handle("POST "+route+"/create", p, s.createSpaceONEAgent)
		s.handle("POST "+route+"/enable", p, s.enableSpaceONEAgent)
		s.handle("POST "+route+"/disable", p, s.disableSpaceONEAgent)
		s.handle("POST "+route+"/regenerate", p, s.regenerateSpaceONEAgent)
		s.handle("POST "+route+"/get", p, s.getSpaceONEAgent)
		s.handle("POST "+route+"/delete", p, s.deleteSpaceONEAgent)
		s.handle("POST "+route+"/list", p, s.listSpaceONEAgents)
	}
	// Any other path: FastAPI's own answer to a path no route matches, given before any
	// authentication and without a SpaceONE error code. A client with the wrong path prefix gets this.
	routing := platform{authorized: func(*http.Request) bool { return true }, writeError: p.writeError}
	s.handle(SpaceONEPrefix+"/", routing, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Not Found"})
	})
}

// spaceoneError is a failed request, written in the SpaceONE error body.
type spaceoneError struct {
	status        int
	code, message string
}

func (e *spaceoneError) write(w http.ResponseWriter) {
	writeSpaceONEError(w, e.status, e.code, e.message)
}

func spaceoneRequired(key string) *spaceoneError {
	return &spaceoneError{http.StatusBadRequest, "ERROR_REQUIRED_PARAMETER", fmt.Sprintf("Required parameter. (key = %s)", key)}
}

func spaceoneInvalid(key, reason string) *spaceoneError {
	return &spaceoneError{http.StatusBadRequest, "ERROR_INVALID_PARAMETER", fmt.Sprintf("Invalid parameter. (key = %s, reason = %s)", key, reason)}
}

func spaceoneNotFound(serviceAccountID string) *spaceoneError {
	return &spaceoneError{http.StatusNotFound, "ERROR_NOT_FOUND",
		fmt.Sprintf("Resource not found. (key = service_account_id, value = %s)", serviceAccountID)}
}

// writeSpaceONEError writes the error body of SpaceONE's REST front end: FastAPI's HTTPException,
// whose detail is SpaceONE's error code and message.
func writeSpaceONEError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"detail": map[string]any{"code": code, "message": message}})
}

// writeSpaceONECoreError is the writer the shared wrapper uses: it speaks SpaceONE's codes for a
// failed authentication and a refused permission, so a client sees one vocabulary for the whole API.
func writeSpaceONECoreError(w http.ResponseWriter, status int, code, message string) {
	switch status {
	case http.StatusUnauthorized:
		code, message = "ERROR_AUTHENTICATE_FAILURE", "Authenticate failure. (message = "+message+")"
	case http.StatusForbidden:
		code = "ERROR_PERMISSION_DENIED"
	}
	writeSpaceONEError(w, status, code, message)
}

type spaceoneCreateRequest struct {
	ServiceAccountID string         `json:"service_account_id"`
	Options          map[string]any `json:"options"` // a protobuf Struct: values arrive loosely typed
}

type spaceoneAgentRequest struct {
	ServiceAccountID string `json:"service_account_id"`
}

type spaceoneListRequest struct {
	Query struct {
		Page *struct {
			Start int `json:"start"`
			Limit int `json:"limit"`
		} `json:"page"`
	} `json:"query"`
	AgentID          string `json:"agent_id"`
	ServiceAccountID string `json:"service_account_id"`
	State            string `json:"state"`
}

func (s *Server) createSpaceONEAgent(w http.ResponseWriter, r *http.Request) {
	var req spaceoneCreateRequest
	if err := decodeJSON(r, &req); err != nil {
		spaceoneInvalid("body", "invalid JSON: "+err.Error()).write(w)
		return
	}
	if req.ServiceAccountID == "" {
		spaceoneRequired("service_account_id").write(w)
		return
	}
	opts, perr := parseSpaceONEOptions(req.Options)
	if perr != nil {
		perr.write(w)
		return
	}
	if _, ok := s.spaceone.agents[req.ServiceAccountID]; ok {
		// An INVALID_ARGUMENT in SpaceONE's core, so 400, not 409.
		writeSpaceONEError(w, http.StatusBadRequest, "ERROR_EXIST_RESOURCE",
			fmt.Sprintf("'Agent' resources is existed in service_account(%s).", req.ServiceAccountID))
		return
	}
	a := s.storeSpaceONEAgent(req.ServiceAccountID, opts)
	s.writeSpaceONEAgent(w, a, true)
}

// parseSpaceONEOptions reads the options Struct. The seed's request sends the two flags as the
// strings "true"/"false" while responses carry bools, so both forms are accepted.
func parseSpaceONEOptions(raw map[string]any) (SpaceONEAgentOptions, *spaceoneError) {
	if raw == nil {
		return SpaceONEAgentOptions{}, spaceoneRequired("options")
	}
	var opts SpaceONEAgentOptions
	switch v := raw["cluster_name"].(type) {
	case nil:
		return opts, spaceoneRequired("options.cluster_name")
	case string:
		if v == "" {
			return opts, spaceoneRequired("options.cluster_name")
		}
		opts.ClusterName = v
	default:
		return opts, spaceoneInvalid("options.cluster_name", "must be a string")
	}
	var err *spaceoneError
	if opts.KubeStateMetrics, err = spaceoneFlag(raw, "kube_state_metrics"); err != nil {
		return opts, err
	}
	if opts.PrometheusNodeExporter, err = spaceoneFlag(raw, "prometheus_node_exporter"); err != nil {
		return opts, err
	}
	return opts, nil
}

// spaceoneFlag reads an optional boolean option given as a bool or as "true"/"false".
func spaceoneFlag(raw map[string]any, key string) (bool, *spaceoneError) {
	switch v := raw[key].(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	case string:
		if v == "true" || v == "false" {
			return v == "true", nil
		}
	}
	return false, spaceoneInvalid("options."+key, `must be a bool or "true"/"false"`)
}

// storeSpaceONEAgent creates an enabled agent with a fresh secret. Called with s.mu held.
func (s *Server) storeSpaceONEAgent(serviceAccountID string, opts SpaceONEAgentOptions) SpaceONEAgent {
	now := time.Now()
	a := &SpaceONEAgent{
		AgentID:          s.spaceoneID("agent-"),
		Options:          opts,
		State:            spaceoneEnabled,
		IsManaged:        true,
		RoleType:         spaceoneRoleType,
		DomainID:         spaceoneDomainID,
		WorkspaceID:      spaceoneWorkspaceID,
		ProjectID:        spaceoneProjectID,
		ServiceAccountID: serviceAccountID,
		AppID:            s.spaceoneID("app-"),
		RoleID:           spaceoneRoleID,
		ClientID:         s.spaceoneID("client-"),
		CreatedAt:        spaceoneTime(now),
	}
	s.rotateSpaceONESecret(a, now)
	s.spaceone.agents[serviceAccountID] = a
	s.spaceone.order = append(s.spaceone.order, serviceAccountID)
	return *a
}

// rotateSpaceONESecret issues a new client secret valid for a year, or, when regenerate keeps
// the expiry, until the old one expires. Called with s.mu held.
func (s *Server) rotateSpaceONESecret(a *SpaceONEAgent, now time.Time) {
	a.ClientSecret = s.randomSecret("")
	if a.ExpiredAt != "" && s.spaceone.regenerateKeepsExpiry {
		return
	}
	// The seed's expired_at has whole seconds while created_at has milliseconds.
	a.ExpiredAt = spaceoneTime(now.Add(spaceoneSecretTTL).Truncate(time.Second))
}

// writeSpaceONEAgent answers an agent, as a write (create, enable, disable, regenerate) or a read
// answers it (see SetTimePrecisionDrift). Called with s.mu held.
func (s *Server) writeSpaceONEAgent(w http.ResponseWriter, a SpaceONEAgent, write bool) {
	writeJSON(w, http.StatusOK, s.inAnswerPrecision(a, write, spaceoneTimeKeys...))
}

// spaceoneID returns prefix and 12 hex digits, like "agent-5cb52dc61c70". The first six count up,
// so ids never collide and sort in creation order; the rest only make them look like the real ones.
// Called with s.mu held.
func (s *Server) spaceoneID(prefix string) string {
	return fmt.Sprintf("%s%06x%06x", prefix, s.nextID()&0xffffff, s.rng.Uint32()&0xffffff)
}

func spaceoneTime(t time.Time) string { return t.UTC().Format(spaceoneTimeLayout) }

// spaceoneAgentFor decodes an AgentRequest and finds its agent, answering the error itself when
// that fails. Called with s.mu held.
func (s *Server) spaceoneAgentFor(w http.ResponseWriter, r *http.Request) (*SpaceONEAgent, bool) {
	var req spaceoneAgentRequest
	if err := decodeJSON(r, &req); err != nil {
		spaceoneInvalid("body", "invalid JSON: "+err.Error()).write(w)
		return nil, false
	}
	if req.ServiceAccountID == "" {
		spaceoneRequired("service_account_id").write(w)
		return nil, false
	}
	a, ok := s.spaceone.agents[req.ServiceAccountID]
	if !ok {
		spaceoneNotFound(req.ServiceAccountID).write(w)
		return nil, false
	}
	return a, true
}

// withoutSecret is the agent as reads return it: the secret is shown once, by create and regenerate.
func (a SpaceONEAgent) withoutSecret() SpaceONEAgent {
	a.ClientSecret = ""
	return a
}

func (s *Server) getSpaceONEAgent(w http.ResponseWriter, r *http.Request) {
	if a, ok := s.spaceoneAgentFor(w, r); ok {
		s.writeSpaceONEAgent(w, a.withoutSecret(), false)
	}
}

func (s *Server) enableSpaceONEAgent(w http.ResponseWriter, r *http.Request) {
	s.setSpaceONEState(w, r, spaceoneEnabled)
}

func (s *Server) disableSpaceONEAgent(w http.ResponseWriter, r *http.Request) {
	s.setSpaceONEState(w, r, spaceoneDisabled)
}

// setSpaceONEState is enable and disable; both are idempotent, and both set the state whatever it
// was, EXPIRED included, as SpaceONE sets the state of the app behind the agent. Called with s.mu held.
func (s *Server) setSpaceONEState(w http.ResponseWriter, r *http.Request, state string) {
	if a, ok := s.spaceoneAgentFor(w, r); ok {
		a.State = state
		s.writeSpaceONEAgent(w, a.withoutSecret(), true)
	}
}

// regenerateSpaceONEAgent issues a new client id and secret, and moves the expiry, as SpaceONE
// makes a new client secret for the app and stores its client id; the agent and the app keep
// their ids, and the state stays as it was.
func (s *Server) regenerateSpaceONEAgent(w http.ResponseWriter, r *http.Request) {
	if a, ok := s.spaceoneAgentFor(w, r); ok {
		a.ClientID = s.spaceoneID("client-")
		s.rotateSpaceONESecret(a, time.Now())
		s.writeSpaceONEAgent(w, *a, true)
	}
}

func (s *Server) deleteSpaceONEAgent(w http.ResponseWriter, r *http.Request) {
	if a, ok := s.spaceoneAgentFor(w, r); ok {
		s.removeSpaceONEAgent(a.ServiceAccountID)
		writeJSON(w, http.StatusOK, map[string]any{})
	}
}

// removeSpaceONEAgent forgets an agent. Called with s.mu held.
func (s *Server) removeSpaceONEAgent(serviceAccountID string) bool {
	if _, ok := s.spaceone.agents[serviceAccountID]; !ok {
		return false
	}
	delete(s.spaceone.agents, serviceAccountID)
	s.spaceone.order = slices.DeleteFunc(s.spaceone.order, func(x string) bool { return x == serviceAccountID })
	return true
}

// listSpaceONEAgents filters, then pages with SpaceONE's 1-based query.page.start; without a
// page (or with limit 0) every match is returned. The page cap, when set, cuts the page further.
// total_count is the number of results on the page, as SpaceONE's identity service answers it
// (it throws the number of matches away).
func (s *Server) listSpaceONEAgents(w http.ResponseWriter, r *http.Request) {
	var req spaceoneListRequest
	if err := decodeJSON(r, &req); err != nil {
		spaceoneInvalid("body", "invalid JSON: "+err.Error()).write(w)
		return
	}
	if req.State != "" && req.State != spaceoneEnabled && req.State != spaceoneDisabled && req.State != spaceoneExpired {
		spaceoneInvalid("state", "must be ENABLED, DISABLED or EXPIRED").write(w)
		return
	}
	matches := s.matchSpaceONEAgents(req)
	from, to := 0, len(matches)
	if pg := req.Query.Page; pg != nil {
		if pg.Start < 0 || pg.Limit < 0 {
			spaceoneInvalid("query.page", "start and limit must not be negative").write(w)
			return
		}
		if pg.Limit > 0 {
			from, to = page(len(matches), max(pg.Start, 1)-1, pg.Limit)
		}
	}
	if s.spaceone.pageCap > 0 {
		to = min(to, from+s.spaceone.pageCap)
	}
	results := make([]any, 0, to-from)
	for _, a := range matches[from:to] {
		results = append(results, s.inAnswerPrecision(a, false, spaceoneTimeKeys...))
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results, "total_count": to - from})
}

// matchSpaceONEAgents returns the agents that pass every given filter, secrets removed, in
// creation order. Called with s.mu held.
func (s *Server) matchSpaceONEAgents(req spaceoneListRequest) []SpaceONEAgent {
	out := []SpaceONEAgent{}
	for _, id := range s.spaceone.order {
		a := s.spaceone.agents[id]
		if (req.AgentID == "" || a.AgentID == req.AgentID) &&
			(req.ServiceAccountID == "" || a.ServiceAccountID == req.ServiceAccountID) &&
			(req.State == "" || a.State == req.State) {
			out = append(out, a.withoutSecret())
		}
	}
	return out
}

// SpaceONEAgents returns a copy of the stored agents, secrets included, in creation order.
func (s *Server) SpaceONEAgents() []SpaceONEAgent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SpaceONEAgent, 0, len(s.spaceone.order))
	for _, id := range s.spaceone.order {
		out = append(out, *s.spaceone.agents[id])
	}
	return out
}

// PutSpaceONEAgent creates an enabled agent out of band, with default options for the flags. An
// agent already on the service account is replaced, as if deleted and re-created in the console.
func (s *Server) PutSpaceONEAgent(serviceAccountID, clusterName string) SpaceONEAgent {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeSpaceONEAgent(serviceAccountID)
	return s.storeSpaceONEAgent(serviceAccountID, SpaceONEAgentOptions{ClusterName: clusterName})
}

// DeleteSpaceONEAgent removes an agent out of band, as a user of the console would.
func (s *Server) DeleteSpaceONEAgent(serviceAccountID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.removeSpaceONEAgent(serviceAccountID)
}

// SetSpaceONEAgentExpiry moves an agent's secret expiry, so a test can bring it close to now.
func (s *Server) SetSpaceONEAgentExpiry(serviceAccountID string, t time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.spaceone.agents[serviceAccountID]
	if ok {
		a.ExpiredAt = spaceoneTime(t)
	}
	return ok
}

// ExpireSpaceONEAgent makes an agent EXPIRED, its expiry a minute past, as SpaceONE reports an
// agent whose app has expired.
func (s *Server) ExpireSpaceONEAgent(serviceAccountID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.spaceone.agents[serviceAccountID]
	if ok {
		a.State = spaceoneExpired
		a.ExpiredAt = spaceoneTime(time.Now().Add(-time.Minute).Truncate(time.Second))
	}
	return ok
}

// SetSpaceONEAgentState changes an agent's state (ENABLED, DISABLED or EXPIRED) out of band.
func (s *Server) SetSpaceONEAgentState(serviceAccountID, state string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.spaceone.agents[serviceAccountID]
	if ok {
		a.State = state
	}
	return ok
}

// SetSpaceONEPageCap makes every list answer at most n results, whatever limit it asks for, so a
// test can reproduce a server that caps its pages; 0 removes the cap.
func (s *Server) SetSpaceONEPageCap(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spaceone.pageCap = n
}

// SetSpaceONERegenerateKeepsExpiry makes regenerate issue a new secret and client id but leave
// expired_at as it was, as a SpaceONE whose app expiry the regeneration does not move; false
// gives the new secret a year again.
func (s *Server) SetSpaceONERegenerateKeepsExpiry(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spaceone.regenerateKeepsExpiry = on
}

// AgeSpaceONEAgent moves an agent's created_at and expired_at back by d, as if it had been
// created d earlier: its secret keeps its lifetime, and its expiry comes d closer.
func (s *Server) AgeSpaceONEAgent(serviceAccountID string, d time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.spaceone.agents[serviceAccountID]
	if !ok {
		return false
	}
	for _, field := range []*string{&a.CreatedAt, &a.ExpiredAt} {
		if t, err := time.Parse(spaceoneTimeLayout, *field); err == nil {
			*field = spaceoneTime(t.Add(-d))
		}
	}
	return true
}
