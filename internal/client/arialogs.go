package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
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
}

// AriaLogs is the Aria Operations for Logs client. It gets its credential (a JWT, or a legacy
// session) lazily, caches it for the life of the provider process, and gets a new one once when a
// call answers 401.
type AriaLogs struct {
	api
	cfg AriaLogsConfig
	ops api // VCF Operations, which issues the JWTs

	mu         sync.Mutex
	credential string
}

// NewAriaLogs returns an Aria Operations for Logs client on the shared transport.
func NewAriaLogs(t *Transport, cfg AriaLogsConfig) (*AriaLogs, error) {
	a, err := newAPI(t, PlatformAriaLogs, cfg.Endpoint)
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
	ops, err := newAPI(t, PlatformVCFOperations, cfg.OperationsEndpoint)
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
	return c, nil
}

// parseAriaError reads {"errorCode": "...", "errorMessage": "...", "errorDetails": {...}}.
func parseAriaError(body []byte, e *APIError) bool {
	var b struct {
		ErrorCode    string `json:"errorCode"`
		ErrorMessage string `json:"errorMessage"`
		ErrorDetails any    `json:"errorDetails"`
	}
	if json.Unmarshal(body, &b) != nil || (b.ErrorCode == "" && b.ErrorMessage == "") {
		return false
	}
	e.Code, e.Message, e.Details = b.ErrorCode, b.ErrorMessage, b.ErrorDetails
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

func (c *AriaLogs) missingCredentials() error {
	if c.cfg.AuthMethod == AriaAuthLegacySession {
		return errors.New(PlatformAriaLogs + " API: no session: set username and password, or token, in the provider's aria_logs block")
	}
	return errors.New(PlatformAriaLogs + " API: no JWT: set username and password of a VCF Operations user, or token, in the provider's aria_logs block")
}

// renewCredential drops a credential the server no longer accepts; the retried call gets a new
// one. A credential that another call has already replaced is kept: the retry uses it. A
// configured credential cannot be renewed without a username and password.
func (c *AriaLogs) renewCredential(ctx context.Context) error {
	if !c.canObtain() {
		return c.rejectedToken()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if sent, ok := ctx.Value(credentialSentKey{}).(*string); ok && *sent != c.credential {
		return nil
	}
	c.credential = ""
	return nil
}

// rejectedToken is the error when the configured token was refused and cannot be renewed.
func (c *AriaLogs) rejectedToken() error {
	if c.cfg.AuthMethod == AriaAuthLegacySession {
		return errors.New(PlatformAriaLogs + " API: the configured session token was rejected (HTTP 401). " +
			"Set a fresh token, or username and password so the provider can log in itself, in the provider's aria_logs block")
	}
	return errors.New(PlatformAriaLogs + " API: the configured JWT (token) was rejected (HTTP 401); it has probably expired. " +
		"Refresh it (exchange a VCF Operations token for one with serviceKeys [\"ops-li\"]) and set it as token, " +
		"or set username and password so the provider gets one itself, in the provider's aria_logs block")
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
		return "", c.opsError(err)
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
		return "", c.opsError(err)
	}
	if exchanged.JWT == "" {
		return "", fmt.Errorf("%s API: the token exchange for service %s answered without a jwtToken", PlatformVCFOperations, ariaServiceKey)
	}
	return exchanged.JWT, nil
}

// opsError adds, to a VCF Operations route that does not exist, where the client looked for it:
// VCF Operations often lives on a host of its own.
func (c *AriaLogs) opsError(err error) error {
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%w. VCF Operations was expected at %s; if it lives elsewhere, set operations_endpoint in the provider's aria_logs block",
			err, c.cfg.OperationsEndpoint)
	}
	return err
}

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
	req := request{method: http.MethodPost, path: "/api/v2/sessions",
		body: ariaLoginRequest{Username: c.cfg.Username, Password: c.cfg.Password, Provider: c.cfg.AuthProvider}}
	if _, err := plain.do(ctx, req, &out); err != nil {
		return "", err
	}
	if out.SessionID == "" {
		return "", errors.New(PlatformAriaLogs + " API: the login answered without a sessionId")
	}
	return out.SessionID, nil
}

// AgentSecret is an Aria Operations for Logs agent secret, which log ingestion agents
// authenticate with. Secret is only ever sent in the answer to the create.
type AgentSecret struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Secret string `json:"secret,omitempty"`
	Status string `json:"status"`
}

// AgentSecretNameTakenError is a create the API refused (409) because an agent secret of that
// name exists: names are unique, and the API never overwrites the existing secret.
type AgentSecretNameTakenError struct {
	Name string
	ID   string // the existing secret's id; empty when looking it up failed
	// Err is the API's refusal. It is nil when the refusal itself was lost with the connection,
	// and a lookup before and after the create showed the name held by the same secret.
	Err *APIError
}

func (e *AgentSecretNameTakenError) Error() string {
	refused := fmt.Sprintf("%s API: an agent secret named %q already exists", PlatformAriaLogs, e.Name)
	if e.Err != nil {
		refused = e.Err.Error()
	}
	existing := fmt.Sprintf("The existing agent secret %q", e.Name)
	if e.ID != "" {
		existing += fmt.Sprintf(" (id %s)", e.ID)
	}
	return fmt.Sprintf("%s. %s was left unchanged", refused, existing)
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
// made just before the create (one list call; the API has no name filter). When the name was
// free before and nothing holds it now, the create provably did not happen and is sent again.
// When the name was free before and a secret holds it now, this create made it, but its value
// went with the lost answer and can never be read again: that secret is deleted and the create
// sent once more, so the caller gets a secret with a value and nothing is left behind. When the
// same secret held the name before and after, the create can only have been refused.
func (c *AriaLogs) CreateAgentSecret(ctx context.Context, name string) (*AgentSecret, error) {
	before, err := c.FindAgentSecretByName(ctx, name)
	if err != nil {
		return nil, err
	}
	s, err := c.postAgentSecret(ctx, name, before)
	if ambiguous, ok := asAmbiguous(err); ok {
		return c.recoverAgentSecretCreate(ctx, name, before, ambiguous)
	}
	return s, err
}

// postAgentSecret sends the create. holder is the secret known to hold the name (nil when none
// was found), named in the error when the API refuses the name.
func (c *AriaLogs) postAgentSecret(ctx context.Context, name string, holder *AgentSecret) (*AgentSecret, error) {
	var s AgentSecret
	_, err := c.call(ctx, request{method: http.MethodPost, path: agentSecretsPath, body: agentSecretRequest{Name: name}, createsObject: true}, &s)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusConflict {
		return nil, c.nameTaken(ctx, name, holder, apiErr)
	}
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// nameTaken builds the error for a refused duplicate, with the existing secret's id, so the user
// can import it. The id is looked up when no holder of the name was known before the create.
func (c *AriaLogs) nameTaken(ctx context.Context, name string, holder *AgentSecret, conflict *APIError) error {
	taken := &AgentSecretNameTakenError{Name: name, Err: conflict}
	if holder == nil {
		holder, _ = c.FindAgentSecretByName(ctx, name)
	}
	if holder != nil {
		taken.ID = holder.ID
	}
	return taken
}

// recoverAgentSecretCreate resolves a lost create answer by name, as CreateAgentSecret describes,
// sending the create at most maxLostAnswers times in all.
func (c *AriaLogs) recoverAgentSecretCreate(ctx context.Context, name string, before *AgentSecret, cause *AmbiguousError) (*AgentSecret, error) {
	for sent := 1; ; sent++ {
		now, err := c.FindAgentSecretByName(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("%w; looking for an agent secret named %q failed too: %w", cause, name, err)
		}
		switch {
		case now != nil && before != nil && now.ID == before.ID:
			return nil, &AgentSecretNameTakenError{Name: name, ID: now.ID}
		case now != nil && before != nil:
			return nil, replacedMeanwhile(cause, name, before.ID, now.ID)
		case now != nil:
			if err := c.DeleteAgentSecret(ctx, now.ID); err != nil && !errors.Is(err, ErrNotFound) {
				return nil, fmt.Errorf("%w. This create made agent secret %q (id %s), but its value was only in the lost answer, "+
					"and deleting it to create it again failed: %w. Delete it outside Terraform, then apply again", cause, name, now.ID, err)
			}
		}
		if sent == maxLostAnswers {
			return nil, lostTooOften(cause, fmt.Sprintf("agent secret named %q", name))
		}
		s, err := c.postAgentSecret(ctx, name, nil)
		again, lost := asAmbiguous(err)
		if !lost {
			return s, err
		}
		cause = again
	}
}

// replacedMeanwhile is the error when the name changed hands around a create whose answer was
// lost: whether this create made the secret that holds it now cannot be told, and deleting a
// secret in use on a guess is not an option.
func replacedMeanwhile(cause *AmbiguousError, name, beforeID, nowID string) error {
	return fmt.Errorf("%w. The agent secret named %q was %s before the create and is %s now, so which create made it cannot be told; "+
		"the create was not sent again. If the secret is new, delete it outside Terraform and apply again to create one with a value; "+
		"if it is in use, import it (terraform import <resource address> %s) knowing that its value is unavailable",
		cause, name, beforeID, nowID, nowID)
}

// GetAgentSecret reads one secret, without its value.
func (c *AriaLogs) GetAgentSecret(ctx context.Context, id string) (*AgentSecret, error) {
	var s AgentSecret
	if _, err := c.call(ctx, request{method: http.MethodGet, path: agentSecretsPath + "/" + url.PathEscape(id)}, &s); err != nil {
		return nil, err
	}
	if s.ID == "" {
		s.ID = id
	}
	return &s, nil
}

// ListAgentSecrets returns every secret, without values. The API answers with all of them at
// once: it has no pagination.
func (c *AriaLogs) ListAgentSecrets(ctx context.Context) ([]AgentSecret, error) {
	var out struct {
		Secrets []AgentSecret `json:"secrets"`
	}
	if _, err := c.call(ctx, request{method: http.MethodGet, path: agentSecretsPath}, &out); err != nil {
		return nil, err
	}
	return out.Secrets, nil
}

// FindAgentSecretByName returns the secret with exactly this name, or nil when there is none.
// The API has no name filter, so this searches the list.
func (c *AriaLogs) FindAgentSecretByName(ctx context.Context, name string) (*AgentSecret, error) {
	all, err := c.ListAgentSecrets(ctx)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].Name == name {
			return &all[i], nil
		}
	}
	return nil, nil
}

// DeleteAgentSecret revokes a secret: agents using it can no longer authenticate. A secret that
// is already gone is an ErrNotFound APIError.
func (c *AriaLogs) DeleteAgentSecret(ctx context.Context, id string) error {
	_, err := c.call(ctx, request{method: http.MethodDelete, path: agentSecretsPath + "/" + url.PathEscape(id)}, nil)
	return err
}
