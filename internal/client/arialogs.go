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

// VMware Aria Operations for Logs. Calls carry a session id as a Bearer token; the session comes
// from logging in with username and password, or is given as a token.

// AriaLogsConfig is what the provider's aria_logs block configures.
type AriaLogsConfig struct {
	Endpoint     string
	Username     string
	Password     string
	AuthProvider string // "Local" when empty
	SessionID    string // used instead of logging in
}

// AriaLogs is the Aria Operations for Logs client. It logs in lazily, caches the session for the
// life of the provider process, and logs in again once when a call answers 401.
type AriaLogs struct {
	api
	cfg AriaLogsConfig

	mu      sync.Mutex
	session string
}

// NewAriaLogs returns an Aria Operations for Logs client on the shared transport.
func NewAriaLogs(t *Transport, cfg AriaLogsConfig) (*AriaLogs, error) {
	a, err := newAPI(t, PlatformAriaLogs, cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if cfg.AuthProvider == "" {
		cfg.AuthProvider = "Local"
	}
	c := &AriaLogs{api: a, cfg: cfg, session: cfg.SessionID}
	c.authorize = c.authorizeSession
	c.reauthorize = c.renewSession
	c.parseError = parseAriaError
	c.secrets = []string{cfg.Password, cfg.SessionID}
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

// sessionSentKey marks, in the context of one call, where authorizeSession records the session
// the call was sent with, so that renewSession drops only that session.
type sessionSentKey struct{}

// call is do for the agent secret methods. It tracks the session each call was sent with: when a
// session expires under several calls at once, they are all answered 401, and without the
// tracking each of them would throw away the session another had just logged in for, and log
// in again itself.
func (c *AriaLogs) call(ctx context.Context, r request, out any) (*response, error) {
	return c.do(context.WithValue(ctx, sessionSentKey{}, new(string)), r, out)
}

// authorizeSession adds the cached session, logging in first when there is none. Concurrent
// calls share one login.
func (c *AriaLogs) authorizeSession(ctx context.Context, req *http.Request) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session == "" {
		session, err := c.login(ctx)
		if err != nil {
			return err
		}
		c.session = session
	}
	if sent, ok := ctx.Value(sessionSentKey{}).(*string); ok {
		*sent = c.session
	}
	req.Header.Set("Authorization", "Bearer "+c.session)
	return nil
}

// renewSession drops a session the server no longer accepts; the retried call logs in again.
// A session that another call has already replaced is kept: the retry uses it.
func (c *AriaLogs) renewSession(ctx context.Context) error {
	if c.cfg.Username == "" {
		return errors.New(PlatformAriaLogs + " API: the configured session token was rejected (HTTP 401). " +
			"Set a fresh token, or username and password so the provider can log in itself, in the provider's aria_logs block")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if sent, ok := ctx.Value(sessionSentKey{}).(*string); ok && *sent != c.session {
		return nil
	}
	c.session = ""
	return nil
}

type ariaLoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Provider string `json:"provider"`
}

// login opens a session. It goes through the shared transport like every call, but without
// the session authorizer (there is no session yet) and without re-login on 401.
func (c *AriaLogs) login(ctx context.Context) (string, error) {
	if c.cfg.Username == "" || c.cfg.Password == "" {
		return "", errors.New(PlatformAriaLogs + " API: no session: set username and password, or token, in the provider's aria_logs block")
	}
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
	Err  *APIError
}

func (e *AgentSecretNameTakenError) Error() string {
	existing := fmt.Sprintf("The existing agent secret %q", e.Name)
	if e.ID != "" {
		existing += fmt.Sprintf(" (id %s)", e.ID)
	}
	return fmt.Sprintf("%v. %s was left unchanged", e.Err, existing)
}

func (e *AgentSecretNameTakenError) Unwrap() error { return e.Err }

const agentSecretsPath = "/api/v2/agent/secrets"

type agentSecretRequest struct {
	Name string `json:"name"`
}

// CreateAgentSecret creates a secret and returns it with its value, which the API shows in this
// answer only. A name already in use is an *AgentSecretNameTakenError.
//
// Names are unique, so a create whose answer was lost is resolved by name: with no secret of
// that name, the create provably did not happen and is sent once more; with one, it is almost
// certainly ours, but its value went with the lost answer and can never be read again. The
// create is then not repeated (it could only conflict) and the error says how to recover.
func (c *AriaLogs) CreateAgentSecret(ctx context.Context, name string) (*AgentSecret, error) {
	s, err := c.postAgentSecret(ctx, name)
	var ambiguous *AmbiguousError
	if errors.As(err, &ambiguous) {
		return c.recoverAgentSecretCreate(ctx, name, ambiguous)
	}
	return s, err
}

func (c *AriaLogs) postAgentSecret(ctx context.Context, name string) (*AgentSecret, error) {
	var s AgentSecret
	_, err := c.call(ctx, request{method: http.MethodPost, path: agentSecretsPath, body: agentSecretRequest{Name: name}, createsObject: true}, &s)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusConflict {
		return nil, c.nameTaken(ctx, name, apiErr)
	}
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// nameTaken builds the error for a refused duplicate, with the existing secret's id when it can
// be found, so the user can import it.
func (c *AriaLogs) nameTaken(ctx context.Context, name string, conflict *APIError) error {
	taken := &AgentSecretNameTakenError{Name: name, Err: conflict}
	if existing, err := c.FindAgentSecretByName(ctx, name); err == nil && existing != nil {
		taken.ID = existing.ID
	}
	return taken
}

func (c *AriaLogs) recoverAgentSecretCreate(ctx context.Context, name string, cause *AmbiguousError) (*AgentSecret, error) {
	existing, err := c.FindAgentSecretByName(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("%w; looking for an agent secret named %q failed too: %w", cause, name, err)
	}
	if existing == nil {
		return c.postAgentSecret(ctx, name)
	}
	// A secret of that name may also have existed before, and the lost answer been a 409: the
	// advice covers both, so that no one deletes a secret in use on the strength of a guess.
	return nil, fmt.Errorf("%w. An agent secret named %q exists now (id %s): most likely this create made it, "+
		"but its value could not be read back, because the API shows a secret's value only in the answer to its create, "+
		"and that answer was lost. The create was not sent again. If the secret is new, delete it outside Terraform "+
		"and apply again to create one with a value; if it was already in use, import it "+
		"(terraform import <resource address> %s) knowing that its value is unavailable", cause, name, existing.ID, existing.ID)
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
