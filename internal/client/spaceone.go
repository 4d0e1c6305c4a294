package client

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// SpaceONE (Cloudforet) identity v2. Every call is a POST of a JSON body to
// <endpoint><path prefix>/agent/<verb>, authenticated with a Bearer token.
//
// The path prefix is /identity by default: SpaceONE's REST front end (console-api) routes
// /<service>/<resource>/<verb> and its published OpenAPI lists /identity/agent/<verb>. The
// proto's HTTP annotations say /identity/v2/agent/<verb>, which only a gRPC gateway built from
// them serves; such a deployment sets the prefix to /identity/v2.

// DefaultSpaceONEPathPrefix is the path prefix of SpaceONE's REST front end.
const DefaultSpaceONEPathPrefix = "/identity"

// SpaceONEConfig is what the provider's spaceone block configures.
type SpaceONEConfig struct {
	Endpoint string
	Token    string
	// PathPrefix goes between the endpoint and /agent/<verb>; empty means DefaultSpaceONEPathPrefix.
	PathPrefix string
	CallOptions
}

// SpaceONEBatchReads is the default of CallOptions.BatchReads for SpaceONE: off. The service
// builds its agent list by zipping the agents with their apps, two lists that need not be in
// the same order, so a listed agent may carry another agent's state and client_id; agent/get
// reads the agent's own app. Switched on, reads take the listed values as they are.
const SpaceONEBatchReads = false

// SpaceONE is the SpaceONE identity client.
type SpaceONE struct {
	api
	agentPath string // <path prefix>/agent/, to which the verb is appended
	// agents serves GetAgent, keyed by service account (see snapshot.go).
	agents *snapshot[string, Agent]
}

// NewSpaceONE returns a SpaceONE client on the shared transport.
func NewSpaceONE(t *Transport, cfg SpaceONEConfig) (*SpaceONE, error) {
	prefix := cmp.Or(cfg.PathPrefix, DefaultSpaceONEPathPrefix)
	if err := CheckPathPrefix(prefix); err != nil {
		return nil, fmt.Errorf("%s path prefix %q %w", PlatformSpaceONE, prefix, err)
	}
	a, err := newAPI(t, PlatformSpaceONE, cfg.Endpoint, cfg.CallOptions)
	if err != nil {
		return nil, err
	}
	a.authorize = bearer(cfg.Token)
	// The REST front end (console-api) is FastAPI, which answers {"detail": ...}. The other two
	// readings stay for servers that answer otherwise: {"error": {...}}, the body first assumed,
	// and a gRPC gateway's {"code": N, "message": ...}.
	a.parseError = firstOf(parseFastAPIError, parseNestedError, parseFlatError)
	a.secrets = []string{cfg.Token}
	s := &SpaceONE{api: a, agentPath: prefix + "/agent/"}
	s.agents = batched(&s.api, "agents", func(ctx context.Context) ([]Agent, error) { return s.ListAgents(ctx, AgentFilter{}) },
		func(a Agent) (string, bool) { return a.ServiceAccountID, a.ServiceAccountID != "" && a.AgentID != "" })
	return s, nil
}

// CheckPathPrefix reports what is wrong with a path prefix, which is put as it is between an
// endpoint and the API's own path: it starts with "/" and does not end with one, has no empty
// segment, and is a path only.
func CheckPathPrefix(prefix string) error {
	switch {
	case !strings.HasPrefix(prefix, "/"):
		return errors.New(`must start with "/", as in "/identity"`)
	case strings.HasSuffix(prefix, "/"):
		return errors.New(`must not end with "/"`)
	case strings.ContainsAny(prefix, "?#"):
		return errors.New("must be a path only, without a query (?) or a fragment (#)")
	case strings.Contains(prefix, "//"):
		return errors.New(`must not have an empty segment ("//")`)
	}
	if _, err := url.PathUnescape(prefix); err != nil {
		return fmt.Errorf("is not a valid URL path: %w", err)
	}
	return nil
}

// parseFastAPIError reads the error bodies of FastAPI, SpaceONE's REST front end. SpaceONE's own
// errors are {"detail": {"code": "ERROR_...", "message": "..."}}; FastAPI itself answers a path
// it does not serve with {"detail": "Not Found"} and a body it cannot validate with
// {"detail": [{"loc": [...], "msg": "..."}, ...]}.
func parseFastAPIError(body []byte, e *APIError) bool {
	var b struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &b) != nil || len(b.Detail) == 0 {
		return false
	}
	var text string
	var invalid []fastAPIValidationError
	var coded struct {
		Code    any    `json:"code"`
		Message string `json:"message"`
	}
	switch {
	case json.Unmarshal(b.Detail, &text) == nil:
		e.Message = text
	case json.Unmarshal(b.Detail, &invalid) == nil:
		e.Message = validationMessage(invalid)
	case json.Unmarshal(b.Detail, &coded) == nil:
		e.Code, e.Message = codeString(coded.Code), coded.Message
	default:
		return false
	}
	return e.Code != "" || e.Message != ""
}

// fastAPIValidationError is one entry of FastAPI's answer to a request body it cannot validate.
type fastAPIValidationError struct {
	Loc []any  `json:"loc"`
	Msg string `json:"msg"`
}

// validationMessage renders FastAPI's validation errors as "body.field: message; ...".
func validationMessage(errs []fastAPIValidationError) string {
	parts := make([]string, 0, len(errs))
	for _, v := range errs {
		loc := make([]string, 0, len(v.Loc))
		for _, l := range v.Loc {
			loc = append(loc, fmt.Sprint(l))
		}
		parts = append(parts, strings.Join(loc, ".")+": "+v.Msg)
	}
	return strings.Join(parts, "; ")
}

// bearer authorizes requests with a fixed Bearer token.
func bearer(token string) func(context.Context, *http.Request) error {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// Agent is SpaceONE's AgentInfo. ClientSecret is returned only by create and regenerate.
type Agent struct {
	AgentID          string       `json:"agent_id"`
	Options          AgentOptions `json:"options"`
	ClientSecret     string       `json:"client_secret"`
	State            string       `json:"state"`
	IsManaged        bool         `json:"is_managed"`
	RoleType         string       `json:"role_type"`
	DomainID         string       `json:"domain_id"`
	WorkspaceID      string       `json:"workspace_id"`
	ProjectID        string       `json:"project_id"`
	ServiceAccountID string       `json:"service_account_id"`
	AppID            string       `json:"app_id"`
	RoleID           string       `json:"role_id"`
	ClientID         string       `json:"client_id"`
	CreatedAt        string       `json:"created_at"`
	ExpiredAt        string       `json:"expired_at"`
	LastAccessedAt   string       `json:"last_accessed_at"`
}

// Agent states: those of the app behind the agent. Enable and disable set ENABLED and DISABLED;
// SpaceONE itself reports an app past its expiry as EXPIRED.
const (
	AgentEnabled  = "ENABLED"
	AgentDisabled = "DISABLED"
	AgentExpired  = "EXPIRED"
)

// AgentOptions configure what the agent collects.
type AgentOptions struct {
	ClusterName            string   `json:"cluster_name"`
	KubeStateMetrics       flexBool `json:"kube_state_metrics"`
	PrometheusNodeExporter flexBool `json:"prometheus_node_exporter"`
}

// flexBool is a bool in a protobuf Struct: SpaceONE's documented requests carry "true"/"false"
// strings, its answers JSON booleans. It sends strings and reads either.
type flexBool bool

func (b flexBool) MarshalJSON() ([]byte, error) {
	return json.Marshal(strconv.FormatBool(bool(b)))
}

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch t := v.(type) {
	case bool:
		*b = flexBool(t)
	case string:
		parsed, err := strconv.ParseBool(t)
		if err != nil {
			return fmt.Errorf("option value %q is not a boolean", t)
		}
		*b = flexBool(parsed)
	case nil:
		*b = false
	default:
		return fmt.Errorf("option value %v is not a boolean", t)
	}
	return nil
}

// NewAgentOptions builds options from plain values.
func NewAgentOptions(clusterName string, kubeStateMetrics, prometheusNodeExporter bool) AgentOptions {
	return AgentOptions{ClusterName: clusterName, KubeStateMetrics: flexBool(kubeStateMetrics), PrometheusNodeExporter: flexBool(prometheusNodeExporter)}
}

// AgentCreateRequest is the body of agent/create.
type AgentCreateRequest struct {
	ServiceAccountID string       `json:"service_account_id"`
	Options          AgentOptions `json:"options"`
}

type agentRequest struct {
	ServiceAccountID string `json:"service_account_id"`
}

// agentCall posts to <path prefix>/agent/<verb>.
func (s *SpaceONE) agentCall(ctx context.Context, verb string, body any, createsObject bool, out any) error {
	r := request{method: http.MethodPost, path: s.agentPath + verb, body: body, createsObject: createsObject}
	_, err := s.do(ctx, r, out)
	return unservedPath(err, r)
}

// unservedPath turns a 404 without a SpaceONE error code into an *UnservedPathError. SpaceONE
// reports a missing agent with ERROR_NOT_FOUND (a gRPC gateway with its numeric code); a bare
// 404, such as FastAPI's {"detail": "Not Found"} for a path it does not serve, or a proxy's
// page, means nothing answers the path.
func unservedPath(err error, r request) error {
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound || apiErr.Code != "" {
		return err
	}
	return &UnservedPathError{Err: apiErr, Method: r.method, Path: r.path}
}

// UnservedPathError is a SpaceONE 404 that says nothing about the agent: nothing at the endpoint
// serves the path, which points at the path prefix. Taken for a missing agent, it would drop
// agents from state and count deletes as done, so it deliberately does not match ErrNotFound (and
// wraps nothing that does).
type UnservedPathError struct {
	Err          *APIError
	Method, Path string
}

func (e *UnservedPathError) Error() string {
	return fmt.Sprintf("%s. Nothing at this endpoint serves %s %s, so this says nothing about the agent: check the path prefix, "+
		"%s for SpaceONE's REST front end, /identity/v2 for a gRPC gateway", strings.TrimSuffix(e.Err.Error(), "."), e.Method, e.Path, DefaultSpaceONEPathPrefix)
}

// CreateAgent creates the agent of a service account and returns it with its client secret.
//
// A service account has at most one agent, so a create whose answer was lost is resolved by
// looking the agent up, against a lookup made just before the create: when none exists, the
// create provably did not happen and is sent again (at most maxLostAnswers times in all). When
// the account had an agent before, the create was refused, and the refusal may be the answer
// that was lost. When a new agent exists, this create may have made it, and so may another
// workspace creating the agent of the same account at the same moment: nothing tells them apart.
// Its secret went with the lost answer either way, and regenerating it on a guess could cut off
// whoever made it, so the error names it instead. Never a second agent.
func (s *SpaceONE) CreateAgent(ctx context.Context, req AgentCreateRequest) (*Agent, error) {
	s.agents.drop()
	before, err := s.getAgent(ctx, req.ServiceAccountID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	a, err := createRecovering(ctx, createRecovery[*Agent]{
		send: func(ctx context.Context) (*Agent, error) { return s.postAgent(ctx, req) },
		look: func(ctx context.Context, cause *AmbiguousError) (*Agent, bool, error) {
			return nil, false, s.findLostAgent(ctx, req.ServiceAccountID, before, cause)
		},
		// The lookup found no agent, yet a create sent again is refused because there is one: a
		// create whose answer was lost was committed after the lookup (or someone made one since).
		landedLate: isAgentExists,
		absent:     "service account " + req.ServiceAccountID + " has no agent",
	})
	if isAgentExists(err) {
		return nil, agentExistsError(err, req.ServiceAccountID, before)
	}
	return a, err
}

func (s *SpaceONE) postAgent(ctx context.Context, req AgentCreateRequest) (*Agent, error) {
	var a Agent
	if err := s.agentCall(ctx, "create", req, true, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// findLostAgent looks for the agent a create whose answer was lost may have made, as CreateAgent
// describes. It returns nil when the account has no agent: the create is sent again.
func (s *SpaceONE) findLostAgent(ctx context.Context, serviceAccountID string, before *Agent, cause *AmbiguousError) error {
	existing, err := s.getAgent(ctx, serviceAccountID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return lookFailed(cause, err)
	case before != nil && existing.AgentID == before.AgentID:
		return fmt.Errorf("%w: service account %s already had agent %s before this create, so the create was refused; "+
			"its secret was left alone. Import it (terraform import <resource address> %s) or delete it, then apply again",
			cause, serviceAccountID, before.AgentID, serviceAccountID)
	}
	return &UnprovenAgentError{Cause: cause, ServiceAccountID: serviceAccountID, AgentID: existing.AgentID}
}

// UnprovenAgentError is a create whose answer was lost, after which the service account has an
// agent that this create may have made, or another one at the same moment: nothing tells which,
// so it was left alone.
type UnprovenAgentError struct {
	Cause            *AmbiguousError
	ServiceAccountID string
	AgentID          string
}

func (e *UnprovenAgentError) Error() string {
	return fmt.Sprintf("%v: service account %s now has agent %s, which this create may have made, or another one at the same moment, "+
		"and nothing tells which. Its client secret was only in the answer, and it was not regenerated, so as not to cut off whoever made it. "+
		"If it is yours, import it (terraform import <resource address> %s) and regenerate its secret; otherwise leave it to its owner",
		e.Cause, e.ServiceAccountID, e.AgentID, e.ServiceAccountID)
}

func (e *UnprovenAgentError) Unwrap() error { return e.Cause }

// isAgentExists reports whether err is the refusal of a create because the service account
// already has an agent. SpaceONE's REST front end answers 400 ERROR_EXIST_RESOURCE; a 409 (gRPC's
// ALREADY_EXISTS) and a gateway's body that names the code in its message count too.
func isAgentExists(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && (apiErr.Code == "ERROR_EXIST_RESOURCE" || apiErr.Status == http.StatusConflict ||
		strings.Contains(apiErr.Message, "ERROR_EXIST_RESOURCE"))
}

// agentExistsError adds to a refused create what the user can do, naming the agent the account
// had before this create when the lookup found one.
func agentExistsError(err error, serviceAccountID string, before *Agent) error {
	agent := "an agent"
	if before != nil {
		agent = "agent " + before.AgentID
	}
	return &hintedError{err: err, hint: fmt.Sprintf("Service account %s already has %s: import it (terraform import <resource address> %s) or delete it, then apply again",
		serviceAccountID, agent, serviceAccountID)}
}

// hintedError is an error with a sentence that says what to do about it, after the API's own
// message (which may end in a full stop of its own).
type hintedError struct {
	err  error
	hint string
}

func (e *hintedError) Error() string { return strings.TrimSuffix(e.err.Error(), ".") + ". " + e.hint }

func (e *hintedError) Unwrap() error { return e.err }

// GetAgent reads the agent of a service account (without its secret): from the agent list when
// reads are batched and a fresh list holds it, and otherwise with agent/get.
func (s *SpaceONE) GetAgent(ctx context.Context, serviceAccountID string) (*Agent, error) {
	return s.agents.get(ctx, serviceAccountID, func(ctx context.Context) (*Agent, error) { return s.getAgent(ctx, serviceAccountID) })
}

// getAgent is agent/get.
func (s *SpaceONE) getAgent(ctx context.Context, serviceAccountID string) (*Agent, error) {
	return s.agentVerb(ctx, "get", serviceAccountID)
}

// EnableAgent enables the agent of a service account.
func (s *SpaceONE) EnableAgent(ctx context.Context, serviceAccountID string) (*Agent, error) {
	s.agents.drop()
	return s.agentVerb(ctx, "enable", serviceAccountID)
}

// DisableAgent disables the agent of a service account.
func (s *SpaceONE) DisableAgent(ctx context.Context, serviceAccountID string) (*Agent, error) {
	s.agents.drop()
	return s.agentVerb(ctx, "disable", serviceAccountID)
}

// RegenerateAgent replaces the agent's client secret (and expiry) and returns the new one. A
// retry after a lost answer only regenerates once more, and the last secret is the one returned.
func (s *SpaceONE) RegenerateAgent(ctx context.Context, serviceAccountID string) (*Agent, error) {
	s.agents.drop()
	return s.agentVerb(ctx, "regenerate", serviceAccountID)
}

// DeleteAgent deletes the agent of a service account.
func (s *SpaceONE) DeleteAgent(ctx context.Context, serviceAccountID string) error {
	s.agents.drop()
	return s.agentCall(ctx, "delete", agentRequest{ServiceAccountID: serviceAccountID}, false, nil)
}

func (s *SpaceONE) agentVerb(ctx context.Context, verb, serviceAccountID string) (*Agent, error) {
	var a Agent
	if err := s.agentCall(ctx, verb, agentRequest{ServiceAccountID: serviceAccountID}, false, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// AgentFilter narrows a list; empty fields match everything.
//
// State is applied by the client, not sent: the service filters by state on the agent records,
// which hold none (the state is the app's), so what the server would do with it is unknown.
// Keeping the state back and filtering the answer is right under every reading.
type AgentFilter struct {
	AgentID          string `json:"agent_id,omitempty"`
	ServiceAccountID string `json:"service_account_id,omitempty"`
	State            string `json:"-"`
}

type agentListRequest struct {
	Query agentQuery `json:"query"`
	AgentFilter
}

// matches reports whether a listed agent passes the filters the client applies itself.
func (f AgentFilter) matches(a Agent) bool {
	return f.State == "" || a.State == f.State
}

type agentQuery struct {
	Page struct {
		Start int `json:"start"`
		Limit int `json:"limit"`
	} `json:"page"`
}

// spaceonePageSize is how many agents one list call asks for; a variable so tests can page small.
var spaceonePageSize = 100

// ListAgents returns every agent that matches the filter, in the API's order.
//
// The state filter is applied to the whole list once it is read (see AgentFilter).
//
// SpaceONE's total_count is the number of results on the page, not of all matches, and a server
// may answer fewer results than the limit asked for. So a short page does not end the walk: start
// (which counts from 1) moves on by the number of results each page brought, and only an empty
// page ends it. A page that brings no agent not read before is an error, so that a server that
// ignores start cannot loop the walk or pass a partial list off as the whole.
func (s *SpaceONE) ListAgents(ctx context.Context, filter AgentFilter) ([]Agent, error) {
	var all []Agent
	seen := map[string]bool{}
	for start := 1; ; {
		req := agentListRequest{AgentFilter: filter}
		req.Query.Page.Start, req.Query.Page.Limit = start, spaceonePageSize
		var page struct {
			Results []Agent `json:"results"`
		}
		if err := s.agentCall(ctx, "list", req, false, &page); err != nil {
			return nil, err
		}
		if len(page.Results) == 0 {
			return slices.DeleteFunc(all, func(a Agent) bool { return !filter.matches(a) }), nil
		}
		if !appendNew(&all, seen, page.Results, func(a Agent) string { return a.AgentID }) {
			return nil, fmt.Errorf("%s API: the agent list page from start %d brought nothing new (%d agents read so far); stopping",
				s.platform, start, len(all))
		}
		start += len(page.Results)
	}
}
