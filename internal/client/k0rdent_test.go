package client

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

// Route patterns of the mock's k0rdent API, as its call counters name them.
const (
	k0rdentAccountsRoute    = mockserver.K0rdentPrefix + "/v1/regions/{region}/iam/service-accounts"
	k0rdentAccountRoute     = k0rdentAccountsRoute + "/{id}"
	k0rdentCredentialsRoute = k0rdentAccountRoute + "/credentials"
)

// interceptor sees each request before the mock and handles it itself when it returns true.
type interceptor func(mock *mockserver.Server, w http.ResponseWriter, r *http.Request) bool

// newK0rdentAgainstMock returns a client for the mock's k0rdent API in region and the mock.
// intercept, when not nil, stands in front of the mock to stage what the mock cannot.
func newK0rdentAgainstMock(t *testing.T, region string, intercept interceptor) (*K0rdent, *mockserver.Server) {
	t.Helper()
	mock := mockserver.New(mockserver.DefaultCredentials())
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if intercept != nil && intercept(mock, w, r) {
			return
		}
		mock.ServeHTTP(w, r)
	})
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewK0rdent(tr, K0rdentConfig{Endpoint: mock.Endpoints(srv.URL).K0rdent, Token: mock.Credentials().K0rdentToken, Region: region})
	if err != nil {
		t.Fatal(err)
	}
	return c, mock
}

// isAccountCreate reports whether r creates a service account.
func isAccountCreate(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/iam/service-accounts")
}

// isCredentialCreate reports whether r creates a credential.
func isCredentialCreate(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/credentials")
}

// ciAccount is a create request with a client-chosen id.
func ciAccount() ServiceAccountRequest {
	return ServiceAccountRequest{
		ID:          "sa-ci",
		DisplayName: "CI pipeline",
		Description: "deploys from CI",
		Scope:       "project",
		ScopeID:     "proj-1",
		Roles:       []string{"storage.writer", "compute.deployer"},
	}
}

// mockAccount is req as the mock stores it, for putting accounts in place directly.
func mockAccount(req ServiceAccountRequest) mockserver.K0rdentServiceAccount {
	return mockserver.K0rdentServiceAccount{
		ID: req.ID, DisplayName: req.DisplayName, Description: req.Description,
		Scope: req.Scope, ScopeID: req.ScopeID, Roles: req.Roles,
	}
}

// accountsNamed returns the mock's accounts with that display name.
func accountsNamed(mock *mockserver.Server, name string) []mockserver.K0rdentServiceAccount {
	var out []mockserver.K0rdentServiceAccount
	for _, sa := range mock.K0rdentServiceAccounts() {
		if sa.DisplayName == name {
			out = append(out, sa)
		}
	}
	return out
}

func TestK0rdentServiceAccountLifecycle(t *testing.T) {
	c, mock := newK0rdentAgainstMock(t, "eu-west", nil)
	ctx := t.Context()

	created, err := c.CreateServiceAccount(ctx, ciAccount())
	if err != nil {
		t.Fatalf("CreateServiceAccount: %v", err)
	}
	if created.ID != "sa-ci" || created.DisplayName != "CI pipeline" || created.ClientID == "" || created.UID == "" ||
		created.Status != "active" || created.CreatedAt == "" || len(ciAccount().differences(created)) != 0 {
		t.Fatalf("created %+v does not reflect the request", created)
	}
	if stored := mock.K0rdentServiceAccounts(); len(stored) != 1 || stored[0].Region != "eu-west" {
		t.Fatalf("the mock holds %+v, want one account in the client's region", stored)
	}

	got, err := c.GetServiceAccount(ctx, "sa-ci")
	if err != nil || got.UID != created.UID {
		t.Fatalf("GetServiceAccount = %+v, %v; want the created account", got, err)
	}

	name, noRoles := "CI pipeline (prod)", []string{}
	updated, err := c.UpdateServiceAccount(ctx, "sa-ci", ServiceAccountUpdate{DisplayName: &name, Roles: &noRoles})
	if err != nil {
		t.Fatalf("UpdateServiceAccount: %v", err)
	}
	if updated.DisplayName != name || len(updated.Roles) != 0 || updated.Description != "deploys from CI" {
		t.Fatalf("updated %+v: want the new name, no roles and the description left as it was", updated)
	}

	all, err := c.ListServiceAccounts(ctx)
	if err != nil || len(all) != 1 || all[0].ID != "sa-ci" {
		t.Fatalf("ListServiceAccounts = %+v, %v", all, err)
	}

	if err := c.DeleteServiceAccount(ctx, "sa-ci"); err != nil {
		t.Fatalf("DeleteServiceAccount: %v", err)
	}
	if _, err := c.GetServiceAccount(ctx, "sa-ci"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetServiceAccount after delete: %v, want ErrNotFound", err)
	}
	if err := c.DeleteServiceAccount(ctx, "sa-ci"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second DeleteServiceAccount: %v, want ErrNotFound", err)
	}
}

func TestK0rdentRegionDefaultsToGlobal(t *testing.T) {
	c, mock := newK0rdentAgainstMock(t, "", nil)
	if c.Region() != "global" {
		t.Fatalf("Region() = %q, want global", c.Region())
	}
	if _, err := c.CreateServiceAccount(t.Context(), ServiceAccountRequest{DisplayName: "x", Scope: "organization", ScopeID: "org-1"}); err != nil {
		t.Fatal(err)
	}
	if stored := mock.K0rdentServiceAccounts(); len(stored) != 1 || stored[0].Region != "global" || !strings.HasPrefix(stored[0].ID, "sa-") {
		t.Fatalf("the mock holds %+v, want one account with a generated id in region global", stored)
	}
}

func TestK0rdentValidationErrorIsParsed(t *testing.T) {
	c, mock := newK0rdentAgainstMock(t, "global", nil)
	_, err := c.CreateServiceAccount(t.Context(), ServiceAccountRequest{ID: "Bad_ID", DisplayName: "x", Scope: "folder", ScopeID: "f"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || !strings.Contains(apiErr.Message, "scope") ||
		!strings.Contains(apiErr.Message, "id") || apiErr.Details == nil {
		t.Fatalf("error %v: want a 400 APIError whose message and details name id and scope", err)
	}
	if n := mock.Calls("POST " + k0rdentAccountsRoute); n != 1 {
		t.Fatalf("%d creates sent; a 400 must not be retried", n)
	}
}

func TestK0rdentListServiceAccountsWalksEveryPage(t *testing.T) {
	c, mock := newK0rdentAgainstMock(t, "global", nil)
	const total = 230
	for range total {
		mock.PutK0rdentServiceAccount("global", mockserver.K0rdentServiceAccount{DisplayName: "bulk", Scope: "project", ScopeID: "p"})
	}
	mock.PutK0rdentServiceAccount("other-region", mockserver.K0rdentServiceAccount{DisplayName: "elsewhere"})

	all, err := c.ListServiceAccounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, sa := range all {
		ids[sa.ID] = true
	}
	if len(all) != total || len(ids) != total {
		t.Fatalf("listed %d accounts (%d distinct), want %d of this region", len(all), len(ids), total)
	}
	if n := mock.Calls("GET " + k0rdentAccountsRoute); n != 3 {
		t.Fatalf("%d list calls, want 3 pages of at most %d", n, k0rdentPageSize)
	}
}

func TestK0rdentListStopsOnRepeatedPageToken(t *testing.T) {
	var calls atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(t, w, http.StatusOK, map[string]any{
			"serviceAccounts": []ServiceAccount{{ID: "sa-" + r.URL.Query().Get("pageToken")}},
			"nextPageToken":   "again",
		})
	})
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewK0rdent(tr, K0rdentConfig{Endpoint: srv.URL, Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListServiceAccounts(t.Context())
	if err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("error %v, want the repeated page token reported", err)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("%d list calls, want 2: stop as soon as a token repeats", n)
	}
}

func TestK0rdentConflictOnFirstCreateIsNotAdopted(t *testing.T) {
	c, mock := newK0rdentAgainstMock(t, "global", nil)
	// Even an identical account is not taken over: Terraform did not create it.
	mock.PutK0rdentServiceAccount("global", mockAccount(ciAccount()))

	_, err := c.CreateServiceAccount(t.Context(), ciAccount())
	if !isConflict(err) || !strings.Contains(err.Error(), "import it") || !strings.Contains(err.Error(), "another id") {
		t.Fatalf("error %v: want the 409 with how to adopt the account or avoid it", err)
	}
	if n := mock.Calls("GET " + k0rdentAccountRoute); n != 0 {
		t.Fatalf("%d reads after a plain conflict, want none", n)
	}
}

func TestK0rdentCreateWithIDAfterLostAnswer(t *testing.T) {
	other := ciAccount()
	other.DisplayName = "Someone else's"
	// Stages for the first and second create; each returns true when it answered itself.
	commitThenDrop := func(mock *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
		mock.ServeHTTP(httptest.NewRecorder(), r)
		dropConnection(t, w)
		return true
	}
	drop := func(_ *mockserver.Server, w http.ResponseWriter, _ *http.Request) bool {
		dropConnection(t, w)
		return true
	}
	put := func(req ServiceAccountRequest) interceptor {
		return func(mock *mockserver.Server, _ http.ResponseWriter, _ *http.Request) bool {
			mock.PutK0rdentServiceAccount("global", mockAccount(req))
			return false
		}
	}
	tests := []struct {
		name          string
		first, second interceptor // nil passes the request to the mock
		wantErr       string      // empty: the account is adopted
		wantName      string      // display name of the one account left
	}{
		{name: "created, answer lost: adopted", first: commitThenDrop, wantName: "CI pipeline"},
		{
			name: "another account took the id: not adopted",
			first: func(m *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
				put(other)(m, w, r)
				return drop(m, w, r)
			},
			wantErr:  `displayName is "Someone else's", not "CI pipeline"`,
			wantName: "Someone else's",
		},
		{name: "not created: sent again", first: drop, wantName: "CI pipeline"},
		{name: "landed late, resent create conflicts: adopted", first: drop, second: put(ciAccount()), wantName: "CI pipeline"},
		{
			name:     "resent create conflicts with another account: not adopted",
			first:    drop,
			second:   put(other),
			wantErr:  "exists but differs",
			wantName: "Someone else's",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var creates atomic.Int32
			c, mock := newK0rdentAgainstMock(t, "global", func(mock *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
				if !isAccountCreate(r) {
					return false
				}
				stage := map[int32]interceptor{1: tc.first, 2: tc.second}[creates.Add(1)]
				return stage != nil && stage(mock, w, r)
			})

			got, err := c.CreateServiceAccount(t.Context(), ciAccount())
			if stored := mock.K0rdentServiceAccounts(); len(stored) != 1 || stored[0].DisplayName != tc.wantName {
				t.Fatalf("the mock holds %+v, want exactly one account named %q", stored, tc.wantName)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "import it") {
					t.Fatalf("error %v, want one containing %q and how to resolve it", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateServiceAccount: %v", err)
			}
			if got.ID != "sa-ci" || len(ciAccount().differences(got)) != 0 {
				t.Fatalf("CreateServiceAccount = %+v, want the requested account", got)
			}
		})
	}
}

// loseNth is an interceptor that loses the answer to the nth request that matches, after the
// mock handled (committed) it when commit is set.
func loseNth(t *testing.T, matches func(*http.Request) bool, nth int32, commit bool) interceptor {
	var seen atomic.Int32
	return func(mock *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
		if !matches(r) || seen.Add(1) != nth {
			return false
		}
		if commit {
			mock.ServeHTTP(httptest.NewRecorder(), r)
		}
		dropConnection(t, w)
		return true
	}
}

func TestK0rdentCreateWithoutIDAfterLostAnswer(t *testing.T) {
	req := ciAccount()
	req.ID = ""
	older := mockAccount(req)
	older.CreatedAt = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		// existing is put in place before the create; commit says whether the lost create happened.
		existing []mockserver.K0rdentServiceAccount
		commit   bool
		wantErr  bool
		wantLeft int // accounts named like req in its scope afterwards
	}{
		{name: "created: the one new match is adopted", commit: true, wantLeft: 1,
			existing: []mockserver.K0rdentServiceAccount{{DisplayName: req.DisplayName, Scope: "project", ScopeID: "proj-other"}}},
		{name: "created beside an older namesake: both named", existing: []mockserver.K0rdentServiceAccount{older}, commit: true, wantErr: true, wantLeft: 2},
		{name: "not created, older namesake: not adopted", existing: []mockserver.K0rdentServiceAccount{older}, wantErr: true, wantLeft: 1},
		{name: "not created, no namesake: sent again", wantLeft: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, mock := newK0rdentAgainstMock(t, "global", loseNth(t, isAccountCreate, 1, tc.commit))
			var existingIDs []string
			for _, sa := range tc.existing {
				existingIDs = append(existingIDs, mock.PutK0rdentServiceAccount("global", sa).ID)
			}

			got, err := c.CreateServiceAccount(t.Context(), req)
			named := 0
			for _, sa := range accountsNamed(mock, req.DisplayName) {
				if sa.ScopeID == req.ScopeID {
					named++
				}
			}
			if named != tc.wantLeft {
				t.Fatalf("the mock holds %d accounts named %q in %s, want %d", named, req.DisplayName, req.ScopeID, tc.wantLeft)
			}
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), existingIDs[0]) || !strings.Contains(err.Error(), "import the one") {
					t.Fatalf("error %v, want one naming %s and how to resolve it", err, existingIDs[0])
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateServiceAccount: %v", err)
			}
			if slices.Contains(existingIDs, got.ID) || len(req.differences(got)) != 0 {
				t.Fatalf("CreateServiceAccount = %+v, want the new account", got)
			}
		})
	}
}

func TestK0rdentCredentialLifecycle(t *testing.T) {
	c, mock := newK0rdentAgainstMock(t, "global", nil)
	ctx := t.Context()
	if _, err := c.CreateServiceAccount(ctx, ciAccount()); err != nil {
		t.Fatal(err)
	}
	expires := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)

	cred, err := c.CreateCredential(ctx, "sa-ci", CredentialRequest{ExpiresAt: expires})
	if err != nil {
		t.Fatalf("CreateCredential: %v", err)
	}
	if cred.ID == "" || cred.ClientSecret == "" || cred.ClientID != "sa-ci@myorg.iam" || cred.ExpiresAt != expires || cred.CreatedAt == "" {
		t.Fatalf("created %+v: want an id, the secret, the account's client id and the expiry", cred)
	}
	if stored := mock.K0rdentCredentials("sa-ci"); len(stored) != 1 || stored[0].ClientSecret != cred.ClientSecret {
		t.Fatalf("the mock holds %+v, want the one credential created", stored)
	}

	got, err := c.GetCredential(ctx, "sa-ci", cred.ID)
	if err != nil || got.ID != cred.ID || got.ClientSecret != "" || got.ExpiresAt != expires {
		t.Fatalf("GetCredential = %+v, %v; want it without its secret", got, err)
	}
	never, err := c.CreateCredential(ctx, "sa-ci", CredentialRequest{})
	if err != nil || never.ExpiresAt != "" {
		t.Fatalf("CreateCredential without expiry = %+v, %v", never, err)
	}
	list, err := c.ListCredentials(ctx, "sa-ci")
	if err != nil || len(list) != 2 || list[0].ID != cred.ID || list[1].ID != never.ID {
		t.Fatalf("ListCredentials = %+v, %v; want both in creation order", list, err)
	}

	if err := c.DeleteCredential(ctx, "sa-ci", cred.ID); err != nil {
		t.Fatalf("DeleteCredential: %v", err)
	}
	if _, err := c.GetCredential(ctx, "sa-ci", cred.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetCredential after delete: %v, want ErrNotFound", err)
	}
	if err := c.DeleteCredential(ctx, "sa-ci", cred.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second DeleteCredential: %v, want ErrNotFound", err)
	}
	if _, err := c.CreateCredential(ctx, "sa-missing", CredentialRequest{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("CreateCredential for a missing account: %v, want ErrNotFound", err)
	}
}

func TestK0rdentCreateCredentialAfterLostAnswer(t *testing.T) {
	for _, commit := range []bool{true, false} {
		name := map[bool]string{true: "created: deleted and created again", false: "not created: sent again"}[commit]
		t.Run(name, func(t *testing.T) {
			// The first credential is created normally; the answer to the second is lost.
			c, mock := newK0rdentAgainstMock(t, "global", loseNth(t, isCredentialCreate, 2, commit))
			ctx := t.Context()
			if _, err := c.CreateServiceAccount(ctx, ciAccount()); err != nil {
				t.Fatal(err)
			}
			existing, err := c.CreateCredential(ctx, "sa-ci", CredentialRequest{})
			if err != nil {
				t.Fatal(err)
			}

			got, err := c.CreateCredential(ctx, "sa-ci", CredentialRequest{})
			if err != nil {
				t.Fatalf("CreateCredential: %v", err)
			}
			stored := mock.K0rdentCredentials("sa-ci")
			if len(stored) != 2 || stored[0].ID != existing.ID {
				t.Fatalf("the mock holds %+v, want the existing credential and exactly one more", stored)
			}
			if got.ID != stored[1].ID || got.ClientSecret == "" || got.ClientSecret != stored[1].ClientSecret {
				t.Fatalf("CreateCredential = %+v, want the credential the mock holds, with its secret", got)
			}
			// A create lost before the mock handled it never reached the mock's counters.
			if n, want := mock.Calls("POST "+k0rdentCredentialsRoute), map[bool]int{true: 3, false: 2}[commit]; n != want {
				t.Fatalf("the mock handled %d credential creates, want %d: the first, the lost one if it landed, and one more", n, want)
			}
			wantDeletes := map[bool]int{true: 1, false: 0}[commit]
			if n := mock.Calls("DELETE " + k0rdentCredentialsRoute + "/{credId}"); n != wantDeletes {
				t.Fatalf("the mock saw %d credential deletes, want %d: only a credential the lost create made is deleted", n, wantDeletes)
			}
		})
	}
}

// loseFrom is an interceptor that commits every request that matches from the nth on, and
// loses its answer.
func loseFrom(t *testing.T, matches func(*http.Request) bool, nth int32) interceptor {
	var seen atomic.Int32
	return func(mock *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
		if !matches(r) || seen.Add(1) < nth {
			return false
		}
		mock.ServeHTTP(httptest.NewRecorder(), r)
		dropConnection(t, w)
		return true
	}
}

// When every answer is lost, the create gives up after maxLostAnswers tries, and none of the
// credentials it made is left behind.
func TestK0rdentCreateCredentialEveryAnswerLost(t *testing.T) {
	c, mock := newK0rdentAgainstMock(t, "global", loseFrom(t, isCredentialCreate, 1))
	ctx := t.Context()
	if _, err := c.CreateServiceAccount(ctx, ciAccount()); err != nil {
		t.Fatal(err)
	}

	_, err := c.CreateCredential(ctx, "sa-ci", CredentialRequest{})
	var ambiguous *AmbiguousError
	if !errors.As(err, &ambiguous) || !strings.Contains(err.Error(), fmt.Sprintf("sent %d times", maxLostAnswers)) {
		t.Fatalf("error %v, want the lost create, saying how often it was sent", err)
	}
	if stored := mock.K0rdentCredentials("sa-ci"); len(stored) != 0 {
		t.Fatalf("the mock holds %+v, want no credential: each one whose answer was lost is deleted", stored)
	}
	if n := mock.Calls("POST " + k0rdentCredentialsRoute); n != maxLostAnswers {
		t.Fatalf("the mock saw %d credential creates, want %d", n, maxLostAnswers)
	}
}

// A new credential that cannot be deleted is named in the error, and nothing is sent again.
func TestK0rdentCreateCredentialLostAnswerAndFailedDelete(t *testing.T) {
	lose := loseNth(t, isCredentialCreate, 1, true)
	c, mock := newK0rdentAgainstMock(t, "global", func(mock *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodDelete {
			writeJSON(t, w, http.StatusForbidden, map[string]any{"error": map[string]any{"code": "FORBIDDEN", "message": "no deleting"}})
			return true
		}
		return lose(mock, w, r)
	})
	ctx := t.Context()
	if _, err := c.CreateServiceAccount(ctx, ciAccount()); err != nil {
		t.Fatal(err)
	}

	_, err := c.CreateCredential(ctx, "sa-ci", CredentialRequest{})
	stored := mock.K0rdentCredentials("sa-ci")
	if len(stored) != 1 {
		t.Fatalf("the mock holds %d credentials, want the one the lost create made", len(stored))
	}
	var ambiguous *AmbiguousError
	if !errors.As(err, &ambiguous) || !strings.Contains(err.Error(), stored[0].ID) || !strings.Contains(err.Error(), "no deleting") ||
		!strings.Contains(err.Error(), "Delete it") {
		t.Fatalf("error %v: want the lost create, the credential %s to delete and why deleting failed", err, stored[0].ID)
	}
	if strings.Contains(err.Error(), stored[0].ClientSecret) {
		t.Fatal("the error holds the client secret")
	}
	if n := mock.Calls("POST " + k0rdentCredentialsRoute); n != 1 {
		t.Fatalf("the mock saw %d credential creates, want 1", n)
	}
}

// Two creates for one account at once: the one whose answer is lost must not take the other's
// new credential for its own and delete it. Creates of one account run side by side, so the lost
// create waits for the other to be committed first; if they took turns, it would wait in vain.
func TestK0rdentConcurrentCredentialCreatesKeepEachOthersCredential(t *testing.T) {
	var posts atomic.Int32
	var committed sync.Once
	otherDone := make(chan struct{})
	var ranAlone atomic.Bool
	c, mock := newK0rdentAgainstMock(t, "global", func(mock *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
		if !isCredentialCreate(r) {
			return false
		}
		if posts.Add(1) != 1 {
			mock.ServeHTTP(w, r)
			committed.Do(func() { close(otherDone) })
			return true
		}
		select {
		case <-otherDone:
		case <-time.After(3 * time.Second): // within the client's 5s per-attempt timeout
			ranAlone.Store(true)
		}
		mock.ServeHTTP(httptest.NewRecorder(), r)
		dropConnection(t, w)
		return true
	})
	ctx := t.Context()
	if _, err := c.CreateServiceAccount(ctx, ciAccount()); err != nil {
		t.Fatal(err)
	}

	results := make(chan *ServiceAccountCredential, 2)
	for range 2 {
		go func() {
			cred, err := c.CreateCredential(ctx, "sa-ci", CredentialRequest{})
			if err != nil {
				t.Errorf("CreateCredential: %v", err)
			}
			results <- cred
		}()
	}
	var got []string
	for range 2 {
		if cred := <-results; cred != nil {
			got = append(got, cred.ID+"/"+cred.ClientSecret)
		}
	}
	var stored []string
	for _, cred := range mock.K0rdentCredentials("sa-ci") {
		stored = append(stored, cred.ID+"/"+cred.ClientSecret)
	}
	slices.Sort(got)
	slices.Sort(stored)
	if !slices.Equal(got, stored) || len(stored) != 2 {
		t.Fatalf("the creates returned %v and the mock holds %v: want the same two credentials", got, stored)
	}
	if ranAlone.Load() {
		t.Fatal("the other create was not sent while the first one was in flight: creates of one account took turns")
	}
}

// Updates and deletes are sent again after a lost answer; a retried delete finds nothing, an
// ErrNotFound the resources count as done.
func TestK0rdentWritesAfterLostAnswer(t *testing.T) {
	c, mock := newK0rdentAgainstMock(t, "global", nil)
	ctx := t.Context()
	if _, err := c.CreateServiceAccount(ctx, ciAccount()); err != nil {
		t.Fatal(err)
	}
	cred, err := c.CreateCredential(ctx, "sa-ci", CredentialRequest{})
	if err != nil {
		t.Fatal(err)
	}

	mock.DropNextWrites(1)
	description := "deploys from CI, nightly"
	if sa, err := c.UpdateServiceAccount(ctx, "sa-ci", ServiceAccountUpdate{Description: &description}); err != nil || sa.Description != description {
		t.Fatalf("update after a lost answer: %+v, %v", sa, err)
	}
	mock.DropNextWrites(1)
	if err := c.DeleteCredential(ctx, "sa-ci", cred.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("credential delete after a lost answer: %v, want the retry's ErrNotFound", err)
	}
	if left := mock.K0rdentCredentials("sa-ci"); len(left) != 0 {
		t.Fatalf("credentials left after delete: %+v", left)
	}
	mock.DropNextWrites(1)
	if err := c.DeleteServiceAccount(ctx, "sa-ci"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("account delete after a lost answer: %v, want the retry's ErrNotFound", err)
	}
	if left := mock.K0rdentServiceAccounts(); len(left) != 0 {
		t.Fatalf("accounts left after delete: %+v", left)
	}
}
