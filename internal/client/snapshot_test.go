package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/mockserver"
)

// Coalesced reads (snapshot.go), against the fake Cloud Monitoring API of monitoring_test.go
// and, per family, against the in-repo mock.

// newBatchedMonitoring is a Monitoring client for the fake with batch_reads on.
func newBatchedMonitoring(t *testing.T, base string) *Monitoring {
	t.Helper()
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMonitoring(tr, MonitoringConfig{Endpoint: base + testTenantPath, AuthToken: testAuthToken, CallOptions: CallOptions{BatchReads: true}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// storeTokens puts n tokens in the fake and returns them.
func storeTokens(f *fakeMonitoring, n int) []AgentToken {
	out := make([]AgentToken, n)
	for i := range out {
		out[i] = f.store(fmt.Sprintf("token %d", i))
	}
	return out
}

// gets counts the GETs of single tokens the fake received.
func (f *fakeMonitoring) gets() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if r.method == http.MethodGet && r.path != "/agent_tokens" {
			n++
		}
	}
	return n
}

// readAll reads every token in parallel, as a refresh does, and fails the test unless each read
// returns the token as want holds it.
func readAll(t *testing.T, m *Monitoring, want []AgentToken) {
	t.Helper()
	var wg sync.WaitGroup
	for _, tok := range want {
		wg.Go(func() {
			got, err := m.GetAgentToken(t.Context(), tok.ID)
			if err != nil || *got != tok {
				t.Errorf("GetAgentToken(%s) = %+v, %v; want %+v", tok.ID, got, err, tok)
			}
		})
	}
	wg.Wait()
}

func TestBatchedReadsShareOneList(t *testing.T) {
	f, base := newFakeMonitoring(t)
	tokens := storeTokens(f, 60)
	m := newBatchedMonitoring(t, base)

	readAll(t, m, tokens)
	readAll(t, m, tokens) // later reads, within the age bound, use the same list

	if lists, gets := f.count(http.MethodGet, "/agent_tokens"), f.gets(); lists != 1 || gets != 0 {
		t.Errorf("%d lists and %d GETs for 120 reads of 60 tokens, want 1 list and no GET", lists, gets)
	}
}

func TestUnbatchedReadsAreOneGETEach(t *testing.T) {
	f, base := newFakeMonitoring(t)
	tokens := storeTokens(f, 5)
	m := newTestMonitoring(t, base, testOptions(), testAuthToken) // batch_reads off, the client's zero value

	readAll(t, m, tokens)

	if lists, gets := f.count(http.MethodGet, "/agent_tokens"), f.gets(); lists != 0 || gets != 5 {
		t.Errorf("%d lists and %d GETs, want 5 GETs and no list", lists, gets)
	}
}

// A token the list lacks is read with its own GET, which tells a new token (found) from one
// that is gone (404).
func TestBatchedReadOfAnUnlistedTokenIsDecidedByItsGET(t *testing.T) {
	f, base := newFakeMonitoring(t)
	tokens := storeTokens(f, 3)
	m := newBatchedMonitoring(t, base)
	readAll(t, m, tokens[:1]) // the list is read, with three tokens

	newer := f.store("made after the list")
	if got, err := m.GetAgentToken(t.Context(), newer.ID); err != nil || *got != newer {
		t.Errorf("GetAgentToken of a token made after the list = %+v, %v; want %+v", got, err, newer)
	}
	_, err := m.GetAgentToken(t.Context(), "gone.hybrid:123456")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("GetAgentToken of a token that exists nowhere = %v, want ErrNotFound", err)
	}
	if lists, gets := f.count(http.MethodGet, "/agent_tokens"), f.gets(); lists != 1 || gets != 2 {
		t.Errorf("%d lists and %d GETs, want 1 list and a GET for each unlisted token", lists, gets)
	}
}

// Within its age bound a list may show a token as it was when listed; past the bound, the next
// read lists again and sees what changed outside the provider, deletions included.
func TestBatchedReadsListAgainOnceTheListIsOld(t *testing.T) {
	f, base := newFakeMonitoring(t)
	tokens := storeTokens(f, 2)
	m := newBatchedMonitoring(t, base)
	defer setSnapshotMaxAge(t, 50*time.Millisecond)()
	readAll(t, m, tokens)

	time.Sleep(60 * time.Millisecond)
	f.setLabel(tokens[0].ID, "changed out of band")
	f.remove(tokens[1].ID)
	got, err := m.GetAgentToken(t.Context(), tokens[0].ID)
	if err != nil || got.Label != "changed out of band" {
		t.Errorf("GetAgentToken after the list aged = %+v, %v; want the new label", got, err)
	}
	if _, err := m.GetAgentToken(t.Context(), tokens[1].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetAgentToken of a token deleted out of band = %v, want ErrNotFound", err)
	}
	if lists := f.count(http.MethodGet, "/agent_tokens"); lists != 2 {
		t.Errorf("%d lists, want 2: the first, and one once it was too old", lists)
	}
}

func setSnapshotMaxAge(t *testing.T, d time.Duration) func() {
	t.Helper()
	old := snapshotMaxAge
	snapshotMaxAge = d
	return func() { snapshotMaxAge = old }
}

// Every write drops the snapshot: a read after a write of this client sees the write, with a
// call of its own, also while the list would still be fresh.
func TestBatchedReadsAfterAWriteAreTheirOwnGETs(t *testing.T) {
	writes := map[string]func(m *Monitoring, tok AgentToken) error{
		"update": func(m *Monitoring, tok AgentToken) error {
			return m.UpdateAgentTokenLabel(context.Background(), tok.ID, "updated")
		},
		"create": func(m *Monitoring, _ AgentToken) error {
			_, err := m.CreateAgentToken(context.Background(), "another")
			return err
		},
		"delete": func(m *Monitoring, tok AgentToken) error { return m.DeleteAgentToken(context.Background(), tok.ID) },
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			f, base := newFakeMonitoring(t)
			tokens := storeTokens(f, 2)
			m := newBatchedMonitoring(t, base)
			readAll(t, m, tokens)

			f.setLabel(tokens[1].ID, "changed out of band")
			if err := write(m, tokens[0]); err != nil {
				t.Fatal(err)
			}
			got, err := m.GetAgentToken(t.Context(), tokens[1].ID)
			if err != nil || got.Label != "changed out of band" {
				t.Errorf("GetAgentToken after a %s = %+v, %v; want the token as it is now", name, got, err)
			}
			if lists := f.count(http.MethodGet, "/agent_tokens"); lists != 1 {
				t.Errorf("%d lists, want 1: reads after a write are their own GETs", lists)
			}
		})
	}
}

// A list under way when a write is sent is not used: the reads waiting for it read on their
// own. The fake's list here holds the tokens as they were before the write, as a list read on
// the server before the write was committed would.
func TestBatchedReadsWaitingForAListDroppedByAWrite(t *testing.T) {
	f, base := newFakeMonitoring(t)
	tokens := storeTokens(f, 1)
	listed, release := make(chan struct{}), make(chan struct{})
	f.onList = func(w http.ResponseWriter, _ *http.Request) bool {
		before := f.all()
		close(listed)
		<-release
		writeJSON(t, w, http.StatusOK, map[string]any{"values": before, "metadata": map[string]any{"next_marker": nil}})
		return true
	}
	m := newBatchedMonitoring(t, base)

	read := make(chan *AgentToken)
	go func() {
		got, err := m.GetAgentToken(context.Background(), tokens[0].ID)
		if err != nil {
			t.Error(err)
		}
		read <- got
	}()
	<-listed
	if err := m.UpdateAgentTokenLabel(t.Context(), tokens[0].ID, "written"); err != nil {
		t.Fatal(err)
	}
	close(release)
	if got := <-read; got == nil || got.Label != "written" {
		t.Errorf("the read that waited for a list dropped by a write got %+v, want the label written", got)
	}
	if gets := f.gets(); gets != 1 {
		t.Errorf("%d GETs, want the read's own", gets)
	}
}

// A list that fails sends the reads to their own GETs, and is not tried again on every read.
func TestBatchedReadsFallBackWhenTheListFails(t *testing.T) {
	f, base := newFakeMonitoring(t)
	tokens := storeTokens(f, 20)
	f.onList = func(w http.ResponseWriter, _ *http.Request) bool {
		writeJSON(t, w, http.StatusForbidden, monitoringError("forbidden", 403, "listing is not allowed", ""))
		return true
	}
	m := newBatchedMonitoring(t, base)

	readAll(t, m, tokens)
	readAll(t, m, tokens)

	if lists, gets := f.count(http.MethodGet, "/agent_tokens"), f.gets(); lists != 1 || gets != 40 {
		t.Errorf("%d lists and %d GETs, want the one failed list and a GET per read", lists, gets)
	}
}

// The documented list example carries token and label but no id: such a list cannot serve a
// read by id, and every read is its own GET.
func TestBatchedReadsOfAListWithoutIDs(t *testing.T) {
	f, base := newFakeMonitoring(t)
	tokens := storeTokens(f, 10)
	f.onList = func(w http.ResponseWriter, _ *http.Request) bool {
		values := []map[string]string{}
		for _, tok := range f.all() {
			values = append(values, map[string]string{"token": tok.Token, "label": tok.Label})
		}
		writeJSON(t, w, http.StatusOK, map[string]any{"values": values, "metadata": map[string]any{"next_marker": nil}})
		return true
	}
	m := newBatchedMonitoring(t, base)

	readAll(t, m, tokens)

	if lists, gets := f.count(http.MethodGet, "/agent_tokens"), f.gets(); lists != 1 || gets != 10 {
		t.Errorf("%d lists and %d GETs, want one list and a GET per read", lists, gets)
	}
}

// A read cancelled while it waits for the list fails alone: the list goes on for the others.
func TestBatchedReadCancelledWhileTheListRuns(t *testing.T) {
	f, base := newFakeMonitoring(t)
	tokens := storeTokens(f, 2)
	listed, release := make(chan struct{}), make(chan struct{})
	f.onList = func(http.ResponseWriter, *http.Request) bool {
		close(listed)
		<-release
		return false
	}
	m := newBatchedMonitoring(t, base)

	ctx, cancel := context.WithCancel(t.Context())
	first := make(chan error)
	go func() {
		_, err := m.GetAgentToken(ctx, tokens[0].ID)
		first <- err
	}()
	<-listed
	second := make(chan error)
	go func() {
		got, err := m.GetAgentToken(t.Context(), tokens[1].ID)
		if err == nil && *got != tokens[1] {
			err = fmt.Errorf("got %+v, want %+v", got, tokens[1])
		}
		second <- err
	}()
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Errorf("the cancelled read returned %v, want context.Canceled", err)
	}
	close(release)
	if err := <-second; err != nil {
		t.Errorf("the other read failed: %v", err)
	}
	if lists, gets := f.count(http.MethodGet, "/agent_tokens"), f.gets(); lists != 1 || gets != 0 {
		t.Errorf("%d lists and %d GETs, want the one list to serve the other read", lists, gets)
	}
}

// index leaves out the objects a read cannot be served from, and a key listed twice.
func TestSnapshotIndex(t *testing.T) {
	s := newSnapshot(true, "test", time.Second, nil, func(v [2]string) (string, bool) { return v[0], v[1] != "" })
	got := s.index([][2]string{{"a", "1"}, {"b", ""}, {"c", "3"}, {"c", "4"}, {"d", "5"}, {"c", "6"}})
	want := map[string][2]string{"a": {"a", "1"}, "d": {"d", "5"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("index = %v, want %v", got, want)
	}
}

// The families batched against the in-repo mock: a refresh's parallel reads cost one walk of
// the family's list.

// batchedMock serves the mock and returns it, its endpoints and a transport.
func batchedMock(t *testing.T) (*mockserver.Server, mockserver.Endpoints, *Transport) {
	t.Helper()
	mock := mockserver.New(mockserver.DefaultCredentials())
	srv := serve(t, mock.ServeHTTP)
	tr, err := NewTransport(testOptions())
	if err != nil {
		t.Fatal(err)
	}
	return mock, mock.Endpoints(srv.URL), tr
}

var batch = CallOptions{BatchReads: true}

// inParallel runs read for every key from its own goroutine.
func inParallel(t *testing.T, keys []string, read func(key string) error) {
	t.Helper()
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Go(func() {
			if err := read(k); err != nil {
				t.Errorf("reading %s: %v", k, err)
			}
		})
	}
	wg.Wait()
}

// expectCalls fails the test unless the mock's routes received these numbers of calls.
func expectCalls(t *testing.T, mock *mockserver.Server, want map[string]int) {
	t.Helper()
	for route, n := range want {
		if got := mock.Calls(route); got != n {
			t.Errorf("%d calls of %s, want %d", got, route, n)
		}
	}
}

func TestBatchedAgentSecretReadsWalkTheListOnce(t *testing.T) {
	mock, ep, tr := batchedMock(t)
	c, err := NewAriaLogs(tr, AriaLogsConfig{Endpoint: ep.AriaLogs, OperationsEndpoint: ep.VCFOperations,
		Username: mock.Credentials().AriaUsername, Password: mock.Credentials().AriaPassword, CallOptions: batch})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 30 {
		ids = append(ids, mock.PutAriaSecret(fmt.Sprintf("secret-%02d", i)).ID)
	}
	inParallel(t, ids, func(id string) error {
		s, err := c.GetAgentSecret(t.Context(), id)
		if err == nil && s.ID != id {
			err = fmt.Errorf("got secret %s", s.ID)
		}
		return err
	})
	expectCalls(t, mock, map[string]int{"GET " + mockserver.AriaLogsPrefix + "/api/v2/agent/secrets": 1})

	// A revoke is a write: the next read walks the list on its own and sees the revoke.
	if err := c.RevokeAgentSecret(t.Context(), ids[0]); err != nil {
		t.Fatal(err)
	}
	mock.ResetCalls()
	if s, err := c.GetAgentSecret(t.Context(), ids[0]); err != nil || !s.Revoked() {
		t.Errorf("GetAgentSecret after the revoke = %+v, %v; want it revoked", s, err)
	}
	expectCalls(t, mock, map[string]int{"GET " + mockserver.AriaLogsPrefix + "/api/v2/agent/secrets": 1})
}

// The k0rdent read routes (the paths are in k0rdent_test.go).
const (
	listAccounts    = "GET " + k0rdentAccountsRoute
	getAccount      = "GET " + k0rdentAccountRoute
	listCredentials = "GET " + k0rdentCredentialsRoute
	getCredential   = "GET " + k0rdentCredentialsRoute + "/{credId}"
)

func newBatchedK0rdent(t *testing.T) (*K0rdent, *mockserver.Server) {
	t.Helper()
	mock, ep, tr := batchedMock(t)
	c, err := NewK0rdent(tr, K0rdentConfig{Endpoint: ep.K0rdent, Token: mock.Credentials().K0rdentToken, CallOptions: batch})
	if err != nil {
		t.Fatal(err)
	}
	return c, mock
}

func TestBatchedServiceAccountReadsListOnce(t *testing.T) {
	c, mock := newBatchedK0rdent(t)
	var ids []string
	for i := range 20 {
		ids = append(ids, mock.PutK0rdentServiceAccount("global", mockserver.K0rdentServiceAccount{DisplayName: fmt.Sprintf("sa %d", i)}).ID)
	}
	inParallel(t, ids, func(id string) error {
		sa, err := c.GetServiceAccount(t.Context(), id)
		if err == nil && (sa.ID != id || sa.ClientID == "") {
			err = fmt.Errorf("got %+v", sa)
		}
		return err
	})
	expectCalls(t, mock, map[string]int{listAccounts: 1, getAccount: 0})
}

// Credentials are listed per service account: one list for each account read, and the
// account's clientId, which the credentials lack, from the list of accounts.
func TestBatchedCredentialReadsListOncePerServiceAccount(t *testing.T) {
	c, mock := newBatchedK0rdent(t)
	type key struct{ sa, cred string }
	var keys []key
	for i := range 2 {
		sa := mock.PutK0rdentServiceAccount("global", mockserver.K0rdentServiceAccount{DisplayName: fmt.Sprintf("sa %d", i)})
		for range 3 {
			cred, ok := mock.AddK0rdentCredential("global", sa.ID)
			if !ok {
				t.Fatal("adding a credential failed")
			}
			keys = append(keys, key{sa.ID, cred.ID})
		}
	}
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Go(func() {
			cred, err := c.GetCredential(t.Context(), k.sa, k.cred)
			if err != nil || cred.ID != k.cred || cred.ClientID != k.sa+"@myorg.iam" {
				t.Errorf("GetCredential(%s, %s) = %+v, %v", k.sa, k.cred, cred, err)
			}
		})
	}
	wg.Wait()
	expectCalls(t, mock, map[string]int{listCredentials: 2, getCredential: 0, listAccounts: 1, getAccount: 0})

	// A credential deleted out of band is not in the list: its read is its own GET, whose 404
	// the client confirms before it reports the credential gone.
	mock.ResetCalls()
	gone := keys[0]
	if !mock.DeleteK0rdentCredential("global", gone.sa, gone.cred) {
		t.Fatal("deleting the credential in the mock failed")
	}
	fresh := newBatchedK0rdentOn(t, c)
	if _, err := fresh.GetCredential(t.Context(), gone.sa, gone.cred); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetCredential of a credential deleted out of band = %v, want ErrNotFound", err)
	}
	if n := mock.Calls(getCredential); n != 1 {
		t.Errorf("%d GETs of the credential, want its own GET", n)
	}
}

// newBatchedK0rdentOn is a second client on the same platform as c, as a new provider process.
func newBatchedK0rdentOn(t *testing.T, c *K0rdent) *K0rdent {
	t.Helper()
	next, err := NewK0rdent(c.transport, K0rdentConfig{Endpoint: c.baseURL.String(), Token: mockserver.DefaultCredentials().K0rdentToken, CallOptions: batch})
	if err != nil {
		t.Fatal(err)
	}
	return next
}

func TestBatchedAgentReadsListOnceWhenSwitchedOn(t *testing.T) {
	mock, ep, tr := batchedMock(t)
	c, err := NewSpaceONE(tr, SpaceONEConfig{Endpoint: ep.SpaceONE, Token: mock.Credentials().SpaceONEToken, CallOptions: batch})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 12 {
		ids = append(ids, mock.PutSpaceONEAgent(fmt.Sprintf("sa-%02d", i), "cluster").ServiceAccountID)
	}
	inParallel(t, ids, func(id string) error {
		a, err := c.GetAgent(t.Context(), id)
		if err == nil && a.ServiceAccountID != id {
			err = fmt.Errorf("got %+v", a)
		}
		return err
	})
	route := "POST " + mockserver.SpaceONEAgentRoute
	// One walk: the page of 12 and the empty page that ends a SpaceONE list.
	expectCalls(t, mock, map[string]int{route + "/list": 2, route + "/get": 0})
}

// Against an Armory without the account list, batched reads fall back to their GETs after one
// refused list.
func TestBatchedAccountReadsWithoutTheAccountList(t *testing.T) {
	mock, ep, tr := batchedMock(t)
	mock.SetArmoryAccountListServed(false)
	c, err := NewArmory(tr, ArmoryConfig{Endpoint: ep.Armory, Headers: map[string]string{mockserver.ArmoryAPIKeyHeader: mock.Credentials().ArmoryAPIKey},
		CallOptions: batch})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"clouddriver-00", "clouddriver-01", "clouddriver-02"}
	for _, n := range names {
		mock.PutArmoryAccount(n, "", true)
	}
	inParallel(t, names, func(name string) error {
		a, err := c.GetAccount(t.Context(), name)
		if err == nil && a.Name != name {
			err = fmt.Errorf("got %+v", a)
		}
		return err
	})
	route := "GET " + mockserver.ArmoryPrefix + "/armory/accounts"
	expectCalls(t, mock, map[string]int{route: 1, route + "/{name}": 3})
}
