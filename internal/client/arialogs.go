package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
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
	req.Header.Set("Authorization", "Bearer "+c.session)
	return nil
}

// renewSession drops a session the server no longer accepts; the retried call logs in again.
func (c *AriaLogs) renewSession(context.Context) error {
	if c.cfg.Username == "" {
		return errors.New(PlatformAriaLogs + " API: the configured session token was rejected (HTTP 401). " +
			"Set a fresh token, or username and password so the provider can log in itself, in the provider's aria_logs block")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
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
