package client

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Armory Scale Agent dynamic accounts, served by Clouddriver under /armory/accounts.

// ArmoryConfig is what the provider's armory block configures.
type ArmoryConfig struct {
	Endpoint string
	// Headers are sent with every call: Clouddriver usually sits behind a gateway that wants its
	// own credentials.
	Headers map[string]string
	CallOptions
}

// ArmoryBatchReads is the default of CallOptions.BatchReads for Armory: off. Only a draft of
// the Scale Agent documentation has the account list (GET /armory/accounts), and no published
// swagger does, so what its items hold is unconfirmed. Switched on against an Armory that does
// not serve it, reads fall back to their own GETs.
const ArmoryBatchReads = false

// Armory is the Armory Scale Agent client.
type Armory struct {
	api
	accounts *snapshot[string, DynamicAccount] // serves GetAccount (see snapshot.go)
}

// NewArmory returns an Armory client on the shared transport.
func NewArmory(t *Transport, cfg ArmoryConfig) (*Armory, error) {
	a, err := newAPI(t, PlatformArmory, cfg.Endpoint, cfg.CallOptions)
	if err != nil {
		return nil, err
	}
	a.authorize = func(_ context.Context, req *http.Request) error {
		for name, value := range cfg.Headers {
			req.Header.Set(name, value)
		}
		return nil
	}
	a.parseError = parseArmoryError
	for _, value := range cfg.Headers {
		a.secrets = append(a.secrets, value)
	}
	c := &Armory{api: a}
	c.accounts = batched(&c.api, "dynamic accounts", c.ListAccounts, func(acc DynamicAccount) (string, bool) { return acc.Name, acc.Name != "" })
	return c, nil
}

// parseArmoryError reads Clouddriver's Spring error body:
// {"timestamp": "...", "status": 400, "error": "Bad Request", "message": "..."}.
func parseArmoryError(body []byte, e *APIError) bool {
	var b struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &b) != nil || (b.Error == "" && b.Message == "") {
		return false
	}
	e.Code, e.Message = b.Error, b.Message
	return true
}

// DynamicAccount is an account the Scale Agent manages: migrated from Clouddriver (dynamic) or
// defined in an Agent config file (static). The account's config is left out on purpose: it is
// Clouddriver's native account configuration, which may hold cluster credentials.
type DynamicAccount struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Source string `json:"source"`
	// ZoneID is empty when the account may be assigned to any Agent. An account activated
	// without one takes the zone of the Agent that took it.
	ZoneID string         `json:"zoneId"`
	Agents []AccountAgent `json:"agents"`
	// LastAssignmentMsg is the last assignment's message: which Agent took the account, or why
	// the assignment failed.
	LastAssignmentMsg string `json:"lastAssignmentMsg"`
	// State is one of the Account* states, as the platform reports it or, when its answer
	// carries none, as inferred from the Agents (see accountState).
	State string `json:"state"`
}

// UnmarshalJSON reads an account as the published docs, the swagger and the draft page each show
// it: the state in "status" (published example, swagger KubesvcAccount) or "state" (draft), and
// the message in "lastAssignmentMsg" (draft) or "errorMessage" (swagger).
func (a *DynamicAccount) UnmarshalJSON(data []byte) error {
	var wire struct {
		Name              string         `json:"name"`
		Type              string         `json:"type"`
		Source            string         `json:"source"`
		ZoneID            string         `json:"zoneId"`
		Agents            []AccountAgent `json:"agents"`
		LastAssignmentMsg string         `json:"lastAssignmentMsg"`
		ErrorMessage      string         `json:"errorMessage"`
		Status            string         `json:"status"`
		State             string         `json:"state"`
	}
	if err := json.Unmarshal(data, &wire); err != nil {
		return err
	}
	*a = DynamicAccount{
		Name: wire.Name, Type: wire.Type, Source: wire.Source, ZoneID: wire.ZoneID, Agents: wire.Agents,
		LastAssignmentMsg: cmp.Or(wire.LastAssignmentMsg, wire.ErrorMessage),
		State:             accountState(cmp.Or(wire.Status, wire.State), len(wire.Agents)),
	}
	return nil
}

// accountState is the reported state, or, for an answer without one (seed 003's example has
// none), ACTIVE when Agents are confirmed to handle the account and INACTIVE otherwise. Without
// a reported state a failed assignment cannot be told from one still running: both read INACTIVE.
func accountState(reported string, agents int) string {
	switch {
	case reported != "":
		return reported
	case agents > 0:
		return AccountActive
	}
	return AccountInactive
}

// AccountAgent is an Agent pod confirmed to handle an account.
type AccountAgent struct {
	AgentID string `json:"agentId"`
	// Caching is true for the Agent that watches the cluster, false for one that only executes
	// operations.
	Caching bool `json:"caching"`
}

// Account states, as the published concept page and the plugin swagger name them.
const (
	// Settled: INACTIVE (migrated, not assigned), ACTIVE (Agents handle it), and three failures:
	// FAILED (an add or delete failed), ORPHANED (no Agent manages it any more), DELETE_FAILED.
	AccountInactive     = "INACTIVE"
	AccountActive       = "ACTIVE"
	AccountFailed       = "FAILED"
	AccountOrphaned     = "ORPHANED"
	AccountDeleteFailed = "DELETE_FAILED"
	// Transitions under way.
	AccountToMigrate    = "TO_MIGRATE"
	AccountActivating   = "ACTIVATING"
	AccountToDeactivate = "TO_DEACTIVATE"
	AccountDeactivating = "DEACTIVATING"
	AccountDeleting     = "DELETING"
)

// AccountStateSettled reports whether no transition is under way. A state this client does not
// know is taken for a transition, so that a newer platform's states make callers wait rather
// than fail.
func AccountStateSettled(state string) bool {
	switch state {
	case AccountInactive, AccountActive, AccountFailed, AccountOrphaned, AccountDeleteFailed:
		return true
	}
	return false
}

// AccountStateFailed reports whether the account settled in a failure, which no amount of
// waiting mends by itself: its message says why.
func AccountStateFailed(state string) bool {
	return state == AccountFailed || state == AccountOrphaned || state == AccountDeleteFailed
}

// AccountCanBeActivated reports whether the platform accepts an activation of an account in this
// state: the docs require INACTIVE or FAILED, so an ACTIVE account is deactivated first.
func AccountCanBeActivated(state string) bool {
	return state == AccountInactive || state == AccountFailed
}

// Account sources.
const (
	AccountSourceClouddriver = "clouddriver"
	AccountSourceStatic      = "static-agent-config"
)

// AccountMigration is the POST body entry that makes a Clouddriver account dynamic.
type AccountMigration struct {
	Name string `json:"name"`
	// ZoneID pins the account to the Agents of one zone.
	ZoneID string `json:"zoneId,omitempty"`
	// KubeconfigFile is sent only when set; the platform keeps the last one it received.
	KubeconfigFile string `json:"kubeconfigFile,omitempty"`
}

// AccountAssignment is the PATCH body entry that activates or deactivates a migrated account.
type AccountAssignment struct {
	Name string `json:"name"`
	// State is AccountActive (start an assignment) or AccountInactive. The docs also call the
	// valid values "INACTIVE or FAILED", meaning the state the account must be in, while their
	// example sends ACTIVE; the example is what is sent.
	State string `json:"state"`
	// ZoneID, when set, pins the account again before it is assigned; empty keeps the zone it
	// has (a PATCH cannot unpin).
	ZoneID string `json:"zoneId,omitempty"`
	// KubeconfigFile, when set, replaces the kubeconfig the account is assigned with.
	KubeconfigFile string `json:"kubeconfigFile,omitempty"`
}

// AccountManagedError is a migration of an account the Scale Agent already manages: found by the
// read before the POST, or refused by the POST with a 409 because another caller migrated it
// since. Such an account is not adopted: its owner is not this caller.
type AccountManagedError struct {
	Platform string
	Name     string
	// Account is the account as read; nil when the read after a 409 failed.
	Account *DynamicAccount
	// Err is the 409 of the POST, nil when the read before it found the account.
	Err error
}

func (e *AccountManagedError) Error() string {
	msg := fmt.Sprintf("%s API: account %q is already managed by the Scale Agent", e.Platform, e.Name)
	if e.Account != nil {
		msg += fmt.Sprintf(" (source %s, state %s)", e.Account.Source, e.Account.State)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *AccountManagedError) Unwrap() error { return e.Err }

// ErrAccountListNotServed matches the error of ListAccounts against an Armory that has no
// account list: only a draft page documents GET /armory/accounts, and no published swagger has it.
var ErrAccountListNotServed = errors.New("the account list is not served")

// accountListNotServedError is the 404 or 405 of the list route.
type accountListNotServedError struct{ cause *APIError }

func (e *accountListNotServedError) Error() string {
	return fmt.Sprintf("%s API does not serve the account list (GET %s answered HTTP %d; only a draft of the Scale Agent "+
		"documentation describes it), or the endpoint does not point at Clouddriver: %s",
		e.cause.Platform, armoryAccounts, e.cause.Status, e.cause.Error())
}

func (e *accountListNotServedError) Unwrap() error { return e.cause }

func (e *accountListNotServedError) Is(target error) bool { return target == ErrAccountListNotServed }

// armoryPageSize is how many accounts one list call asks for. A variable so tests can walk
// several pages of a small store.
var armoryPageSize = 100

const armoryAccounts = "/armory/accounts"

// The collection routes take batches (JSON arrays); the provider manages one account at a time,
// so each method below sends a batch of one.

// MigrateAccount makes a Clouddriver account the Scale Agent does not manage yet dynamic
// (INACTIVE until activated). A name Clouddriver does not know is a 400; an account already
// managed is an *AccountManagedError, and nothing is sent.
//
// A POST for an account already migrated is refused with 409, so the POST is marked
// createsObject and never resent blindly. A lost answer is resolved by looking the account up:
// the read before the POST found it unmanaged, so finding it managed now means that it was
// migrated meanwhile, as the configuration asks; its name is its identity, so it is the object
// the configuration declares, whoever's POST landed, and it holds no secret that went with the
// answer. While it is still not found, the POST is sent again, at most maxLostAnswers times in
// all; a 409 to a POST sent again after a lost one means that an earlier one landed late.
func (a *Armory) MigrateAccount(ctx context.Context, m AccountMigration) error {
	a.accounts.drop()
	existing, err := a.getAccount(ctx, m.Name)
	switch {
	case err == nil:
		return &AccountManagedError{Platform: a.platform, Name: m.Name, Account: existing}
	case !errors.Is(err, ErrNotFound):
		return err
	}
	_, err = createRecovering(ctx, createRecovery[struct{}]{
		send: func(ctx context.Context) (struct{}, error) { return struct{}{}, a.postMigration(ctx, m) },
		look: func(ctx context.Context, cause *AmbiguousError) (struct{}, bool, error) {
			_, err := a.getAccount(ctx, m.Name)
			switch {
			case errors.Is(err, ErrNotFound):
				return struct{}{}, false, nil
			case err != nil:
				return struct{}{}, false, lookFailed(cause, err)
			}
			return struct{}{}, true, nil
		},
		landedLate: isConflict,
		absent:     fmt.Sprintf("no dynamic account %q exists", m.Name),
	})
	if isConflict(err) { // migrated by someone else between the read and the POST
		managed := &AccountManagedError{Platform: a.platform, Name: m.Name, Err: err}
		managed.Account, _ = a.getAccount(ctx, m.Name)
		return managed
	}
	return err
}

// postMigration sends the POST. Its answer (202 with [], or 200/201 echoing the batch in older
// swaggers) carries nothing the caller needs.
func (a *Armory) postMigration(ctx context.Context, m AccountMigration) error {
	_, err := a.do(ctx, request{method: http.MethodPost, path: armoryAccounts, body: []AccountMigration{m}, createsObject: true}, nil)
	return err
}

// AssignAccount activates a migrated account, which starts an asynchronous assignment to Agents
// (poll GetAccount until it settles), or deactivates it, likewise asynchronous. The platform
// answers 202 without a body, and refuses the activation of an account that is not INACTIVE or
// FAILED (see AccountCanBeActivated).
//
// So an activation cannot be resent blindly: once the first one took effect, the account is
// ACTIVATING and a second is refused. The PATCH is marked createsObject, and a lost answer is
// resolved by reading the account: when it shows the change under way or done, the PATCH took
// effect; otherwise it is sent again, at most maxLostAnswers times in all.
func (a *Armory) AssignAccount(ctx context.Context, as AccountAssignment) error {
	a.accounts.drop()
	_, err := createRecovering(ctx, createRecovery[struct{}]{
		send: func(ctx context.Context) (struct{}, error) { return struct{}{}, a.patchAssignment(ctx, as) },
		look: func(ctx context.Context, cause *AmbiguousError) (struct{}, bool, error) {
			account, err := a.getAccount(ctx, as.Name)
			if err != nil {
				return struct{}{}, false, lookFailed(cause, err)
			}
			return struct{}{}, assignmentTaken(as.State, account.State), nil
		},
		absent: fmt.Sprintf("account %q shows no %s under way", as.Name, assignmentVerb(as.State)),
	})
	return err
}

func (a *Armory) patchAssignment(ctx context.Context, as AccountAssignment) error {
	_, err := a.do(ctx, request{method: http.MethodPatch, path: armoryAccounts, body: []AccountAssignment{as}, createsObject: true}, nil)
	return err
}

// assignmentTaken reports whether an account in state shows that a PATCH to target took effect.
func assignmentTaken(target, state string) bool {
	if target == AccountActive {
		return state == AccountToMigrate || state == AccountActivating || state == AccountActive
	}
	return state == AccountToDeactivate || state == AccountDeactivating || state == AccountInactive
}

func assignmentVerb(target string) string {
	if target == AccountActive {
		return "activation"
	}
	return "deactivation"
}

// GetAccount reads one account by name: from the account list when reads are batched and a
// fresh list holds it, and otherwise with its GET. An account the Scale Agent does not manage
// (unknown, or known to Clouddriver but not migrated) is an ErrNotFound APIError.
func (a *Armory) GetAccount(ctx context.Context, name string) (*DynamicAccount, error) {
	return a.accounts.get(ctx, name, func(ctx context.Context) (*DynamicAccount, error) { return a.getAccount(ctx, name) })
}

// getAccount is the GET of one account.
func (a *Armory) getAccount(ctx context.Context, name string) (*DynamicAccount, error) {
	var acc DynamicAccount
	if _, err := a.do(ctx, request{method: http.MethodGet, path: armoryAccounts + "/" + url.PathEscape(name)}, &acc); err != nil {
		return nil, err
	}
	if acc.Name == "" {
		acc.Name = name
	}
	return &acc, nil
}

// DeleteAccount stops the Scale Agent managing a dynamic account; it stays a Clouddriver account.
//
// The seed documents only 200 and 400 ("not defined in Clouddriver"), so an account that is
// already gone may answer either 200 or 400. A 400 is checked with a read: when the account is not
// managed any more, the read's ErrNotFound is returned, so callers can treat it as done; otherwise
// the 400 stands.
func (a *Armory) DeleteAccount(ctx context.Context, name string) error {
	a.accounts.drop()
	_, err := a.do(ctx, request{method: http.MethodDelete, path: armoryAccounts, body: []string{name}}, nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest {
		return err
	}
	if _, getErr := a.getAccount(ctx, name); errors.Is(getErr, ErrNotFound) {
		return getErr
	}
	return err
}

// armoryPage is one page of the account list.
type armoryPage struct {
	Items []DynamicAccount `json:"items"`
	Page  int              `json:"page"`
	Limit int              `json:"limit"`
	Total int              `json:"total"`
}

// ListAccounts returns every account the Scale Agent manages, static and dynamic, sorted by name,
// walking pages from 1 until it has the total the server reports, or an empty page. The total
// decides rather than a short page, because a server may cap the limit below the one asked for.
//
// Only a draft page documents this route. When the first page answers 404 or 405, the error
// matches ErrAccountListNotServed.
//
// Pages are offsets into a list that may change while it is walked, so an account seen on an
// earlier page is skipped rather than listed twice. A page that brings nothing new while the
// walk is not over means the server ignores the page number; that ends the walk with an error
// instead of looping.
func (a *Armory) ListAccounts(ctx context.Context) ([]DynamicAccount, error) {
	var all []DynamicAccount
	seen := map[string]bool{}
	for pageNo := 1; ; pageNo++ {
		q := url.Values{"page": {strconv.Itoa(pageNo)}, "limit": {strconv.Itoa(armoryPageSize)}}
		var p armoryPage
		if _, err := a.do(ctx, request{method: http.MethodGet, path: armoryAccounts, query: q}, &p); err != nil {
			return nil, listError(pageNo, err)
		}
		fresh := 0
		for _, acc := range p.Items {
			if !seen[acc.Name] {
				seen[acc.Name] = true
				all = append(all, acc)
				fresh++
			}
		}
		if lastArmoryPage(p, len(all)) {
			return all, nil
		}
		if fresh == 0 {
			return nil, fmt.Errorf("%s API: page %d of the account list repeats earlier pages; the server seems to ignore the page parameter", a.platform, pageNo)
		}
	}
}

// lastArmoryPage reports whether the walk is over after page p, with seen accounts collected.
// Without a total in the answer, a page shorter than the limit asked for is the last.
func lastArmoryPage(p armoryPage, seen int) bool {
	if len(p.Items) == 0 {
		return true
	}
	if p.Total > 0 {
		return seen >= p.Total
	}
	return len(p.Items) < armoryPageSize
}

// listError makes a 404 or 405 to the first page of the list an accountListNotServedError. On a
// later page the route evidently exists, so the error stands as it is.
func listError(pageNo int, err error) error {
	var apiErr *APIError
	if pageNo == 1 && errors.As(err, &apiErr) && (apiErr.Status == http.StatusNotFound || apiErr.Status == http.StatusMethodNotAllowed) {
		return &accountListNotServedError{cause: apiErr}
	}
	return err
}
