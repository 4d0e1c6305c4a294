package client

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// k0rdent IAM: service accounts and their credentials under /v1/regions/{region}/iam.

// K0rdentConfig is what the provider's k0rdent block configures.
type K0rdentConfig struct {
	Endpoint string
	Token    string
	Region   string // "global" when empty
	CallOptions
}

// K0rdentBatchReads is the default of CallOptions.BatchReads for k0rdent IAM: on. The lists of
// service accounts and of an account's credentials hold the objects as their GETs return them;
// a listed account without a clientId is read with its own GET all the same.
const K0rdentBatchReads = true

// K0rdent is the k0rdent IAM client.
type K0rdent struct {
	api
	region string
	// credentialCreates lets the credential creates of one service account run side by side,
	// and the recovery of a lost answer run alone; issued holds the ids of the credentials
	// those creates got an answer for. See CreateCredential.
	credentialCreates keyedRWMutex
	issued            idSet
	// clientIDs caches each service account's clientId (service account id to client id), which
	// credentials need and their own answers lack: with it a credential read costs one call, not
	// two. A client id lasts as long as its account; creating or deleting an account updates it.
	clientIDs sync.Map
	// serviceAccounts serves GetServiceAccount, and credentials GetCredential, with one snapshot
	// per service account (see snapshot.go).
	serviceAccounts *snapshot[string, ServiceAccount]
	credentials     snapshots[string, ServiceAccountCredential]
}

// NewK0rdent returns a k0rdent IAM client on the shared transport.
func NewK0rdent(t *Transport, cfg K0rdentConfig) (*K0rdent, error) {
	a, err := newAPI(t, PlatformK0rdent, cfg.Endpoint, cfg.CallOptions)
	if err != nil {
		return nil, err
	}
	a.authorize = bearer(cfg.Token)
	// Conflicts come as {"code": "CONFLICT", "message": ...}; everything else as {"error": {...}}.
	a.parseError = firstOf(parseNestedError, parseFlatError)
	a.secrets = []string{cfg.Token}
	region := cfg.Region
	if region == "" {
		region = "global"
	}
	k := &K0rdent{api: a, region: region}
	k.serviceAccounts = batched(&k.api, "service accounts", k.ListServiceAccounts, func(sa ServiceAccount) (string, bool) {
		return sa.ID, sa.ID != "" && sa.ClientID != ""
	})
	k.credentials.newFor = func(serviceAccountID string) *snapshot[string, ServiceAccountCredential] {
		list := func(ctx context.Context) ([]ServiceAccountCredential, error) {
			return k.ListCredentials(ctx, serviceAccountID)
		}
		return batched(&k.api, "credentials of service account "+serviceAccountID, list, func(c ServiceAccountCredential) (string, bool) {
			return c.ID, c.ID != ""
		})
	}
	return k, nil
}

// credentialsWritten drops what a write of a service account's credentials makes stale: their
// snapshot, and that of the service accounts, which count their active credentials.
func (k *K0rdent) credentialsWritten(serviceAccountID string) {
	k.credentials.of(serviceAccountID).drop()
	k.serviceAccounts.drop()
}

// ServiceAccount is a k0rdent IAM service account, as the API returns it. Times are kept as the
// RFC 3339 strings the API sends.
type ServiceAccount struct {
	SelfLink              string   `json:"selfLink"`
	UID                   string   `json:"uid"`
	ID                    string   `json:"id"`
	DisplayName           string   `json:"displayName"`
	Description           string   `json:"description"`
	ClientID              string   `json:"clientId"`
	Scope                 string   `json:"scope"`
	ScopeID               string   `json:"scopeId"`
	Roles                 []string `json:"roles"`
	Status                string   `json:"status"`
	CreatedBy             string   `json:"createdBy"`
	CreatedAt             string   `json:"createdAt"`
	UpdatedAt             string   `json:"updatedAt"`
	ActiveCredentialCount int64    `json:"activeCredentialCount"`
}

// ServiceAccountRequest creates a service account. ID is optional: left empty, the platform
// chooses one.
type ServiceAccountRequest struct {
	ID          string   `json:"id,omitempty"`
	DisplayName string   `json:"displayName"`
	Description string   `json:"description,omitempty"`
	Scope       string   `json:"scope"`
	ScopeID     string   `json:"scopeId"`
	Roles       []string `json:"roles,omitempty"`
}

// ServiceAccountUpdate changes a service account in place; nil fields are left as they are.
// Scope, scope id and id cannot change.
type ServiceAccountUpdate struct {
	DisplayName *string   `json:"displayName,omitempty"`
	Description *string   `json:"description,omitempty"`
	Roles       *[]string `json:"roles,omitempty"`
}

// ServiceAccountCredential is a client secret of a service account, as the API returns it.
// ClientSecret is only ever filled in by the create. ExpiresAt is empty for a credential that
// never expires (the API gives one without expiresAt the organization's default lifetime, but
// an answer without it is read as "never"). LastUsedAt and LastUsedIP are empty until it is used.
//
// ClientID is the OAuth client id to present with the secret. The API's credential carries none:
// it is the service account's clientId, which CreateCredential and GetCredential fill in. A
// clientId in the answer itself, should one come, is kept.
type ServiceAccountCredential struct {
	SelfLink         string `json:"selfLink"`
	UID              string `json:"uid"`
	ID               string `json:"id"`
	ServiceAccountID string `json:"serviceAccountId"`
	Status           string `json:"status"`
	ClientID         string `json:"clientId"`
	ClientSecret     string `json:"clientSecret"`
	CreatedBy        string `json:"createdBy"`
	CreatedAt        string `json:"createdAt"`
	ExpiresAt        string `json:"expiresAt"`
	LastUsedAt       string `json:"lastUsedAt"`
	LastUsedIP       string `json:"lastUsedIp"`
}

// CredentialRequest creates a credential; an empty ExpiresAt leaves the expiry to the platform.
type CredentialRequest struct {
	ExpiresAt string `json:"expiresAt,omitempty"`
}

// K0rdentMaxActiveCredentials is how many active credentials a service account may have at
// once; the platform refuses to create more.
const K0rdentMaxActiveCredentials = 5

// Credential statuses. An expired credential stays expired: it cannot be enabled again.
const (
	K0rdentCredentialActive  = "active"
	K0rdentCredentialExpired = "expired"
)

const (
	// k0rdentPageSize is how many objects one list call asks for: pageSize may be 1 to 500
	// (default 50), so a list costs as few calls as the API allows.
	k0rdentPageSize = 500
	// k0rdentMaxBarrenPages is how many pages in a row may bring nothing new before a walk gives
	// up. AIP-158 lets a server answer fewer items than asked, even none, and still send a
	// nextPageToken, and such pages are followed; but a server that hands out fresh tokens for
	// ever without items would otherwise keep the walk going for ever.
	k0rdentMaxBarrenPages = 100
)

func (k *K0rdent) serviceAccountsPath() string {
	return "/v1/regions/" + url.PathEscape(k.region) + "/iam/service-accounts"
}

func (k *K0rdent) serviceAccountPath(id string) string {
	return k.serviceAccountsPath() + "/" + url.PathEscape(id)
}

func (k *K0rdent) credentialsPath(serviceAccountID string) string {
	return k.serviceAccountPath(serviceAccountID) + "/credentials"
}

func (k *K0rdent) credentialPath(serviceAccountID, credentialID string) string {
	return k.credentialsPath(serviceAccountID) + "/" + url.PathEscape(credentialID)
}

// Region is the region every call of this client addresses.
func (k *K0rdent) Region() string { return k.region }

// CreateServiceAccount creates a service account without ever leaving a duplicate.
//
// The API takes a client-chosen id, and that is what makes a lost answer safe to resolve: the
// account is looked up by its id and adopted only when it matches the request; when it does not
// exist the create is sent again, which cannot duplicate a fixed id, and a conflict then is
// resolved by the same lookup. A request without an id gets one made from its display name and a
// random suffix (newServiceAccountID), so no other create can hold it: searching by name instead
// could adopt an account another workspace created at the same moment. A conflict on a first
// create is an error: the id belongs to an account Terraform did not create.
func (k *K0rdent) CreateServiceAccount(ctx context.Context, req ServiceAccountRequest) (*ServiceAccount, error) {
	k.serviceAccounts.drop()
	if req.ID == "" {
		req.ID = newServiceAccountID(req.DisplayName)
	}
	sa, err := createRecovering(ctx, createRecovery[*ServiceAccount]{
		send: func(ctx context.Context) (*ServiceAccount, error) { return k.postServiceAccount(ctx, req) },
		look: func(ctx context.Context, cause *AmbiguousError) (*ServiceAccount, bool, error) {
			return k.findServiceAccount(ctx, req, cause)
		},
		landedLate: isConflict,
		absent:     fmt.Sprintf("no service account %q exists", req.ID),
	})
	if isConflict(err) {
		return nil, fmt.Errorf("%w That id is taken in region %q by a service account this create did not make: "+
			"import it (terraform import) or choose another id", err, k.region)
	}
	if err == nil {
		k.rememberClientID(sa)
	}
	return sa, err
}

// newServiceAccountID makes an id for an account created without one: its display name in the
// id's alphabet, cut to leave room for a random suffix that no other create shares.
func newServiceAccountID(displayName string) string {
	const suffixBytes, maxLen = 5, 63
	var b strings.Builder
	for _, r := range strings.ToLower(displayName) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	stem := strings.Trim(b.String(), "-")
	if stem == "" || stem[0] < 'a' || stem[0] > 'z' {
		stem = strings.TrimSuffix("sa-"+stem, "-")
	}
	stem = strings.TrimSuffix(stem[:min(len(stem), maxLen-1-2*suffixBytes)], "-")
	return stem + "-" + createNonce(suffixBytes)
}

func (k *K0rdent) postServiceAccount(ctx context.Context, req ServiceAccountRequest) (*ServiceAccount, error) {
	var sa ServiceAccount
	if _, err := k.do(ctx, request{method: http.MethodPost, path: k.serviceAccountsPath(), body: req, createsObject: true}, &sa); err != nil {
		return nil, err
	}
	return &sa, nil
}

// findServiceAccount looks the account up by its id after a lost answer, as CreateServiceAccount
// describes.
func (k *K0rdent) findServiceAccount(ctx context.Context, req ServiceAccountRequest, cause *AmbiguousError) (*ServiceAccount, bool, error) {
	// The plain GET: a 404 that hides an existing account only sends the create again, which
	// cannot duplicate a fixed id, and the conflict it meets is resolved by looking again.
	existing, err := k.getServiceAccount(ctx, req.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, false, nil
	case err != nil:
		return nil, false, lookFailed(cause, err)
	}
	if diffs := req.differences(existing); len(diffs) > 0 {
		return nil, false, fmt.Errorf("%s API: service account %q exists but differs from the request (%s): import it "+
			"(terraform import) and reconcile the configuration, or choose another id. Found while recovering from: %w",
			k.platform, existing.ID, strings.Join(diffs, "; "), cause)
	}
	return existing, true, nil
}

// differences lists how sa differs from what req asked for; roles compare as a set.
func (req ServiceAccountRequest) differences(sa *ServiceAccount) []string {
	var diffs []string
	field := func(name, want, got string) {
		if want != got {
			diffs = append(diffs, fmt.Sprintf("%s is %q, not %q", name, got, want))
		}
	}
	field("displayName", req.DisplayName, sa.DisplayName)
	field("description", req.Description, sa.Description)
	field("scope", req.Scope, sa.Scope)
	field("scopeId", req.ScopeID, sa.ScopeID)
	if want, got := sortedSet(req.Roles), sortedSet(sa.Roles); !slices.Equal(want, got) {
		diffs = append(diffs, fmt.Sprintf("roles are %v, not %v", got, want))
	}
	return diffs
}

// sortedSet returns the distinct values of s in order.
func sortedSet(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

func isConflict(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Status == http.StatusConflict
}

// GetServiceAccount reads one service account: from the list of service accounts when reads
// are batched and a fresh list holds it, and otherwise as lookupServiceAccount does.
func (k *K0rdent) GetServiceAccount(ctx context.Context, id string) (*ServiceAccount, error) {
	return k.serviceAccounts.get(ctx, id, func(ctx context.Context) (*ServiceAccount, error) { return k.lookupServiceAccount(ctx, id) })
}

// lookupServiceAccount reads one service account with its GET. A 404 is an ErrNotFound APIError
// only when confirmed (see confirmServiceAccountGone), and an *UnconfirmedNotFoundError otherwise.
func (k *K0rdent) lookupServiceAccount(ctx context.Context, id string) (*ServiceAccount, error) {
	sa, err := k.getServiceAccount(ctx, id)
	if err != nil {
		return nil, k.confirmServiceAccountGone(ctx, id, err)
	}
	return sa, nil
}

// getServiceAccount is the plain GET, whose 404 may hide an account that exists.
func (k *K0rdent) getServiceAccount(ctx context.Context, id string) (*ServiceAccount, error) {
	var sa ServiceAccount
	if _, err := k.do(ctx, request{method: http.MethodGet, path: k.serviceAccountPath(id)}, &sa); err != nil {
		return nil, err
	}
	return &sa, nil
}

// UpdateServiceAccount changes the display name, description or roles and returns the result.
// A 404 is confirmed as GetServiceAccount does.
func (k *K0rdent) UpdateServiceAccount(ctx context.Context, id string, req ServiceAccountUpdate) (*ServiceAccount, error) {
	k.serviceAccounts.drop()
	var sa ServiceAccount
	if _, err := k.do(ctx, request{method: http.MethodPatch, path: k.serviceAccountPath(id), body: req}, &sa); err != nil {
		return nil, k.confirmServiceAccountGone(ctx, id, err)
	}
	return &sa, nil
}

// DeleteServiceAccount deletes a service account and its credentials. One already gone is an
// ErrNotFound APIError, once confirmed as GetServiceAccount does: a 404 that may only mean the
// token lost its rights is an *UnconfirmedNotFoundError, so nobody takes it for a deletion.
func (k *K0rdent) DeleteServiceAccount(ctx context.Context, id string) error {
	k.credentialsWritten(id) // they go with it
	_, err := k.do(ctx, request{method: http.MethodDelete, path: k.serviceAccountPath(id)}, nil)
	k.clientIDs.Delete(id)
	return k.confirmServiceAccountGone(ctx, id, err)
}

// UnconfirmedNotFoundError is a 404 that k0rdent IAM may have given for an object that exists:
// it answers 404 to callers without tenant administrator rights on reads, updates and deletes
// by id, "to prevent resource enumeration". The client takes a 404 for a deletion only when a
// second call confirms it; when that call contradicts it or cannot be made, the answer is this
// error. It deliberately does not match ErrNotFound (and wraps nothing that does), so nothing
// treats it as "gone".
type UnconfirmedNotFoundError struct {
	Platform string
	// Object names what answered 404, such as `service account "sa-ci"`.
	Object string
	// Reason says why the 404 is not taken for a deletion: what the second call showed.
	Reason string
}

func (e *UnconfirmedNotFoundError) Error() string {
	return fmt.Sprintf("%s API answered HTTP 404 Not Found for %s, but %s. The API answers 404 to callers that are not "+
		"tenant administrators, even for objects that exist, so this is not taken for a deletion: the credentials may not belong "+
		"to a tenant administrator, or no longer hold that role", e.Platform, e.Object, e.Reason)
}

// confirmServiceAccountGone returns err unless it is a 404 for the account id. A 404 is
// returned as it is (an ErrNotFound) when the list of service accounts answers and lacks the
// account; when the list still holds it, or cannot be read, the 404 becomes an
// *UnconfirmedNotFoundError saying so.
func (k *K0rdent) confirmServiceAccountGone(ctx context.Context, id string, err error) error {
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	listed, listErr := k.hasServiceAccount(ctx, id)
	switch {
	case listErr != nil:
		return k.unconfirmed(serviceAccountObject(id), fmt.Sprintf("listing the service accounts to confirm that failed: %v", listErr))
	case listed:
		return k.unconfirmed(serviceAccountObject(id), "it is still in the list of service accounts")
	}
	return err
}

// hasServiceAccount reports whether the list of service accounts holds id, reading no further
// than the page that does.
func (k *K0rdent) hasServiceAccount(ctx context.Context, id string) (bool, error) {
	found := false
	err := k.walkPages(ctx, k.serviceAccountsPath(), nil, func(p *k0rdentPage) bool {
		found = slices.ContainsFunc(p.ServiceAccounts, func(sa ServiceAccount) bool { return sa.ID == id })
		return len(p.ServiceAccounts) > 0
	}, func() bool { return found })
	return found, err
}

// confirmCredentialGone returns err unless it is a 404 for the credential. A 404 is returned as
// it is (an ErrNotFound) when the service account reads (200) and its credential list answers
// without the credential, or when the service account itself is confirmed gone, which takes its
// credentials with it. Anything else makes it an *UnconfirmedNotFoundError that says why.
func (k *K0rdent) confirmCredentialGone(ctx context.Context, serviceAccountID, credentialID string, err error) error {
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	object := fmt.Sprintf("credential %q of %s", credentialID, serviceAccountObject(serviceAccountID))
	_, saErr := k.lookupServiceAccount(ctx, serviceAccountID)
	var unconfirmed *UnconfirmedNotFoundError
	switch {
	case errors.Is(saErr, ErrNotFound):
		return err
	case errors.As(saErr, &unconfirmed):
		return k.unconfirmed(object, "its service account answered 404 too, and "+unconfirmed.Reason)
	case saErr != nil:
		return k.unconfirmed(object, fmt.Sprintf("reading its service account to confirm that failed: %v", saErr))
	}
	creds, listErr := k.ListCredentials(ctx, serviceAccountID)
	switch {
	case listErr != nil:
		return k.unconfirmed(object, fmt.Sprintf("listing the credentials of its service account to confirm that failed: %v", listErr))
	case slices.ContainsFunc(creds, func(c ServiceAccountCredential) bool { return c.ID == credentialID }):
		return k.unconfirmed(object, "it is still in the credential list of its service account")
	}
	return err
}

func (k *K0rdent) unconfirmed(object, reason string) *UnconfirmedNotFoundError {
	return &UnconfirmedNotFoundError{Platform: k.platform, Object: object, Reason: reason}
}

func serviceAccountObject(id string) string { return fmt.Sprintf("service account %q", id) }

// ListServiceAccounts returns every service account of the region, following pageToken to the
// last page.
func (k *K0rdent) ListServiceAccounts(ctx context.Context) ([]ServiceAccount, error) {
	return k.ListServiceAccountsMatching(ctx, ServiceAccountFilter{})
}

// ServiceAccountFilter narrows a list of service accounts; an empty field keeps every value.
type ServiceAccountFilter struct {
	Scope   string // "organization" or "project"
	ScopeID string
	Status  string // "active" or "disabled"
}

// query is the filter as the list's documented query parameters.
func (f ServiceAccountFilter) query() url.Values {
	return filterQuery("scope", f.Scope, "scopeId", f.ScopeID, "status", f.Status)
}

// keeps reports whether sa passes the filter. Status compares without regard to case, since the
// API documents its values in lower case but a server may not send them so.
func (f ServiceAccountFilter) keeps(sa ServiceAccount) bool {
	return (f.Scope == "" || sa.Scope == f.Scope) &&
		(f.ScopeID == "" || sa.ScopeID == f.ScopeID) &&
		(f.Status == "" || strings.EqualFold(sa.Status, f.Status))
}

// ListServiceAccountsMatching returns the service accounts of the region that pass the filter,
// following pageToken to the last page. The filter goes to the API as the query parameters it
// documents, and is applied again to what comes back, so that a server that ignores them still
// gives the right accounts.
func (k *K0rdent) ListServiceAccountsMatching(ctx context.Context, f ServiceAccountFilter) ([]ServiceAccount, error) {
	var all []ServiceAccount
	seen := map[string]bool{}
	err := k.walkPages(ctx, k.serviceAccountsPath(), f.query(), func(p *k0rdentPage) bool {
		return appendNew(&all, seen, p.ServiceAccounts, func(a ServiceAccount) string { return a.ID })
	}, nil)
	return slices.DeleteFunc(all, func(sa ServiceAccount) bool { return !f.keeps(sa) }), err
}

// filterQuery returns the query parameters of a filter from key, value pairs, leaving out the
// empty values.
func filterQuery(pairs ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q.Set(pairs[i], pairs[i+1])
		}
	}
	return q
}

// CreateCredential creates a credential; its answer is the only place the client secret ever
// appears.
//
// So a credential whose create answer was lost is of no use to anyone: it exists, but nobody holds
// its secret. The credentials are listed before the create; after a lost answer they are listed
// again. When none appeared meanwhile, the create provably did not happen and is sent again (at
// most maxLostAnswers times in all). A credential that appeared may be this create's, or one that
// another workspace created for the same account at the same moment: nothing tells them apart,
// and deleting it on a guess could cut off whoever holds its secret, so the error names it.
//
// Creates for the same service account run side by side, so that a hundred credentials of one
// account cost the time of a few. The lookup after a lost answer waits until the creates in
// flight have their answers, and runs alone: the credentials those creates got answers for are
// then known and not taken for the lost one.
//
// The service account is read first, for the clientId the credential authenticates with (the
// answer has none), so that nothing is created for an account without one. The platform allows
// K0rdentMaxActiveCredentials active credentials per service account and does not document the
// status it refuses one more with: after any refusal that could be it, the active credentials
// are counted, and at the limit the error is a *CredentialLimitError.
func (k *K0rdent) CreateCredential(ctx context.Context, serviceAccountID string, req CredentialRequest) (*ServiceAccountCredential, error) {
	k.credentialsWritten(serviceAccountID)
	clientID, err := k.ServiceAccountClientID(ctx, serviceAccountID)
	if err != nil {
		return nil, err
	}
	c, err := k.createCredential(ctx, serviceAccountID, req)
	if err != nil {
		return nil, err
	}
	c.ClientID = cmp.Or(c.ClientID, clientID)
	c.fillStatus(time.Now())
	return c, nil
}

// createCredential sends the create and resolves a lost answer, as CreateCredential describes.
func (k *K0rdent) createCredential(ctx context.Context, serviceAccountID string, req CredentialRequest) (*ServiceAccountCredential, error) {
	creates := k.credentialCreates.of(serviceAccountID)
	creates.RLock()
	before, err := k.ListCredentials(ctx, serviceAccountID)
	if err != nil {
		creates.RUnlock()
		return nil, err
	}
	alone := false
	defer func() {
		if alone {
			creates.Unlock()
		} else {
			creates.RUnlock()
		}
	}()
	return createRecovering(ctx, createRecovery[*ServiceAccountCredential]{
		send: func(ctx context.Context) (*ServiceAccountCredential, error) {
			return k.postCredential(ctx, serviceAccountID, req)
		},
		look: func(ctx context.Context, cause *AmbiguousError) (*ServiceAccountCredential, bool, error) {
			if !alone {
				creates.RUnlock()
				creates.Lock()
				alone = true
			}
			return nil, false, k.findLostCredentials(ctx, serviceAccountID, before, cause)
		},
		absent: fmt.Sprintf("service account %q has no new credential", serviceAccountID),
	})
}

// postCredential sends one create, and records the id of the credential it answers with. A
// refusal is explained by explainRefusal.
func (k *K0rdent) postCredential(ctx context.Context, serviceAccountID string, req CredentialRequest) (*ServiceAccountCredential, error) {
	var c ServiceAccountCredential
	if _, err := k.do(ctx, request{method: http.MethodPost, path: k.credentialsPath(serviceAccountID), body: req, createsObject: true}, &c); err != nil {
		return nil, k.explainRefusal(ctx, serviceAccountID, err)
	}
	k.issued.add(serviceAccountID + "/" + c.ID)
	return &c, nil
}

// ServiceAccountClientID returns the clientId of a service account: the OAuth client id that
// every credential of the account authenticates with, read once per service account and cached.
func (k *K0rdent) ServiceAccountClientID(ctx context.Context, serviceAccountID string) (string, error) {
	if clientID, ok := k.clientIDs.Load(serviceAccountID); ok {
		return clientID.(string), nil
	}
	sa, err := k.GetServiceAccount(ctx, serviceAccountID)
	if err != nil {
		return "", err
	}
	if sa.ClientID == "" {
		return "", fmt.Errorf("%s API: service account %q has no clientId, which its credentials authenticate with", k.platform, serviceAccountID)
	}
	k.rememberClientID(sa)
	return sa.ClientID, nil
}

// rememberClientID caches the client id of an account just created or read.
func (k *K0rdent) rememberClientID(sa *ServiceAccount) {
	if sa != nil && sa.ClientID != "" {
		k.clientIDs.Store(sa.ID, sa.ClientID)
	}
}

// CredentialLimitError is a credential create the platform refused while the service account
// already had K0rdentMaxActiveCredentials active credentials (or more): the refusal is taken
// for the limit, whatever its status.
type CredentialLimitError struct {
	ServiceAccountID string
	// Active are the account's active credentials after the refusal, without secrets.
	Active []ServiceAccountCredential
	// Refusal is the platform's answer to the create.
	Refusal *APIError
}

func (e *CredentialLimitError) Error() string {
	ids := make([]string, len(e.Active))
	for i, c := range e.Active {
		ids[i] = c.ID
		if c.ExpiresAt != "" {
			ids[i] += " (expires " + c.ExpiresAt + ")"
		}
	}
	return fmt.Sprintf("%v. Service account %q already has %d active credentials (%s), and %s allows at most %d: delete one "+
		"that is no longer used, or wait until one expires, then create it again. A rotation that creates the new credential "+
		"before it revokes the old one needs a free place",
		e.Refusal, e.ServiceAccountID, len(e.Active), strings.Join(ids, ", "), e.Refusal.Platform, K0rdentMaxActiveCredentials)
}

func (e *CredentialLimitError) Unwrap() error { return e.Refusal }

// explainRefusal returns a *CredentialLimitError for a refused create when the account has the
// most active credentials allowed, and err as it is otherwise, also when they cannot be counted.
// 401 and 404 are not counted: they say who is asking, or that there is no account.
func (k *K0rdent) explainRefusal(ctx context.Context, serviceAccountID string, err error) error {
	var refusal *APIError
	if !errors.As(err, &refusal) || refusal.Status < 400 || refusal.Status > 499 ||
		refusal.Status == http.StatusUnauthorized || refusal.Status == http.StatusNotFound {
		return err
	}
	active, listErr := k.ActiveCredentials(ctx, serviceAccountID)
	if listErr != nil || len(active) < K0rdentMaxActiveCredentials {
		return err
	}
	return &CredentialLimitError{ServiceAccountID: serviceAccountID, Active: active, Refusal: refusal}
}

// ActiveCredentials returns the credentials of a service account that can still authenticate.
func (k *K0rdent) ActiveCredentials(ctx context.Context, serviceAccountID string) ([]ServiceAccountCredential, error) {
	all, err := k.ListCredentials(ctx, serviceAccountID)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	return slices.DeleteFunc(all, func(c ServiceAccountCredential) bool { return !c.Active(now) }), nil
}

// fillStatus sets a status the answer lacks from the expiry, as of now.
func (c *ServiceAccountCredential) fillStatus(now time.Time) {
	if c.Status != "" {
		return
	}
	c.Status = K0rdentCredentialExpired
	if c.Active(now) {
		c.Status = K0rdentCredentialActive
	}
}

// Active reports whether the credential can still authenticate at now. The API's status says
// so (active or expired); a credential without a known status is judged by its expiry.
func (c *ServiceAccountCredential) Active(now time.Time) bool {
	switch c.Status {
	case K0rdentCredentialActive:
		return true
	case K0rdentCredentialExpired:
		return false
	}
	if c.ExpiresAt == "" {
		return true
	}
	expiry, err := time.Parse(time.RFC3339, c.ExpiresAt)
	return err != nil || expiry.After(now)
}

// findLostCredentials returns nil when the account has no credential that is neither in before
// nor issued to a create of this client, and otherwise an error naming them: made by a create
// whose answer was lost, this one's or another's, their secret is known to no one here.
func (k *K0rdent) findLostCredentials(ctx context.Context, serviceAccountID string, before []ServiceAccountCredential, cause *AmbiguousError) error {
	after, err := k.ListCredentials(ctx, serviceAccountID)
	if err != nil {
		return lookFailed(cause, err)
	}
	unclaimed := slices.DeleteFunc(newCredentialIDs(before, after), func(id string) bool { return k.issued.has(serviceAccountID + "/" + id) })
	if len(unclaimed) == 0 {
		return nil
	}
	return fmt.Errorf("%w: service account %q has new credentials %v that this create may have made, or another one at the same moment, "+
		"and nothing tells which. A client secret is only in the answer to its create, so they were left alone, so as not to cut off "+
		"whoever holds it. Delete the ones no one uses (DELETE %s/<id>), then apply again",
		cause, serviceAccountID, unclaimed, k.credentialsPath(serviceAccountID))
}

// newCredentialIDs returns the ids in after that are not in before.
func newCredentialIDs(before, after []ServiceAccountCredential) []string {
	known := make(map[string]bool, len(before))
	for _, c := range before {
		known[c.ID] = true
	}
	var ids []string
	for _, c := range after {
		if !known[c.ID] {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// GetCredential reads one credential, without its secret, with its service account's clientId:
// from the list of the account's credentials when reads are batched and a fresh list holds it,
// and otherwise with its GET. A 404 is an ErrNotFound APIError only when confirmed (see
// confirmCredentialGone), and an *UnconfirmedNotFoundError otherwise.
func (k *K0rdent) GetCredential(ctx context.Context, serviceAccountID, credentialID string) (*ServiceAccountCredential, error) {
	c, err := k.credentials.of(serviceAccountID).get(ctx, credentialID, func(ctx context.Context) (*ServiceAccountCredential, error) {
		var c ServiceAccountCredential
		if _, err := k.do(ctx, request{method: http.MethodGet, path: k.credentialPath(serviceAccountID, credentialID)}, &c); err != nil {
			return nil, k.confirmCredentialGone(ctx, serviceAccountID, credentialID, err)
		}
		return &c, nil
	})
	if err != nil {
		return nil, err
	}
	if c.ClientID == "" {
		clientID, err := k.ServiceAccountClientID(ctx, serviceAccountID)
		if err != nil {
			return nil, err
		}
		c.ClientID = clientID
	}
	c.fillStatus(time.Now())
	return c, nil
}

// DeleteCredential revokes a credential. One already gone, or whose service account is gone,
// is an ErrNotFound APIError, once confirmed as GetCredential does.
func (k *K0rdent) DeleteCredential(ctx context.Context, serviceAccountID, credentialID string) error {
	k.credentialsWritten(serviceAccountID)
	_, err := k.do(ctx, request{method: http.MethodDelete, path: k.credentialPath(serviceAccountID, credentialID)}, nil)
	return k.confirmCredentialGone(ctx, serviceAccountID, credentialID, err)
}

// ListCredentials returns every credential of a service account, without secrets.
func (k *K0rdent) ListCredentials(ctx context.Context, serviceAccountID string) ([]ServiceAccountCredential, error) {
	return k.ListCredentialsMatching(ctx, serviceAccountID, CredentialFilter{})
}

// CredentialFilter narrows a list of credentials; an empty Status keeps every credential.
type CredentialFilter struct {
	Status string // K0rdentCredentialActive or K0rdentCredentialExpired
}

// ListCredentialsMatching returns the credentials of a service account that pass the filter,
// without secrets, each with a status (from its expiry when the answer has none). The status
// goes to the API as its documented query parameter, and is applied again to what comes back,
// so that a server that ignores it still gives the right credentials. The list carries no
// clientId: it is the service account's.
func (k *K0rdent) ListCredentialsMatching(ctx context.Context, serviceAccountID string, f CredentialFilter) ([]ServiceAccountCredential, error) {
	var all []ServiceAccountCredential
	seen := map[string]bool{}
	err := k.walkPages(ctx, k.credentialsPath(serviceAccountID), filterQuery("status", f.Status), func(p *k0rdentPage) bool {
		return appendNew(&all, seen, p.Credentials, func(c ServiceAccountCredential) string { return c.ID })
	}, nil)
	now := time.Now()
	for i := range all {
		all[i].fillStatus(now)
	}
	return slices.DeleteFunc(all, func(c ServiceAccountCredential) bool {
		return f.Status != "" && !strings.EqualFold(c.Status, f.Status)
	}), err
}

// k0rdentPage is one page of a k0rdent collection; only the field of the listed kind is set.
type k0rdentPage struct {
	ServiceAccounts []ServiceAccount           `json:"serviceAccounts"`
	Credentials     []ServiceAccountCredential `json:"credentials"`
	NextPageToken   string                     `json:"nextPageToken"`
}

// walkPages reads a collection page by page, asking every page with the filter's query
// parameters, until the API sends no nextPageToken, or until done (when not nil) reports that
// the caller has what it looked for. A page with nothing new (each
// reports whether it added anything) is legal and followed; the walk stops with an error when
// the API sends a token twice, or after k0rdentMaxBarrenPages pages in a row with nothing new,
// rather than loop for ever.
func (k *K0rdent) walkPages(ctx context.Context, collection string, filter url.Values,
	each func(*k0rdentPage) (addedNew bool), done func() bool,
) error {
	seen := map[string]bool{}
	token, barren := "", 0
	for {
		q := maps.Clone(filter)
		if q == nil {
			q = url.Values{}
		}
		q.Set("pageSize", strconv.Itoa(k0rdentPageSize))
		if token != "" {
			q.Set("pageToken", token)
		}
		var p k0rdentPage
		if _, err := k.do(ctx, request{method: http.MethodGet, path: collection, query: q}, &p); err != nil {
			return err
		}
		if each(&p) {
			barren = 0
		} else {
			barren++
		}
		switch {
		case p.NextPageToken == "" || (done != nil && done()):
			return nil
		case seen[p.NextPageToken]:
			return fmt.Errorf("%s API: pagination of %s returned page token %q twice", k.platform, collection, p.NextPageToken)
		case barren >= k0rdentMaxBarrenPages:
			return fmt.Errorf("%s API: pagination of %s returned %d pages in a row with nothing new; stopping", k.platform, collection, barren)
		}
		token = p.NextPageToken
		seen[token] = true
	}
}

// keyedRWMutex hands out one read-write lock per key; the zero value is ready to use. Locks are
// never freed: there is one per service account a provider run creates credentials for.
type keyedRWMutex struct {
	mu    sync.Mutex
	locks map[string]*sync.RWMutex
}

// of returns the key's lock.
func (k *keyedRWMutex) of(key string) *sync.RWMutex {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.locks == nil {
		k.locks = map[string]*sync.RWMutex{}
	}
	l, ok := k.locks[key]
	if !ok {
		l = &sync.RWMutex{}
		k.locks[key] = l
	}
	return l
}

// idSet is a set of ids safe for concurrent use; the zero value is ready to use.
type idSet struct {
	mu  sync.Mutex
	ids map[string]bool
}

func (s *idSet) add(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids == nil {
		s.ids = map[string]bool{}
	}
	s.ids[id] = true
}

func (s *idSet) has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ids[id]
}
