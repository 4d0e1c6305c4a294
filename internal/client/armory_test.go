package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

const armoryRoute = mockserver.ArmoryPrefix + "/armory/accounts"

// newArmoryAgainstMock returns a client for the mock's Armory API and the mock itself.
func newArmoryAgainstMock(t *testing.T) (*Armory, *mockserver.Server) {
	t.Helper()
	mock := mockserver.New(mockserver.DefaultCredentials())
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	return newTestArmory(t, mock.Endpoints(srv.URL).Armory,
		map[string]string{mockserver.ArmoryAPIKeyHeader: mock.Credentials().ArmoryAPIKey}), mock
}

func newTestArmory(t *testing.T, endpoint string, headers map[string]string) *Armory {
	t.Helper()
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewArmory(tr, ArmoryConfig{Endpoint: endpoint, Headers: headers})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// setArmoryPageSize lowers the list page size for one test.
func setArmoryPageSize(t *testing.T, n int) {
	old := armoryPageSize
	armoryPageSize = n
	t.Cleanup(func() { armoryPageSize = old })
}

// waitSettled polls the account until it leaves the in-progress state.
func waitSettled(t *testing.T, c *Armory, name string) *DynamicAccount {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		a, err := c.GetAccount(t.Context(), name)
		if err != nil {
			t.Fatalf("GetAccount(%s): %v", name, err)
		}
		if a.State == AccountActive || a.State == AccountFailed || time.Now().After(deadline) {
			return a
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestArmoryAccountLifecycle(t *testing.T) {
	c, mock := newArmoryAgainstMock(t)
	mock.SetArmoryAssignDelay(20 * time.Millisecond)
	ctx := t.Context()

	if err := c.MigrateAccount(ctx, AccountMigration{Name: "prod-k8s", ZoneID: "agent-1_ns", KubeconfigFile: "encrypted:k"}); err != nil {
		t.Fatalf("MigrateAccount: %v", err)
	}
	a, err := c.GetAccount(ctx, "prod-k8s")
	if err != nil {
		t.Fatalf("GetAccount: %v", err)
	}
	if a.Name != "prod-k8s" || a.Type != "kubernetes" || a.Source != AccountSourceClouddriver || a.ZoneID != "agent-1_ns" ||
		a.State != AccountInactive || len(a.Agents) != 0 {
		t.Fatalf("migrated account %+v", a)
	}

	if err := c.AssignAccount(ctx, AccountAssignment{Name: "prod-k8s", State: AccountActive}); err != nil {
		t.Fatalf("AssignAccount: %v", err)
	}
	a = waitSettled(t, c, "prod-k8s")
	if a.State != AccountActive || len(a.Agents) != 2 || !a.Agents[0].Caching || !strings.HasPrefix(a.Agents[0].AgentID, "agent-1-") ||
		!strings.Contains(a.LastAssignmentMsg, a.Agents[1].AgentID) {
		t.Fatalf("assigned account %+v", a)
	}

	if err := c.AssignAccount(ctx, AccountAssignment{Name: "prod-k8s", State: AccountInactive}); err != nil {
		t.Fatalf("deactivating: %v", err)
	}
	if a, err := c.GetAccount(ctx, "prod-k8s"); err != nil || a.State != AccountInactive || len(a.Agents) != 0 {
		t.Fatalf("deactivated account %+v, %v", a, err)
	}

	// Migrating again without a zone unpins the account: only the migration can.
	if err := c.MigrateAccount(ctx, AccountMigration{Name: "prod-k8s"}); err != nil {
		t.Fatalf("migrating again: %v", err)
	}
	if a, err := c.GetAccount(ctx, "prod-k8s"); err != nil || a.ZoneID != "" {
		t.Fatalf("after migrating without a zone %+v, %v", a, err)
	}
	if got := mock.ArmoryKubeconfigs("prod-k8s"); !slices.Equal(got, []string{"encrypted:k"}) {
		t.Fatalf("kubeconfigs sent %q; an empty one must not be sent", got)
	}

	if err := c.DeleteAccount(ctx, "prod-k8s"); err != nil {
		t.Fatalf("DeleteAccount: %v", err)
	}
	if _, err := c.GetAccount(ctx, "prod-k8s"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetAccount after delete = %v, want ErrNotFound", err)
	}
}

func TestArmoryFailedAssignmentCarriesTheMessage(t *testing.T) {
	c, mock := newArmoryAgainstMock(t)
	mock.SetArmoryAssignDelay(0)
	mock.FailArmoryAssignment("prod-k8s", "invalid kubeconfig")
	if err := c.MigrateAccount(t.Context(), AccountMigration{Name: "prod-k8s"}); err != nil {
		t.Fatal(err)
	}
	if err := c.AssignAccount(t.Context(), AccountAssignment{Name: "prod-k8s", State: AccountActive}); err != nil {
		t.Fatal(err)
	}
	if a := waitSettled(t, c, "prod-k8s"); a.State != AccountFailed || a.LastAssignmentMsg != "invalid kubeconfig" {
		t.Fatalf("account %+v, want FAILED with the message", a)
	}
}

func TestArmoryMigrateUnknownNameIsAnAPIError(t *testing.T) {
	c, mock := newArmoryAgainstMock(t)
	err := c.MigrateAccount(t.Context(), AccountMigration{Name: "nope"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || apiErr.Platform != PlatformArmory ||
		!strings.Contains(apiErr.Message, `not defined in Clouddriver: "nope"`) {
		t.Fatalf("MigrateAccount(unknown) = %v, want a 400 APIError with Clouddriver's message", err)
	}
	if n := mock.Calls("POST " + armoryRoute); n != 1 {
		t.Fatalf("%d POSTs, want 1: a 400 is final", n)
	}
}

// The migration is keyed by the caller's name, so a lost answer is retried like any idempotent
// call, and the platform still holds one account.
func TestArmoryMigrateIsRetriedAfterLostAnswer(t *testing.T) {
	c, mock := newArmoryAgainstMock(t)
	mock.DropNextWrites(1)
	if err := c.MigrateAccount(t.Context(), AccountMigration{Name: "prod-k8s", KubeconfigFile: "encrypted:k"}); err != nil {
		t.Fatalf("MigrateAccount after a lost answer: %v", err)
	}
	if n := mock.Calls("POST " + armoryRoute); n != 2 {
		t.Fatalf("%d POSTs, want 2", n)
	}
	if accounts := mock.ArmoryAccounts(); len(accounts) != 1 || accounts[0].Name != "prod-k8s" {
		t.Fatalf("store holds %+v, want prod-k8s once", accounts)
	}
}

func TestArmoryDeleteAccountAlreadyGone(t *testing.T) {
	c, mock := newArmoryAgainstMock(t)
	// Known to Clouddriver but not migrated: the platform answers 200.
	if err := c.DeleteAccount(t.Context(), "prod-k8s"); err != nil {
		t.Fatalf("deleting a migrated-then-gone account: %v", err)
	}
	// Unknown to Clouddriver: a 400, and the account is not managed, so it is ErrNotFound.
	if err := c.DeleteAccount(t.Context(), "removed-from-clouddriver"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting an account Clouddriver no longer knows = %v, want ErrNotFound", err)
	}
	// A static account is managed but cannot be deleted: the 400 stands.
	err := c.DeleteAccount(t.Context(), "static-agent-account-01")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting a static account = %v, want the 400", err)
	}
	if n := mock.Calls("DELETE " + armoryRoute); n != 3 {
		t.Fatalf("%d DELETEs, want 3", n)
	}
}

func TestArmoryListAccountsWalksEveryPage(t *testing.T) {
	setArmoryPageSize(t, 4)
	c, mock := newArmoryAgainstMock(t)
	for i := range 9 {
		mock.PutArmoryAccount(fmt.Sprintf("account-%02d", i), "", i%3 == 0)
	}
	got, err := c.ListAccounts(t.Context())
	if err != nil {
		t.Fatalf("ListAccounts: %v", err)
	}
	var names []string
	for _, a := range got {
		names = append(names, a.Name)
	}
	// 9 migrated and 2 static accounts: three pages of 4.
	if len(names) != 11 || !slices.IsSorted(names) || names[0] != "account-00" || names[10] != "static-agent-account-02" {
		t.Fatalf("listed %v, want the 11 accounts sorted by name", names)
	}
	if got[0].State != AccountActive || len(got[0].Agents) != 2 || got[1].State != AccountInactive {
		t.Fatalf("first accounts %+v", got[:2])
	}
	if n := mock.Calls("GET " + armoryRoute); n != 3 {
		t.Fatalf("%d list calls, want 3", n)
	}
}

// fakeArmoryList answers list calls from a function of the page number, recording the queries.
func fakeArmoryList(t *testing.T, page func(pageNo int) map[string]any) (*Armory, *[]string) {
	var mu sync.Mutex
	var queries []string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		pageNo, _ := strconv.Atoi(r.URL.Query().Get("page"))
		writeJSON(t, w, http.StatusOK, page(pageNo))
	})
	return newTestArmory(t, srv.URL, nil), &queries
}

func namedAccounts(names ...string) []map[string]any {
	out := []map[string]any{}
	for _, n := range names {
		out = append(out, map[string]any{"name": n, "type": "kubernetes", "source": "clouddriver", "state": "ACTIVE"})
	}
	return out
}

func TestArmoryListAccountsStopsWhenPagesRepeat(t *testing.T) {
	setArmoryPageSize(t, 2)
	// A server that ignores the page number and claims more accounts than it ever shows.
	c, queries := fakeArmoryList(t, func(int) map[string]any {
		return map[string]any{"items": namedAccounts("a", "b"), "page": 1, "limit": 2, "total": 10}
	})
	_, err := c.ListAccounts(t.Context())
	if err == nil || !strings.Contains(err.Error(), "repeats earlier pages") {
		t.Fatalf("ListAccounts = %v, want the loop guard's error", err)
	}
	if len(*queries) != 2 || (*queries)[0] != "limit=2&page=1" || (*queries)[1] != "limit=2&page=2" {
		t.Fatalf("queries %q", *queries)
	}
}

// A server that caps the limit below the one asked for is still walked to its total.
func TestArmoryListAccountsFollowsTheTotalPastShortPages(t *testing.T) {
	setArmoryPageSize(t, 3)
	pages := [][]string{{"a", "b"}, {"c", "d"}, {"e"}}
	c, queries := fakeArmoryList(t, func(pageNo int) map[string]any {
		var items []map[string]any
		if pageNo <= len(pages) {
			items = namedAccounts(pages[pageNo-1]...)
		}
		return map[string]any{"items": items, "page": pageNo, "limit": 2, "total": 5}
	})
	got, err := c.ListAccounts(t.Context())
	if err != nil || len(got) != 5 || got[4].Name != "e" {
		t.Fatalf("ListAccounts = %+v, %v; want the 5 accounts", got, err)
	}
	if len(*queries) != 3 {
		t.Fatalf("%d list calls, want 3", len(*queries))
	}
}

// Without a total, a page shorter than the limit is the last.
func TestArmoryListAccountsWithoutTotal(t *testing.T) {
	setArmoryPageSize(t, 2)
	c, queries := fakeArmoryList(t, func(pageNo int) map[string]any {
		if pageNo == 1 {
			return map[string]any{"items": namedAccounts("a", "b")}
		}
		return map[string]any{"items": namedAccounts("c")}
	})
	got, err := c.ListAccounts(t.Context())
	if err != nil || len(got) != 3 || len(*queries) != 2 {
		t.Fatalf("ListAccounts = %+v, %v after %d calls; want 3 accounts from 2 calls", got, err, len(*queries))
	}
}

// The provider manages one account at a time, and the API takes batches: every write sends a
// JSON array of one, with the documented field names and no empty optional fields.
func TestArmoryWritesUseTheBatchWireFormat(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.Method+" "+r.URL.Path+" "+string(body))
		mu.Unlock()
		if r.Header.Get("X-Gateway-Key") != "gw-secret" {
			t.Errorf("%s without the configured header", r.Method)
		}
		w.WriteHeader(http.StatusOK)
	})
	c := newTestArmory(t, srv.URL+"/clouddriver", map[string]string{"X-Gateway-Key": "gw-secret"})
	ctx := t.Context()
	calls := []func() error{
		func() error {
			return c.MigrateAccount(ctx, AccountMigration{Name: "account-02", ZoneID: "agent-1_namespace1", KubeconfigFile: "encryptedFile:k8s!n:kubeconfig"})
		},
		func() error { return c.MigrateAccount(ctx, AccountMigration{Name: "account-01"}) },
		func() error { return c.AssignAccount(ctx, AccountAssignment{Name: "account-01", State: AccountActive}) },
		func() error {
			return c.AssignAccount(ctx, AccountAssignment{Name: "account-02", State: AccountActive, ZoneID: "agent-1_namespace1"})
		},
		func() error {
			return c.AssignAccount(ctx, AccountAssignment{Name: "account-01", State: AccountInactive})
		},
		func() error { return c.DeleteAccount(ctx, "account-01") },
	}
	for i, call := range calls {
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	want := []string{
		`POST /clouddriver/armory/accounts [{"name":"account-02","zoneId":"agent-1_namespace1","kubeconfigFile":"encryptedFile:k8s!n:kubeconfig"}]`,
		`POST /clouddriver/armory/accounts [{"name":"account-01"}]`,
		`PATCH /clouddriver/armory/accounts [{"name":"account-01","state":"ACTIVE"}]`,
		`PATCH /clouddriver/armory/accounts [{"name":"account-02","state":"ACTIVE","zoneId":"agent-1_namespace1"}]`,
		`PATCH /clouddriver/armory/accounts [{"name":"account-01","state":"INACTIVE"}]`,
		`DELETE /clouddriver/armory/accounts ["account-01"]`,
	}
	if !slices.Equal(bodies, want) {
		t.Fatalf("requests:\n%s\nwant:\n%s", strings.Join(bodies, "\n"), strings.Join(want, "\n"))
	}
}

func TestArmoryGetAccountEscapesTheName(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() != "/armory/accounts/team%2Fprod%20k8s" {
			t.Errorf("path %s", r.URL.EscapedPath())
		}
		// The account's config may hold cluster credentials: it is not decoded at all.
		writeJSON(t, w, http.StatusOK, map[string]any{"name": "team/prod k8s", "config": map[string]any{"token": "x"}, "state": "ACTIVE"})
	})
	a, err := newTestArmory(t, srv.URL, nil).GetAccount(t.Context(), "team/prod k8s")
	if err != nil || a.Name != "team/prod k8s" {
		t.Fatalf("GetAccount = %+v, %v", a, err)
	}
	if raw, _ := json.Marshal(a); strings.Contains(string(raw), "config") {
		t.Fatalf("the account keeps its config: %s", raw)
	}
}

func TestArmoryLogsMaskTheKubeconfigAndHeaders(t *testing.T) {
	c, mock := newArmoryAgainstMock(t)
	const kubeconfig = "encryptedFile:k8s!n:sekrit-kubeconfig"
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(t.Context(), &buf)
	if err := c.MigrateAccount(ctx, AccountMigration{Name: "prod-k8s", KubeconfigFile: kubeconfig}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "prod-k8s") {
		t.Fatalf("the request body was not logged:\n%s", out)
	}
	for _, secret := range []string{kubeconfig, mock.Credentials().ArmoryAPIKey} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds the secret %q:\n%s", secret, out)
		}
	}
}

// Assignments and deletes are sent again after a lost answer: both are idempotent by name, and a
// retried delete of an account no longer managed succeeds.
func TestArmoryWritesAfterLostAnswer(t *testing.T) {
	c, mock := newArmoryAgainstMock(t)
	mock.SetArmoryAssignDelay(0)
	ctx := t.Context()
	if err := c.MigrateAccount(ctx, AccountMigration{Name: "prod-k8s"}); err != nil {
		t.Fatal(err)
	}

	mock.DropNextWrites(1)
	if err := c.AssignAccount(ctx, AccountAssignment{Name: "prod-k8s", State: AccountActive}); err != nil {
		t.Fatalf("assign after a lost answer: %v", err)
	}
	if a := waitSettled(t, c, "prod-k8s"); a.State != AccountActive {
		t.Fatalf("account %+v after the retried assignment, want ACTIVE", a)
	}
	mock.DropNextWrites(1)
	if err := c.DeleteAccount(ctx, "prod-k8s"); err != nil && !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete after a lost answer: %v, want success or ErrNotFound", err)
	}
	if left := mock.ArmoryAccounts(); len(left) != 0 {
		t.Fatalf("accounts left after delete: %+v", left)
	}
	if n := mock.Calls("DELETE " + armoryRoute); n != 2 {
		t.Fatalf("%d deletes, want 2: the lost one and the retry", n)
	}
}
