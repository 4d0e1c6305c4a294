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

// waitSettled polls the account until no transition is under way.
func waitSettled(t *testing.T, c *Armory, name string) *DynamicAccount {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		a, err := c.GetAccount(t.Context(), name)
		if err != nil {
			t.Fatalf("GetAccount(%s): %v", name, err)
		}
		if AccountStateSettled(a.State) || time.Now().After(deadline) {
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
	if a := waitSettled(t, c, "prod-k8s"); a.State != AccountInactive || len(a.Agents) != 0 {
		t.Fatalf("deactivated account %+v", a)
	}

	// A migrated account cannot be migrated again: the check before the POST says so, and no
	// POST is sent.
	err = c.MigrateAccount(ctx, AccountMigration{Name: "prod-k8s"})
	var managed *AccountManagedError
	if !errors.As(err, &managed) || managed.Account == nil || managed.Account.State != AccountInactive {
		t.Fatalf("migrating again = %v, want an AccountManagedError with the account", err)
	}
	if n := mock.Calls("POST " + armoryRoute); n != 1 {
		t.Fatalf("%d POSTs, want 1", n)
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

// A POST for an account already migrated is a 409, so it is not resent blindly after a lost
// answer: the account was not managed before the POST, so finding it managed now proves this
// migration made it.
func TestArmoryMigrateLostAnswerIsResolvedByReading(t *testing.T) {
	c, mock := newArmoryAgainstMock(t)
	mock.DropNextWrites(1)
	if err := c.MigrateAccount(t.Context(), AccountMigration{Name: "prod-k8s", KubeconfigFile: "encrypted:k"}); err != nil {
		t.Fatalf("MigrateAccount after a lost answer: %v", err)
	}
	if n := mock.Calls("POST " + armoryRoute); n != 1 {
		t.Fatalf("%d POSTs, want 1: the read after the lost answer found the account", n)
	}
	if n := mock.Calls("GET " + armoryRoute + "/{name}"); n != 2 {
		t.Fatalf("%d reads, want 2: the check before and the proof after", n)
	}
	if accounts := mock.ArmoryAccounts(); len(accounts) != 1 || accounts[0].Name != "prod-k8s" || accounts[0].KubeconfigFile != "encrypted:k" {
		t.Fatalf("store holds %+v, want prod-k8s once", accounts)
	}
}

// armoryScript answers each request with the next step for its method, failing the test on a
// request it did not expect.
func armoryScript(t *testing.T, steps map[string][]http.HandlerFunc) (*Armory, func(method string) int) {
	var mu sync.Mutex
	calls := map[string]int{}
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := calls[r.Method]
		calls[r.Method]++
		mu.Unlock()
		if n >= len(steps[r.Method]) {
			t.Errorf("unexpected %s %s (call %d)", r.Method, r.URL.Path, n+1)
			w.WriteHeader(http.StatusTeapot)
			return
		}
		steps[r.Method][n](w, r)
	})
	count := func(method string) int {
		mu.Lock()
		defer mu.Unlock()
		return calls[method]
	}
	return newTestArmory(t, srv.URL, nil), count
}

func armoryAnswer(t *testing.T, status int, body any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if body == nil {
			w.WriteHeader(status)
			return
		}
		writeJSON(t, w, status, body)
	}
}

func notManaged(t *testing.T) http.HandlerFunc {
	return armoryAnswer(t, http.StatusNotFound, map[string]any{"status": 404, "error": "Not Found", "message": "account not managed"})
}

func lostAnswer(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { dropConnection(t, w) }
}

// The POST whose answer was lost lands late: the read after it still finds nothing, so the POST
// is sent again, and its 409 sends the client to look again, which finds the account managed,
// as the configuration asks.
func TestArmoryMigrateConflictAfterLostAnswerIsOurs(t *testing.T) {
	managed := armoryAnswer(t, http.StatusOK, map[string]any{"name": "prod-k8s", "status": "INACTIVE"})
	c, calls := armoryScript(t, map[string][]http.HandlerFunc{
		http.MethodGet:  {notManaged(t), notManaged(t), managed},
		http.MethodPost: {lostAnswer(t), armoryAnswer(t, http.StatusConflict, []map[string]any{{"name": "prod-k8s", "status": "INACTIVE"}})},
	})
	if err := c.MigrateAccount(t.Context(), AccountMigration{Name: "prod-k8s"}); err != nil {
		t.Fatalf("MigrateAccount = %v, want success", err)
	}
	if calls(http.MethodPost) != 2 || calls(http.MethodGet) != 3 {
		t.Fatalf("%d POSTs and %d GETs, want 2 and 3", calls(http.MethodPost), calls(http.MethodGet))
	}
}

// A 409 to a first POST means someone else migrated the account since the check: it is not
// adopted, and the error carries the account as read and the 409.
func TestArmoryMigrateConflictOnFirstPostIsNotAdopted(t *testing.T) {
	c, _ := armoryScript(t, map[string][]http.HandlerFunc{
		http.MethodGet:  {notManaged(t), armoryAnswer(t, http.StatusOK, map[string]any{"name": "prod-k8s", "source": "clouddriver", "status": "ACTIVE", "agents": []any{map[string]any{"agentId": "a-1"}}})},
		http.MethodPost: {armoryAnswer(t, http.StatusConflict, []map[string]any{{"name": "prod-k8s"}})},
	})
	err := c.MigrateAccount(t.Context(), AccountMigration{Name: "prod-k8s"})
	var managed *AccountManagedError
	var apiErr *APIError
	if !errors.As(err, &managed) || managed.Account == nil || managed.Account.State != AccountActive ||
		!errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict {
		t.Fatalf("MigrateAccount = %v, want an AccountManagedError wrapping the 409", err)
	}
	if !strings.Contains(err.Error(), `"prod-k8s" is already managed`) {
		t.Fatalf("error text %q", err)
	}
}

// Answers lost every time, with the account never found, end after maxLostAnswers POSTs.
func TestArmoryMigrateGivesUpAfterRepeatedLostAnswers(t *testing.T) {
	gets, posts := []http.HandlerFunc{notManaged(t)}, []http.HandlerFunc{}
	for range maxLostAnswers {
		gets, posts = append(gets, notManaged(t)), append(posts, lostAnswer(t))
	}
	c, calls := armoryScript(t, map[string][]http.HandlerFunc{http.MethodGet: gets[:maxLostAnswers+1], http.MethodPost: posts})
	err := c.MigrateAccount(t.Context(), AccountMigration{Name: "prod-k8s"})
	if _, ok := asAmbiguous(err); !ok || !strings.Contains(err.Error(), "every answer was lost") {
		t.Fatalf("MigrateAccount = %v, want the lost-too-often error", err)
	}
	if calls(http.MethodPost) != maxLostAnswers {
		t.Fatalf("%d POSTs, want %d", calls(http.MethodPost), maxLostAnswers)
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
// JSON array of one, with the documented field names and no empty optional fields. The server
// answers as the published docs say: 202 with [] to a POST, 202 without a body to a PATCH.
func TestArmoryWritesUseTheBatchWireFormat(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Gateway-Key") != "gw-secret" {
			t.Errorf("%s without the configured header", r.Method)
		}
		if r.Method == http.MethodGet { // the check before a migration: not managed yet
			writeJSON(t, w, http.StatusNotFound, map[string]any{"status": 404, "error": "Not Found"})
			return
		}
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.Method+" "+r.URL.Path+" "+string(body))
		mu.Unlock()
		if r.Method == http.MethodPost {
			writeJSON(t, w, http.StatusAccepted, []any{})
			return
		}
		w.WriteHeader(http.StatusAccepted)
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
			return c.AssignAccount(ctx, AccountAssignment{Name: "account-02", State: AccountActive, ZoneID: "agent-1_namespace1",
				KubeconfigFile: "encryptedFile:k8s!n:kubeconfig!k:config!ns:spinnaker"})
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
		`PATCH /clouddriver/armory/accounts [{"name":"account-02","state":"ACTIVE","zoneId":"agent-1_namespace1","kubeconfigFile":"encryptedFile:k8s!n:kubeconfig!k:config!ns:spinnaker"}]`,
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

// A header value is a credential whatever the header's name: a gateway's own header is on no
// list of secret names, and its value must still stay out of the logged headers, in the log of
// every request and response, and out of an error that echoes it.
func TestArmoryLogsMaskHeaderValuesWhateverTheirName(t *testing.T) {
	const gateway, echoed = "gw-credential-value", "X-Gateway-Credential"
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		// A gateway that echoes the request's credential back in a header and in its refusal.
		w.Header().Set("X-Seen-Credential", r.Header.Get(echoed))
		writeJSON(t, w, http.StatusBadRequest, map[string]any{"error": "Bad Request", "message": "refused " + r.Header.Get(echoed)})
	})
	c := newTestArmory(t, srv.URL, map[string]string{echoed: gateway, "X-Short": "ab1"})
	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(t.Context(), &buf)
	_, err := c.GetAccount(ctx, "prod-k8s")
	if err == nil || strings.Contains(err.Error(), gateway) || !strings.Contains(err.Error(), "refused "+masked) {
		t.Fatalf("err %v; want the refusal with the header value masked", err)
	}
	entries, err := tflogtest.MultilineJSONDecode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var logged int
	for _, e := range entries {
		headers, ok := e["headers"].(map[string]any)
		if !ok {
			continue
		}
		logged++
		for name, value := range headers {
			if v, _ := value.(string); strings.Contains(v, gateway) || v == "ab1" {
				t.Errorf("%s: the logged header %s holds a configured header value: %q", e["@message"], name, v)
			}
		}
	}
	if logged < 2 {
		t.Fatalf("%d log entries with headers, want the request's and the response's:\n%s", logged, buf.String())
	}
	if strings.Contains(buf.String(), gateway) {
		t.Errorf("the log holds the gateway credential:\n%s", buf.String())
	}
}

// An activation is refused once it took effect (the account is no longer INACTIVE or FAILED),
// so a lost answer is resolved by reading the account, not by sending it again. A delete is
// sent again: a retried delete of an account no longer managed succeeds.
func TestArmoryWritesAfterLostAnswer(t *testing.T) {
	c, mock := newArmoryAgainstMock(t)
	mock.SetArmoryAssignDelay(time.Hour)
	ctx := t.Context()
	if err := c.MigrateAccount(ctx, AccountMigration{Name: "prod-k8s"}); err != nil {
		t.Fatal(err)
	}

	mock.DropNextWrites(1)
	if err := c.AssignAccount(ctx, AccountAssignment{Name: "prod-k8s", State: AccountActive}); err != nil {
		t.Fatalf("assign after a lost answer: %v", err)
	}
	if n := mock.Calls("PATCH " + armoryRoute); n != 1 {
		t.Fatalf("%d PATCHes, want 1: the account read ACTIVATING after the lost answer", n)
	}
	mock.SetArmoryAccountState("prod-k8s", mockserver.ArmoryStateActive, "")
	mock.DropNextWrites(1)
	if err := c.AssignAccount(ctx, AccountAssignment{Name: "prod-k8s", State: AccountInactive}); err != nil {
		t.Fatalf("deactivate after a lost answer: %v", err)
	}
	if n := mock.Calls("PATCH " + armoryRoute); n != 2 {
		t.Fatalf("%d PATCHes, want 2: the account read DEACTIVATING after the lost answer", n)
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

// An activation whose answer was lost, with the account still INACTIVE afterwards, did not take
// effect: it is sent again.
func TestArmoryAssignLostAnswerNotTakenIsSentAgain(t *testing.T) {
	inactive := armoryAnswer(t, http.StatusOK, map[string]any{"name": "prod-k8s", "status": "INACTIVE"})
	c, calls := armoryScript(t, map[string][]http.HandlerFunc{
		http.MethodGet:   {inactive},
		http.MethodPatch: {lostAnswer(t), armoryAnswer(t, http.StatusAccepted, nil)},
	})
	if err := c.AssignAccount(t.Context(), AccountAssignment{Name: "prod-k8s", State: AccountActive}); err != nil {
		t.Fatalf("AssignAccount = %v", err)
	}
	if calls(http.MethodPatch) != 2 || calls(http.MethodGet) != 1 {
		t.Fatalf("%d PATCHes and %d GETs, want 2 and 1", calls(http.MethodPatch), calls(http.MethodGet))
	}
}

// A lost answer whose account cannot be read either is an error that says what was sent.
func TestArmoryAssignLostAnswerAndFailedRead(t *testing.T) {
	c, _ := armoryScript(t, map[string][]http.HandlerFunc{
		http.MethodGet:   {armoryAnswer(t, http.StatusInternalServerError, map[string]any{"status": 500, "error": "Internal Server Error", "message": "db down"})},
		http.MethodPatch: {lostAnswer(t)},
	})
	err := c.AssignAccount(t.Context(), AccountAssignment{Name: "prod-k8s", State: AccountInactive})
	if err == nil || !strings.Contains(err.Error(), "was sent but its answer was lost") || !strings.Contains(err.Error(), "looking for it failed too") ||
		!strings.Contains(err.Error(), "db down") || strings.Contains(err.Error(), "create") {
		t.Fatalf("AssignAccount = %v", err)
	}
}

// The state comes in status (published swagger and example), in state (draft page), or not at
// all (seed 003's example); the message in lastAssignmentMsg (draft) or errorMessage (swagger).
func TestArmoryGetAccountReadsEitherStateAndMessageField(t *testing.T) {
	agents := []any{map[string]any{"agentId": "agent-1-abc", "caching": true}}
	tests := []struct {
		name        string
		body        map[string]any
		state, msg  string
		agentsCount int
	}{
		{"status", map[string]any{"status": "ACTIVATING"}, AccountActivating, "", 0},
		{"state", map[string]any{"state": "FAILED", "lastAssignmentMsg": "invalid kubeconfig"}, AccountFailed, "invalid kubeconfig", 0},
		{"status wins", map[string]any{"status": "ORPHANED", "state": "ACTIVE"}, AccountOrphaned, "", 0},
		{"empty status", map[string]any{"status": "", "state": "DEACTIVATING"}, AccountDeactivating, "", 0},
		{"errorMessage", map[string]any{"status": "FAILED", "errorMessage": "cluster unreachable"}, AccountFailed, "cluster unreachable", 0},
		{"both messages", map[string]any{"status": "FAILED", "lastAssignmentMsg": "first", "errorMessage": "second"}, AccountFailed, "first", 0},
		{"no state, agents", map[string]any{"agents": agents, "lastAssignmentMsg": "successfully assigned to Agent agent-1-abc"}, AccountActive,
			"successfully assigned to Agent agent-1-abc", 1},
		{"no state, no agents", map[string]any{"agents": []any{}}, AccountInactive, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := map[string]any{"name": "prod-k8s", "type": "kubernetes", "source": "clouddriver"}
			for k, v := range tt.body {
				body[k] = v
			}
			srv := serve(t, func(w http.ResponseWriter, _ *http.Request) { writeJSON(t, w, http.StatusOK, body) })
			a, err := newTestArmory(t, srv.URL, nil).GetAccount(t.Context(), "prod-k8s")
			if err != nil || a.State != tt.state || a.LastAssignmentMsg != tt.msg || len(a.Agents) != tt.agentsCount || a.Source != "clouddriver" {
				t.Fatalf("GetAccount = %+v, %v; want state %s, message %q", a, err, tt.state, tt.msg)
			}
		})
	}
}

// The list pages carry the state the same way.
func TestArmoryListAccountsReadsEitherStateField(t *testing.T) {
	c, mock := newArmoryAgainstMock(t)
	mock.PutArmoryAccount("account-01", "z_ns", true)
	for _, field := range []string{mockserver.ArmoryStateFieldStatus, mockserver.ArmoryStateFieldState, mockserver.ArmoryStateFieldNone} {
		mock.SetArmoryStateField(field)
		all, err := c.ListAccounts(t.Context())
		if err != nil || len(all) != 3 || all[0].State != AccountActive || len(all[0].Agents) != 2 {
			t.Fatalf("field %q: ListAccounts = %+v, %v", field, all, err)
		}
	}
}

func TestArmoryAccountStates(t *testing.T) {
	tests := []struct {
		state                  string
		settled, failed, ready bool
	}{
		{AccountInactive, true, false, true},
		{AccountActive, true, false, false},
		{AccountFailed, true, true, true},
		{AccountOrphaned, true, true, false},
		{AccountDeleteFailed, true, true, false},
		{AccountToMigrate, false, false, false},
		{AccountActivating, false, false, false},
		{AccountToDeactivate, false, false, false},
		{AccountDeactivating, false, false, false},
		{AccountDeleting, false, false, false},
		{"SOMETHING_NEW", false, false, false}, // an unknown state is taken as a transition
	}
	for _, tt := range tests {
		if got := AccountStateSettled(tt.state); got != tt.settled {
			t.Errorf("AccountStateSettled(%s) = %v", tt.state, got)
		}
		if got := AccountStateFailed(tt.state); got != tt.failed {
			t.Errorf("AccountStateFailed(%s) = %v", tt.state, got)
		}
		if got := AccountCanBeActivated(tt.state); got != tt.ready {
			t.Errorf("AccountCanBeActivated(%s) = %v", tt.state, got)
		}
	}
}

// The update of an ACTIVE account: activating it again is refused, so it is deactivated, read
// until INACTIVE, and activated with the new zone and kubeconfig.
func TestArmoryReassignAnActiveAccount(t *testing.T) {
	c, mock := newArmoryAgainstMock(t)
	mock.SetArmoryAssignDelay(10 * time.Millisecond)
	ctx := t.Context()
	mock.PutArmoryAccount("prod-k8s", "zone-a_ns", true)

	err := c.AssignAccount(ctx, AccountAssignment{Name: "prod-k8s", State: AccountActive, ZoneID: "zone-b_ns"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || !strings.Contains(apiErr.Message, "INACTIVE or FAILED") {
		t.Fatalf("activating an ACTIVE account = %v, want the 400", err)
	}
	if err := c.AssignAccount(ctx, AccountAssignment{Name: "prod-k8s", State: AccountInactive}); err != nil {
		t.Fatal(err)
	}
	if a := waitSettled(t, c, "prod-k8s"); a.State != AccountInactive {
		t.Fatalf("after deactivating: %+v", a)
	}
	if err := c.AssignAccount(ctx, AccountAssignment{Name: "prod-k8s", State: AccountActive, ZoneID: "zone-b_ns", KubeconfigFile: "encrypted:new"}); err != nil {
		t.Fatal(err)
	}
	if a := waitSettled(t, c, "prod-k8s"); a.State != AccountActive || a.ZoneID != "zone-b_ns" || !strings.HasPrefix(a.Agents[0].AgentID, "zone-b-") {
		t.Fatalf("after activating again: %+v", a)
	}
	if got := mock.ArmoryKubeconfigs("prod-k8s"); !slices.Equal(got, []string{"encrypted:new"}) {
		t.Fatalf("kubeconfigs %q", got)
	}
}

// Only a draft page documents the list: an Armory that answers 404 or 405 for it gets an error
// that says so, which callers tell with errors.Is.
func TestArmoryListAccountsNotServed(t *testing.T) {
	c, mock := newArmoryAgainstMock(t)
	mock.SetArmoryAccountListServed(false)
	_, err := c.ListAccounts(t.Context())
	var apiErr *APIError
	if !errors.Is(err, ErrAccountListNotServed) || !errors.As(err, &apiErr) || apiErr.Status != http.StatusMethodNotAllowed ||
		!strings.Contains(err.Error(), "does not serve the account list") {
		t.Fatalf("ListAccounts = %v, want ErrAccountListNotServed wrapping the 405", err)
	}

	srv := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(t, w, http.StatusNotFound, map[string]any{"status": 404, "error": "Not Found", "path": "/armory/accounts"})
	})
	if _, err := newTestArmory(t, srv.URL, nil).ListAccounts(t.Context()); !errors.Is(err, ErrAccountListNotServed) {
		t.Fatalf("ListAccounts against a 404 = %v, want ErrAccountListNotServed", err)
	}

	// Other failures are what they are.
	srv = serve(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(t, w, http.StatusBadRequest, map[string]any{"status": 400, "error": "Bad Request", "message": "limit too large"})
	})
	if _, err := newTestArmory(t, srv.URL, nil).ListAccounts(t.Context()); err == nil || errors.Is(err, ErrAccountListNotServed) {
		t.Fatalf("ListAccounts against a 400 = %v", err)
	}
}

// Activations that lose every answer while the account stays INACTIVE end after maxLostAnswers
// PATCHes, with an error that says so and names no create.
func TestArmoryAssignGivesUpAfterRepeatedLostAnswers(t *testing.T) {
	var gets, patches []http.HandlerFunc
	for range maxLostAnswers {
		gets = append(gets, armoryAnswer(t, http.StatusOK, map[string]any{"name": "prod-k8s", "status": "INACTIVE"}))
		patches = append(patches, lostAnswer(t))
	}
	c, calls := armoryScript(t, map[string][]http.HandlerFunc{http.MethodGet: gets, http.MethodPatch: patches})
	err := c.AssignAccount(t.Context(), AccountAssignment{Name: "prod-k8s", State: AccountActive})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("sent %d times, every answer was lost", maxLostAnswers)) ||
		!strings.Contains(err.Error(), `account "prod-k8s" shows no activation under way`) || strings.Contains(err.Error(), "create") {
		t.Fatalf("AssignAccount = %v", err)
	}
	if calls(http.MethodPatch) != maxLostAnswers || calls(http.MethodGet) != maxLostAnswers {
		t.Fatalf("%d PATCHes and %d GETs, want %d each", calls(http.MethodPatch), calls(http.MethodGet), maxLostAnswers)
	}
}

// A gateway's 502 or 504 to the migration may hide a POST the platform carried out: the account
// is looked up, found managed, and the migration is done, with no second POST.
func TestArmoryMigrateGatewayErrorIsLookedUp(t *testing.T) {
	for _, status := range []int{http.StatusBadGateway, http.StatusGatewayTimeout} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			managed := armoryAnswer(t, http.StatusOK, map[string]any{"name": "prod-k8s", "status": "INACTIVE"})
			c, calls := armoryScript(t, map[string][]http.HandlerFunc{
				http.MethodGet:  {notManaged(t), managed},
				http.MethodPost: {armoryAnswer(t, status, nil)},
			})
			if err := c.MigrateAccount(t.Context(), AccountMigration{Name: "prod-k8s"}); err != nil {
				t.Fatalf("MigrateAccount = %v, want success", err)
			}
			if calls(http.MethodPost) != 1 || calls(http.MethodGet) != 2 {
				t.Fatalf("%d POSTs and %d GETs, want 1 and 2", calls(http.MethodPost), calls(http.MethodGet))
			}
		})
	}
}
