package mockserver

import (
	"cmp"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// k0rdent IAM service accounts and their credentials (seed 004), mounted at /k0rdent.

// K0rdentServiceAccount is a service account as the mock stores it, encoded as the seed shows it.
type K0rdentServiceAccount struct {
	Region                string    `json:"-"`
	SelfLink              string    `json:"selfLink"`
	UID                   string    `json:"uid"`
	ID                    string    `json:"id"`
	DisplayName           string    `json:"displayName"`
	Description           string    `json:"description"`
	ClientID              string    `json:"clientId"`
	Scope                 string    `json:"scope"`
	ScopeID               string    `json:"scopeId"`
	Roles                 []string  `json:"roles"`
	Status                string    `json:"status"`
	CreatedBy             string    `json:"createdBy"`
	CreatedAt             time.Time `json:"createdAt"`
	UpdatedAt             time.Time `json:"updatedAt"`
	ActiveCredentialCount int       `json:"activeCredentialCount"`
}

// K0rdentCredential is a client secret of a service account, encoded as the API reference shows
// it: it has no clientId (a client presents its service account's). ClientSecret is sent only in
// the answer to its creation. Status is "expired" once ExpiresAt has passed; a zero ExpiresAt
// (only SetK0rdentCredentialExpiry makes one) means it never expires and is left out.
// LastUsedAt and LastUsedIP are null until SetK0rdentCredentialUsed records a use.
type K0rdentCredential struct {
	SelfLink         string     `json:"selfLink"`
	UID              string     `json:"uid"`
	ID               string     `json:"id"`
	ServiceAccountID string     `json:"serviceAccountId"`
	Status           string     `json:"status"`
	ExpiresAt        time.Time  `json:"expiresAt,omitzero"`
	CreatedBy        string     `json:"createdBy"`
	CreatedAt        time.Time  `json:"createdAt"`
	LastUsedAt       *time.Time `json:"lastUsedAt"`
	LastUsedIP       *string    `json:"lastUsedIp"`
	ClientSecret     string     `json:"clientSecret,omitempty"`

	seq int // creation order within the account, which the list pages by
}

// k0rdentAccount is a stored service account and its credentials in creation order.
type k0rdentAccount struct {
	K0rdentServiceAccount
	credentials []*K0rdentCredential
	credSeq     int // the seq of the last credential created
}

type k0rdentStore struct {
	regions map[string]map[string]*k0rdentAccount // region -> service account id -> account
	// nonAdmin holds the methods (GET, PATCH, DELETE) whose calls by id answer 404, as the API
	// does for a caller without tenant administrator rights (SetK0rdentNonAdmin).
	nonAdmin map[string]bool
}

// Credential lifetimes and limits. The API documents an organization default lifetime for a
// credential created without expiresAt, an organization maximum, and at most 5 active
// credentials per service account; the values of the lifetimes are the mock's choice.
const (
	K0rdentDefaultCredentialLifetime = 90 * 24 * time.Hour
	K0rdentMaxCredentialLifetime     = 365 * 24 * time.Hour
	K0rdentMaxActiveCredentials      = 5
	// K0rdentCredentialLimitStatus is the mock's answer to a create beyond the limit. The API does
	// not document it: 409 is a guess, after its errors guide ("409 Conflict: resource state
	// conflict"); the provider recognises the refusal by counting, whatever the status.
	K0rdentCredentialLimitStatus = http.StatusConflict
)

const (
	k0rdentServiceAccounts = K0rdentPrefix + "/v1/regions/{region}/iam/service-accounts"
	k0rdentCredentials     = k0rdentServiceAccounts + "/{id}/credentials"

	k0rdentCreatedBy       = "user-admin-001" // the administrator the mock's token belongs to
	k0rdentDefaultPageSize = 50
	k0rdentMaxPageSize     = 500
	maxK0rdentID           = 63
	maxK0rdentDisplayName  = 255
	maxK0rdentDescription  = 1024
)

var (
	k0rdentRegionPattern = regexp.MustCompile(`^[a-z0-9-]+$`)
	k0rdentIDPattern     = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	k0rdentRolePattern   = regexp.MustCompile(`^[a-z][a-z0-9]*(\.[a-z][a-z0-9-]*)*$`)
)

func (s *Server) registerK0rdent() {
	s.k0rdent.regions = map[string]map[string]*k0rdentAccount{}
	p := platform{
		authorized: func(r *http.Request) bool { return hasBearer(r, s.creds.K0rdentToken) },
		writeError: writeK0rdentError,
	}
	s.handle("POST "+k0rdentServiceAccounts, p, k0rdentInRegion(s.createK0rdentServiceAccount))
	s.handle("GET "+k0rdentServiceAccounts, p, k0rdentInRegion(s.listK0rdentServiceAccounts))
	s.handle("GET "+k0rdentServiceAccounts+"/{id}", p, k0rdentInRegion(s.k0rdentByID(s.getK0rdentServiceAccount)))
	s.handle("PATCH "+k0rdentServiceAccounts+"/{id}", p, k0rdentInRegion(s.k0rdentByID(s.updateK0rdentServiceAccount)))
	s.handle("DELETE "+k0rdentServiceAccounts+"/{id}", p, k0rdentInRegion(s.k0rdentByID(s.deleteK0rdentServiceAccount)))
	s.handle("POST "+k0rdentCredentials, p, k0rdentInRegion(s.createK0rdentCredential))
	s.handle("GET "+k0rdentCredentials, p, k0rdentInRegion(s.listK0rdentCredentials))
	s.handle("GET "+k0rdentCredentials+"/{credId}", p, k0rdentInRegion(s.k0rdentByID(s.getK0rdentCredential)))
	s.handle("DELETE "+k0rdentCredentials+"/{credId}", p, k0rdentInRegion(s.k0rdentByID(s.deleteK0rdentCredential)))
}

// k0rdentByID wraps a read, update or delete by id: for a caller without tenant administrator
// rights (SetK0rdentNonAdmin) the API answers 404 whether or not the object exists, "to prevent
// resource enumeration". Called with s.mu held.
func (s *Server) k0rdentByID(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.k0rdent.nonAdmin[r.Method] {
			h(w, r)
			return
		}
		what, id := "service account", r.PathValue("id")
		if credID := r.PathValue("credId"); credID != "" {
			what, id = "credential", credID
		}
		writeK0rdentNotFound(w, what, id)
	}
}

// k0rdentViolation is one entry of an error's details: the field at fault, if any, and why.
type k0rdentViolation struct {
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// writeK0rdentError writes the k0rdent error body with code as the single detail's reason.
func writeK0rdentError(w http.ResponseWriter, status int, code, message string) {
	writeK0rdentErrorDetails(w, status, message, []k0rdentViolation{{Reason: code}})
}

func writeK0rdentErrorDetails(w http.ResponseWriter, status int, message string, details []k0rdentViolation) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": status, "message": message, "details": details}})
}

// writeK0rdentInvalid answers 400 listing every field that failed validation.
func writeK0rdentInvalid(w http.ResponseWriter, violations []k0rdentViolation) {
	reasons := make([]string, len(violations))
	for i, v := range violations {
		reasons[i] = v.Field + " " + v.Reason
	}
	writeK0rdentErrorDetails(w, http.StatusBadRequest, "invalid request: "+strings.Join(reasons, "; "), violations)
}

// writeK0rdentConflict writes the seed's second error shape, which only 409 uses.
func writeK0rdentConflict(w http.ResponseWriter, id string) {
	writeJSON(w, http.StatusConflict, map[string]string{
		"code":    "CONFLICT",
		"message": fmt.Sprintf("A resource with id '%s' already exists.", id),
	})
}

func writeK0rdentNotFound(w http.ResponseWriter, what, id string) {
	writeK0rdentError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("%s '%s' not found", what, id))
}

// k0rdentInRegion rejects a malformed region before h runs. Any well-formed region exists, so
// tests and the demo can pick one freely.
func k0rdentInRegion(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !k0rdentRegionPattern.MatchString(r.PathValue("region")) {
			writeK0rdentInvalid(w, []k0rdentViolation{{Field: "region", Reason: "must match " + k0rdentRegionPattern.String()}})
			return
		}
		h(w, r)
	}
}

// decodeK0rdentBody reads a JSON request body, answering 400 when it is malformed. An empty body
// reads as {} because every field of the bodies it reads may be omitted.
func decodeK0rdentBody(w http.ResponseWriter, r *http.Request, v any) bool {
	err := decodeJSON(r, v)
	if err == nil || errors.Is(err, io.EOF) {
		return true
	}
	writeK0rdentError(w, http.StatusBadRequest, "INVALID_JSON", "invalid JSON body: "+err.Error())
	return false
}

// k0rdentServiceAccountRequest is the body of create and update; nil means the field was omitted.
type k0rdentServiceAccountRequest struct {
	ID          *string   `json:"id"`
	DisplayName *string   `json:"displayName"`
	Description *string   `json:"description"`
	Scope       *string   `json:"scope"`
	ScopeID     *string   `json:"scopeId"`
	Roles       *[]string `json:"roles"`
}

// k0rdentViolations collects validation failures so one answer reports them all.
type k0rdentViolations []k0rdentViolation

func (v *k0rdentViolations) add(field, reason string) {
	*v = append(*v, k0rdentViolation{Field: field, Reason: reason})
}

func (v *k0rdentViolations) checkID(id string) {
	switch {
	case id == "" || len(id) > maxK0rdentID:
		v.add("id", fmt.Sprintf("must be 1 to %d characters", maxK0rdentID))
	case !k0rdentIDPattern.MatchString(id):
		v.add("id", "must match "+k0rdentIDPattern.String())
	}
}

func (v *k0rdentViolations) checkDisplayName(name string) {
	if n := utf8.RuneCountInString(name); n < 1 || n > maxK0rdentDisplayName {
		v.add("displayName", fmt.Sprintf("must be 1 to %d characters", maxK0rdentDisplayName))
	}
}

func (v *k0rdentViolations) checkDescription(description string) {
	if utf8.RuneCountInString(description) > maxK0rdentDescription {
		v.add("description", fmt.Sprintf("must be at most %d characters", maxK0rdentDescription))
	}
}

func (v *k0rdentViolations) checkScope(scope string) {
	if scope != "organization" && scope != "project" {
		v.add("scope", `must be "organization" or "project"`)
	}
}

func (v *k0rdentViolations) checkRoles(roles []string) {
	for i, role := range roles {
		if !k0rdentRolePattern.MatchString(role) {
			v.add(fmt.Sprintf("roles[%d]", i), "must be a role slug such as compute.deployer")
		}
	}
}

// checkImmutable rejects a change to a field that is fixed at creation; resending the same value
// is allowed so a client may send back the whole object.
func (v *k0rdentViolations) checkImmutable(field string, sent *string, current string) {
	if sent != nil && *sent != current {
		v.add(field, "cannot be changed after creation")
	}
}

// validateK0rdentCreate checks a create body: displayName, scope and scopeId are required.
func validateK0rdentCreate(req k0rdentServiceAccountRequest) k0rdentViolations {
	var v k0rdentViolations
	if req.ID != nil {
		v.checkID(*req.ID)
	}
	v.checkDisplayName(k0rdentString(req.DisplayName))
	if req.Description != nil {
		v.checkDescription(*req.Description)
	}
	v.checkScope(k0rdentString(req.Scope))
	if k0rdentString(req.ScopeID) == "" {
		v.add("scopeId", "is required")
	}
	if req.Roles != nil {
		v.checkRoles(*req.Roles)
	}
	return v
}

// validateK0rdentUpdate checks an update body against the account it changes.
func validateK0rdentUpdate(req k0rdentServiceAccountRequest, a *k0rdentAccount) k0rdentViolations {
	var v k0rdentViolations
	v.checkImmutable("id", req.ID, a.ID)
	v.checkImmutable("scope", req.Scope, a.Scope)
	v.checkImmutable("scopeId", req.ScopeID, a.ScopeID)
	if req.DisplayName != nil {
		v.checkDisplayName(*req.DisplayName)
	}
	if req.Description != nil {
		v.checkDescription(*req.Description)
	}
	if req.Roles != nil {
		v.checkRoles(*req.Roles)
	}
	return v
}

// k0rdentString returns *p, or "" when the field was omitted.
func k0rdentString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// k0rdentAnswer is a service account or credential as the answer to a write (write) or a read
// carries it (see SetTimePrecisionDrift). Called with s.mu held.
func (s *Server) k0rdentAnswer(v any, write bool) any {
	return s.inAnswerPrecision(v, write, "createdAt", "updatedAt", "expiresAt", "lastUsedAt")
}

// k0rdentNow is the time stamped on objects: UTC, whole seconds, as the seed shows them.
func k0rdentNow() time.Time { return time.Now().UTC().Truncate(time.Second) }

func (s *Server) createK0rdentServiceAccount(w http.ResponseWriter, r *http.Request) {
	var req k0rdentServiceAccountRequest
	if !decodeK0rdentBody(w, r, &req) {
		return
	}
	if v := validateK0rdentCreate(req); len(v) > 0 {
		writeK0rdentInvalid(w, v)
		return
	}
	region := r.PathValue("region")
	accounts := s.k0rdentRegion(region)
	id := k0rdentString(req.ID)
	if id == "" {
		id = s.newK0rdentID(accounts, "sa-")
	}
	if _, exists := accounts[id]; exists {
		writeK0rdentConflict(w, id)
		return
	}
	now := k0rdentNow()
	a := &k0rdentAccount{K0rdentServiceAccount: K0rdentServiceAccount{
		Region:      region,
		SelfLink:    "/v1/iam/service-accounts/" + id,
		UID:         s.newK0rdentUID(),
		ID:          id,
		DisplayName: *req.DisplayName,
		Description: k0rdentString(req.Description),
		ClientID:    id + "@myorg.iam",
		Scope:       *req.Scope,
		ScopeID:     *req.ScopeID,
		Status:      "active",
		CreatedBy:   k0rdentCreatedBy,
		CreatedAt:   now,
		UpdatedAt:   now,
	}}
	if req.Roles != nil {
		a.Roles = slices.Clone(*req.Roles)
	}
	accounts[id] = a
	writeJSON(w, http.StatusCreated, s.k0rdentAnswer(k0rdentAccountView(a, time.Now()), true))
}

func (s *Server) getK0rdentServiceAccount(w http.ResponseWriter, r *http.Request) {
	a, ok := s.findK0rdentAccount(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.k0rdentAnswer(k0rdentAccountView(a, time.Now()), false))
}

// updateK0rdentServiceAccount changes displayName, description and roles; updatedAt moves only
// when a value actually changed, so a no-op PATCH does not look like drift.
func (s *Server) updateK0rdentServiceAccount(w http.ResponseWriter, r *http.Request) {
	a, ok := s.findK0rdentAccount(w, r)
	if !ok {
		return
	}
	var req k0rdentServiceAccountRequest
	if !decodeK0rdentBody(w, r, &req) {
		return
	}
	if v := validateK0rdentUpdate(req, a); len(v) > 0 {
		writeK0rdentInvalid(w, v)
		return
	}
	if applyK0rdentUpdate(a, req) {
		a.UpdatedAt = k0rdentNow()
	}
	writeJSON(w, http.StatusOK, s.k0rdentAnswer(k0rdentAccountView(a, time.Now()), true))
}

// applyK0rdentUpdate sets the fields sent and reports whether any value changed.
func applyK0rdentUpdate(a *k0rdentAccount, req k0rdentServiceAccountRequest) bool {
	changed := false
	if req.DisplayName != nil && *req.DisplayName != a.DisplayName {
		a.DisplayName, changed = *req.DisplayName, true
	}
	if req.Description != nil && *req.Description != a.Description {
		a.Description, changed = *req.Description, true
	}
	if req.Roles != nil && !slices.Equal(*req.Roles, a.Roles) {
		a.Roles, changed = slices.Clone(*req.Roles), true
	}
	return changed
}

// deleteK0rdentServiceAccount removes the account and, with it, its credentials.
func (s *Server) deleteK0rdentServiceAccount(w http.ResponseWriter, r *http.Request) {
	a, ok := s.findK0rdentAccount(w, r)
	if !ok {
		return
	}
	delete(s.k0rdent.regions[a.Region], a.ID)
	w.WriteHeader(http.StatusNoContent)
}

// listK0rdentServiceAccounts lists the region's accounts by id, a page at a time, keeping those
// that pass the documented filters scope, scopeId and status (active|disabled).
func (s *Server) listK0rdentServiceAccounts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	scope, scopeID, status := q.Get("scope"), q.Get("scopeId"), q.Get("status")
	if v := k0rdentEnumFilters(q, map[string][]string{"scope": {"organization", "project"}, "status": {"active", "disabled"}}); len(v) > 0 {
		writeK0rdentInvalid(w, v)
		return
	}
	accounts := s.k0rdent.regions[r.PathValue("region")]
	ids := slices.DeleteFunc(slices.Sorted(maps.Keys(accounts)), func(id string) bool {
		a := accounts[id]
		return (scope != "" && a.Scope != scope) || (scopeID != "" && a.ScopeID != scopeID) || (status != "" && a.Status != status)
	})
	now := time.Now()
	writeK0rdentPage(w, r, "serviceAccounts", ids, func(id string) string { return id },
		func(id string) any { return s.k0rdentAnswer(k0rdentAccountView(accounts[id], now), false) })
}

// k0rdentEnumFilters checks the query parameters whose values the API documents as an enum
// (parameter name to its values); an absent parameter passes.
func k0rdentEnumFilters(q url.Values, enums map[string][]string) k0rdentViolations {
	var v k0rdentViolations
	for _, name := range slices.Sorted(maps.Keys(enums)) {
		if got := q.Get(name); got != "" && !slices.Contains(enums[name], got) {
			v.add(name, "must be one of "+strings.Join(enums[name], ", "))
		}
	}
	return v
}

// writeK0rdentPage answers one page of a collection whose items are sorted by key. pageSize is
// 1 to 500 and 50 when absent; anything else is a 400, as documented. The opaque pageToken names
// the key of the last item of the previous page, so deletions between pages neither skip nor
// repeat items. A page is followed by a nextPageToken only when more items remain.
func writeK0rdentPage[T any](w http.ResponseWriter, r *http.Request, field string, items []T, key func(T) string, view func(T) any) {
	size, ok := queryInt(r, "pageSize", k0rdentDefaultPageSize)
	if !ok || size < 1 || size > k0rdentMaxPageSize {
		writeK0rdentInvalid(w, []k0rdentViolation{{Field: "pageSize", Reason: fmt.Sprintf("must be an integer from 1 to %d", k0rdentMaxPageSize)}})
		return
	}
	after, ok := decodeK0rdentPageToken(r.URL.Query().Get("pageToken"))
	if !ok {
		writeK0rdentInvalid(w, []k0rdentViolation{{Field: "pageToken", Reason: "is not a token this server issued"}})
		return
	}
	start := 0
	if after != "" {
		start, _ = slices.BinarySearchFunc(items, after, func(item T, k string) int { return strings.Compare(key(item), k) })
		if start < len(items) && key(items[start]) == after {
			start++
		}
	}
	rest := items[start:]
	resp := map[string]any{}
	if len(rest) > size {
		rest = rest[:size]
		resp["nextPageToken"] = base64.RawURLEncoding.EncodeToString([]byte(key(rest[size-1])))
	}
	views := make([]any, len(rest))
	for i, item := range rest {
		views[i] = view(item)
	}
	resp[field] = views
	writeJSON(w, http.StatusOK, resp)
}

// k0rdentPageTokenPattern is what a page token may name: an account id or a credential's key.
var k0rdentPageTokenPattern = regexp.MustCompile(`^[a-z0-9][-a-z0-9]*$`)

// decodeK0rdentPageToken returns the key a page token resumes after; "" starts at the beginning.
func decodeK0rdentPageToken(token string) (string, bool) {
	if token == "" {
		return "", true
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || !k0rdentPageTokenPattern.Match(raw) {
		return "", false
	}
	return string(raw), true
}

type k0rdentCredentialRequest struct {
	ExpiresAt *string `json:"expiresAt"`
}

// createK0rdentCredential is the only answer that carries the client secret. Without expiresAt
// the credential gets the organization's default lifetime; one beyond the maximum is refused,
// and so is a create while the account has the most active credentials allowed.
func (s *Server) createK0rdentCredential(w http.ResponseWriter, r *http.Request) {
	a, ok := s.findK0rdentAccount(w, r)
	if !ok {
		return
	}
	var req k0rdentCredentialRequest
	if !decodeK0rdentBody(w, r, &req) {
		return
	}
	created := k0rdentNow()
	expires := created.Add(K0rdentDefaultCredentialLifetime)
	if req.ExpiresAt != nil {
		t, err := time.Parse(time.RFC3339, *req.ExpiresAt)
		if err != nil || !t.After(time.Now()) || t.After(created.Add(K0rdentMaxCredentialLifetime)) {
			writeK0rdentInvalid(w, []k0rdentViolation{{Field: "expiresAt", Reason: fmt.Sprintf(
				"must be an RFC 3339 time in the future, at most %s away (the organization's maximum lifetime)", K0rdentMaxCredentialLifetime)}})
			return
		}
		expires = t.UTC()
	}
	if n := k0rdentActiveCredentials(a, time.Now()); n >= K0rdentMaxActiveCredentials {
		writeK0rdentError(w, K0rdentCredentialLimitStatus, "CREDENTIAL_LIMIT_EXCEEDED", fmt.Sprintf(
			"service account '%s' already has %d active credentials, the maximum; delete one before creating another", a.ID, n))
		return
	}
	c := s.addK0rdentCredential(a, created, expires)
	writeJSON(w, http.StatusCreated, s.k0rdentAnswer(k0rdentCredentialView(c, time.Now(), true), true))
}

// addK0rdentCredential stores a new credential of a. Called with s.mu held.
func (s *Server) addK0rdentCredential(a *k0rdentAccount, created, expires time.Time) *K0rdentCredential {
	a.credSeq++
	id := s.newK0rdentCredentialID(a)
	c := &K0rdentCredential{
		SelfLink:         a.SelfLink + "/credentials/" + id,
		UID:              s.newK0rdentUID(),
		ID:               id,
		ServiceAccountID: a.ID,
		ExpiresAt:        expires,
		CreatedBy:        k0rdentCreatedBy,
		CreatedAt:        created,
		ClientSecret:     s.randomSecret("k0s_"),
		seq:              a.credSeq,
	}
	a.credentials = append(a.credentials, c)
	return c
}

// k0rdentActive reports whether a credential can still authenticate at now.
func k0rdentActive(c *K0rdentCredential, now time.Time) bool {
	return c.ExpiresAt.IsZero() || c.ExpiresAt.After(now)
}

// k0rdentActiveCredentials counts the account's active credentials.
func k0rdentActiveCredentials(a *k0rdentAccount, now time.Time) int {
	n := 0
	for _, c := range a.credentials {
		if k0rdentActive(c, now) {
			n++
		}
	}
	return n
}

func (s *Server) getK0rdentCredential(w http.ResponseWriter, r *http.Request) {
	a, ok := s.findK0rdentAccount(w, r)
	if !ok {
		return
	}
	if i := k0rdentCredentialIndex(a, r.PathValue("credId")); i >= 0 {
		writeJSON(w, http.StatusOK, s.k0rdentAnswer(k0rdentCredentialView(a.credentials[i], time.Now(), false), false))
		return
	}
	writeK0rdentNotFound(w, "credential", r.PathValue("credId"))
}

// listK0rdentCredentials lists an account's credentials in creation order, a page at a time,
// keeping those of the documented status filter (active|expired) when one is given.
func (s *Server) listK0rdentCredentials(w http.ResponseWriter, r *http.Request) {
	a, ok := s.findK0rdentAccount(w, r)
	if !ok {
		return
	}
	status := r.URL.Query().Get("status")
	if v := k0rdentEnumFilters(r.URL.Query(), map[string][]string{"status": {"active", "expired"}}); len(v) > 0 {
		writeK0rdentInvalid(w, v)
		return
	}
	now := time.Now()
	creds := slices.DeleteFunc(slices.Clone(a.credentials), func(c *K0rdentCredential) bool {
		return status != "" && k0rdentCredentialView(c, now, false).Status != status
	})
	writeK0rdentPage(w, r, "credentials", creds, k0rdentCredentialKey,
		func(c *K0rdentCredential) any { return s.k0rdentAnswer(k0rdentCredentialView(c, now, false), false) })
}

// k0rdentCredentialKey orders credentials by creation in a page token.
func k0rdentCredentialKey(c *K0rdentCredential) string { return fmt.Sprintf("c%012d", c.seq) }

func (s *Server) deleteK0rdentCredential(w http.ResponseWriter, r *http.Request) {
	a, ok := s.findK0rdentAccount(w, r)
	if !ok {
		return
	}
	i := k0rdentCredentialIndex(a, r.PathValue("credId"))
	if i < 0 {
		writeK0rdentNotFound(w, "credential", r.PathValue("credId"))
		return
	}
	a.credentials = slices.Delete(a.credentials, i, i+1)
	w.WriteHeader(http.StatusNoContent)
}

// k0rdentRegion returns the accounts of a region, creating it on first use. Called with s.mu held.
func (s *Server) k0rdentRegion(region string) map[string]*k0rdentAccount {
	accounts, ok := s.k0rdent.regions[region]
	if !ok {
		accounts = map[string]*k0rdentAccount{}
		s.k0rdent.regions[region] = accounts
	}
	return accounts
}

// findK0rdentAccount returns the service account the path names, or answers 404.
// Called with s.mu held.
func (s *Server) findK0rdentAccount(w http.ResponseWriter, r *http.Request) (*k0rdentAccount, bool) {
	id := r.PathValue("id")
	a, ok := s.k0rdent.regions[r.PathValue("region")][id]
	if !ok {
		writeK0rdentNotFound(w, "service account", id)
	}
	return a, ok
}

func k0rdentCredentialIndex(a *k0rdentAccount, credID string) int {
	return slices.IndexFunc(a.credentials, func(c *K0rdentCredential) bool { return c.ID == credID })
}

// newK0rdentID returns prefix and a random suffix that no key of taken uses. Called with s.mu held.
func (s *Server) newK0rdentID(taken map[string]*k0rdentAccount, prefix string) string {
	for {
		id := prefix + s.randomSecret("")[:12]
		if _, ok := taken[id]; !ok {
			return id
		}
	}
}

// newK0rdentCredentialID returns an id unique among the account's credentials. Called with s.mu held.
func (s *Server) newK0rdentCredentialID(a *k0rdentAccount) string {
	for {
		id := "cred-" + s.randomSecret("")[:12]
		if k0rdentCredentialIndex(a, id) < 0 {
			return id
		}
	}
}

// newK0rdentUID returns a random version 4 UUID. Called with s.mu held.
func (s *Server) newK0rdentUID() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(s.rng.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// k0rdentAccountView is a copy of a safe to hand out. activeCredentialCount counts the
// credentials that have not expired, so it follows creation, deletion and expiry alike.
func k0rdentAccountView(a *k0rdentAccount, now time.Time) K0rdentServiceAccount {
	v := a.K0rdentServiceAccount
	v.Roles = append([]string{}, a.Roles...)
	v.ActiveCredentialCount = k0rdentActiveCredentials(a, now)
	return v
}

// k0rdentCredentialView is a copy of c with its status at now, and with its secret only when
// withSecret: the answer to its creation.
func k0rdentCredentialView(c *K0rdentCredential, now time.Time, withSecret bool) K0rdentCredential {
	v := *c
	v.Status = "expired"
	if k0rdentActive(c, now) {
		v.Status = "active"
	}
	if !withSecret {
		v.ClientSecret = ""
	}
	return v
}

// K0rdentServiceAccounts returns a copy of the service accounts of every region, sorted by region
// and id.
func (s *Server) K0rdentServiceAccounts() []K0rdentServiceAccount {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	var out []K0rdentServiceAccount
	for _, accounts := range s.k0rdent.regions {
		for _, a := range accounts {
			out = append(out, k0rdentAccountView(a, now))
		}
	}
	slices.SortFunc(out, func(a, b K0rdentServiceAccount) int {
		return cmp.Or(strings.Compare(a.Region, b.Region), strings.Compare(a.ID, b.ID))
	})
	return out
}

// K0rdentCredentials returns a copy, secrets included, of the credentials of every service
// account with that id, whatever its region, sorted by region and then creation.
func (s *Server) K0rdentCredentials(serviceAccountID string) []K0rdentCredential {
	s.mu.Lock()
	defer s.mu.Unlock()
	regions := make([]string, 0, len(s.k0rdent.regions))
	for region := range s.k0rdent.regions {
		regions = append(regions, region)
	}
	slices.Sort(regions)
	now := time.Now()
	var out []K0rdentCredential
	for _, region := range regions {
		if a, ok := s.k0rdent.regions[region][serviceAccountID]; ok {
			for _, c := range a.credentials {
				out = append(out, k0rdentCredentialView(c, now, true))
			}
		}
	}
	return out
}

// DeleteK0rdentServiceAccount removes a service account and its credentials out of band.
func (s *Server) DeleteK0rdentServiceAccount(region, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.k0rdent.regions[region][id]; !ok {
		return false
	}
	delete(s.k0rdent.regions[region], id)
	return true
}

// SetK0rdentServiceAccountDisplayName changes a display name out of band, as an administrator in
// the console would; updatedAt moves with it.
func (s *Server) SetK0rdentServiceAccountDisplayName(region, id, name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.k0rdent.regions[region][id]
	if ok {
		a.DisplayName, a.UpdatedAt = name, k0rdentNow()
	}
	return ok
}

// SetK0rdentCredentialExpiry changes when a credential expires, so a test can bring it close to
// (or past) expiry without waiting. A zero t means it never expires.
func (s *Server) SetK0rdentCredentialExpiry(region, saID, credID string, t time.Time) bool {
	return s.changeK0rdentCredential(region, saID, credID, func(c *K0rdentCredential) { c.ExpiresAt = t.UTC() })
}

// AgeK0rdentCredential moves a credential's creation and expiry back by d, as if it had been
// created d earlier: it keeps its lifetime, and its expiry comes d closer.
func (s *Server) AgeK0rdentCredential(region, saID, credID string, d time.Duration) bool {
	return s.changeK0rdentCredential(region, saID, credID, func(c *K0rdentCredential) {
		c.CreatedAt = c.CreatedAt.Add(-d)
		if !c.ExpiresAt.IsZero() {
			c.ExpiresAt = c.ExpiresAt.Add(-d)
		}
	})
}

// SetK0rdentCredentialUsed records that a credential authenticated at t from ip.
func (s *Server) SetK0rdentCredentialUsed(region, saID, credID string, t time.Time, ip string) bool {
	return s.changeK0rdentCredential(region, saID, credID, func(c *K0rdentCredential) {
		at := t.UTC()
		c.LastUsedAt, c.LastUsedIP = &at, &ip
	})
}

// changeK0rdentCredential applies change to a stored credential and reports whether it exists.
func (s *Server) changeK0rdentCredential(region, saID, credID string, change func(*K0rdentCredential)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.k0rdent.regions[region][saID]
	if !ok {
		return false
	}
	i := k0rdentCredentialIndex(a, credID)
	if i < 0 {
		return false
	}
	change(a.credentials[i])
	return true
}

// SetK0rdentNonAdmin makes the mock answer as it would a token without tenant administrator
// rights: reads, updates and deletes of service accounts and credentials by id answer 404, for
// objects that exist too. Lists and creates still answer as before.
func (s *Server) SetK0rdentNonAdmin(on bool) {
	if on {
		s.SetK0rdentNonAdminFor(http.MethodGet, http.MethodPatch, http.MethodDelete)
		return
	}
	s.SetK0rdentNonAdminFor()
}

// SetK0rdentNonAdminFor is SetK0rdentNonAdmin for the calls by id of these methods only, so a
// test can stage rights lost between a refresh and a delete; no methods turns it off.
func (s *Server) SetK0rdentNonAdminFor(methods ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.k0rdent.nonAdmin = map[string]bool{}
	for _, m := range methods {
		s.k0rdent.nonAdmin[m] = true
	}
}

// PutK0rdentServiceAccount stores a service account directly, as one created earlier or by
// someone else, and returns it as the API would. Empty fields take the values a create would
// give them (a generated id, "active", the current time...); no validation is done.
func (s *Server) PutK0rdentServiceAccount(region string, sa K0rdentServiceAccount) K0rdentServiceAccount {
	s.mu.Lock()
	defer s.mu.Unlock()
	accounts := s.k0rdentRegion(region)
	sa.Region = region
	sa.ID = cmp.Or(sa.ID, s.newK0rdentID(accounts, "sa-"))
	sa.SelfLink = cmp.Or(sa.SelfLink, "/v1/iam/service-accounts/"+sa.ID)
	sa.UID = cmp.Or(sa.UID, s.newK0rdentUID())
	sa.ClientID = cmp.Or(sa.ClientID, sa.ID+"@myorg.iam")
	sa.Status = cmp.Or(sa.Status, "active")
	sa.CreatedBy = cmp.Or(sa.CreatedBy, k0rdentCreatedBy)
	if sa.CreatedAt.IsZero() {
		sa.CreatedAt = k0rdentNow()
	}
	if sa.UpdatedAt.IsZero() {
		sa.UpdatedAt = sa.CreatedAt
	}
	sa.Roles = slices.Clone(sa.Roles)
	a := &k0rdentAccount{K0rdentServiceAccount: sa}
	accounts[sa.ID] = a
	return k0rdentAccountView(a, time.Now())
}

// AddK0rdentCredential creates a credential out of band, as an administrator in the console
// would, with the default lifetime and without the limit check, and returns it with its secret.
func (s *Server) AddK0rdentCredential(region, saID string) (K0rdentCredential, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.k0rdent.regions[region][saID]
	if !ok {
		return K0rdentCredential{}, false
	}
	created := k0rdentNow()
	c := s.addK0rdentCredential(a, created, created.Add(K0rdentDefaultCredentialLifetime))
	return k0rdentCredentialView(c, time.Now(), true), true
}

// DeleteK0rdentCredential revokes a credential out of band, as an administrator in the console
// would.
func (s *Server) DeleteK0rdentCredential(region, saID, credID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.k0rdent.regions[region][saID]
	if !ok {
		return false
	}
	i := k0rdentCredentialIndex(a, credID)
	if i < 0 {
		return false
	}
	a.credentials = slices.Delete(a.credentials, i, i+1)
	return true
}
