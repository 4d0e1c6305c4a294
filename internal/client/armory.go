package client

import (
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
}

// Armory is the Armory Scale Agent client.
type Armory struct{ api }

// NewArmory returns an Armory client on the shared transport.
func NewArmory(t *Transport, cfg ArmoryConfig) (*Armory, error) {
	a, err := newAPI(t, PlatformArmory, cfg.Endpoint)
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
	return &Armory{api: a}, nil
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
	// ZoneID is empty when the account may be assigned to any Agent.
	ZoneID            string         `json:"zoneId"`
	Agents            []AccountAgent `json:"agents"`
	LastAssignmentMsg string         `json:"lastAssignmentMsg"`
	State             string         `json:"state"`
}

// AccountAgent is an Agent pod confirmed to handle an account.
type AccountAgent struct {
	AgentID string `json:"agentId"`
	// Caching is true for the Agent that watches the cluster, false for one that only executes
	// operations.
	Caching bool `json:"caching"`
}

// Account states. The seed names these three; while an assignment is in progress the account is in
// a state of its own (ASSIGNING in the mock), so callers treat every other value as in progress.
const (
	AccountInactive = "INACTIVE"
	AccountActive   = "ACTIVE"
	AccountFailed   = "FAILED"
)

// Account sources.
const (
	AccountSourceClouddriver = "clouddriver"
	AccountSourceStatic      = "static-agent-config"
)

// AccountMigration is the POST body entry that makes a Clouddriver account dynamic.
type AccountMigration struct {
	Name string `json:"name"`
	// ZoneID pins the account to the Agents of one zone; empty unpins it.
	ZoneID string `json:"zoneId,omitempty"`
	// KubeconfigFile is sent only when set; the platform keeps the last one it received.
	KubeconfigFile string `json:"kubeconfigFile,omitempty"`
}

// AccountAssignment is the PATCH body entry that activates or deactivates a migrated account.
type AccountAssignment struct {
	Name string `json:"name"`
	// State is AccountActive (start an assignment) or AccountInactive.
	State string `json:"state"`
	// ZoneID, when set, pins the account again before it is assigned; empty keeps the zone the
	// migration gave it (a PATCH cannot unpin).
	ZoneID string `json:"zoneId,omitempty"`
}

// armoryPageSize is how many accounts one list call asks for. A variable so tests can walk
// several pages of a small store.
var armoryPageSize = 100

const armoryAccounts = "/armory/accounts"

// The collection routes take batches (JSON arrays); the provider manages one account at a time,
// so each method below sends a batch of one.

// MigrateAccount makes a Clouddriver account dynamic (INACTIVE until assigned), or updates the
// zone and kubeconfig of one already migrated. A name Clouddriver does not know is a 400.
//
// The migration is an upsert keyed by the account name the caller chooses, so sending it twice
// leaves the same single account: it is not marked createsObject, and the transport retries it
// after a lost answer like any idempotent call. No lookup-before-retry is needed.
func (a *Armory) MigrateAccount(ctx context.Context, m AccountMigration) error {
	_, err := a.do(ctx, request{method: http.MethodPost, path: armoryAccounts, body: []AccountMigration{m}}, nil)
	return err
}

// AssignAccount activates a migrated account, which starts an asynchronous assignment to Agents
// (poll GetAccount until it is ACTIVE or FAILED), or deactivates it. Sending it again starts a
// fresh assignment, so it is safe to retry.
func (a *Armory) AssignAccount(ctx context.Context, as AccountAssignment) error {
	_, err := a.do(ctx, request{method: http.MethodPatch, path: armoryAccounts, body: []AccountAssignment{as}}, nil)
	return err
}

// GetAccount reads one account by name. An account the Scale Agent does not manage (unknown, or
// known to Clouddriver but not migrated) is an ErrNotFound APIError.
func (a *Armory) GetAccount(ctx context.Context, name string) (*DynamicAccount, error) {
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
	_, err := a.do(ctx, request{method: http.MethodDelete, path: armoryAccounts, body: []string{name}}, nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest {
		return err
	}
	if _, getErr := a.GetAccount(ctx, name); errors.Is(getErr, ErrNotFound) {
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
			return nil, err
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
