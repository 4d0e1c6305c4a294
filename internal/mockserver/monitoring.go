package mockserver

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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
	ids    []string // sorted lexicographically, which is the list order
	faults int      // how many fault bodies were written, for their request_id
	// withoutIDs lists items with only token and label, as the seed's list example shows them.
	withoutIDs bool
}

const monitoringTokens = MonitoringPrefix + "/{tenant}/agent_tokens"

func (s *Server) registerMonitoring() {
	s.monitoring.tokens = map[string]*MonitoringToken{}
	p := platform{
		authorized: func(r *http.Request) bool {
			return r.PathValue("tenant") == s.creds.MonitoringTenant &&
				r.Header.Get("X-Auth-Token") == s.creds.MonitoringToken
		},
		writeError:        s.writeMonitoringError,
		writeLimitReached: s.writeMonitoringLimitReached,
	}
	s.handle("POST "+monitoringTokens, p, s.createMonitoringToken)
	s.handle("GET "+monitoringTokens, p, s.listMonitoringTokens)
	s.handle("GET "+monitoringTokens+"/{id}", p, s.getMonitoringToken)
	s.handle("PUT "+monitoringTokens+"/{id}", p, s.updateMonitoringToken)
	s.handle("DELETE "+monitoringTokens+"/{id}", p, s.deleteMonitoringToken)
}

// writeMonitoringError writes the Cloud Monitoring fault body: the status again as a string
// code, as the documented example has it, and a request_id. Called with s.mu held.
func (s *Server) writeMonitoringError(w http.ResponseWriter, status int, code, message string) {
	s.monitoring.faults++
	writeJSON(w, status, map[string]any{
		"type": code, "code": strconv.Itoa(status), "message": message, "details": message,
		"request_id": fmt.Sprintf("req-%08d", s.monitoring.faults),
	})
}

// writeMonitoringLimitReached answers a request over the rate limit as the limits page says:
// 400 "Limit has been reached" with a Reply-After header (sic) in seconds. Called with s.mu held.
func (s *Server) writeMonitoringLimitReached(w http.ResponseWriter, retryAfter int) {
	w.Header().Set("Reply-After", strconv.Itoa(retryAfter))
	s.writeMonitoringError(w, http.StatusBadRequest, "limitReached", "Limit has been reached (injected by the mock)")
}

type monitoringTokenRequest struct {
	Label *string `json:"label"`
}

const maxMonitoringLabel = 255

func (s *Server) createMonitoringToken(w http.ResponseWriter, r *http.Request) {
	var req monitoringTokenRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeMonitoringError(w, http.StatusBadRequest, "badRequest", "invalid JSON body: "+err.Error())
		return
	}
	label := ""
	if req.Label != nil {
		label = *req.Label
	}
	if len(label) > maxMonitoringLabel {
		s.writeMonitoringError(w, http.StatusBadRequest, "badRequest", fmt.Sprintf("label must be at most %d characters", maxMonitoringLabel))
		return
	}
	id := s.newMonitoringToken(label)
	w.Header().Set("X-Object-ID", id)
	w.Header().Set("Location", requestBaseURL(r)+MonitoringPrefix+"/"+r.PathValue("tenant")+"/agent_tokens/"+id)
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) getMonitoringToken(w http.ResponseWriter, r *http.Request) {
	t, ok := s.monitoring.tokens[r.PathValue("id")]
	if !ok {
		s.writeMonitoringError(w, http.StatusNotFound, "notFoundError", "Object does not exist")
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) updateMonitoringToken(w http.ResponseWriter, r *http.Request) {
	t, ok := s.monitoring.tokens[r.PathValue("id")]
	if !ok {
		s.writeMonitoringError(w, http.StatusNotFound, "notFoundError", "Object does not exist")
		return
	}
	var req monitoringTokenRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeMonitoringError(w, http.StatusBadRequest, "badRequest", "invalid JSON body: "+err.Error())
		return
	}
	if req.Label != nil {
		if len(*req.Label) > maxMonitoringLabel {
			s.writeMonitoringError(w, http.StatusBadRequest, "badRequest", fmt.Sprintf("label must be at most %d characters", maxMonitoringLabel))
			return
		}
		t.Label = *req.Label
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) deleteMonitoringToken(w http.ResponseWriter, r *http.Request) {
	if !s.removeMonitoringToken(r.PathValue("id")) {
		s.writeMonitoringError(w, http.StatusNotFound, "notFoundError", "Object does not exist")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// newMonitoringToken stores a new token and returns its id, which ends in the tenant as the
// real ids do. Called with s.mu held.
func (s *Server) newMonitoringToken(label string) string {
	id := fmt.Sprintf("tk%06d.%s", s.nextID(), s.creds.MonitoringTenant)
	s.storeMonitoringToken(id, label)
	return id
}

// storeMonitoringToken stores a token under id with a fresh value, keeping the ids sorted.
// Called with s.mu held.
func (s *Server) storeMonitoringToken(id, label string) {
	s.monitoring.tokens[id] = &MonitoringToken{ID: id, Token: s.randomSecret("") + ":" + s.creds.MonitoringTenant, Label: label}
	if i, found := slices.BinarySearch(s.monitoring.ids, id); !found {
		s.monitoring.ids = slices.Insert(s.monitoring.ids, i, id)
	}
}

// removeMonitoringToken deletes a token and reports whether it was there. Called with s.mu held.
func (s *Server) removeMonitoringToken(id string) bool {
	if _, ok := s.monitoring.tokens[id]; !ok {
		return false
	}
	delete(s.monitoring.tokens, id)
	i, _ := slices.BinarySearch(s.monitoring.ids, id)
	s.monitoring.ids = slices.Delete(s.monitoring.ids, i, i+1)
	return true
}

// Paginated collections: limit defaults to 100 and may be at most 1000 (beyond, invalidLimit);
// items are sorted by id, and marker is the id of the page's first item, taken from the previous
// page's next_marker.
const (
	monitoringDefaultLimit = 100
	monitoringMaxLimit     = 1000
)

// listMonitoringTokens pages as Cloud Monitoring's paginated collections do. A marker that
// names no token (one deleted between two pages) starts at the first id after it, as a walk
// over sorted keys would.
func (s *Server) listMonitoringTokens(w http.ResponseWriter, r *http.Request) {
	limit, ok := queryInt(r, "limit", monitoringDefaultLimit)
	if !ok || limit < 1 || limit > monitoringMaxLimit {
		s.writeMonitoringError(w, http.StatusBadRequest, "invalidLimit", fmt.Sprintf("Invalid limit has been specified: from 1 to %d", monitoringMaxLimit))
		return
	}
	marker := r.URL.Query().Get("marker")
	from, _ := slices.BinarySearch(s.monitoring.ids, marker)
	from, to := page(len(s.monitoring.ids), from, limit)
	values := make([]any, 0, to-from)
	for _, id := range s.monitoring.ids[from:to] {
		t := s.monitoring.tokens[id]
		if s.monitoring.withoutIDs {
			values = append(values, map[string]string{"token": t.Token, "label": t.Label})
			continue
		}
		values = append(values, *t)
	}
	meta := map[string]any{"count": len(values), "limit": limit, "marker": nilIfEmpty(marker), "next_marker": nil, "next_href": nil}
	if to < len(s.monitoring.ids) {
		next := s.monitoring.ids[to]
		meta["next_marker"] = next
		meta["next_href"] = fmt.Sprintf("%s%s?limit=%d&marker=%s", requestBaseURL(r), r.URL.EscapedPath(), limit, url.QueryEscape(next))
	}
	writeJSON(w, http.StatusOK, map[string]any{"values": values, "metadata": meta})
}

// MonitoringTokens returns a copy of the stored agent tokens, in list order (by id).
func (s *Server) MonitoringTokens() []MonitoringToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]MonitoringToken, 0, len(s.monitoring.ids))
	for _, id := range s.monitoring.ids {
		out = append(out, *s.monitoring.tokens[id])
	}
	return out
}

// PutMonitoringToken stores a token as if created out of band, and returns its id.
func (s *Server) PutMonitoringToken(label string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newMonitoringToken(label)
}

// DeleteMonitoringToken removes a token out of band, as a user of the platform's console would.
func (s *Server) DeleteMonitoringToken(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.removeMonitoringToken(id)
}

// SetMonitoringListWithoutIDs makes the list leave the id out of every item, as the list example
// of seed 002 does (fog's mock has it): items carry only token and label. Pagination still goes
// by id, and a GET by id still answers with it.
func (s *Server) SetMonitoringListWithoutIDs(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.monitoring.withoutIDs = on
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
