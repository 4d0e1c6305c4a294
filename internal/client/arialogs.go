package client

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// VMware Aria Operations for Logs, through its Log Management API. Calls carry a JWT in the
// X-JWT-Token header. The JWT comes from VCF Operations, which may live on another host: a
// username and password acquire a VCF Operations token, which is exchanged for a JWT of the
// "ops-li" service. Operations for Logs 8.x appliances instead take a session id as a bearer
// token, from a login with username and password (the legacy_session method).

// Authentication methods of AriaLogsConfig.AuthMethod.
const (
	AriaAuthVCFOperations = "vcf_operations"
	AriaAuthLegacySession = "legacy_session"
)

// AriaLogsConfig is what the provider's aria_logs block configures.
type AriaLogsConfig struct {
	Endpoint   string
	AuthMethod string // AriaAuthVCFOperations when empty
	// OperationsEndpoint is the base URL of VCF Operations, where /suite-api lives. When empty,
	// the scheme and host of Endpoint: the same appliance.
	OperationsEndpoint string
	Username           string
	Password           string
	AuthSource         string // VCF Operations auth source of the user; none when empty
	AuthProvider       string // legacy login provider, "Local" when empty
	// Token is a credential to start with instead of getting one: a JWT, or with the legacy
	// method a session id. When it is rejected and Username and Password are set, the client
	// gets a new credential itself.
	Token string
	// CallOptions apply to the Log Management API; VCF Operations gets a pacer of its own at
	// the same rate, since it is another server.
	CallOptions
}

// AriaLogsBatchReads is the default of CallOptions.BatchReads for Aria Operations for Logs: on.
// The API has no read of one secret, so every read already walks the whole list; batched, the
// reads of a refresh share one walk instead of walking it once each.
const AriaLogsBatchReads = true

// AriaLogs is the Aria Operations for Logs client. It gets its credential (a JWT, or a legacy
// session) lazily, caches it for the life of the provider process, and gets a new one once when a
// call answers 401, or 403: seed 001 documents 403 for "Authorization required", which is what
// an expired credential may get. A second refusal is final: a 403 then means the user lacks
// permission.
type AriaLogs struct {
	api
	cfg AriaLogsConfig
	ops api // VCF Operations, which issues the JWTs

	mu         sync.Mutex
	credential string

	agentSecrets *snapshot[string, AgentSecret] // serves GetAgentSecret (see snapshot.go)
}

// NewAriaLogs returns an Aria Operations for Logs client on the shared transport.
func NewAriaLogs(t *Transport, cfg AriaLogsConfig) (*AriaLogs, error) {
	a, err := newAPI(t, PlatformAriaLogs, cfg.Endpoint, cfg.CallOptions)
	if err != nil {
		return nil, err
	}
	if cfg.AuthMethod == "" {
		cfg.AuthMethod = AriaAuthVCFOperations
	}
	if cfg.AuthMethod != AriaAuthVCFOperations && cfg.AuthMethod != AriaAuthLegacySession {
		return nil, fmt.Errorf("%s: unknown authentication method %q", PlatformAriaLogs, cfg.AuthMethod)
	}
	if cfg.AuthProvider == "" {
		cfg.AuthProvider = "Local"
	}
	if cfg.OperationsEndpoint == "" {
		cfg.OperationsEndpoint = a.baseURL.Scheme + "://" + a.baseURL.Host
	}
	ops, err := newAPI(t, PlatformVCFOperations, cfg.OperationsEndpoint, CallOptions{MaxRequestsPerSecond: cfg.MaxRequestsPerSecond})
	if err != nil {
		return nil, err
	}
	c := &AriaLogs{api: a, cfg: cfg, ops: ops, credential: cfg.Token}
	c.authorize = c.authorizeCall
	c.reauthorize = c.renewCredential
	c.parseError = parseAriaError
	c.secrets = []string{cfg.Password, cfg.Token}
	c.ops.parseError = firstOf(parseVCFOpsError, parseAriaError)
	c.ops.secrets = c.secrets
	c.agentSecrets = batched(&c.api, "agent secrets", c.ListAgentSecrets, func(s AgentSecret) (string, bool) { return s.ID, s.ID != "" })
	return c, nil
}

// parseAriaError reads {"errorCode": "...", "errorMessage": "...", "errorDetails": {...}}.
func parseAriaError(body []byte, e *APIError) bool {
	var b struct {
		ErrorCode    string `json:"errorCode"`
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(body, &b) != nil || (b.ErrorCode == "" && b.ErrorMessage == "") {
		return false
	}
	e.Code, e.Message = b.ErrorCode, b.ErrorMessage
	return true
}

// parseVCFOpsError reads the VCF Operations suite API's {"message": "...", "apiErrorCode": n,
// "httpStatusCode": n}. A refused acquire has no body at all.
func parseVCFOpsError(body []byte, e *APIError) bool {
	var b struct {
		Message      string `json:"message"`
		APIErrorCode any    `json:"apiErrorCode"`
	}
	if json.Unmarshal(body, &b) != nil || b.Message == "" {
		return false
	}
	e.Code, e.Message = codeString(b.APIErrorCode), b.Message
	return true
}

// credentialSentKey marks, in the context of one call, where authorizeCall records the
// credential the call was sent with, so that renewCredential drops only that credential.
type credentialSentKey struct{}

// call is do for the agent secret methods. It tracks the credential each call was sent with:
// when a JWT or session expires under several calls at once, they are all answered 401, and
// without the tracking each of them would throw away the credential another had just got, and
// get one again itself.
func (c *AriaLogs) call(ctx context.Context, r request, out any) (*response, error) {
	return c.do(context.WithValue(ctx, credentialSentKey{}, new(string)), r, out)
}

// authorizeCall adds the cached credential, getting one first when there is none. Concurrent
// calls share one acquisition: they wait for it under the lock.
func (c *AriaLogs) authorizeCall(ctx context.Context, req *http.Request) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.credential == "" {
		credential, err := c.obtainCredential(ctx)
		if err != nil {
			return err
		}
		c.credential = credential
	}
	if sent, ok := ctx.Value(credentialSentKey{}).(*string); ok {
		*sent = c.credential
	}
	if c.cfg.AuthMethod == AriaAuthLegacySession {
		req.Header.Set("Authorization", "Bearer "+c.credential)
	} else {
		req.Header.Set(ariaJWTHeader, c.credential)
	}
	return nil
}

// ariaJWTHeader carries the JWT on every call of the Log Management API.
const ariaJWTHeader = "X-JWT-Token"

// obtainCredential gets a JWT from VCF Operations, or with the legacy method logs in.
func (c *AriaLogs) obtainCredential(ctx context.Context) (string, error) {
	if !c.canObtain() {
		return "", c.missingCredentials()
	}
	if c.cfg.AuthMethod == AriaAuthLegacySession {
		return c.login(ctx)
	}
	return c.acquireJWT(ctx)
}

// canObtain reports whether the client can get a credential itself rather than only use the
// configured one.
func (c *AriaLogs) canObtain() bool { return c.cfg.Username != "" && c.cfg.Password != "" }

// missingCredentials is the error of a configuration that has neither a username and password
// nor a token (the provider refuses one at plan time).
func (c *AriaLogs) missingCredentials() error {
	if c.cfg.AuthMethod == AriaAuthLegacySession {
		return errors.New(PlatformAriaLogs + " API: no session: the configuration has neither a username and password nor a session token")
	}
	return errors.New(PlatformAriaLogs + " API: no JWT: the configuration has neither a username and password of a VCF Operations user nor a JWT")
}

// renewCredential drops a credential the server refused with status (401 or 403); the call is
// sent again and gets a new one. A credential that another call has already replaced is kept:
// the call is sent again with it. A configured credential cannot be renewed without a username
// and password: its 401 becomes an error saying so, and its 403 stands, as the permission error
// it may be.
func (c *AriaLogs) renewCredential(ctx context.Context, status int) (bool, error) {
	if !c.canObtain() {
		if status == http.StatusForbidden {
			return false, nil
		}
		return false, c.rejectedToken()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if sent, ok := ctx.Value(credentialSentKey{}).(*string); ok && *sent != c.credential {
		return true, nil
	}
	c.credential = ""
	return true, nil
}

// rejectedToken is the error when the configured token was refused and cannot be renewed.
func (c *AriaLogs) rejectedToken() error {
	if c.cfg.AuthMethod == AriaAuthLegacySession {
		return &CredentialRejectedError{Platform: PlatformAriaLogs, Credential: "session token", Status: http.StatusUnauthorized,
			Renew: "Open a fresh session, or give a username and password so that the client logs in itself"}
	}
	return &CredentialRejectedError{Platform: PlatformAriaLogs, Credential: "JWT", Status: http.StatusUnauthorized,
		Renew: "Refresh it (exchange a VCF Operations token for one with serviceKeys [\"ops-li\"]), " +
			"or give a username and password of a VCF Operations user so that the client gets one itself"}
}

// CredentialRejectedError is a configured credential the platform refused, which the client
// cannot replace: it has no username and password to get another.
type CredentialRejectedError struct {
	Platform string
	// Credential names what was refused, such as "JWT".
	Credential string
	Status     int
	// Renew says how to come by a credential the platform accepts.
	Renew string
}

func (e *CredentialRejectedError) Error() string {
	return fmt.Sprintf("%s API: the configured %s was rejected (HTTP %d); it has probably expired. %s", e.Platform, e.Credential, e.Status, e.Renew)
}

// CredentialRouteNotFoundError is a 404 from a route where the client gets its credential: the
// token API of VCF Operations, or the legacy login. It says nothing about the object the call was
// for, so it deliberately does not match ErrNotFound (and wraps nothing that does): taken for the
// object's 404, a read would drop the object from state.
type CredentialRouteNotFoundError struct {
	// Err is the 404 as the platform answered it: PlatformVCFOperations for the token API,
	// PlatformAriaLogs for the legacy login.
	Err *APIError
	// Base is the base URL the route was looked for under.
	Base string
}

func (e *CredentialRouteNotFoundError) Error() string {
	if e.Err.Platform == PlatformVCFOperations {
		return fmt.Sprintf("%v. VCF Operations was expected at %s; if it lives elsewhere, its base URL has to be configured", e.Err, e.Base)
	}
	return fmt.Sprintf("%v. Nothing at %s serves the legacy login (POST %s): an appliance that takes JWTs from VCF Operations has none",
		e.Err, e.Base, ariaLoginPath)
}

// credentialRouteError turns a 404 of a credential route into a *CredentialRouteNotFoundError.
func credentialRouteError(err error, base string) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		return &CredentialRouteNotFoundError{Err: apiErr, Base: base}
	}
	return err
}

type vcfOpsAcquireRequest struct {
	Username   string `json:"username"`
	Password   string `json:"password"`
	AuthSource string `json:"authSource,omitempty"`
}

type vcfOpsExchangeRequest struct {
	ServiceKeys []string `json:"serviceKeys"`
}

// ariaServiceKey names the Log Management API in a VCF Operations token exchange.
const ariaServiceKey = "ops-li"

// acquireJWT acquires a VCF Operations token and exchanges it for a JWT of the Log Management
// API. Both calls go to VCF Operations through the shared transport, without the JWT authorizer
// and without renewal on 401: a refusal there is final.
func (c *AriaLogs) acquireJWT(ctx context.Context) (string, error) {
	var acquired struct {
		Token string `json:"token"`
	}
	acquire := request{method: http.MethodPost, path: "/suite-api/api/auth/token/acquire",
		body: vcfOpsAcquireRequest{Username: c.cfg.Username, Password: c.cfg.Password, AuthSource: c.cfg.AuthSource}}
	if _, err := c.ops.do(ctx, acquire, &acquired); err != nil {
		return "", credentialRouteError(err, c.cfg.OperationsEndpoint)
	}
	if acquired.Token == "" {
		return "", errors.New(PlatformVCFOperations + " API: the token acquire answered without a token")
	}
	exchange := c.ops
	exchange.authorize = func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "OpsToken "+acquired.Token)
		return nil
	}
	var exchanged struct {
		JWT string `json:"jwtToken"`
	}
	req := request{method: http.MethodPost, path: "/suite-api/api/auth/token/exchange",
		body: vcfOpsExchangeRequest{ServiceKeys: []string{ariaServiceKey}}}
	if _, err := exchange.do(ctx, req, &exchanged); err != nil {
		return "", credentialRouteError(err, c.cfg.OperationsEndpoint)
	}
	if exchanged.JWT == "" {
		return "", fmt.Errorf("%s API: the token exchange for service %s answered without a jwtToken", PlatformVCFOperations, ariaServiceKey)
	}
	return exchanged.JWT, nil
}

// ariaLoginPath is the legacy login of Operations for Logs 8.x.
const ariaLoginPath = "/api/v2/sessions"

type ariaLoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Provider string `json:"provider"`
}

// login opens a legacy session. It goes through the shared transport like every call, but
// without the authorizer (there is no session yet) and without re-login on 401.
func (c *AriaLogs) login(ctx context.Context) (string, error) {
	plain := c.api
	plain.authorize, plain.reauthorize = nil, nil
	var out struct {
		SessionID string `json:"sessionId"`
	}
	req := request{method: http.MethodPost, path: ariaLoginPath,
		body: ariaLoginRequest{Username: c.cfg.Username, Password: c.cfg.Password, Provider: c.cfg.AuthProvider}}
	if _, err := plain.do(ctx, req, &out); err != nil {
		return "", credentialRouteError(err, c.cfg.Endpoint)
	}
	if out.SessionID == "" {
		return "", errors.New(PlatformAriaLogs + " API: the login answered without a sessionId")
	}
	return out.SessionID, nil
}

// AgentSecret is an Aria Operations for Logs agent secret, which log ingestion agents
// authenticate with. Secret is only ever sent in the answer to the create. The API has no GET of
// one secret and no DELETE: secrets are read through the list, and a revoked secret stays listed
// with a revoked status.
type AgentSecret struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Secret string `json:"secret,omitempty"`
	Status string `json:"status"`
	// ModificationTime is when the secret last changed, as an RFC 3339 time, or "" when the
	// answer has none this client can read. The API documents it as a string without a format:
	// an RFC 3339 string is kept as sent, and a number is read as epoch milliseconds (see
	// ariaModificationTime).
	ModificationTime string `json:"modificationTime,omitempty"`
}

// UnmarshalJSON reads a secret whose modificationTime may be a string, a number or something
// else, so that an unexpected type there cannot make the whole list unreadable.
func (s *AgentSecret) UnmarshalJSON(b []byte) error {
	type plain AgentSecret
	var v struct {
		plain
		ModificationTime json.RawMessage `json:"modificationTime"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = AgentSecret(v.plain)
	s.ModificationTime = ariaModificationTime(v.ModificationTime)
	return nil
}

// epochSecondsBelow is where epoch numbers stop being read as seconds: as milliseconds,
// anything below it would be before March 1973, and as seconds anything above it after the
// year 5000.
const epochSecondsBelow = 1e11

// ariaModificationTime reads a modificationTime as RFC 3339: a string that is one as it is; a
// number as milliseconds since 1970, as Java servers commonly write an instant, or as seconds
// when it is too small to be milliseconds of this era; anything else (no value, another string,
// another type) as "". The provider keeps timestamps as RFC 3339 values, and text that is none
// would hold no instant to compare.
func ariaModificationTime(raw json.RawMessage) string {
	var text string
	if json.Unmarshal(raw, &text) == nil {
		if _, err := time.Parse(time.RFC3339, text); err == nil {
			return text
		}
		return ""
	}
	var n float64
	if json.Unmarshal(raw, &n) != nil {
		return ""
	}
	if math.Abs(n) < epochSecondsBelow {
		n *= 1000
	}
	// Whole milliseconds and the fraction apart: nanoseconds since 1970 are beyond a float's
	// exact integers.
	ms, frac := math.Modf(n)
	return time.UnixMilli(int64(ms)).Add(time.Duration(frac * float64(time.Millisecond))).UTC().Format(time.RFC3339Nano)
}

// ariaRevoked is the status of a revoked secret. The API does not document its status values;
// this one is compared without regard to case.
const ariaRevoked = "REVOKED"

// Revoked reports whether the secret's status says it was revoked: agents can no longer use it.
func (s AgentSecret) Revoked() bool { return strings.EqualFold(s.Status, ariaRevoked) }

// AgentSecretNameTakenError is a create the API refused because an agent secret holds the name:
// names are unique, and the API never overwrites the existing secret. The holder may be a revoked
// secret, whose name the platform keeps.
type AgentSecretNameTakenError struct {
	Name    string
	ID      string // the holder's id; empty when looking it up failed
	Revoked bool   // the holder is a revoked secret
	// Err is the API's refusal. It is nil when the refusal itself was lost with the connection,
	// and a lookup before and after the create showed the name held by the same secret.
	Err *APIError
}

func (e *AgentSecretNameTakenError) Error() string {
	refused := fmt.Sprintf("%s API: an agent secret named %q already exists", PlatformAriaLogs, e.Name)
	if e.Err != nil {
		refused = e.Err.Error()
	}
	holder := fmt.Sprintf("agent secret %q", e.Name)
	if e.ID != "" {
		holder += fmt.Sprintf(" (id %s)", e.ID)
	}
	if e.Revoked {
		return fmt.Sprintf("%s. The name belongs to %s, which is revoked: the platform keeps revoked secrets and their names, "+
			"so this name cannot be used again. Choose another name", refused, holder)
	}
	return fmt.Sprintf("%s. The existing %s was left unchanged", refused, holder)
}

// Unwrap returns the API's refusal, or nil (not a nil *APIError, which errors.As would match).
func (e *AgentSecretNameTakenError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}

const agentSecretsPath = "/api/v2/agent/secrets"

type agentSecretRequest struct {
	Name string `json:"name"`
}

// CreateAgentSecret creates a secret and returns it with its value, which the API shows in this
// answer only. A name already in use is an *AgentSecretNameTakenError.
//
// Names are unique, so a create whose answer was lost is resolved by name, against a lookup
// made just before the create (the API has no name filter, so the lookup reads the list). When
// no live secret held the name before and none holds it now, the create provably did not happen
// and is sent again. When the same secret held it before and after, the create can only have
// been refused. When a new secret holds it, this create may have made it, and so may another
// workspace creating the same name at the same moment: nothing tells them apart. Its value went
// with the lost answer either way, so it cannot be adopted, and revoking it on a guess could cut
// off whoever made it: the error names it, for the user to revoke or import.
func (c *AriaLogs) CreateAgentSecret(ctx context.Context, name string) (*AgentSecret, error) {
	c.agentSecrets.drop()
	before, err := c.FindAgentSecretByName(ctx, name)
	if err != nil {
		return nil, err
	}
	return createRecovering(ctx, createRecovery[*AgentSecret]{
		send: func(ctx context.Context) (*AgentSecret, error) { return c.postAgentSecret(ctx, name, before) },
		look: func(ctx context.Context, cause *AmbiguousError) (*AgentSecret, bool, error) {
			return nil, false, c.findLostAgentSecret(ctx, name, live(before), cause)
		},
		landedLate: func(err error) bool {
			var taken *AgentSecretNameTakenError
			return errors.As(err, &taken)
		},
		absent: fmt.Sprintf("no live agent secret named %q exists", name),
	})
}

// postAgentSecret sends the create. holder is the secret known to hold the name (nil when none
// was found), named in the error when the API refuses the name.
func (c *AriaLogs) postAgentSecret(ctx context.Context, name string, holder *AgentSecret) (*AgentSecret, error) {
	var s AgentSecret
	_, err := c.call(ctx, request{method: http.MethodPost, path: agentSecretsPath, body: agentSecretRequest{Name: name}, createsObject: true}, &s)
	var apiErr *APIError
	if errors.As(err, &apiErr) && (apiErr.Status == http.StatusConflict || apiErr.Status == http.StatusBadRequest) {
		if taken := c.nameTaken(ctx, name, holder, apiErr); taken != nil {
			return nil, taken
		}
	}
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// nameTaken builds the error for a create refused because a secret holds the name, with the
// holder's id, so the user can import it (or, for a revoked holder, knows to choose another
// name). The API documents no status for a duplicate name: a 409 is one, and so is a 400 while
// a secret holds the name; a 400 while none does is about something else, and nameTaken returns
// nil. The holder is looked up when no live one was known before the create: one may have come
// since.
func (c *AriaLogs) nameTaken(ctx context.Context, name string, holder *AgentSecret, refusal *APIError) error {
	if live(holder) == nil {
		if found, err := c.FindAgentSecretByName(ctx, name); err == nil && found != nil {
			holder = found
		}
	}
	switch {
	case holder != nil:
		return &AgentSecretNameTakenError{Name: name, ID: holder.ID, Revoked: holder.Revoked(), Err: refusal}
	case refusal.Status == http.StatusConflict:
		return &AgentSecretNameTakenError{Name: name, Err: refusal}
	}
	return nil
}

// live returns s when it is a secret that is not revoked, and nil otherwise.
func live(s *AgentSecret) *AgentSecret {
	if s == nil || s.Revoked() {
		return nil
	}
	return s
}

// findLostAgentSecret looks for the secret a create whose answer was lost may have made, as
// CreateAgentSecret describes. It returns nil when no live secret holds the name: the create is
// sent again. before is the live secret that held the name before the first create, if any.
func (c *AriaLogs) findLostAgentSecret(ctx context.Context, name string, before *AgentSecret, cause *AmbiguousError) error {
	found, err := c.FindAgentSecretByName(ctx, name)
	if err != nil {
		return lookFailed(cause, err)
	}
	now := live(found)
	switch {
	case now == nil:
		return nil
	case before != nil && now.ID == before.ID:
		return &AgentSecretNameTakenError{Name: name, ID: now.ID}
	case before != nil:
		return fmt.Errorf("%w. The agent secret named %q was %s before the create and is %s now, so which create made it cannot be told; "+
			"it was left alone. %s", cause, name, before.ID, now.ID, lostSecretRemedy(now.ID))
	}
	return fmt.Errorf("%w. Agent secret %q (id %s) appeared meanwhile: this create may have made it, or another one at the same moment, "+
		"and nothing tells which. Its value was only in the answer, so it was left alone. %s", cause, name, now.ID, lostSecretRemedy(now.ID))
}

// lostSecretRemedy says what to do about a secret that a create whose answer was lost may have
// made.
func lostSecretRemedy(id string) string {
	return fmt.Sprintf("If no one else uses it, revoke it outside Terraform (POST %s/<name>/revoke) and choose a new name, "+
		"since a revoked secret may keep its name; if it is in use, import it (terraform import <resource address> %s) knowing that its value is unavailable",
		agentSecretsPath, id)
}

// GetAgentSecret reads one secret, without its value, revoked or not. The API has no GET of one
// secret, so this searches the list: the one the reads share when they are batched and it holds
// the secret, and otherwise a walk of its own (getAgentSecret).
func (c *AriaLogs) GetAgentSecret(ctx context.Context, id string) (*AgentSecret, error) {
	return c.agentSecrets.get(ctx, id, func(ctx context.Context) (*AgentSecret, error) { return c.getAgentSecret(ctx, id) })
}

// getAgentSecret searches a list walked now for the secret; a secret that is not listed is an
// error matching ErrNotFound. A list that cannot be read is that error, never ErrNotFound.
func (c *AriaLogs) getAgentSecret(ctx context.Context, id string) (*AgentSecret, error) {
	all, err := c.ListAgentSecrets(ctx)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	return nil, fmt.Errorf("%s API: no agent secret has id %q: %w", PlatformAriaLogs, id, ErrNotFound)
}

// ariaPageSize is the page size the list asks for: well under Spring's default cap of 2000.
const ariaPageSize = 100

// ListAgentSecrets returns every secret, revoked ones included, without values. The list is
// paged Spring-style (page from 0, size); the envelope is not documented, so ariaSecretPage
// reads the likely ones. The walk stops at the last page, and with an error at a page that
// brings nothing new, which a server that ignores the page number would send.
func (c *AriaLogs) ListAgentSecrets(ctx context.Context) ([]AgentSecret, error) {
	var all []AgentSecret
	seen := map[string]bool{}
	for page := 0; ; page++ {
		var p ariaSecretPage
		q := url.Values{"page": {strconv.Itoa(page)}, "size": {strconv.Itoa(ariaPageSize)}}
		if _, err := c.call(ctx, request{method: http.MethodGet, path: agentSecretsPath, query: q}, &p); err != nil {
			return nil, err
		}
		if !p.decoded {
			return nil, fmt.Errorf("%s API: the answer to page %d of the agent secrets list was empty", PlatformAriaLogs, page)
		}
		if len(p.items) == 0 {
			return all, nil
		}
		if !appendNew(&all, seen, p.items, agentSecretKey) {
			return nil, fmt.Errorf("%s API: page %d of the agent secrets list repeats secrets already listed; "+
				"the server does not seem to page the list, and it cannot be read whole", PlatformAriaLogs, page)
		}
		if p.isLast(page) {
			return all, nil
		}
	}
}

// agentSecretKey tells secrets apart across pages: by id, or by name for a secret without one.
func agentSecretKey(s AgentSecret) string {
	if s.ID != "" {
		return s.ID
	}
	return "name:" + s.Name
}

// ariaSecretPage is one page of the list, in any of the envelopes it may come in: a Spring Page
// {"content": [...], "last", "number", "totalPages", ...}, Spring's newer {"content": [...],
// "page": {"number", "totalPages", ...}}, {"secrets": [...]}, {"items": [...]} or a bare array.
type ariaSecretPage struct {
	items      []AgentSecret
	decoded    bool
	last       *bool
	number     *int
	totalPages *int
}

func (p *ariaSecretPage) UnmarshalJSON(b []byte) error {
	p.decoded = true
	if trimmed := bytes.TrimSpace(b); len(trimmed) > 0 && trimmed[0] == '[' {
		return json.Unmarshal(b, &p.items)
	}
	var env struct {
		Content    *[]AgentSecret `json:"content"`
		Secrets    *[]AgentSecret `json:"secrets"`
		Items      *[]AgentSecret `json:"items"`
		Last       *bool          `json:"last"`
		Number     *int           `json:"number"`
		TotalPages *int           `json:"totalPages"`
		Page       *struct {
			Number     *int `json:"number"`
			TotalPages *int `json:"totalPages"`
		} `json:"page"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return err
	}
	list := cmp.Or(env.Content, env.Secrets, env.Items)
	if list == nil {
		return errors.New("the answer holds no list of agent secrets (no content, secrets or items)")
	}
	p.items, p.last, p.number, p.totalPages = *list, env.Last, env.Number, env.TotalPages
	if env.Page != nil {
		p.number, p.totalPages = cmp.Or(p.number, env.Page.Number), cmp.Or(p.totalPages, env.Page.TotalPages)
	}
	return nil
}

// isLast reports whether page, which held items, is the last: as the envelope says (last, or
// number and totalPages), or without such a word, when it is shorter than a full page.
func (p *ariaSecretPage) isLast(page int) bool {
	switch {
	case p.last != nil:
		return *p.last
	case p.totalPages != nil:
		number := page
		if p.number != nil {
			number = *p.number
		}
		return number+1 >= *p.totalPages
	}
	return len(p.items) < ariaPageSize
}

// FindAgentSecretByName returns the secret with exactly this name, or nil when there is none.
// Revoked secrets stay listed, and where the platform lets a revoked secret's name be used again
// a name can be listed more than once: the live secret wins, and without one the revoked secret
// listed last. The API has no name filter, so this searches the list.
func (c *AriaLogs) FindAgentSecretByName(ctx context.Context, name string) (*AgentSecret, error) {
	all, err := c.ListAgentSecrets(ctx)
	if err != nil {
		return nil, err
	}
	var revoked *AgentSecret
	for i := range all {
		switch {
		case all[i].Name != name:
		case !all[i].Revoked():
			return &all[i], nil
		default:
			revoked = &all[i]
		}
	}
	return revoked, nil
}

// RevokeAgentSecret revokes the secret with this id: agents can no longer open sessions with it
// (tokens it already gave them stay valid until they expire, as the API documents). The API
// revokes by name, and a name can pass from a revoked secret to a new one, so the secret is first
// looked up by id: one that is already revoked is left as it is, and one that is not listed is
// an error matching ErrNotFound. A revoke that fails is checked against the list, so that a
// revoke retried after a lost answer, and refused as already done, counts as done. A revoke
// answered 404 while the list still shows the secret live is an error that does not match
// ErrNotFound: taking it for "already gone" would leave a usable secret behind.
func (c *AriaLogs) RevokeAgentSecret(ctx context.Context, id string) error {
	c.agentSecrets.drop()
	s, err := c.getAgentSecret(ctx, id)
	if err != nil {
		return err
	}
	if s.Revoked() {
		return nil
	}
	err = c.revokeNamed(ctx, s.Name)
	if err == nil {
		return nil
	}
	now, lookupErr := c.getAgentSecret(ctx, id)
	switch {
	case errors.Is(lookupErr, ErrNotFound), lookupErr == nil && now.Revoked():
		return nil
	case lookupErr == nil && errors.Is(err, ErrNotFound):
		return fmt.Errorf("%s API: the revoke of agent secret %q (id %s) answered that there is no such secret, "+
			"yet the list still shows it with status %q, so it was not revoked; revoke it outside Terraform (%v)",
			PlatformAriaLogs, s.Name, id, now.Status, err)
	}
	return err
}

// revokeNamed sends the revoke of the live secret with this name. A name nobody holds is an
// ErrNotFound APIError.
func (c *AriaLogs) revokeNamed(ctx context.Context, name string) error {
	_, err := c.call(ctx, request{method: http.MethodPost, path: agentSecretsPath + "/" + url.PathEscape(name) + "/revoke"}, nil)
	return err
}
