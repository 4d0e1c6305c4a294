package mockserver

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// k0rdentAuth is the header pair the mock's k0rdent API accepts.
func k0rdentAuth(s *testServer) []string {
	return []string{"Authorization", "Bearer " + s.Credentials().K0rdentToken}
}

// k0rdentURL is the service account collection of a region.
func k0rdentURL(s *testServer, region string) string {
	return s.ep.K0rdent + "/v1/regions/" + region + "/iam/service-accounts"
}

// createK0rdentAccount creates a service account over HTTP, failing the test unless it answers 201.
func createK0rdentAccount(t *testing.T, s *testServer, region string, req map[string]any) K0rdentServiceAccount {
	t.Helper()
	status, _, body := call(t, http.MethodPost, k0rdentURL(s, region), req, k0rdentAuth(s)...)
	wantStatus(t, status, http.StatusCreated, body)
	var sa K0rdentServiceAccount
	decode(t, body, &sa)
	return sa
}

// k0rdentErrorBody is the error shape of every k0rdent error but 409.
type k0rdentErrorBody struct {
	Error struct {
		Code    int                `json:"code"`
		Message string             `json:"message"`
		Details []k0rdentViolation `json:"details"`
	} `json:"error"`
}

// wantK0rdentError checks the {"error":{...}} body and, when field is set, that a detail names it.
func wantK0rdentError(t *testing.T, body []byte, status int, field string) {
	t.Helper()
	var e k0rdentErrorBody
	decode(t, body, &e)
	if e.Error.Code != status || e.Error.Message == "" || len(e.Error.Details) == 0 {
		t.Fatalf("error body %s: want code %d, a message and details", body, status)
	}
	if field != "" && !slices.ContainsFunc(e.Error.Details, func(v k0rdentViolation) bool { return v.Field == field && v.Reason != "" }) {
		t.Fatalf("error body %s names no field %q", body, field)
	}
}

// seedServiceAccount is the seed's example request, with an id and roles.
func seedServiceAccount() map[string]any {
	return map[string]any{
		"id":          "sa-pipeline-prod",
		"displayName": "Production CI/CD Pipeline",
		"description": "deploys from CI",
		"scope":       "project",
		"scopeId":     "proj-abc123",
		"roles":       []string{"compute.deployer", "storage.writer"},
	}
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestK0rdentServiceAccountLifecycle(t *testing.T) {
	s := newTestServer(t)
	auth := k0rdentAuth(s)
	base := k0rdentURL(s, "global")

	status, _, body := call(t, http.MethodPost, base, seedServiceAccount(), auth...)
	wantStatus(t, status, http.StatusCreated, body)
	var keys map[string]json.RawMessage
	decode(t, body, &keys)
	wantKeys := []string{"selfLink", "uid", "id", "displayName", "description", "clientId", "scope", "scopeId",
		"roles", "status", "createdBy", "createdAt", "updatedAt", "activeCredentialCount"}
	for _, k := range wantKeys {
		if _, ok := keys[k]; !ok {
			t.Fatalf("create answer %s lacks %q", body, k)
		}
	}
	if len(keys) != len(wantKeys) {
		t.Fatalf("create answer %s has keys beyond the seed's", body)
	}

	var sa K0rdentServiceAccount
	decode(t, body, &sa)
	if sa.SelfLink != "/v1/iam/service-accounts/sa-pipeline-prod" || sa.ID != "sa-pipeline-prod" ||
		sa.ClientID != "sa-pipeline-prod@myorg.iam" || sa.Status != "active" || sa.CreatedBy != "user-admin-001" ||
		sa.Scope != "project" || sa.ScopeID != "proj-abc123" || sa.DisplayName != "Production CI/CD Pipeline" ||
		sa.Description != "deploys from CI" || !slices.Equal(sa.Roles, []string{"compute.deployer", "storage.writer"}) ||
		sa.ActiveCredentialCount != 0 || !uuidPattern.MatchString(sa.UID) {
		t.Fatalf("create answered %+v", sa)
	}
	if sa.CreatedAt.IsZero() || !sa.UpdatedAt.Equal(sa.CreatedAt) || !strings.Contains(string(keys["createdAt"]), "Z") {
		t.Fatalf("createdAt %s, updatedAt %s: want equal RFC 3339 UTC times", keys["createdAt"], keys["updatedAt"])
	}

	var got K0rdentServiceAccount
	status, _, body = call(t, http.MethodGet, base+"/sa-pipeline-prod", nil, auth...)
	wantStatus(t, status, http.StatusOK, body)
	decode(t, body, &got)
	if got.UID != sa.UID || got.DisplayName != sa.DisplayName {
		t.Fatalf("get answered %+v, want %+v", got, sa)
	}

	// Resending the immutable fields unchanged is allowed; the others change.
	status, _, body = call(t, http.MethodPatch, base+"/sa-pipeline-prod", map[string]any{
		"displayName": "Pipeline", "description": "", "roles": []string{"compute.viewer"},
		"scope": "project", "scopeId": "proj-abc123", "id": "sa-pipeline-prod",
	}, auth...)
	wantStatus(t, status, http.StatusOK, body)
	decode(t, body, &got)
	if got.DisplayName != "Pipeline" || got.Description != "" || !slices.Equal(got.Roles, []string{"compute.viewer"}) ||
		got.UpdatedAt.Before(sa.CreatedAt) || got.CreatedAt != sa.CreatedAt {
		t.Fatalf("patch answered %+v", got)
	}
	if store := s.K0rdentServiceAccounts(); len(store) != 1 || store[0].Region != "global" || store[0].DisplayName != "Pipeline" {
		t.Fatalf("store holds %+v", store)
	}

	status, _, body = call(t, http.MethodDelete, base+"/sa-pipeline-prod", nil, auth...)
	wantStatus(t, status, http.StatusNoContent, body)
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		status, _, body = call(t, method, base+"/sa-pipeline-prod", nil, auth...)
		wantStatus(t, status, http.StatusNotFound, body)
		wantK0rdentError(t, body, http.StatusNotFound, "")
	}
	status, _, body = call(t, http.MethodPatch, base+"/sa-pipeline-prod", map[string]any{"displayName": "x"}, auth...)
	wantStatus(t, status, http.StatusNotFound, body)
	wantK0rdentError(t, body, http.StatusNotFound, "")
}

func TestK0rdentGeneratesIDAndEmptyRoles(t *testing.T) {
	s := newTestServer(t)
	// The seed's curl example: no id, no description, no roles.
	sa := createK0rdentAccount(t, s, "global", map[string]any{"displayName": "Production CI/CD Pipeline", "scope": "project", "scopeId": "proj-abc123"})
	if !strings.HasPrefix(sa.ID, "sa-") || !k0rdentIDPattern.MatchString(sa.ID) || sa.ClientID != sa.ID+"@myorg.iam" {
		t.Fatalf("generated id %q, clientId %q", sa.ID, sa.ClientID)
	}
	status, _, body := call(t, http.MethodGet, k0rdentURL(s, "global")+"/"+sa.ID, nil, k0rdentAuth(s)...)
	wantStatus(t, status, http.StatusOK, body)
	if !strings.Contains(string(body), `"roles":[]`) || !strings.Contains(string(body), `"description":""`) {
		t.Fatalf("omitted roles and description must read as [] and \"\": %s", body)
	}
}

func TestK0rdentValidation(t *testing.T) {
	valid := func(change func(map[string]any)) map[string]any {
		req := seedServiceAccount()
		change(req)
		return req
	}
	tests := []struct {
		name      string
		body      any
		wantField string
	}{
		{"id empty", valid(func(m map[string]any) { m["id"] = "" }), "id"},
		{"id too long", valid(func(m map[string]any) { m["id"] = "a" + strings.Repeat("b", 63) }), "id"},
		{"id uppercase", valid(func(m map[string]any) { m["id"] = "Sa-prod" }), "id"},
		{"id starts with digit", valid(func(m map[string]any) { m["id"] = "1sa" }), "id"},
		{"id ends with dash", valid(func(m map[string]any) { m["id"] = "sa-" }), "id"},
		{"displayName missing", valid(func(m map[string]any) { delete(m, "displayName") }), "displayName"},
		{"displayName empty", valid(func(m map[string]any) { m["displayName"] = "" }), "displayName"},
		{"displayName too long", valid(func(m map[string]any) { m["displayName"] = strings.Repeat("é", 256) }), "displayName"},
		{"description too long", valid(func(m map[string]any) { m["description"] = strings.Repeat("d", 1025) }), "description"},
		{"scope missing", valid(func(m map[string]any) { delete(m, "scope") }), "scope"},
		{"scope unknown", valid(func(m map[string]any) { m["scope"] = "folder" }), "scope"},
		{"scopeId missing", valid(func(m map[string]any) { delete(m, "scopeId") }), "scopeId"},
		{"role not a slug", valid(func(m map[string]any) { m["roles"] = []string{"compute.deployer", "Admin!"} }), "roles[1]"},
		{"role empty", valid(func(m map[string]any) { m["roles"] = []string{""} }), "roles[0]"},
		{"malformed JSON", []string{"not", "an", "object"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			status, _, body := call(t, http.MethodPost, k0rdentURL(s, "global"), tt.body, k0rdentAuth(s)...)
			wantStatus(t, status, http.StatusBadRequest, body)
			wantK0rdentError(t, body, http.StatusBadRequest, tt.wantField)
			if len(s.K0rdentServiceAccounts()) != 0 {
				t.Fatal("a rejected create stored an account")
			}
		})
	}

	// The boundaries themselves are accepted.
	s := newTestServer(t)
	createK0rdentAccount(t, s, "global", valid(func(m map[string]any) {
		m["id"] = "a" + strings.Repeat("b", 62)
		m["displayName"] = strings.Repeat("é", 255)
		m["description"] = strings.Repeat("d", 1024)
		m["scope"] = "organization"
		m["roles"] = []string{"admin", "compute.deployer", "storage.bucket-writer"}
	}))
}

func TestK0rdentUpdateValidation(t *testing.T) {
	tests := []struct {
		name      string
		body      any
		wantField string
	}{
		{"scope changed", map[string]any{"scope": "organization"}, "scope"},
		{"scopeId changed", map[string]any{"scopeId": "proj-other"}, "scopeId"},
		{"id changed", map[string]any{"id": "sa-other"}, "id"},
		{"displayName empty", map[string]any{"displayName": ""}, "displayName"},
		{"description too long", map[string]any{"description": strings.Repeat("d", 1025)}, "description"},
		{"role not a slug", map[string]any{"roles": []string{"compute..deployer"}}, "roles[0]"},
		{"malformed JSON", "displayName", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			sa := createK0rdentAccount(t, s, "global", seedServiceAccount())
			status, _, body := call(t, http.MethodPatch, k0rdentURL(s, "global")+"/"+sa.ID, tt.body, k0rdentAuth(s)...)
			wantStatus(t, status, http.StatusBadRequest, body)
			wantK0rdentError(t, body, http.StatusBadRequest, tt.wantField)
			if store := s.K0rdentServiceAccounts(); store[0].DisplayName != sa.DisplayName || !slices.Equal(store[0].Roles, sa.Roles) {
				t.Fatalf("a rejected update changed the store: %+v", store[0])
			}
		})
	}
}

func TestK0rdentNoOpUpdateKeepsUpdatedAt(t *testing.T) {
	s := newTestServer(t)
	sa := createK0rdentAccount(t, s, "global", seedServiceAccount())
	status, _, body := call(t, http.MethodPatch, k0rdentURL(s, "global")+"/"+sa.ID, map[string]any{"displayName": sa.DisplayName}, k0rdentAuth(s)...)
	wantStatus(t, status, http.StatusOK, body)
	var got K0rdentServiceAccount
	decode(t, body, &got)
	if !got.UpdatedAt.Equal(sa.UpdatedAt) {
		t.Fatalf("a PATCH that changed nothing moved updatedAt from %s to %s", sa.UpdatedAt, got.UpdatedAt)
	}
}

func TestK0rdentConflict(t *testing.T) {
	s := newTestServer(t)
	createK0rdentAccount(t, s, "global", seedServiceAccount())
	status, _, body := call(t, http.MethodPost, k0rdentURL(s, "global"), seedServiceAccount(), k0rdentAuth(s)...)
	wantStatus(t, status, http.StatusConflict, body)
	if got, want := strings.TrimSpace(string(body)), `{"code":"CONFLICT","message":"A resource with id 'sa-pipeline-prod' already exists."}`; got != want {
		t.Fatalf("conflict body %s, want %s", got, want)
	}
	// Ids are unique per region only.
	createK0rdentAccount(t, s, "eu-west-1", seedServiceAccount())
	if n := len(s.K0rdentServiceAccounts()); n != 2 {
		t.Fatalf("store holds %d accounts, want 2", n)
	}
}

func TestK0rdentRejectsBadCredentialsAndRegions(t *testing.T) {
	s := newTestServer(t)
	for _, headers := range [][]string{nil, {"Authorization", "Bearer wrong"}, {"Authorization", s.Credentials().K0rdentToken}} {
		status, _, body := call(t, http.MethodPost, k0rdentURL(s, "global"), seedServiceAccount(), headers...)
		wantStatus(t, status, http.StatusUnauthorized, body)
		wantK0rdentError(t, body, http.StatusUnauthorized, "")
	}
	status, _, body := call(t, http.MethodPost, k0rdentURL(s, "Global_1"), seedServiceAccount(), k0rdentAuth(s)...)
	wantStatus(t, status, http.StatusBadRequest, body)
	wantK0rdentError(t, body, http.StatusBadRequest, "region")
	if len(s.K0rdentServiceAccounts()) != 0 {
		t.Fatal("a rejected create stored an account")
	}
}

func TestK0rdentCredentials(t *testing.T) {
	s := newTestServer(t)
	auth := k0rdentAuth(s)
	sa := createK0rdentAccount(t, s, "global", seedServiceAccount())
	saURL := k0rdentURL(s, "global") + "/" + sa.ID
	credsURL := saURL + "/credentials"

	// No body at all: the organization's default lifetime applies.
	status, _, body := call(t, http.MethodPost, credsURL, nil, auth...)
	wantStatus(t, status, http.StatusCreated, body)
	wantCredentialKeys(t, body, true)
	var forever K0rdentCredential
	decode(t, body, &forever)
	if forever.ClientSecret == "" || forever.ID == "" || forever.ServiceAccountID != sa.ID || forever.Status != "active" ||
		forever.CreatedBy != k0rdentCreatedBy || !uuidPattern.MatchString(forever.UID) || forever.LastUsedAt != nil ||
		forever.LastUsedIP != nil || forever.SelfLink != sa.SelfLink+"/credentials/"+forever.ID ||
		!forever.ExpiresAt.Equal(forever.CreatedAt.Add(K0rdentDefaultCredentialLifetime)) {
		t.Fatalf("create answered %s: want the documented fields and the default lifetime", body)
	}

	expires := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	status, _, body = call(t, http.MethodPost, credsURL, map[string]string{"expiresAt": expires.Format(time.RFC3339)}, auth...)
	wantStatus(t, status, http.StatusCreated, body)
	var expiring K0rdentCredential
	decode(t, body, &expiring)
	if !expiring.ExpiresAt.Equal(expires) || expiring.ClientSecret == "" || expiring.ClientSecret == forever.ClientSecret {
		t.Fatalf("create answered %+v", expiring)
	}
	wantCredentialCount(t, s, saURL, 2)

	status, _, body = call(t, http.MethodGet, credsURL+"/"+expiring.ID, nil, auth...)
	wantStatus(t, status, http.StatusOK, body)
	var got K0rdentCredential
	decode(t, body, &got)
	if got.ID != expiring.ID || !got.ExpiresAt.Equal(expires) || got.Status != "active" {
		t.Fatalf("get answered %s", body)
	}
	wantCredentialKeys(t, body, false)

	status, _, body = call(t, http.MethodGet, credsURL, nil, auth...)
	wantStatus(t, status, http.StatusOK, body)
	var list struct {
		Credentials []K0rdentCredential `json:"credentials"`
	}
	decode(t, body, &list)
	if len(list.Credentials) != 2 || list.Credentials[0].ID != forever.ID || strings.Contains(string(body), "clientSecret") {
		t.Fatalf("list answered %s", body)
	}
	if stored := s.K0rdentCredentials(sa.ID); len(stored) != 2 || stored[1].ClientSecret != expiring.ClientSecret {
		t.Fatalf("the store must keep the secrets: %+v", stored)
	}

	// An expired credential is no longer active, and says so.
	if !s.SetK0rdentCredentialExpiry("global", sa.ID, expiring.ID, time.Now().Add(-time.Minute)) {
		t.Fatal("SetK0rdentCredentialExpiry found no credential")
	}
	wantCredentialCount(t, s, saURL, 1)
	status, _, body = call(t, http.MethodGet, credsURL+"/"+expiring.ID, nil, auth...)
	wantStatus(t, status, http.StatusOK, body)
	decode(t, body, &got)
	if got.Status != "expired" {
		t.Fatalf("an expired credential reads %s", body)
	}
	// A use shows in lastUsedAt and lastUsedIp.
	used := time.Now().UTC().Truncate(time.Second)
	if !s.SetK0rdentCredentialUsed("global", sa.ID, forever.ID, used, "203.0.113.42") {
		t.Fatal("SetK0rdentCredentialUsed found no credential")
	}
	status, _, body = call(t, http.MethodGet, credsURL+"/"+forever.ID, nil, auth...)
	wantStatus(t, status, http.StatusOK, body)
	decode(t, body, &got)
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) || got.LastUsedIP == nil || *got.LastUsedIP != "203.0.113.42" {
		t.Fatalf("a used credential reads %s", body)
	}
	if s.SetK0rdentCredentialExpiry("global", sa.ID, "cred-nope", time.Now()) {
		t.Fatal("SetK0rdentCredentialExpiry reported an unknown credential")
	}

	status, _, body = call(t, http.MethodDelete, credsURL+"/"+forever.ID, nil, auth...)
	wantStatus(t, status, http.StatusNoContent, body)
	wantCredentialCount(t, s, saURL, 0)
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		status, _, body = call(t, method, credsURL+"/"+forever.ID, nil, auth...)
		wantStatus(t, status, http.StatusNotFound, body)
		wantK0rdentError(t, body, http.StatusNotFound, "")
	}

	// Deleting the service account takes its credentials with it.
	status, _, body = call(t, http.MethodDelete, saURL, nil, auth...)
	wantStatus(t, status, http.StatusNoContent, body)
	if stored := s.K0rdentCredentials(sa.ID); len(stored) != 0 {
		t.Fatalf("credentials outlived their service account: %+v", stored)
	}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		status, _, body = call(t, method, credsURL, nil, auth...)
		wantStatus(t, status, http.StatusNotFound, body)
		wantK0rdentError(t, body, http.StatusNotFound, "")
	}
}

// wantCredentialKeys checks that a credential answer has exactly the documented keys: no
// clientId, and clientSecret only when withSecret (the answer to its creation).
func wantCredentialKeys(t *testing.T, body []byte, withSecret bool) {
	t.Helper()
	var keys map[string]json.RawMessage
	decode(t, body, &keys)
	want := []string{"selfLink", "uid", "id", "serviceAccountId", "status", "expiresAt", "createdBy", "createdAt", "lastUsedAt", "lastUsedIp"}
	if withSecret {
		want = append(want, "clientSecret")
	}
	got := slices.Sorted(maps.Keys(keys))
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("credential answer %s has keys %v, want %v", body, got, want)
	}
}

// wantCredentialCount reads a service account and checks its activeCredentialCount.
func wantCredentialCount(t *testing.T, s *testServer, saURL string, want int) {
	t.Helper()
	status, _, body := call(t, http.MethodGet, saURL, nil, k0rdentAuth(s)...)
	wantStatus(t, status, http.StatusOK, body)
	var sa K0rdentServiceAccount
	decode(t, body, &sa)
	if sa.ActiveCredentialCount != want {
		t.Fatalf("activeCredentialCount %d, want %d", sa.ActiveCredentialCount, want)
	}
}

func TestK0rdentCredentialValidation(t *testing.T) {
	s := newTestServer(t)
	sa := createK0rdentAccount(t, s, "global", seedServiceAccount())
	credsURL := k0rdentURL(s, "global") + "/" + sa.ID + "/credentials"
	for _, body := range []any{
		map[string]string{"expiresAt": time.Now().Add(-time.Hour).Format(time.RFC3339)},
		map[string]string{"expiresAt": time.Now().Add(K0rdentMaxCredentialLifetime + time.Hour).Format(time.RFC3339)},
		map[string]string{"expiresAt": "tomorrow"},
		map[string]string{"expiresAt": ""},
	} {
		status, _, raw := call(t, http.MethodPost, credsURL, body, k0rdentAuth(s)...)
		wantStatus(t, status, http.StatusBadRequest, raw)
		wantK0rdentError(t, raw, http.StatusBadRequest, "expiresAt")
	}
	status, _, raw := call(t, http.MethodPost, credsURL, []int{1}, k0rdentAuth(s)...)
	wantStatus(t, status, http.StatusBadRequest, raw)
	wantK0rdentError(t, raw, http.StatusBadRequest, "")
	if n := len(s.K0rdentCredentials(sa.ID)); n != 0 {
		t.Fatalf("rejected creates stored %d credentials", n)
	}
}

func TestK0rdentListPages(t *testing.T) {
	s := newTestServer(t)
	for i := range 7 {
		createK0rdentAccount(t, s, "global", map[string]any{
			"id": fmt.Sprintf("sa-%02d", 6-i), "displayName": "x", "scope": "organization", "scopeId": "org-1",
		})
	}
	createK0rdentAccount(t, s, "other", seedServiceAccount()) // another region's accounts stay out of the list

	var seen []string
	token := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		resp := listK0rdentPage(t, s, "pageSize=3&pageToken="+token)
		if len(resp.ServiceAccounts) > 3 {
			t.Fatalf("a page of size 3 holds %d accounts", len(resp.ServiceAccounts))
		}
		for _, sa := range resp.ServiceAccounts {
			seen = append(seen, sa.ID)
		}
		if resp.NextPageToken == nil {
			break
		}
		token = *resp.NextPageToken
	}
	want := []string{"sa-00", "sa-01", "sa-02", "sa-03", "sa-04", "sa-05", "sa-06"}
	if !slices.Equal(seen, want) {
		t.Fatalf("walked %v, want %v", seen, want)
	}

	if resp := listK0rdentPage(t, s, ""); len(resp.ServiceAccounts) != 7 || resp.NextPageToken != nil {
		t.Fatalf("default page size: %d accounts, next %v", len(resp.ServiceAccounts), resp.NextPageToken)
	}
	status, _, body := call(t, http.MethodGet, k0rdentURL(s, "empty-region"), nil, k0rdentAuth(s)...)
	wantStatus(t, status, http.StatusOK, body)
	if strings.TrimSpace(string(body)) != `{"serviceAccounts":[]}` {
		t.Fatalf("empty region answered %s", body)
	}

	for _, q := range []struct{ query, field string }{
		{"pageSize=0", "pageSize"}, {"pageSize=501", "pageSize"}, {"pageSize=-1", "pageSize"}, {"pageSize=x", "pageSize"},
		{"pageToken=!!", "pageToken"},
	} {
		status, _, body := call(t, http.MethodGet, k0rdentURL(s, "global")+"?"+q.query, nil, k0rdentAuth(s)...)
		wantStatus(t, status, http.StatusBadRequest, body)
		wantK0rdentError(t, body, http.StatusBadRequest, q.field)
	}
}

// pageSize is 1 to 500, default 50 (K-idx).
func TestK0rdentListPageSizeBounds(t *testing.T) {
	s := newTestServer(t)
	for i := range 501 {
		s.PutK0rdentServiceAccount("global", K0rdentServiceAccount{ID: fmt.Sprintf("sa-%03d", i), DisplayName: "x"})
	}
	resp := listK0rdentPage(t, s, "pageSize=500")
	if len(resp.ServiceAccounts) != 500 || resp.NextPageToken == nil {
		t.Fatalf("pageSize=500 gave %d accounts, next %v; want 500 and a token", len(resp.ServiceAccounts), resp.NextPageToken)
	}
	if last := listK0rdentPage(t, s, "pageSize=500&pageToken="+*resp.NextPageToken); len(last.ServiceAccounts) != 1 ||
		last.ServiceAccounts[0].ID != "sa-500" || last.NextPageToken != nil {
		t.Fatalf("last page %+v, next %v", last.ServiceAccounts, last.NextPageToken)
	}
	if resp := listK0rdentPage(t, s, ""); len(resp.ServiceAccounts) != 50 || resp.NextPageToken == nil {
		t.Fatalf("no pageSize gave %d accounts, next %v; want the default 50 and a token", len(resp.ServiceAccounts), resp.NextPageToken)
	}
	if resp := listK0rdentPage(t, s, "pageSize=1"); len(resp.ServiceAccounts) != 1 || resp.ServiceAccounts[0].ID != "sa-000" {
		t.Fatalf("pageSize=1 gave %+v", resp.ServiceAccounts)
	}
}

// Credentials page the same way, in creation order.
func TestK0rdentCredentialListPages(t *testing.T) {
	s := newTestServer(t)
	sa := createK0rdentAccount(t, s, "global", seedServiceAccount())
	credsURL := k0rdentURL(s, "global") + "/" + sa.ID + "/credentials"
	var want []string
	for range 4 {
		status, _, body := call(t, http.MethodPost, credsURL, nil, k0rdentAuth(s)...)
		wantStatus(t, status, http.StatusCreated, body)
		var c K0rdentCredential
		decode(t, body, &c)
		want = append(want, c.ID)
	}
	var seen []string
	token := ""
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("pagination does not end")
		}
		status, _, body := call(t, http.MethodGet, credsURL+"?pageSize=3&pageToken="+token, nil, k0rdentAuth(s)...)
		wantStatus(t, status, http.StatusOK, body)
		var page struct {
			Credentials   []K0rdentCredential `json:"credentials"`
			NextPageToken *string             `json:"nextPageToken"`
		}
		decode(t, body, &page)
		for _, c := range page.Credentials {
			seen = append(seen, c.ID)
		}
		if page.NextPageToken == nil {
			break
		}
		token = *page.NextPageToken
	}
	if !slices.Equal(seen, want) {
		t.Fatalf("walked %v, want %v", seen, want)
	}
	for _, q := range []string{"pageSize=0", "pageSize=501", "pageToken=!!"} {
		status, _, body := call(t, http.MethodGet, credsURL+"?"+q, nil, k0rdentAuth(s)...)
		wantStatus(t, status, http.StatusBadRequest, body)
	}
}

// At most 5 active credentials per service account; the refusal's status is not documented,
// so the mock's 409 is a guess (see K0rdentCredentialLimitStatus).
func TestK0rdentCredentialLimit(t *testing.T) {
	s := newTestServer(t)
	sa := createK0rdentAccount(t, s, "global", seedServiceAccount())
	credsURL := k0rdentURL(s, "global") + "/" + sa.ID + "/credentials"
	create := func() (int, []byte) {
		status, _, body := call(t, http.MethodPost, credsURL, nil, k0rdentAuth(s)...)
		return status, body
	}
	var ids []string
	for range K0rdentMaxActiveCredentials {
		status, body := create()
		wantStatus(t, status, http.StatusCreated, body)
		var c K0rdentCredential
		decode(t, body, &c)
		ids = append(ids, c.ID)
	}
	status, body := create()
	wantStatus(t, status, K0rdentCredentialLimitStatus, body)
	wantK0rdentError(t, body, K0rdentCredentialLimitStatus, "")
	if !strings.Contains(string(body), "5 active credentials") {
		t.Fatalf("the refusal %s does not name the limit", body)
	}
	if n := len(s.K0rdentCredentials(sa.ID)); n != K0rdentMaxActiveCredentials {
		t.Fatalf("the refused create stored a credential: %d", n)
	}

	// An expired credential frees its place, and so does a deleted one.
	s.SetK0rdentCredentialExpiry("global", sa.ID, ids[0], time.Now().Add(-time.Second))
	status, body = create()
	wantStatus(t, status, http.StatusCreated, body)
	status, body = create()
	wantStatus(t, status, K0rdentCredentialLimitStatus, body)
	s.DeleteK0rdentCredential("global", sa.ID, ids[1])
	status, body = create()
	wantStatus(t, status, http.StatusCreated, body)
}

// A token without tenant administrator rights gets 404 on reads, updates and deletes by id,
// for objects that exist; the lists still show them.
func TestK0rdentNonAdminGets404ByID(t *testing.T) {
	s := newTestServer(t)
	auth := k0rdentAuth(s)
	sa := createK0rdentAccount(t, s, "global", seedServiceAccount())
	saURL := k0rdentURL(s, "global") + "/" + sa.ID
	status, _, body := call(t, http.MethodPost, saURL+"/credentials", nil, auth...)
	wantStatus(t, status, http.StatusCreated, body)
	var c K0rdentCredential
	decode(t, body, &c)

	s.SetK0rdentNonAdmin(true)
	for _, req := range []struct{ method, url string }{
		{http.MethodGet, saURL}, {http.MethodPatch, saURL}, {http.MethodDelete, saURL},
		{http.MethodGet, saURL + "/credentials/" + c.ID}, {http.MethodDelete, saURL + "/credentials/" + c.ID},
	} {
		status, _, body := call(t, req.method, req.url, map[string]any{"displayName": "changed"}, auth...)
		wantStatus(t, status, http.StatusNotFound, body)
		wantK0rdentError(t, body, http.StatusNotFound, "")
	}
	if resp := listK0rdentPage(t, s, ""); len(resp.ServiceAccounts) != 1 || resp.ServiceAccounts[0].ID != sa.ID {
		t.Fatalf("the list shows %+v, want the account", resp.ServiceAccounts)
	}
	status, _, body = call(t, http.MethodGet, saURL+"/credentials", nil, auth...)
	wantStatus(t, status, http.StatusOK, body)
	if !strings.Contains(string(body), c.ID) {
		t.Fatalf("the credential list %s lacks %s", body, c.ID)
	}
	if store := s.K0rdentServiceAccounts(); len(store) != 1 || store[0].DisplayName != sa.DisplayName || len(s.K0rdentCredentials(sa.ID)) != 1 {
		t.Fatalf("the refused calls changed the store: %+v", store)
	}

	// Only deletes: the reads answer again.
	s.SetK0rdentNonAdminFor(http.MethodDelete)
	status, _, body = call(t, http.MethodGet, saURL+"/credentials/"+c.ID, nil, auth...)
	wantStatus(t, status, http.StatusOK, body)
	status, _, body = call(t, http.MethodDelete, saURL+"/credentials/"+c.ID, nil, auth...)
	wantStatus(t, status, http.StatusNotFound, body)

	s.SetK0rdentNonAdmin(false)
	status, _, body = call(t, http.MethodDelete, saURL+"/credentials/"+c.ID, nil, auth...)
	wantStatus(t, status, http.StatusNoContent, body)
}

type k0rdentListResponse struct {
	ServiceAccounts []K0rdentServiceAccount `json:"serviceAccounts"`
	NextPageToken   *string                 `json:"nextPageToken"`
}

// listK0rdentPage reads one page of the global region's list.
func listK0rdentPage(t *testing.T, s *testServer, query string) k0rdentListResponse {
	t.Helper()
	status, _, body := call(t, http.MethodGet, k0rdentURL(s, "global")+"?"+query, nil, k0rdentAuth(s)...)
	wantStatus(t, status, http.StatusOK, body)
	var resp k0rdentListResponse
	decode(t, body, &resp)
	return resp
}

func TestK0rdentOutOfBand(t *testing.T) {
	s := newTestServer(t)
	sa := createK0rdentAccount(t, s, "global", seedServiceAccount())
	saURL := k0rdentURL(s, "global") + "/" + sa.ID

	if !s.SetK0rdentServiceAccountDisplayName("global", sa.ID, "Renamed in the console") {
		t.Fatal("SetK0rdentServiceAccountDisplayName found no account")
	}
	status, _, body := call(t, http.MethodGet, saURL, nil, k0rdentAuth(s)...)
	wantStatus(t, status, http.StatusOK, body)
	var got K0rdentServiceAccount
	decode(t, body, &got)
	if got.DisplayName != "Renamed in the console" {
		t.Fatalf("displayName %q after the out-of-band change", got.DisplayName)
	}

	if s.DeleteK0rdentServiceAccount("other", sa.ID) || s.SetK0rdentServiceAccountDisplayName("other", sa.ID, "x") {
		t.Fatal("the helpers must not find an account in another region")
	}
	if !s.DeleteK0rdentServiceAccount("global", sa.ID) || s.DeleteK0rdentServiceAccount("global", sa.ID) {
		t.Fatal("DeleteK0rdentServiceAccount must report true once, then false")
	}
	status, _, body = call(t, http.MethodGet, saURL, nil, k0rdentAuth(s)...)
	wantStatus(t, status, http.StatusNotFound, body)
}

func TestPutK0rdentServiceAccount(t *testing.T) {
	s := newTestServer(t)
	put := s.PutK0rdentServiceAccount("global", K0rdentServiceAccount{DisplayName: "Older", Scope: "project", ScopeID: "p1", Roles: []string{"a.b"}})
	if !strings.HasPrefix(put.ID, "sa-") || put.Status != "active" || put.ClientID != put.ID+"@myorg.iam" ||
		!uuidPattern.MatchString(put.UID) || put.CreatedAt.IsZero() || !put.UpdatedAt.Equal(put.CreatedAt) {
		t.Fatalf("stored account %+v lacks the values a create would give it", put)
	}
	status, _, body := call(t, http.MethodGet, k0rdentURL(s, "global")+"/"+put.ID, nil, k0rdentAuth(s)...)
	wantStatus(t, status, http.StatusOK, body)
	var got K0rdentServiceAccount
	decode(t, body, &got)
	if got.DisplayName != "Older" || !slices.Equal(got.Roles, []string{"a.b"}) {
		t.Fatalf("GET answered %+v, want the stored account", got)
	}

	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	kept := s.PutK0rdentServiceAccount("eu", K0rdentServiceAccount{ID: "sa-fixed", DisplayName: "Fixed", CreatedAt: old})
	if kept.ID != "sa-fixed" || !kept.CreatedAt.Equal(old) || kept.Region != "eu" {
		t.Fatalf("stored account %+v does not keep the given id, time and region", kept)
	}
}

func TestAddK0rdentCredential(t *testing.T) {
	s := newTestServer(t)
	sa := createK0rdentAccount(t, s, "global", seedServiceAccount())
	if _, ok := s.AddK0rdentCredential("other", sa.ID); ok {
		t.Fatal("AddK0rdentCredential found the account in another region")
	}
	c, ok := s.AddK0rdentCredential("global", sa.ID)
	if !ok || c.ClientSecret == "" || c.Status != "active" || !c.ExpiresAt.Equal(c.CreatedAt.Add(K0rdentDefaultCredentialLifetime)) {
		t.Fatalf("AddK0rdentCredential = %+v, %v", c, ok)
	}
	status, _, body := call(t, http.MethodGet, k0rdentURL(s, "global")+"/"+sa.ID+"/credentials/"+c.ID, nil, k0rdentAuth(s)...)
	wantStatus(t, status, http.StatusOK, body)
	wantCredentialCount(t, s, k0rdentURL(s, "global")+"/"+sa.ID, 1)
}

func TestDeleteK0rdentCredential(t *testing.T) {
	s := newTestServer(t)
	sa := createK0rdentAccount(t, s, "global", seedServiceAccount())
	status, _, body := call(t, http.MethodPost, k0rdentURL(s, "global")+"/"+sa.ID+"/credentials", nil, k0rdentAuth(s)...)
	wantStatus(t, status, http.StatusCreated, body)
	var c K0rdentCredential
	decode(t, body, &c)

	if s.DeleteK0rdentCredential("other", sa.ID, c.ID) || s.DeleteK0rdentCredential("global", sa.ID, "cred-missing") {
		t.Fatal("DeleteK0rdentCredential found a credential that is not there")
	}
	if !s.DeleteK0rdentCredential("global", sa.ID, c.ID) || len(s.K0rdentCredentials(sa.ID)) != 0 {
		t.Fatal("DeleteK0rdentCredential did not remove the credential")
	}
	status, _, body = call(t, http.MethodGet, k0rdentURL(s, "global")+"/"+sa.ID+"/credentials/"+c.ID, nil, k0rdentAuth(s)...)
	wantStatus(t, status, http.StatusNotFound, body)
}

// The list of service accounts filters by scope, scopeId and status (active|disabled), as
// documented (K-idx list-service-accounts), page by page; a value outside an enum is a 400.
func TestK0rdentListFilters(t *testing.T) {
	s := newTestServer(t)
	for _, sa := range []K0rdentServiceAccount{
		{ID: "sa-org", Scope: "organization", ScopeID: "org-1"},
		{ID: "sa-proj-a", Scope: "project", ScopeID: "proj-a"},
		{ID: "sa-proj-a-off", Scope: "project", ScopeID: "proj-a", Status: "disabled"},
		{ID: "sa-proj-b", Scope: "project", ScopeID: "proj-b"},
	} {
		sa.DisplayName = "x"
		s.PutK0rdentServiceAccount("global", sa)
	}
	ids := func(query string) []string {
		var out []string
		token := ""
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
			resp := listK0rdentPage(t, s, query+"&pageSize=1&pageToken="+token)
			for _, sa := range resp.ServiceAccounts {
				out = append(out, sa.ID)
			}
			if resp.NextPageToken == nil {
				return out
			}
			token = *resp.NextPageToken
		}
	}
	for query, want := range map[string][]string{
		"":               {"sa-org", "sa-proj-a", "sa-proj-a-off", "sa-proj-b"},
		"scope=project":  {"sa-proj-a", "sa-proj-a-off", "sa-proj-b"},
		"scopeId=proj-a": {"sa-proj-a", "sa-proj-a-off"},
		"scope=project&scopeId=proj-a&status=active": {"sa-proj-a"},
		"status=disabled":                   {"sa-proj-a-off"},
		"scope=organization&scopeId=proj-a": nil,
	} {
		if got := ids(query); !slices.Equal(got, want) {
			t.Errorf("?%s listed %v, want %v", query, got, want)
		}
	}
	for _, q := range []struct{ query, field string }{{"scope=team", "scope"}, {"status=expired", "status"}} {
		status, _, body := call(t, http.MethodGet, k0rdentURL(s, "global")+"?"+q.query, nil, k0rdentAuth(s)...)
		wantStatus(t, status, http.StatusBadRequest, body)
		wantK0rdentError(t, body, http.StatusBadRequest, q.field)
	}
}

// The credential list filters by status (active|expired), as documented (K-idx
// list-service-account-credentials); another value is a 400.
func TestK0rdentCredentialListFilters(t *testing.T) {
	s := newTestServer(t)
	sa := createK0rdentAccount(t, s, "global", seedServiceAccount())
	live, _ := s.AddK0rdentCredential("global", sa.ID)
	gone, _ := s.AddK0rdentCredential("global", sa.ID)
	s.SetK0rdentCredentialExpiry("global", sa.ID, gone.ID, time.Now().Add(-time.Minute))
	credsURL := k0rdentURL(s, "global") + "/" + sa.ID + "/credentials"
	for query, want := range map[string][]string{
		"":               {live.ID, gone.ID},
		"status=active":  {live.ID},
		"status=expired": {gone.ID},
	} {
		status, _, body := call(t, http.MethodGet, credsURL+"?"+query, nil, k0rdentAuth(s)...)
		wantStatus(t, status, http.StatusOK, body)
		var page struct {
			Credentials []K0rdentCredential `json:"credentials"`
		}
		decode(t, body, &page)
		var got []string
		for _, c := range page.Credentials {
			got = append(got, c.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("?%s listed %v, want %v", query, got, want)
		}
	}
	status, _, body := call(t, http.MethodGet, credsURL+"?status=disabled", nil, k0rdentAuth(s)...)
	wantStatus(t, status, http.StatusBadRequest, body)
	wantK0rdentError(t, body, http.StatusBadRequest, "status")
}

// With the precision drift on, creates and updates answer timestamps with microseconds and reads
// with at most milliseconds: the same instants, written differently.
func TestK0rdentTimePrecisionDrift(t *testing.T) {
	s := newTestServer(t)
	s.SetTimePrecisionDrift(true)
	auth := k0rdentAuth(s)
	created := createK0rdentAccount(t, s, "global", seedServiceAccount())
	saURL := k0rdentURL(s, "global") + "/" + created.ID
	answer := func(method, url string, body any, want int) map[string]string {
		t.Helper()
		status, _, raw := call(t, method, url, body, auth...)
		wantStatus(t, status, want, raw)
		var fields map[string]any
		decode(t, raw, &fields)
		times := map[string]string{}
		for _, k := range []string{"createdAt", "updatedAt", "expiresAt"} {
			if v, ok := fields[k].(string); ok {
				times[k] = v
			}
		}
		return times
	}
	expires := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	writes := []map[string]string{
		answer(http.MethodPatch, saURL, map[string]any{"displayName": "renamed"}, http.StatusOK),
		answer(http.MethodPost, saURL+"/credentials", map[string]string{"expiresAt": expires.Format(time.RFC3339)}, http.StatusCreated),
	}
	creds := s.K0rdentCredentials(created.ID)
	reads := []map[string]string{
		answer(http.MethodGet, saURL, nil, http.StatusOK),
		answer(http.MethodGet, saURL+"/credentials/"+creds[0].ID, nil, http.StatusOK),
	}
	micro := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)
	milli := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$`)
	for i := range writes {
		if len(writes[i]) < 2 || len(writes[i]) != len(reads[i]) {
			t.Fatalf("write %v, read %v: want the same timestamps in both", writes[i], reads[i])
		}
		for k, w := range writes[i] {
			r := reads[i][k]
			if !micro.MatchString(w) || !milli.MatchString(r) || w == r || !sameTime(t, w, r) {
				t.Errorf("%s: write %s, read %s: want the same instant, with microseconds and with at most milliseconds", k, w, r)
			}
		}
	}
}

// Aging a credential brings its expiry closer and keeps its lifetime.
func TestAgeK0rdentCredential(t *testing.T) {
	s := newTestServer(t)
	sa := createK0rdentAccount(t, s, "global", seedServiceAccount())
	c, _ := s.AddK0rdentCredential("global", sa.ID)
	if !s.AgeK0rdentCredential("global", sa.ID, c.ID, 48*time.Hour) || s.AgeK0rdentCredential("global", sa.ID, "cred-none", time.Hour) {
		t.Fatal("AgeK0rdentCredential should find the credential only")
	}
	aged := s.K0rdentCredentials(sa.ID)[0]
	if c.CreatedAt.Sub(aged.CreatedAt) != 48*time.Hour || c.ExpiresAt.Sub(aged.ExpiresAt) != 48*time.Hour {
		t.Fatalf("created %s -> %s, expires %s -> %s: want both 48h earlier", c.CreatedAt, aged.CreatedAt, c.ExpiresAt, aged.ExpiresAt)
	}
}
