package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Rackspace Cloud Monitoring agent tokens. The endpoint includes the tenant:
// https://monitoring.api.rackspacecloud.com/v1.0/<tenant>.

// MonitoringConfig is what the provider's monitoring block configures.
type MonitoringConfig struct {
	Endpoint  string
	AuthToken string
	CallOptions
}

// MonitoringBatchReads is the default of CallOptions.BatchReads for Cloud Monitoring: on. The
// list of agent tokens documents every field a read returns (id, token, label), and a listed
// token that lacks one (the documented example has no id) is read with its own GET.
const MonitoringBatchReads = true

// Monitoring is the Cloud Monitoring client.
type Monitoring struct {
	api
	tokens *snapshot[string, AgentToken] // serves GetAgentToken (see snapshot.go)
}

// AgentToken is a Cloud Monitoring agent token. Token is the secret agents authenticate with.
type AgentToken struct {
	ID    string `json:"id"`
	Token string `json:"token"`
	Label string `json:"label"`
}

// monitoringPageSize is how many tokens one list call asks for: the API's maximum (its default
// is 100, and more than 1000 is refused with invalidLimit), so a walk takes as few calls as it can.
const monitoringPageSize = 1000

// NewMonitoring returns a Cloud Monitoring client on the shared transport.
func NewMonitoring(t *Transport, cfg MonitoringConfig) (*Monitoring, error) {
	a, err := newAPI(t, PlatformMonitoring, cfg.Endpoint, cfg.CallOptions)
	if err != nil {
		return nil, err
	}
	a.authorize = func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-Auth-Token", cfg.AuthToken)
		return nil
	}
	a.parseError = parseMonitoringError
	a.overLimit, a.waitHeaders = monitoringOverLimit, monitoringWaitHeaders
	a.secrets = []string{cfg.AuthToken}
	m := &Monitoring{api: a}
	m.tokens = batched(&m.api, "agent tokens", m.ListAgentTokens, listedAgentToken)
	return m, nil
}

// listedAgentToken keys a listed token by its id, when the list gave it its id and its value:
// a token without either is read with its own GET.
func listedAgentToken(t AgentToken) (string, bool) {
	return t.ID, t.ID != "" && t.Token != ""
}

// monitoringFault is Cloud Monitoring's error body (its docs call it a fault):
// {"type": "notFoundError", "code": "404", "message": "...", "details": "...", "request_id": "..."}.
// code repeats the HTTP status, as a string in the documented example and a number elsewhere, so
// it and request_id are read whatever their JSON type.
type monitoringFault struct {
	Type      string `json:"type"`
	Code      any    `json:"code"`
	Message   string `json:"message"`
	Details   any    `json:"details"`
	RequestID any    `json:"request_id"`
}

// parseMonitoringError reads a fault body. The type is the error code users can look up; the
// numeric code stands in only when a body has no type.
func parseMonitoringError(body []byte, e *APIError) bool {
	var f monitoringFault
	if json.Unmarshal(body, &f) != nil {
		return false
	}
	details, _ := f.Details.(string)
	if f.Type == "" && f.Message == "" && details == "" {
		return false
	}
	e.Code = f.Type
	if e.Code == "" {
		e.Code = codeString(f.Code)
	}
	e.Message, e.RequestID = withDetails(f.Message, details), codeString(f.RequestID)
	return true
}

// withDetails joins a fault's text details to its message when they say more than the message:
// details that repeat the message are dropped, and details that contain it replace it.
func withDetails(message, details string) string {
	details = strings.TrimSpace(details)
	switch {
	case details == "" || strings.Contains(message, details):
		return message
	case message == "" || strings.Contains(details, message):
		return details
	case strings.HasSuffix(message, ".") || strings.HasSuffix(message, "!") || strings.HasSuffix(message, "?"):
		return message + " " + details
	}
	return message + ": " + details
}

// Over its rate limit Cloud Monitoring answers "400, Limit has been reached" with a Reply-After
// header (sic) in seconds, as its limits page says, and its faults page lists the 400 as type
// limitReached beside a 429 rateLimitReached. Rate limits are enforced by the Repose gateway, so
// the standard Retry-After is read too, first, and the body may be Repose's plain text.
var monitoringWaitHeaders = []string{"Retry-After", "Reply-After"}

// monitoringLimitMessage is the documented text of an over-limit answer, compared case-insensitively.
const monitoringLimitMessage = "limit has been reached"

// maxPeekedFault bounds what the retry check reads of a 400's body; a fault is far smaller.
const maxPeekedFault = 16 << 10

// monitoringOverLimit recognises the 400 that means "over the limit": by a wait header, or
// without one by the fault type limitReached (or rateLimitReached) or the documented message. Any
// other 400 is a validation error and stays final.
//
// A resource limit (the documented ones cover checks and alarms, not agent tokens) answers with
// the same fault; without a wait header it is retried too, and fails with the platform's message
// once the retries are spent.
func monitoringOverLimit(resp *http.Response) (string, bool) {
	if resp.StatusCode != http.StatusBadRequest {
		return "", false
	}
	for _, h := range monitoringWaitHeaders {
		if resp.Header.Get(h) != "" {
			return "over the rate limit (" + h + " header)", true
		}
	}
	body := peekBody(resp, maxPeekedFault)
	var f monitoringFault
	if json.Unmarshal(body, &f) == nil && (strings.EqualFold(f.Type, "limitReached") || strings.EqualFold(f.Type, "rateLimitReached")) {
		return "over the rate limit (fault type " + f.Type + ")", true
	}
	if strings.Contains(strings.ToLower(string(body)), monitoringLimitMessage) {
		return `over the rate limit ("Limit has been reached")`, true
	}
	return "", false
}

type agentTokenRequest struct {
	Label string `json:"label"`
}

// CreateAgentToken creates a token labelled label and reads it back: the create answers with
// the new id only, and the token value comes from a GET.
//
// The create has no client-chosen id, and labels need not be distinct (the default is ""), so a
// token found after a lost answer under the configured label proves nothing: it may be someone
// else's. The create therefore carries a label that no other create carries (createMarker), and
// the configured label is set once the id is known. After a lost answer the marked token is
// looked for: none means the create did not happen and it is sent again; one is this create's and
// is adopted; several were all made by this create's sends (an earlier one landed late), and all
// but one are deleted. When the label cannot be set or the token read back, the token is
// returned with the error, so that the caller can keep track of it.
func (m *Monitoring) CreateAgentToken(ctx context.Context, label string) (*AgentToken, error) {
	m.tokens.drop()
	marker := createMarker()
	id, err := createRecovering(ctx, createRecovery[string]{
		send: func(ctx context.Context) (string, error) { return m.postAgentToken(ctx, marker) },
		look: func(ctx context.Context, cause *AmbiguousError) (string, bool, error) {
			return m.findMarkedToken(ctx, marker, cause)
		},
		absent: fmt.Sprintf("no agent token labelled %q (the label this create carried) exists", marker),
	})
	if err != nil {
		return nil, err
	}
	if err := m.UpdateAgentTokenLabel(ctx, id, label); err != nil {
		return &AgentToken{ID: id, Label: marker}, fmt.Errorf("agent token %s was created labelled %q, and setting its label to %q failed: %w", id, marker, label, err)
	}
	token, err := m.getAgentToken(ctx, id)
	if err != nil {
		return &AgentToken{ID: id, Label: label}, fmt.Errorf("agent token %s was created, and reading it back failed: %w", id, err)
	}
	return token, nil
}

// createMarker returns the label a token carries until its create has its answer: the same for
// every send of one create, and unlike that of any other.
func createMarker() string {
	return "agentfleet-create-" + createNonce(12)
}

func (m *Monitoring) postAgentToken(ctx context.Context, label string) (string, error) {
	resp, err := m.do(ctx, request{method: http.MethodPost, path: "/agent_tokens", body: agentTokenRequest{Label: label}, createsObject: true}, nil)
	if err != nil {
		return "", err
	}
	if id := resp.header.Get("X-Object-ID"); id != "" {
		return id, nil
	}
	if loc := resp.header.Get("Location"); loc != "" {
		return path.Base(loc), nil
	}
	return "", fmt.Errorf("%s API: the create answered %d without an X-Object-ID or Location header", m.platform, resp.status)
}

// findMarkedToken looks for the tokens labelled marker after a lost answer, as CreateAgentToken
// describes. A token listed without an id is never adopted: the caller would get an empty id.
func (m *Monitoring) findMarkedToken(ctx context.Context, marker string, cause *AmbiguousError) (string, bool, error) {
	ids, err := m.agentTokensLabelled(ctx, marker)
	switch {
	case err != nil:
		return "", false, lookFailed(cause, err)
	case len(ids) == 0:
		return "", false, nil
	case slices.Contains(ids, ""):
		return "", false, fmt.Errorf("%w: %s, but the list gives items no \"id\" field, so it cannot be adopted and nothing can be read "+
			"without its id; find the id of the token on the platform, then import it or delete it", cause, labelledListed(len(ids), marker))
	}
	for _, extra := range ids[1:] {
		if err := m.DeleteAgentToken(ctx, extra); err != nil && !errors.Is(err, ErrNotFound) {
			return "", false, fmt.Errorf("%w: this create made agent tokens %v, and deleting the extra token %s failed: %w; delete it, then apply again",
				cause, ids, extra, err)
		}
	}
	return ids[0], true, nil
}

// labelledListed says how many tokens the list shows with label.
func labelledListed(n int, label string) string {
	if n == 1 {
		return fmt.Sprintf("an agent token labelled %q is listed", label)
	}
	return fmt.Sprintf("%d agent tokens labelled %q are listed", n, label)
}

// agentTokensLabelled returns the ids of the tokens that carry exactly this label, "" for each
// one listed without an id. Tokens with other labels need no id here, so the list is not
// refused for want of theirs.
func (m *Monitoring) agentTokensLabelled(ctx context.Context, label string) ([]string, error) {
	all, err := m.listAgentTokens(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, t := range all {
		if t.Label == label {
			ids = append(ids, t.ID)
		}
	}
	return ids, nil
}

// GetAgentToken reads one token, including its value: from the list of tokens when reads are
// batched and a fresh list holds it, and otherwise with its own GET.
func (m *Monitoring) GetAgentToken(ctx context.Context, id string) (*AgentToken, error) {
	return m.tokens.get(ctx, id, func(ctx context.Context) (*AgentToken, error) { return m.getAgentToken(ctx, id) })
}

// getAgentToken is the GET of one token.
func (m *Monitoring) getAgentToken(ctx context.Context, id string) (*AgentToken, error) {
	var t AgentToken
	if _, err := m.do(ctx, request{method: http.MethodGet, path: "/agent_tokens/" + url.PathEscape(id)}, &t); err != nil {
		return nil, err
	}
	if t.ID == "" {
		t.ID = id
	}
	return &t, nil
}

// UpdateAgentTokenLabel changes a token's label; the token value stays.
func (m *Monitoring) UpdateAgentTokenLabel(ctx context.Context, id, label string) error {
	m.tokens.drop()
	_, err := m.do(ctx, request{method: http.MethodPut, path: "/agent_tokens/" + url.PathEscape(id), body: agentTokenRequest{Label: label}}, nil)
	return err
}

// DeleteAgentToken deletes a token. A token that is already gone is an ErrNotFound APIError.
func (m *Monitoring) DeleteAgentToken(ctx context.Context, id string) error {
	m.tokens.drop()
	_, err := m.do(ctx, request{method: http.MethodDelete, path: "/agent_tokens/" + url.PathEscape(id)}, nil)
	return err
}

// monitoringPage is one page of a Cloud Monitoring paginated collection. The marker of the next
// page is the id of its first item; on the last page next_marker and next_href are empty.
type monitoringPage[T any] struct {
	Values   []T `json:"values"`
	Metadata struct {
		NextMarker *string `json:"next_marker"`
		NextHref   *string `json:"next_href"`
	} `json:"metadata"`
}

// nextMarker returns the marker of the next page, "" on the last. It comes from next_marker, or
// when a page names the next one only by next_href (the link the docs tell clients to follow),
// from that link's marker parameter. A link without one cannot be followed by marker, and
// stopping there would drop the rest of the collection without a word, so it is an error.
func (p monitoringPage[T]) nextMarker() (string, error) {
	if m := p.Metadata.NextMarker; m != nil && *m != "" {
		return *m, nil
	}
	h := p.Metadata.NextHref
	if h == nil || *h == "" {
		return "", nil
	}
	if u, err := url.Parse(*h); err == nil && u.Query().Get("marker") != "" {
		return u.Query().Get("marker"), nil
	}
	return "", fmt.Errorf("%s API: pagination names the next page %q without a marker; stopping", PlatformMonitoring, *h)
}

// ListAgentTokens returns every token, following next_marker (see nextMarker) to the last page.
// Every token has its id: a list whose items lack one is an error (see withoutIDs).
func (m *Monitoring) ListAgentTokens(ctx context.Context) ([]AgentToken, error) {
	all, err := m.listAgentTokens(ctx)
	if err != nil {
		return nil, err
	}
	if err := withoutIDs(all); err != nil {
		return nil, err
	}
	return all, nil
}

// withoutIDs is the error for listed tokens that have no id, and nil when every one has. The
// seed's list example shows items with only token and label, and nothing in them gives the id
// away: the documented ids ("d9208af....hybrid:000000") and token values
// ("4c5e28f0-0b3f-11e1-860d-c55c4705a286:1234") differ in form, so the value is not taken for the
// id (fog's mock makes them equal; taking it would also copy the secret into the id, which is not
// secret), and labels need not be unique. Pagination markers name the id of only the first item
// of each later page. Such tokens are named by label instead of listed with an empty id.
func withoutIDs(tokens []AgentToken) error {
	const shown = 10
	var labels []string
	missing := 0
	for _, t := range tokens {
		if t.ID != "" {
			continue
		}
		if missing++; missing <= shown {
			labels = append(labels, strconv.Quote(t.Label))
		}
	}
	if missing == 0 {
		return nil
	}
	named := strings.Join(labels, ", ")
	if missing > shown {
		named += fmt.Sprintf(" and %d more", missing-shown)
	}
	return fmt.Errorf("%s API: %d of the %d agent tokens listed have no \"id\" field (labels %s), and the id cannot be derived "+
		"from the token value or the label, so the list cannot be used; a token can still be read by its id, the X-Object-ID of its create",
		PlatformMonitoring, missing, len(tokens), named)
}

// listAgentTokens is ListAgentTokens without the check that every token has an id.
func (m *Monitoring) listAgentTokens(ctx context.Context) ([]AgentToken, error) {
	var all []AgentToken
	seen, seenTokens := map[string]bool{}, map[string]bool{}
	marker := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(monitoringPageSize)}}
		if marker != "" {
			q.Set("marker", marker)
		}
		var p monitoringPage[AgentToken]
		if _, err := m.do(ctx, request{method: http.MethodGet, path: "/agent_tokens", query: q}, &p); err != nil {
			return nil, err
		}
		// Keyed by id and value: the documented list example carries no id.
		addedNew := appendNew(&all, seenTokens, p.Values, func(t AgentToken) string { return t.ID + "\x00" + t.Token })
		next, err := p.nextMarker()
		if err != nil {
			return nil, err
		}
		if next == "" {
			return all, nil
		}
		if !addedNew {
			return nil, fmt.Errorf("%s API: pagination returned a page with nothing new; stopping", m.platform)
		}
		marker = next
		if seen[marker] {
			return nil, fmt.Errorf("%s API: pagination returned marker %q twice", m.platform, marker)
		}
		seen[marker] = true
	}
}
