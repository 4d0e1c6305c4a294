package client

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
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
	if stored := mock.K0rdentServiceAccounts(); len(stored) != 1 || stored[0].Region != "global" || !regexp.MustCompile(`^x-[0-9a-f]{10}$`).MatchString(stored[0].ID) {
		t.Fatalf("the mock holds %+v, want one account in region global with the id the client made", stored)
	}
}

func TestK0rdentValidationErrorIsParsed(t *testing.T) {
	c, mock := newK0rdentAgainstMock(t, "global", nil)
	_, err := c.CreateServiceAccount(t.Context(), ServiceAccountRequest{ID: "Bad_ID", DisplayName: "x", Scope: "folder", ScopeID: "f"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || !strings.Contains(apiErr.Message, "scope") ||
		!strings.Contains(apiErr.Message, "id") {
		t.Fatalf("error %v: want a 400 APIError whose message names id and scope", err)
	}
	if n := mock.Calls("POST " + k0rdentAccountsRoute); n != 1 {
		t.Fatalf("%d creates sent; a 400 must not be retried", n)
	}
}

func TestK0rdentListServiceAccountsWalksEveryPage(t *testing.T) {
	c, mock := newK0rdentAgainstMock(t, "global", nil)
	const total = 2*k0rdentPageSize + 100
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
	return answerNth(matches, nth, commit, func(w http.ResponseWriter) { dropConnection(t, w) })
}

// answerNth is an interceptor that answers the nth request that matches with answer, after the
// mock handled (committed) it when commit is set.
func answerNth(matches func(*http.Request) bool, nth int32, commit bool, answer func(http.ResponseWriter)) interceptor {
	var seen atomic.Int32
	return func(mock *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
		if !matches(r) || seen.Add(1) != nth {
			return false
		}
		if commit {
			mock.ServeHTTP(httptest.NewRecorder(), r)
		}
		answer(w)
		return true
	}
}

// An account created without an id gets one made from its display name, with a suffix no other
// create shares, in the id's alphabet.
func TestNewServiceAccountID(t *testing.T) {
	pattern := regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	for displayName, stem := range map[string]string{
		"CI pipeline":                     "ci-pipeline",
		"  Production CI/CD -- Pipeline ": "production-ci-cd-pipeline",
		"42 things":                       "sa-42-things",
		"日本":                              "sa",
		strings.Repeat("ab", 40):          strings.Repeat("ab", 26),
	} {
		id := newServiceAccountID(displayName)
		if !strings.HasPrefix(id, stem+"-") || len(id) != len(stem)+11 || len(id) > 63 || !pattern.MatchString(id) {
			t.Errorf("newServiceAccountID(%q) = %q, want %q and a 10-digit suffix, a valid id", displayName, id, stem)
		}
		if other := newServiceAccountID(displayName); other == id {
			t.Errorf("two ids for %q are both %q", displayName, id)
		}
	}
}

// A create without an id whose answer is lost, before or after the platform acted, ends with
// exactly one new account, found by the id the client made; an older account of the same name,
// someone else's, is neither adopted nor touched.
func TestK0rdentCreateWithoutIDAfterLostAnswer(t *testing.T) {
	req := ciAccount()
	req.ID = ""
	for name, lose := range map[string]interceptor{
		"created, connection dropped": loseNth(t, isAccountCreate, 1, true),
		"not created":                 loseNth(t, isAccountCreate, 1, false),
		"created, 502":                gatewayNth(t, isAccountCreate, 1, http.StatusBadGateway),
		"created, 504":                gatewayNth(t, isAccountCreate, 1, http.StatusGatewayTimeout),
	} {
		t.Run(name, func(t *testing.T) {
			c, mock := newK0rdentAgainstMock(t, "global", lose)
			older := mock.PutK0rdentServiceAccount("global", mockAccount(req))

			got, err := c.CreateServiceAccount(t.Context(), req)
			if err != nil {
				t.Fatalf("CreateServiceAccount: %v", err)
			}
			named := accountsNamed(mock, req.DisplayName)
			if len(named) != 2 || got.ID == older.ID || len(req.differences(got)) != 0 {
				t.Fatalf("CreateServiceAccount = %+v and the mock holds %+v: want the older account and exactly one new one", got, named)
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
	defaulted, err := c.CreateCredential(ctx, "sa-ci", CredentialRequest{})
	if err != nil || defaulted.ExpiresAt == "" || defaulted.ClientID != "sa-ci@myorg.iam" {
		t.Fatalf("CreateCredential without expiry = %+v, %v; want the platform's default expiry and the client id", defaulted, err)
	}
	list, err := c.ListCredentials(ctx, "sa-ci")
	if err != nil || len(list) != 2 || list[0].ID != cred.ID || list[1].ID != defaulted.ID {
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

// The answer to a credential create is lost. When the platform had not acted, the create is
// sent again. When it had, the new credential may be another workspace's, made at the same
// moment: it is left alone, not deleted, and the error names it.
func TestK0rdentCreateCredentialAfterLostAnswer(t *testing.T) {
	for name, tc := range map[string]struct {
		lose    func(t *testing.T) interceptor
		created bool
	}{
		"not created: sent again":          {func(t *testing.T) interceptor { return loseNth(t, isCredentialCreate, 2, false) }, false},
		"created: named, not deleted":      {func(t *testing.T) interceptor { return loseNth(t, isCredentialCreate, 2, true) }, true},
		"created, 502: named, not deleted": {func(t *testing.T) interceptor { return gatewayNth(t, isCredentialCreate, 2, http.StatusBadGateway) }, true},
		"created, 504: named, not deleted": {func(t *testing.T) interceptor { return gatewayNth(t, isCredentialCreate, 2, http.StatusGatewayTimeout) }, true},
	} {
		t.Run(name, func(t *testing.T) {
			// The first credential is created normally; the answer to the second is lost.
			c, mock := newK0rdentAgainstMock(t, "global", tc.lose(t))
			ctx := t.Context()
			if _, err := c.CreateServiceAccount(ctx, ciAccount()); err != nil {
				t.Fatal(err)
			}
			existing, err := c.CreateCredential(ctx, "sa-ci", CredentialRequest{})
			if err != nil {
				t.Fatal(err)
			}

			got, err := c.CreateCredential(ctx, "sa-ci", CredentialRequest{})
			stored := mock.K0rdentCredentials("sa-ci")
			if len(stored) != 2 || stored[0].ID != existing.ID {
				t.Fatalf("the mock holds %+v, want the existing credential and exactly one more", stored)
			}
			if n := mock.Calls("DELETE " + k0rdentCredentialsRoute + "/{credId}"); n != 0 {
				t.Fatalf("the mock saw %d credential deletes, want none", n)
			}
			if !tc.created {
				if err != nil || got.ID != stored[1].ID || got.ClientSecret == "" || got.ClientSecret != stored[1].ClientSecret {
					t.Fatalf("CreateCredential = %+v, %v; want the credential the mock holds, with its secret", got, err)
				}
				return
			}
			var ambiguous *AmbiguousError
			if !errors.As(err, &ambiguous) || !strings.Contains(err.Error(), stored[1].ID) || strings.Contains(err.Error(), existing.ID) ||
				!strings.Contains(err.Error(), "left alone") || !strings.Contains(err.Error(), "DELETE ") {
				t.Fatalf("CreateCredential error %v: want the lost create, naming %s alone and how to delete it", err, stored[1].ID)
			}
			if strings.Contains(err.Error(), stored[1].ClientSecret) {
				t.Fatal("the error holds the client secret")
			}
			if n := mock.Calls("POST " + k0rdentCredentialsRoute); n != 2 {
				t.Fatalf("the mock handled %d credential creates, want 2: nothing is sent again", n)
			}
		})
	}
}

// gatewayNth lets the platform handle the nth request that matches, then answers it with a
// gateway's status (502 or 504) in place of the platform's answer.
func gatewayNth(t *testing.T, matches func(*http.Request) bool, nth int32, status int) interceptor {
	return answerNth(matches, nth, true, func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "<html><body>"+http.StatusText(status)+" (gateway)</body></html>")
	})
}

// lostAnswerWays are the ways the answer to the first request that matches is lost after the
// platform handled it: the connection drops, or a gateway answers 502 or 504 in its stead.
func lostAnswerWays(t *testing.T, matches func(*http.Request) bool) map[string]interceptor {
	return map[string]interceptor{
		"dropped connection": loseNth(t, matches, 1, true),
		"502 after commit":   gatewayNth(t, matches, 1, http.StatusBadGateway),
		"504 after commit":   gatewayNth(t, matches, 1, http.StatusGatewayTimeout),
	}
}

// When every answer is lost before the platform acts, the create gives up after maxLostAnswers
// tries.
func TestK0rdentCreateCredentialEveryAnswerLost(t *testing.T) {
	c, mock := newK0rdentAgainstMock(t, "global", func(_ *mockserver.Server, w http.ResponseWriter, r *http.Request) bool {
		if !isCredentialCreate(r) {
			return false
		}
		dropConnection(t, w)
		return true
	})
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
		t.Fatalf("the mock holds %+v, want no credential", stored)
	}
}

// Two creates for one account at once: the one whose answer is lost must not take the other's
// new credential for its own, and deletes nothing; its error names only its own. Creates of one account run side by side, so the lost
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

	type result struct {
		cred *ServiceAccountCredential
		err  error
	}
	results := make(chan result, 2)
	for range 2 {
		go func() {
			cred, err := c.CreateCredential(ctx, "sa-ci", CredentialRequest{})
			results <- result{cred, err}
		}()
	}
	var got *ServiceAccountCredential
	var lostErr error
	for range 2 {
		switch r := <-results; {
		case r.err != nil && lostErr == nil:
			lostErr = r.err
		case r.err == nil && got == nil:
			got = r.cred
		default:
			t.Fatalf("a second %v, want one create to succeed and one to report its lost answer", r)
		}
	}
	stored := mock.K0rdentCredentials("sa-ci")
	if len(stored) != 2 || got == nil || lostErr == nil {
		t.Fatalf("the mock holds %+v, the creates returned %+v and %v: want both credentials, one returned", stored, got, lostErr)
	}
	for _, cred := range stored {
		isOther := cred.ID == got.ID
		if isOther && cred.ClientSecret != got.ClientSecret {
			t.Fatalf("the create that succeeded returned %+v, the mock holds %+v", got, cred)
		}
		if named := strings.Contains(lostErr.Error(), cred.ID); named == isOther {
			t.Fatalf("error %v names %s: %v, want only the lost create's credential named", lostErr, cred.ID, named)
		}
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

// The tests below stand in for the real API with handlers shaped like its reference pages
// (K-idx in API-REALITY.md): what the mock cannot show, or shows by design choice, is pinned
// against the documented answers themselves.

// k0rdentDocPath is where the documented API keeps the service accounts of region global.
const k0rdentDocPath = "/v1/regions/global/iam/service-accounts"

// newK0rdentAgainst returns a client for a server that answers with routes (ServeMux patterns).
// A request no route matches fails the test: every call a test provokes is one it staged.
func newK0rdentAgainst(t *testing.T, routes map[string]http.HandlerFunc) *K0rdent {
	t.Helper()
	mux := http.NewServeMux()
	for pattern, h := range routes {
		mux.HandleFunc(pattern, h)
	}
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			t.Errorf("unexpected call %s %s", r.Method, r.URL)
			w.WriteHeader(http.StatusTeapot)
			return
		}
		mux.ServeHTTP(w, r)
	})
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewK0rdent(tr, K0rdentConfig{Endpoint: srv.URL, Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// docAccount is the service account of the reference's example answer.
func docAccount(id string) map[string]any {
	return map[string]any{
		"selfLink": "/v1/iam/service-accounts/" + id, "uid": "07cc67f4-45d6-494b-adac-09b5cbc7e2b5", "id": id,
		"displayName": "Production CI/CD Pipeline", "description": "", "clientId": id + "@myorg.iam",
		"scope": "project", "scopeId": "proj-abc123", "roles": []string{}, "status": "active",
		"createdBy": "user-admin-001", "createdAt": "2019-08-24T14:15:22Z", "updatedAt": "2019-08-24T14:15:22Z",
		"activeCredentialCount": 0,
	}
}

// docCredential is a credential as the reference shows it: no clientId anywhere, and the
// secret only in the answer to its creation.
func docCredential(saID, id, status, secret string) map[string]any {
	c := map[string]any{
		"selfLink": "/v1/iam/service-accounts/" + saID + "/credentials/" + id, "uid": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
		"id": id, "serviceAccountId": saID, "status": status, "expiresAt": "2030-11-07T05:31:56Z",
		"createdBy": "user-admin-001", "createdAt": "2023-11-07T05:31:56Z", "lastUsedAt": nil, "lastUsedIp": nil,
	}
	if secret != "" {
		c["clientSecret"] = secret
	}
	return c
}

// docError answers with the per-operation error body of the reference.
func docError(t *testing.T, status int, message string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(t, w, status, map[string]any{"error": map[string]any{"code": status, "message": message, "details": []any{map[string]any{}}}})
	}
}

// docAnswer answers 200 with v.
func docAnswer(t *testing.T, v any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { writeJSON(t, w, http.StatusOK, v) }
}

// docAccounts answers the list of service accounts with these ids, on one page.
func docAccounts(t *testing.T, ids ...string) http.HandlerFunc {
	accounts := []any{}
	for _, id := range ids {
		accounts = append(accounts, docAccount(id))
	}
	return docAnswer(t, map[string]any{"serviceAccounts": accounts})
}

// docCredentials answers the credential list of sa-pipeline-prod with these credentials, on one page.
func docCredentials(t *testing.T, creds ...map[string]any) http.HandlerFunc {
	if creds == nil {
		creds = []map[string]any{}
	}
	return docAnswer(t, map[string]any{"credentials": creds})
}

// The create answer has no clientId: the credential's client id is its service account's.
func TestK0rdentCredentialClientIDIsTheServiceAccounts(t *testing.T) {
	const sa = "sa-pipeline-prod"
	c := newK0rdentAgainst(t, map[string]http.HandlerFunc{
		"GET " + k0rdentDocPath + "/" + sa:                           docAnswer(t, docAccount(sa)),
		"GET " + k0rdentDocPath + "/" + sa + "/credentials":          docCredentials(t),
		"GET " + k0rdentDocPath + "/" + sa + "/credentials/cred-001": docAnswer(t, docCredential(sa, "cred-001", "active", "")),
		"POST " + k0rdentDocPath + "/" + sa + "/credentials": func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(t, w, http.StatusCreated, docCredential(sa, "cred-001", "active", "plt_cs_cred-001_x9y8z7w6v5u4"))
		},
	})

	created, err := c.CreateCredential(t.Context(), sa, CredentialRequest{})
	if err != nil {
		t.Fatalf("CreateCredential: %v", err)
	}
	if created.ClientID != sa+"@myorg.iam" || created.ClientSecret != "plt_cs_cred-001_x9y8z7w6v5u4" || created.Status != "active" ||
		created.ServiceAccountID != sa || created.CreatedBy != "user-admin-001" || created.LastUsedAt != "" {
		t.Fatalf("CreateCredential = %+v: want the account's client id, the secret and the documented fields", created)
	}
	got, err := c.GetCredential(t.Context(), sa, "cred-001")
	if err != nil || got.ClientID != sa+"@myorg.iam" || got.ClientSecret != "" {
		t.Fatalf("GetCredential = %+v, %v: want the account's client id and no secret", got, err)
	}
}

// Should a credential answer carry a clientId after all (SPEC.md's reading), it is kept.
func TestK0rdentCredentialClientIDInTheAnswerIsKept(t *testing.T) {
	const sa = "sa-pipeline-prod"
	withClientID := func(c map[string]any) map[string]any { c["clientId"] = "own-client@myorg.iam"; return c }
	c := newK0rdentAgainst(t, map[string]http.HandlerFunc{
		"GET " + k0rdentDocPath + "/" + sa:                  docAnswer(t, docAccount(sa)),
		"GET " + k0rdentDocPath + "/" + sa + "/credentials": docCredentials(t),
		"POST " + k0rdentDocPath + "/" + sa + "/credentials": func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(t, w, http.StatusCreated, withClientID(docCredential(sa, "cred-001", "active", "s3cret-value")))
		},
	})
	created, err := c.CreateCredential(t.Context(), sa, CredentialRequest{})
	if err != nil || created.ClientID != "own-client@myorg.iam" {
		t.Fatalf("CreateCredential = %+v, %v: want the answer's own clientId", created, err)
	}
}

// A service account whose clientId is empty would put "" in state: the create fails before
// anything is created.
func TestK0rdentCredentialWithoutAnyClientIDIsAnError(t *testing.T) {
	const sa = "sa-pipeline-prod"
	noClientID := docAccount(sa)
	noClientID["clientId"] = ""
	c := newK0rdentAgainst(t, map[string]http.HandlerFunc{
		"GET " + k0rdentDocPath + "/" + sa: docAnswer(t, noClientID),
	})
	if _, err := c.CreateCredential(t.Context(), sa, CredentialRequest{}); err == nil || !strings.Contains(err.Error(), "clientId") {
		t.Fatalf("error %v, want one saying the account has no clientId", err)
	}
}

// The status of a refused create is not documented: the limit is recognised by counting the
// active credentials after the refusal, whatever the status.
func TestK0rdentCredentialLimitIsRecognisedByCounting(t *testing.T) {
	const sa = "sa-pipeline-prod"
	five := []map[string]any{docCredential(sa, "cred-expired", "expired", "")}
	for i := range 5 {
		five = append(five, docCredential(sa, fmt.Sprintf("cred-%03d", i+1), "active", ""))
	}
	for _, status := range []int{http.StatusBadRequest, http.StatusForbidden, http.StatusConflict, http.StatusUnprocessableEntity, http.StatusTooManyRequests} {
		for _, atLimit := range []bool{true, false} {
			t.Run(fmt.Sprintf("%d at limit %v", status, atLimit), func(t *testing.T) {
				listed := five
				if !atLimit {
					listed = five[:5] // one expired, four active
				}
				var lists, posts atomic.Int32
				c := newK0rdentAgainst(t, map[string]http.HandlerFunc{
					"GET " + k0rdentDocPath + "/" + sa: docAnswer(t, docAccount(sa)),
					"GET " + k0rdentDocPath + "/" + sa + "/credentials": func(w http.ResponseWriter, r *http.Request) {
						lists.Add(1)
						docCredentials(t, listed...)(w, r)
					},
					"POST " + k0rdentDocPath + "/" + sa + "/credentials": func(w http.ResponseWriter, r *http.Request) {
						posts.Add(1)
						docError(t, status, "request refused")(w, r)
					},
				})

				_, err := c.CreateCredential(t.Context(), sa, CredentialRequest{})
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.Status != status || !strings.Contains(err.Error(), "request refused") {
					t.Fatalf("error %v: want the platform's refusal kept", err)
				}
				limit := strings.Contains(err.Error(), "already has 5 active credentials")
				if limit != atLimit {
					t.Fatalf("error %v: the limit is named %v, want %v", err, limit, atLimit)
				}
				var limitErr *CredentialLimitError
				if errors.As(err, &limitErr) != atLimit {
					t.Fatalf("error %v (%T): a *CredentialLimitError is %v, want %v", err, err, !atLimit, atLimit)
				}
				if atLimit && (len(limitErr.Active) != K0rdentMaxActiveCredentials || !strings.Contains(err.Error(), "cred-001") ||
					!strings.Contains(err.Error(), "cred-005") || strings.Contains(err.Error(), "cred-expired")) {
					t.Fatalf("error %v: want the five active credentials named, and not the expired one", err)
				}
				if n := lists.Load(); n != 2 {
					t.Fatalf("%d credential lists, want 2: before the create and after the refusal", n)
				}
			})
		}
	}
}

// Refusals that say nothing about the limit are passed on as they are, without a count.
func TestK0rdentCredentialRefusalsThatAreNotTheLimit(t *testing.T) {
	const sa = "sa-pipeline-prod"
	for _, status := range []int{http.StatusUnauthorized, http.StatusNotFound, http.StatusInternalServerError} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var lists atomic.Int32
			c := newK0rdentAgainst(t, map[string]http.HandlerFunc{
				"GET " + k0rdentDocPath + "/" + sa: docAnswer(t, docAccount(sa)),
				"GET " + k0rdentDocPath + "/" + sa + "/credentials": func(w http.ResponseWriter, r *http.Request) {
					lists.Add(1)
					docCredentials(t)(w, r)
				},
				"POST " + k0rdentDocPath + "/" + sa + "/credentials": docError(t, status, "no"),
			})
			_, err := c.CreateCredential(t.Context(), sa, CredentialRequest{})
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Status != status || strings.Contains(err.Error(), "active credentials") {
				t.Fatalf("error %v: want the plain %d", err, status)
			}
			if n := lists.Load(); n != 1 {
				t.Fatalf("%d credential lists, want only the one before the create", n)
			}
		})
	}
}

// pageSize is 1 to 500 (default 50): the client asks for 500, so a list costs as few calls as
// the API allows.
func TestK0rdentListAsksForTheLargestPage(t *testing.T) {
	var sizes []string
	var mu sync.Mutex
	record := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sizes = append(sizes, r.URL.Query().Get("pageSize"))
		mu.Unlock()
		writeJSON(t, w, http.StatusOK, map[string]any{"serviceAccounts": []any{}, "credentials": []any{}})
	}
	c := newK0rdentAgainst(t, map[string]http.HandlerFunc{
		"GET " + k0rdentDocPath:                                   record,
		"GET " + k0rdentDocPath + "/sa-pipeline-prod/credentials": record,
	})
	if _, err := c.ListServiceAccounts(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListCredentials(t.Context(), "sa-pipeline-prod"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sizes, []string{"500", "500"}) {
		t.Fatalf("pageSize sent %v, want 500 for both lists", sizes)
	}
}

// tokenPages answers page i (by the pageToken "p<i>", the first page without one) with the
// ids of pages[i] and the token of the next page, the last page without a token.
func tokenPages(t *testing.T, key string, pages ...[]string) (http.HandlerFunc, *atomic.Int32) {
	var calls atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		i := 0
		if tok := r.URL.Query().Get("pageToken"); tok != "" {
			if _, err := fmt.Sscanf(tok, "p%d", &i); err != nil || i >= len(pages) {
				t.Errorf("unknown page token %q", tok)
			}
		}
		items := []any{}
		for _, id := range pages[i] {
			items = append(items, map[string]any{"id": id})
		}
		resp := map[string]any{key: items}
		if i+1 < len(pages) {
			resp["nextPageToken"] = fmt.Sprintf("p%d", i+1)
		}
		writeJSON(t, w, http.StatusOK, resp)
	}, &calls
}

// An empty page that still carries a nextPageToken is legal (AIP-158: a server may return
// fewer items than asked, even none, before the end): the walk follows it.
func TestK0rdentListFollowsEmptyPagesWithTokens(t *testing.T) {
	accounts, accountCalls := tokenPages(t, "serviceAccounts", []string{"sa-a"}, nil, nil, []string{"sa-b"}, nil)
	creds, credCalls := tokenPages(t, "credentials", nil, []string{"cred-1"}, []string{"cred-1"}, nil, []string{"cred-2"})
	c := newK0rdentAgainst(t, map[string]http.HandlerFunc{
		"GET " + k0rdentDocPath:                                   accounts,
		"GET " + k0rdentDocPath + "/sa-pipeline-prod/credentials": creds,
	})

	all, err := c.ListServiceAccounts(t.Context())
	if err != nil || len(all) != 2 || all[0].ID != "sa-a" || all[1].ID != "sa-b" {
		t.Fatalf("ListServiceAccounts = %+v, %v; want sa-a and sa-b across the empty pages", all, err)
	}
	if n := accountCalls.Load(); n != 5 {
		t.Fatalf("%d account pages read, want all 5", n)
	}
	list, err := c.ListCredentials(t.Context(), "sa-pipeline-prod")
	if err != nil || len(list) != 2 || list[0].ID != "cred-1" || list[1].ID != "cred-2" {
		t.Fatalf("ListCredentials = %+v, %v; want cred-1 once and cred-2, past the empty page and the page with nothing new", list, err)
	}
	if n := credCalls.Load(); n != 5 {
		t.Fatalf("%d credential pages read, want all 5", n)
	}
}

// A server that hands out fresh tokens for ever with nothing new must not keep the walk going
// for ever either: it ends with an error after a bounded run of such pages.
func TestK0rdentListEndsAfterARunOfPagesWithNothingNew(t *testing.T) {
	tests := []struct {
		name, item string
		wantPages  int32
	}{
		{"empty pages", "", k0rdentMaxBarrenPages},
		{"the same item again", `{"id":"sa-a"}`, 1 + k0rdentMaxBarrenPages}, // the first page brings sa-a
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			c := newK0rdentAgainst(t, map[string]http.HandlerFunc{
				"GET " + k0rdentDocPath: func(w http.ResponseWriter, _ *http.Request) {
					n := calls.Add(1)
					if n > 1000 {
						w.WriteHeader(http.StatusBadRequest)
						return
					}
					w.Header().Set("Content-Type", "application/json")
					_, _ = fmt.Fprintf(w, `{"serviceAccounts":[%s],"nextPageToken":"token-%d"}`, tc.item, n)
				},
			})
			_, err := c.ListServiceAccounts(t.Context())
			if err == nil || !strings.Contains(err.Error(), "nothing new") {
				t.Fatalf("error %v, want the run of pages with nothing new reported", err)
			}
			if n := calls.Load(); n != tc.wantPages {
				t.Fatalf("%d pages read, want %d: follow such pages up to the bound, and stop there", n, tc.wantPages)
			}
		})
	}
}

// Non-admin callers get 404 for a service account that exists ("to prevent resource
// enumeration"). A 404 counts as gone only when the list of service accounts answers and lacks
// the account; otherwise the error says to check the token's rights, and is no ErrNotFound.
func TestK0rdentServiceAccountNotFoundIsConfirmedByTheList(t *testing.T) {
	const sa = "sa-pipeline-prod"
	tests := []struct {
		name       string
		list       func(t *testing.T) http.HandlerFunc
		confirmed  bool
		wantReason string
	}{
		{"absent from the list: gone", func(t *testing.T) http.HandlerFunc { return docAccounts(t, "sa-other") }, true, ""},
		{"still listed: kept", func(t *testing.T) http.HandlerFunc { return docAccounts(t, "sa-other", sa) }, false, "still in the list"},
		{"list forbidden: kept", func(t *testing.T) http.HandlerFunc { return docError(t, http.StatusForbidden, "admins only") }, false, "admins only"},
		{"list not found: kept", func(t *testing.T) http.HandlerFunc { return docError(t, http.StatusNotFound, "no such list") }, false, "no such list"},
		{"list fails: kept", func(t *testing.T) http.HandlerFunc { return docError(t, http.StatusInternalServerError, "boom") }, false, "boom"},
	}
	calls := map[string]func(*K0rdent) error{
		"GET": func(c *K0rdent) error { _, err := c.GetServiceAccount(t.Context(), sa); return err },
		"PATCH": func(c *K0rdent) error {
			_, err := c.UpdateServiceAccount(t.Context(), sa, ServiceAccountUpdate{})
			return err
		},
		"DELETE": func(c *K0rdent) error { return c.DeleteServiceAccount(t.Context(), sa) },
	}
	for _, tc := range tests {
		for method, call := range calls {
			t.Run(method+" "+tc.name, func(t *testing.T) {
				c := newK0rdentAgainst(t, map[string]http.HandlerFunc{
					method + " " + k0rdentDocPath + "/" + sa: docError(t, http.StatusNotFound, "service account not found"),
					"GET " + k0rdentDocPath:                  tc.list(t),
				})
				err := call(c)
				if got := errors.Is(err, ErrNotFound); got != tc.confirmed {
					t.Fatalf("error %v: ErrNotFound is %v, want %v", err, got, tc.confirmed)
				}
				if tc.confirmed {
					return
				}
				var unconfirmed *UnconfirmedNotFoundError
				if !errors.As(err, &unconfirmed) || unconfirmed.Object != serviceAccountObject(sa) {
					t.Fatalf("error %v (%T): want an *UnconfirmedNotFoundError for the account", err, err)
				}
				for _, want := range []string{"404", sa, tc.wantReason, "tenant administrator"} {
					if !strings.Contains(err.Error(), want) {
						t.Fatalf("error %v: want it to say %q", err, want)
					}
				}
			})
		}
	}
}

// A credential's 404 counts as gone when its service account reads (GET 200) and lists its
// credentials without it, or when the account itself is confirmed gone, taking its credentials
// with it. Anything else keeps the credential, with an error that says what to check.
func TestK0rdentCredentialNotFoundIsConfirmedByItsServiceAccount(t *testing.T) {
	const sa, cred = "sa-pipeline-prod", "cred-001"
	credPath := k0rdentDocPath + "/" + sa + "/credentials/" + cred
	tests := []struct {
		name       string
		routes     func(t *testing.T) map[string]http.HandlerFunc
		confirmed  bool
		wantReason string
	}{
		{"account reads, credential not listed: gone", func(t *testing.T) map[string]http.HandlerFunc {
			return map[string]http.HandlerFunc{
				"GET " + k0rdentDocPath + "/" + sa:                  docAnswer(t, docAccount(sa)),
				"GET " + k0rdentDocPath + "/" + sa + "/credentials": docCredentials(t, docCredential(sa, "cred-002", "active", "")),
			}
		}, true, ""},
		{"account reads, credential listed: kept", func(t *testing.T) map[string]http.HandlerFunc {
			return map[string]http.HandlerFunc{
				"GET " + k0rdentDocPath + "/" + sa:                  docAnswer(t, docAccount(sa)),
				"GET " + k0rdentDocPath + "/" + sa + "/credentials": docCredentials(t, docCredential(sa, cred, "active", "")),
			}
		}, false, "still in the credential list"},
		{"account reads, credential list forbidden: kept", func(t *testing.T) map[string]http.HandlerFunc {
			return map[string]http.HandlerFunc{
				"GET " + k0rdentDocPath + "/" + sa:                  docAnswer(t, docAccount(sa)),
				"GET " + k0rdentDocPath + "/" + sa + "/credentials": docError(t, http.StatusForbidden, "admins only"),
			}
		}, false, "admins only"},
		{"account confirmed gone: gone", func(t *testing.T) map[string]http.HandlerFunc {
			return map[string]http.HandlerFunc{
				"GET " + k0rdentDocPath + "/" + sa: docError(t, http.StatusNotFound, "service account not found"),
				"GET " + k0rdentDocPath:            docAccounts(t),
			}
		}, true, ""},
		{"account 404 but still listed: kept", func(t *testing.T) map[string]http.HandlerFunc {
			return map[string]http.HandlerFunc{
				"GET " + k0rdentDocPath + "/" + sa: docError(t, http.StatusNotFound, "service account not found"),
				"GET " + k0rdentDocPath:            docAccounts(t, sa),
			}
		}, false, "still in the list"},
		{"account forbidden: kept", func(t *testing.T) map[string]http.HandlerFunc {
			return map[string]http.HandlerFunc{
				"GET " + k0rdentDocPath + "/" + sa: docError(t, http.StatusForbidden, "admins only"),
			}
		}, false, "admins only"},
	}
	calls := map[string]func(*K0rdent) error{
		"GET":    func(c *K0rdent) error { _, err := c.GetCredential(t.Context(), sa, cred); return err },
		"DELETE": func(c *K0rdent) error { return c.DeleteCredential(t.Context(), sa, cred) },
	}
	for _, tc := range tests {
		for method, call := range calls {
			t.Run(method+" "+tc.name, func(t *testing.T) {
				routes := tc.routes(t)
				routes[method+" "+credPath] = docError(t, http.StatusNotFound, "credential not found")
				err := call(newK0rdentAgainst(t, routes))
				if got := errors.Is(err, ErrNotFound); got != tc.confirmed {
					t.Fatalf("error %v: ErrNotFound is %v, want %v", err, got, tc.confirmed)
				}
				if tc.confirmed {
					return
				}
				var unconfirmed *UnconfirmedNotFoundError
				if !errors.As(err, &unconfirmed) || !strings.Contains(unconfirmed.Object, cred) {
					t.Fatalf("error %v (%T): want an *UnconfirmedNotFoundError for the credential", err, err)
				}
				for _, want := range []string{"404", cred, tc.wantReason, "tenant administrator"} {
					if !strings.Contains(err.Error(), want) {
						t.Fatalf("error %v: want it to say %q", err, want)
					}
				}
			})
		}
	}
}

// The status decides whether a credential is active; without one known, its expiry does.
func TestK0rdentCredentialActive(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		status, expiresAt string
		want              bool
	}{
		{"active", "2025-01-01T00:00:00Z", true}, // the platform's word wins over a clock
		{"expired", "2030-01-01T00:00:00Z", false},
		{"", "2030-01-01T00:00:00Z", true},
		{"", "2025-12-31T23:59:59Z", false},
		{"", "", true},
		{"suspended", "2025-01-01T00:00:00Z", false},
		{"", "not a time", true}, // unreadable: counted, so a limit is not missed for it
	}
	for _, tc := range tests {
		c := ServiceAccountCredential{Status: tc.status, ExpiresAt: tc.expiresAt}
		if got := c.Active(now); got != tc.want {
			t.Errorf("status %q, expiresAt %q: Active = %v, want %v", tc.status, tc.expiresAt, got, tc.want)
		}
	}
}

// Against the mock, which enforces the limit with a status of its own choosing: the sixth
// create is a *CredentialLimitError naming the five.
func TestK0rdentCredentialLimitAgainstTheMock(t *testing.T) {
	c, mock := newK0rdentAgainstMock(t, "global", nil)
	ctx := t.Context()
	if _, err := c.CreateServiceAccount(ctx, ciAccount()); err != nil {
		t.Fatal(err)
	}
	for range K0rdentMaxActiveCredentials {
		if _, err := c.CreateCredential(ctx, "sa-ci", CredentialRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.CreateCredential(ctx, "sa-ci", CredentialRequest{})
	var limitErr *CredentialLimitError
	if !errors.As(err, &limitErr) || limitErr.Refusal.Status != mockserver.K0rdentCredentialLimitStatus || len(limitErr.Active) != 5 {
		t.Fatalf("error %v (%T): want a *CredentialLimitError for the mock's refusal, with the 5 active credentials", err, err)
	}
	if n := len(mock.K0rdentCredentials("sa-ci")); n != 5 {
		t.Fatalf("the mock holds %d credentials, want 5", n)
	}
}

// Against the mock's non-admin switch: reads, updates and deletes by id answer 404 while the
// lists show the objects, so none of them is taken for gone, and nothing is deleted.
func TestK0rdentNonAdmin404sAreNotTakenForGone(t *testing.T) {
	c, mock := newK0rdentAgainstMock(t, "global", nil)
	ctx := t.Context()
	if _, err := c.CreateServiceAccount(ctx, ciAccount()); err != nil {
		t.Fatal(err)
	}
	cred, err := c.CreateCredential(ctx, "sa-ci", CredentialRequest{})
	if err != nil {
		t.Fatal(err)
	}
	mock.SetK0rdentNonAdmin(true)
	name := "renamed"
	for what, call := range map[string]func() error{
		"GetServiceAccount": func() error { _, err := c.GetServiceAccount(ctx, "sa-ci"); return err },
		"UpdateServiceAccount": func() error {
			_, err := c.UpdateServiceAccount(ctx, "sa-ci", ServiceAccountUpdate{DisplayName: &name})
			return err
		},
		"DeleteServiceAccount": func() error { return c.DeleteServiceAccount(ctx, "sa-ci") },
		"GetCredential":        func() error { _, err := c.GetCredential(ctx, "sa-ci", cred.ID); return err },
		"DeleteCredential":     func() error { return c.DeleteCredential(ctx, "sa-ci", cred.ID) },
	} {
		err := call()
		var unconfirmed *UnconfirmedNotFoundError
		if !errors.As(err, &unconfirmed) || errors.Is(err, ErrNotFound) {
			t.Errorf("%s: error %v (%T), want an *UnconfirmedNotFoundError", what, err, err)
		}
	}
	if accounts, creds := mock.K0rdentServiceAccounts(), mock.K0rdentCredentials("sa-ci"); len(accounts) != 1 ||
		accounts[0].DisplayName != ciAccount().DisplayName || len(creds) != 1 {
		t.Fatalf("the mock holds %+v and %d credentials, want both untouched", accounts, len(creds))
	}
	mock.SetK0rdentNonAdmin(false)
	if err := c.DeleteServiceAccount(ctx, "sa-ci"); err != nil {
		t.Fatalf("DeleteServiceAccount as admin: %v", err)
	}
	if _, err := c.GetCredential(ctx, "sa-ci", cred.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetCredential after its account was deleted: %v, want a confirmed ErrNotFound", err)
	}
}

// A credential answer without a status gets one from its expiry, so that state never holds "".
func TestK0rdentCredentialWithoutStatusGetsOneFromItsExpiry(t *testing.T) {
	const sa = "sa-pipeline-prod"
	noStatus := docCredential(sa, "cred-001", "", "")
	delete(noStatus, "status")
	noStatus["expiresAt"] = "2020-01-01T00:00:00Z"
	c := newK0rdentAgainst(t, map[string]http.HandlerFunc{
		"GET " + k0rdentDocPath + "/" + sa:                           docAnswer(t, docAccount(sa)),
		"GET " + k0rdentDocPath + "/" + sa + "/credentials/cred-001": docAnswer(t, noStatus),
	})
	got, err := c.GetCredential(t.Context(), sa, "cred-001")
	if err != nil || got.Status != K0rdentCredentialExpired {
		t.Fatalf("GetCredential = %+v, %v; want status expired, from the past expiry", got, err)
	}
}

// A service account's client id is read once per provider process, not once per credential:
// credential reads cost one call each.
func TestK0rdentCredentialClientIDIsReadOncePerServiceAccount(t *testing.T) {
	c, mock := newK0rdentAgainstMock(t, "global", nil)
	sa, err := c.CreateServiceAccount(t.Context(), ciAccount())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 3 {
		cred, err := c.CreateCredential(t.Context(), sa.ID, CredentialRequest{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cred.ID)
	}
	if n := mock.Calls("GET " + k0rdentAccountRoute); n != 0 {
		t.Fatalf("%d GETs of the service account, want 0: the create's answer brought its client id", n)
	}

	// A new provider process, as after an import, reads the account once for all its credentials.
	fresh, err := NewK0rdent(c.transport, K0rdentConfig{Endpoint: c.baseURL.String(), Token: mock.Credentials().K0rdentToken})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		got, err := fresh.GetCredential(t.Context(), sa.ID, id)
		if err != nil || got.ClientID != sa.ClientID {
			t.Fatalf("GetCredential(%s) = %+v, %v: want client id %q", id, got, err, sa.ClientID)
		}
	}
	if n := mock.Calls("GET " + k0rdentAccountRoute); n != 1 {
		t.Fatalf("%d GETs of the service account for 3 credential reads, want 1", n)
	}
}

// The list of service accounts takes the documented filters scope, scopeId and status as query
// parameters, on every page; an empty filter sends none of them.
func TestK0rdentListServiceAccountsSendsTheFilters(t *testing.T) {
	var mu sync.Mutex
	var queries []url.Values
	pages, _ := tokenPages(t, "serviceAccounts", []string{"sa-a"}, []string{"sa-b"})
	c := newK0rdentAgainst(t, map[string]http.HandlerFunc{
		"GET " + k0rdentDocPath: func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			queries = append(queries, r.URL.Query())
			mu.Unlock()
			pages(w, r)
		},
	})
	// The answers carry ids only, so this filter keeps nothing locally: only the queries count.
	filter := ServiceAccountFilter{Scope: "project", ScopeID: "proj-abc123", Status: "disabled"}
	if _, err := c.ListServiceAccountsMatching(t.Context(), filter); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListServiceAccountsMatching(t.Context(), ServiceAccountFilter{}); err != nil {
		t.Fatal(err)
	}
	if len(queries) != 4 {
		t.Fatalf("%d list calls, want 2 pages for each of the 2 lists", len(queries))
	}
	for i, q := range queries[:2] {
		if q.Get("scope") != "project" || q.Get("scopeId") != "proj-abc123" || q.Get("status") != "disabled" {
			t.Fatalf("page %d of the filtered list asked %v, want scope, scopeId and status", i, q)
		}
	}
	for i, q := range queries[2:] {
		if q.Has("scope") || q.Has("scopeId") || q.Has("status") {
			t.Fatalf("page %d of the unfiltered list asked %v, want no filter parameters", i, q)
		}
	}
}

// A server that ignores the filters, answering every account on every page, still gives the
// caller only the accounts that match them: the client filters what comes back too.
func TestK0rdentListServiceAccountsFiltersWhatTheServerIgnores(t *testing.T) {
	account := func(id, scope, scopeID, status string) map[string]any {
		a := docAccount(id)
		a["scope"], a["scopeId"], a["status"] = scope, scopeID, status
		return a
	}
	c := newK0rdentAgainst(t, map[string]http.HandlerFunc{
		"GET " + k0rdentDocPath: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("pageToken") == "" {
				writeJSON(t, w, http.StatusOK, map[string]any{"nextPageToken": "p1", "serviceAccounts": []any{
					account("sa-org", "organization", "org-1", "active"),
					account("sa-proj-a", "project", "proj-a", "active"),
				}})
				return
			}
			writeJSON(t, w, http.StatusOK, map[string]any{"serviceAccounts": []any{
				account("sa-proj-a-off", "project", "proj-a", "disabled"),
				account("sa-proj-b", "project", "proj-b", "active"),
			}})
		},
	})
	tests := []struct {
		filter ServiceAccountFilter
		want   []string
	}{
		{ServiceAccountFilter{}, []string{"sa-org", "sa-proj-a", "sa-proj-a-off", "sa-proj-b"}},
		{ServiceAccountFilter{Scope: "project"}, []string{"sa-proj-a", "sa-proj-a-off", "sa-proj-b"}},
		{ServiceAccountFilter{ScopeID: "proj-a"}, []string{"sa-proj-a", "sa-proj-a-off"}},
		{ServiceAccountFilter{Scope: "project", ScopeID: "proj-a", Status: "active"}, []string{"sa-proj-a"}},
		{ServiceAccountFilter{Status: "disabled"}, []string{"sa-proj-a-off"}},
		{ServiceAccountFilter{Scope: "organization", ScopeID: "proj-a"}, nil},
	}
	for _, tc := range tests {
		got, err := c.ListServiceAccountsMatching(t.Context(), tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, sa := range got {
			ids = append(ids, sa.ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("ListServiceAccountsMatching(%+v) = %v, want %v", tc.filter, ids, tc.want)
		}
	}
}

// The credential list takes the documented status filter as a query parameter. A server that
// ignores it still gives the caller only the credentials with that status; a credential
// without a status has one from its expiry, as every credential the client returns.
func TestK0rdentListCredentialsFiltersByStatus(t *testing.T) {
	const sa = "sa-pipeline-prod"
	noStatus := docCredential(sa, "cred-old", "", "")
	delete(noStatus, "status")
	noStatus["expiresAt"] = "2020-01-01T00:00:00Z"
	var mu sync.Mutex
	var statuses []string
	c := newK0rdentAgainst(t, map[string]http.HandlerFunc{
		"GET " + k0rdentDocPath + "/" + sa + "/credentials": func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			statuses = append(statuses, r.URL.Query().Get("status"))
			mu.Unlock()
			docCredentials(t, docCredential(sa, "cred-live", "active", ""), docCredential(sa, "cred-gone", "expired", ""), noStatus)(w, r)
		},
	})
	tests := []struct {
		status string
		want   []string
	}{
		{"", []string{"cred-live", "cred-gone", "cred-old"}},
		{K0rdentCredentialActive, []string{"cred-live"}},
		{K0rdentCredentialExpired, []string{"cred-gone", "cred-old"}},
	}
	for _, tc := range tests {
		got, err := c.ListCredentialsMatching(t.Context(), sa, CredentialFilter{Status: tc.status})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, cred := range got {
			ids = append(ids, cred.ID)
			if cred.Status == "" {
				t.Errorf("credential %s listed without a status", cred.ID)
			}
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("ListCredentialsMatching(status %q) = %v, want %v", tc.status, ids, tc.want)
		}
	}
	if want := []string{"", "active", "expired"}; !slices.Equal(statuses, want) {
		t.Fatalf("status parameters sent %q, want %q", statuses, want)
	}
}
