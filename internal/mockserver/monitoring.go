package mockserver

import (
	"fmt"
	"net/http"
	"slices"
)

// Rackspace Cloud Monitoring agent tokens (seed 002), mounted at /monitoring/v1.0/{tenant}.

// MonitoringToken is an agent token as the mock stores it.
type MonitoringToken struct {
	ID    string `json:"id"`
	Token string `json:"token"`
	Label string `json:"label"`
}

type monitoringStore struct {
	tokens map[string]*MonitoringToken
	order  []string // ids in creation order, which is the list order
}

const monitoringTokens = MonitoringPrefix + "/{tenant}/agent_tokens"

func (s *Server) registerMonitoring() {
	s.monitoring.tokens = map[string]*MonitoringToken{}
	p := platform{
		authorized: func(r *http.Request) bool {
			return r.PathValue("tenant") == s.creds.MonitoringTenant &&
				r.Header.Get("X-Auth-Token") == s.creds.MonitoringToken
		},
		writeError: writeMonitoringError,
	}
	s.handle("POST "+monitoringTokens, p, s.createMonitoringToken)
	s.handle("GET "+monitoringTokens, p, s.listMonitoringTokens)
	s.handle("GET "+monitoringTokens+"/{id}", p, s.getMonitoringToken)
	s.handle("PUT "+monitoringTokens+"/{id}", p, s.updateMonitoringToken)
	s.handle("DELETE "+monitoringTokens+"/{id}", p, s.deleteMonitoringToken)
}

// writeMonitoringError writes the Cloud Monitoring error body.
func writeMonitoringError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"code": status, "type": code, "message": message, "details": message})
}

type monitoringTokenRequest struct {
	Label *string `json:"label"`
}

const maxMonitoringLabel = 255

func (s *Server) createMonitoringToken(w http.ResponseWriter, r *http.Request) {
	var req monitoringTokenRequest
	if err := decodeJSON(r, &req); err != nil {
		writeMonitoringError(w, http.StatusBadRequest, "badRequest", "invalid JSON body: "+err.Error())
		return
	}
	label := ""
	if req.Label != nil {
		label = *req.Label
	}
	if len(label) > maxMonitoringLabel {
		writeMonitoringError(w, http.StatusBadRequest, "badRequest", fmt.Sprintf("label must be at most %d characters", maxMonitoringLabel))
		return
	}
	tenant := r.PathValue("tenant")
	id := fmt.Sprintf("tk%06d.%s", s.nextID(), tenant)
	s.monitoring.tokens[id] = &MonitoringToken{ID: id, Token: s.randomSecret("") + ":" + tenant, Label: label}
	s.monitoring.order = append(s.monitoring.order, id)
	w.Header().Set("X-Object-ID", id)
	w.Header().Set("Location", requestBaseURL(r)+MonitoringPrefix+"/"+tenant+"/agent_tokens/"+id)
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) getMonitoringToken(w http.ResponseWriter, r *http.Request) {
	t, ok := s.monitoring.tokens[r.PathValue("id")]
	if !ok {
		writeMonitoringError(w, http.StatusNotFound, "notFoundError", "Object does not exist")
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) updateMonitoringToken(w http.ResponseWriter, r *http.Request) {
	t, ok := s.monitoring.tokens[r.PathValue("id")]
	if !ok {
		writeMonitoringError(w, http.StatusNotFound, "notFoundError", "Object does not exist")
		return
	}
	var req monitoringTokenRequest
	if err := decodeJSON(r, &req); err != nil {
		writeMonitoringError(w, http.StatusBadRequest, "badRequest", "invalid JSON body: "+err.Error())
		return
	}
	if req.Label != nil {
		if len(*req.Label) > maxMonitoringLabel {
			writeMonitoringError(w, http.StatusBadRequest, "badRequest", fmt.Sprintf("label must be at most %d characters", maxMonitoringLabel))
			return
		}
		t.Label = *req.Label
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) deleteMonitoringToken(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, ok := s.monitoring.tokens[id]; !ok {
		writeMonitoringError(w, http.StatusNotFound, "notFoundError", "Object does not exist")
		return
	}
	delete(s.monitoring.tokens, id)
	s.monitoring.order = slices.DeleteFunc(s.monitoring.order, func(x string) bool { return x == id })
	w.WriteHeader(http.StatusNoContent)
}

// listMonitoringTokens pages with limit (default 50, at most 1000) and marker, the id of the
// first token of the page, as Cloud Monitoring's paginated collections do.
func (s *Server) listMonitoringTokens(w http.ResponseWriter, r *http.Request) {
	limit, ok := queryInt(r, "limit", 50)
	if !ok || limit < 1 || limit > 1000 {
		writeMonitoringError(w, http.StatusBadRequest, "badRequest", "limit must be an integer from 1 to 1000")
		return
	}
	start := 0
	marker := r.URL.Query().Get("marker")
	if marker != "" {
		start = slices.Index(s.monitoring.order, marker)
		if start < 0 {
			writeMonitoringError(w, http.StatusBadRequest, "badRequest", "marker does not name an agent token")
			return
		}
	}
	from, to := page(len(s.monitoring.order), start, limit)
	values := make([]MonitoringToken, 0, to-from)
	for _, id := range s.monitoring.order[from:to] {
		values = append(values, *s.monitoring.tokens[id])
	}
	meta := map[string]any{"count": len(values), "limit": limit, "marker": nilIfEmpty(marker), "next_marker": nil, "next_href": nil}
	if to < len(s.monitoring.order) {
		next := s.monitoring.order[to]
		meta["next_marker"] = next
		meta["next_href"] = fmt.Sprintf("%s%s?limit=%d&marker=%s", requestBaseURL(r), r.URL.Path, limit, next)
	}
	writeJSON(w, http.StatusOK, map[string]any{"values": values, "metadata": meta})
}

// MonitoringTokens returns a copy of the stored agent tokens, in list order.
func (s *Server) MonitoringTokens() []MonitoringToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]MonitoringToken, 0, len(s.monitoring.order))
	for _, id := range s.monitoring.order {
		out = append(out, *s.monitoring.tokens[id])
	}
	return out
}

// PutMonitoringToken stores a token as if created out of band, and returns its id.
func (s *Server) PutMonitoringToken(label string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := fmt.Sprintf("tk%06d.%s", s.nextID(), s.creds.MonitoringTenant)
	s.monitoring.tokens[id] = &MonitoringToken{ID: id, Token: s.randomSecret("") + ":" + s.creds.MonitoringTenant, Label: label}
	s.monitoring.order = append(s.monitoring.order, id)
	return id
}

// DeleteMonitoringToken removes a token out of band, as a user of the platform's console would.
func (s *Server) DeleteMonitoringToken(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.monitoring.tokens[id]; !ok {
		return false
	}
	delete(s.monitoring.tokens, id)
	s.monitoring.order = slices.DeleteFunc(s.monitoring.order, func(x string) bool { return x == id })
	return true
}

// SetMonitoringTokenLabel changes a token's label out of band.
func (s *Server) SetMonitoringTokenLabel(id, label string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.monitoring.tokens[id]
	if ok {
		t.Label = label
	}
	return ok
}
