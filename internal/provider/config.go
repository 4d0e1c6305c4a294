package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// The five platform blocks. Each has endpoint and allow_insecure_http; the rest is the
// platform's own credentials.

type spaceoneBlock struct {
	Endpoint          types.String `tfsdk:"endpoint"`
	AllowInsecureHTTP types.Bool   `tfsdk:"allow_insecure_http"`
	Token             types.String `tfsdk:"token"`
	PathPrefix        types.String `tfsdk:"path_prefix"`
}

type ariaLogsBlock struct {
	Endpoint          types.String `tfsdk:"endpoint"`
	AllowInsecureHTTP types.Bool   `tfsdk:"allow_insecure_http"`
	Username          types.String `tfsdk:"username"`
	Password          types.String `tfsdk:"password"`
	AuthProvider      types.String `tfsdk:"auth_provider"`
	Token             types.String `tfsdk:"token"`
}

type monitoringBlock struct {
	Endpoint          types.String `tfsdk:"endpoint"`
	AllowInsecureHTTP types.Bool   `tfsdk:"allow_insecure_http"`
	AuthToken         types.String `tfsdk:"auth_token"`
}

type armoryBlock struct {
	Endpoint          types.String `tfsdk:"endpoint"`
	AllowInsecureHTTP types.Bool   `tfsdk:"allow_insecure_http"`
	Headers           types.Map    `tfsdk:"headers"`
}

type k0rdentBlock struct {
	Endpoint          types.String `tfsdk:"endpoint"`
	AllowInsecureHTTP types.Bool   `tfsdk:"allow_insecure_http"`
	Token             types.String `tfsdk:"token"`
	Region            types.String `tfsdk:"region"`
}

func platformBlocks() map[string]schema.Block {
	return map[string]schema.Block{
		"spaceone": platformBlock("SpaceONE (Cloudforet) identity v2, for `agentfleet_agent`.", "SPACEONE", map[string]schema.Attribute{
			"token": secretAttribute("API token, sent as a Bearer token.", "AGENTFLEET_SPACEONE_TOKEN"),
			"path_prefix": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Path of the identity service under `endpoint`: calls go to `<endpoint><path_prefix>/agent/<verb>`. " +
					"Default `" + client.DefaultSpaceONEPathPrefix + "`, where SpaceONE's REST front end (console-api) and its published OpenAPI serve the agent API. " +
					"Set `/identity/v2` for a deployment that serves the gRPC gateway routes of SpaceONE's proto files instead. " +
					"Must start with `/`, must not end with one, and holds no query. Environment: `AGENTFLEET_SPACEONE_PATH_PREFIX`.",
				Validators: []validator.String{pathPrefix()},
			},
		}),
		"aria_logs": platformBlock("VMware Aria Operations for Logs, for `agentfleet_agent_secret`. Log in with `username` and `password`, or give an existing session id in `token`.", "ARIA_LOGS", map[string]schema.Attribute{
			"username": schema.StringAttribute{Optional: true, MarkdownDescription: "User to log in as. Environment: `AGENTFLEET_ARIA_LOGS_USERNAME`."},
			"password": secretAttribute("Password of `username`.", "AGENTFLEET_ARIA_LOGS_PASSWORD"),
			"auth_provider": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Authentication provider for the login: `Local` (default) or `ActiveDirectory`. Environment: `AGENTFLEET_ARIA_LOGS_AUTH_PROVIDER`.",
				Validators:          []validator.String{stringvalidator.OneOf("Local", "ActiveDirectory")},
			},
			"token": secretAttribute("An existing session id, used instead of logging in.", "AGENTFLEET_ARIA_LOGS_TOKEN"),
		}),
		"monitoring": platformBlock("Rackspace Cloud Monitoring, for `agentfleet_agent_token`. The endpoint includes the tenant, as in `https://monitoring.api.rackspacecloud.com/v1.0/<tenant>`.", "MONITORING", map[string]schema.Attribute{
			"auth_token": secretAttribute("Identity token, sent as `X-Auth-Token`.", "AGENTFLEET_MONITORING_AUTH_TOKEN"),
		}),
		"armory": platformBlock("Armory Scale Agent (Clouddriver), for `agentfleet_dynamic_account`.", "ARMORY", map[string]schema.Attribute{
			"headers": schema.MapAttribute{
				ElementType:         types.StringType,
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Headers sent with every call, such as the API gateway's credentials. Environment: `AGENTFLEET_ARMORY_HEADERS`, as a JSON object.",
			},
		}),
		"k0rdent": platformBlock("k0rdent IAM, for `agentfleet_service_account` and `agentfleet_service_account_credential`.", "K0RDENT", map[string]schema.Attribute{
			"token":  secretAttribute("OAuth2/OIDC access token, sent as a Bearer token.", "AGENTFLEET_K0RDENT_TOKEN"),
			"region": schema.StringAttribute{Optional: true, MarkdownDescription: "Region of the IAM API. Default `global`. Environment: `AGENTFLEET_K0RDENT_REGION`."},
		}),
	}
}

// platformBlock builds one platform block: the shared endpoint settings plus the platform's own.
func platformBlock(description, envPrefix string, attrs map[string]schema.Attribute) schema.SingleNestedBlock {
	env := "AGENTFLEET_" + envPrefix
	attrs["endpoint"] = schema.StringAttribute{
		Optional: true,
		MarkdownDescription: "Base URL of the API. Must be absolute; plain `http://` is accepted only for loopback hosts " +
			"unless `allow_insecure_http` is set. Environment: `" + env + "_ENDPOINT`.",
		Validators: []validator.String{absoluteURL()},
	}
	attrs["allow_insecure_http"] = schema.BoolAttribute{
		Optional:            true,
		MarkdownDescription: "Allow a plain `http://` endpoint on a non-loopback host, which sends credentials in clear text. Default `false`. Environment: `" + env + "_ALLOW_INSECURE_HTTP`.",
	}
	return schema.SingleNestedBlock{MarkdownDescription: description, Attributes: attrs}
}

func secretAttribute(description, env string) schema.StringAttribute {
	return schema.StringAttribute{
		Optional:            true,
		Sensitive:           true,
		MarkdownDescription: description + " Environment: `" + env + "`.",
	}
}

// settingsReader resolves one setting at a time: the configuration wins, then the environment,
// then the default. Problems become diagnostics on the attribute's path.
type settingsReader struct {
	diags *diag.Diagnostics
}

func (s settingsReader) string(v types.String, env string) string {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString()
	}
	return os.Getenv(env)
}

func (s settingsReader) int(p path.Path, v types.Int64, env string, def int) int {
	if !v.IsNull() && !v.IsUnknown() {
		return int(v.ValueInt64())
	}
	raw := os.Getenv(env)
	if raw == "" {
		return def
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		s.diags.AddAttributeError(p, "Invalid environment variable", fmt.Sprintf("%s=%q is not a whole number of 0 or more.", env, raw))
		return def
	}
	return n
}

func (s settingsReader) bool(p path.Path, v types.Bool, env string, def bool) bool {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueBool()
	}
	raw := os.Getenv(env)
	if raw == "" {
		return def
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		s.diags.AddAttributeError(p, "Invalid environment variable", fmt.Sprintf("%s=%q is not true or false.", env, raw))
		return def
	}
	return b
}

func (s settingsReader) duration(p path.Path, v types.String, env string, def time.Duration) time.Duration {
	raw := s.string(v, env)
	if raw == "" {
		return def
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d < 0 {
		s.diags.AddAttributeError(p, "Invalid duration", fmt.Sprintf("%q is not a duration such as \"500ms\", \"30s\" or \"2m\" (from the configuration or %s).", raw, env))
		return def
	}
	return d
}

// pathPrefix resolves a path prefix. One from the configuration was checked by its validator;
// one from the environment is checked here, so both fail before any call. Empty means the default.
func (s settingsReader) pathPrefix(p path.Path, v types.String, env string) string {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString()
	}
	raw := os.Getenv(env)
	if raw == "" {
		return ""
	}
	if err := client.CheckPathPrefix(raw); err != nil {
		s.diags.AddAttributeError(p, "Invalid environment variable", fmt.Sprintf("%s=%q: the path prefix %s.", env, raw, err))
		return ""
	}
	return raw
}

// endpoint resolves and checks a platform endpoint: absolute, and https unless the host is a
// loopback address or clear text was allowed explicitly.
func (s settingsReader) endpoint(block string, v types.String, allow types.Bool, envPrefix string) string {
	p := path.Root(block).AtName("endpoint")
	raw := s.string(v, "AGENTFLEET_"+envPrefix+"_ENDPOINT")
	if raw == "" {
		return ""
	}
	allowHTTP := s.bool(path.Root(block).AtName("allow_insecure_http"), allow, "AGENTFLEET_"+envPrefix+"_ALLOW_INSECURE_HTTP", false)
	if err := checkEndpoint(raw, allowHTTP); err != nil {
		s.diags.AddAttributeError(p, "Invalid "+block+" endpoint", err.Error())
		return ""
	}
	return raw
}

func checkEndpoint(raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL; use the form https://host[:port]/path", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if allowHTTP || isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%q would send credentials in clear text. Use https, or set allow_insecure_http = true in this block if that is really intended", raw)
	}
	return fmt.Errorf("%q has scheme %q; use https (or http for a loopback host)", raw, u.Scheme)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// configureClients builds a client for each configured platform.
func configureClients(ctx context.Context, cfg providerModel, t *client.Transport, diags *diag.Diagnostics) *clients {
	s := settingsReader{diags: diags}
	c := &clients{
		spaceone: configurePlatform(s, "spaceone", "SPACEONE", orEmpty(cfg.SpaceONE), func(endpoint string, b *spaceoneBlock) (*client.SpaceONE, error) {
			token := s.required(path.Root("spaceone").AtName("token"), b.Token, "AGENTFLEET_SPACEONE_TOKEN")
			prefix := s.pathPrefix(path.Root("spaceone").AtName("path_prefix"), b.PathPrefix, "AGENTFLEET_SPACEONE_PATH_PREFIX")
			return client.NewSpaceONE(t, client.SpaceONEConfig{Endpoint: endpoint, Token: token, PathPrefix: prefix})
		}),
		ariaLogs: configurePlatform(s, "aria_logs", "ARIA_LOGS", orEmpty(cfg.AriaLogs), func(endpoint string, b *ariaLogsBlock) (*client.AriaLogs, error) {
			return client.NewAriaLogs(t, ariaLogsConfig(s, endpoint, b))
		}),
		monitoring: configurePlatform(s, "monitoring", "MONITORING", orEmpty(cfg.Monitoring), func(endpoint string, b *monitoringBlock) (*client.Monitoring, error) {
			token := s.required(path.Root("monitoring").AtName("auth_token"), b.AuthToken, "AGENTFLEET_MONITORING_AUTH_TOKEN")
			return client.NewMonitoring(t, client.MonitoringConfig{Endpoint: endpoint, AuthToken: token})
		}),
		armory: configurePlatform(s, "armory", "ARMORY", orEmpty(cfg.Armory), func(endpoint string, b *armoryBlock) (*client.Armory, error) {
			return client.NewArmory(t, client.ArmoryConfig{Endpoint: endpoint, Headers: armoryHeaders(ctx, s, b)})
		}),
		k0rdent: configurePlatform(s, "k0rdent", "K0RDENT", orEmpty(cfg.K0rdent), func(endpoint string, b *k0rdentBlock) (*client.K0rdent, error) {
			token := s.required(path.Root("k0rdent").AtName("token"), b.Token, "AGENTFLEET_K0RDENT_TOKEN")
			return client.NewK0rdent(t, client.K0rdentConfig{Endpoint: endpoint, Token: token, Region: s.string(b.Region, "AGENTFLEET_K0RDENT_REGION")})
		}),
	}
	tflog.Debug(ctx, "configured platforms", map[string]any{
		"spaceone":   c.spaceone.client != nil,
		"aria_logs":  c.ariaLogs.client != nil,
		"monitoring": c.monitoring.client != nil,
		"armory":     c.armory.client != nil,
		"k0rdent":    c.k0rdent.client != nil,
	})
	return c
}

// ariaLogsConfig resolves the Aria block: a session token, or username and password to log in.
func ariaLogsConfig(s settingsReader, endpoint string, b *ariaLogsBlock) client.AriaLogsConfig {
	cfg := client.AriaLogsConfig{
		Endpoint:     endpoint,
		Username:     s.string(b.Username, "AGENTFLEET_ARIA_LOGS_USERNAME"),
		Password:     s.string(b.Password, "AGENTFLEET_ARIA_LOGS_PASSWORD"),
		AuthProvider: s.string(b.AuthProvider, "AGENTFLEET_ARIA_LOGS_AUTH_PROVIDER"),
		SessionID:    s.string(b.Token, "AGENTFLEET_ARIA_LOGS_TOKEN"),
	}
	if cfg.SessionID == "" && (cfg.Username == "" || cfg.Password == "") {
		s.diags.AddAttributeError(path.Root("aria_logs"), "Missing Aria Operations for Logs credentials",
			"Set username and password (AGENTFLEET_ARIA_LOGS_USERNAME, AGENTFLEET_ARIA_LOGS_PASSWORD), "+
				"or token (AGENTFLEET_ARIA_LOGS_TOKEN), in the provider's aria_logs block.")
	}
	return cfg
}

// armoryHeaders resolves the Armory headers: the block's map, or AGENTFLEET_ARMORY_HEADERS as a
// JSON object.
func armoryHeaders(ctx context.Context, s settingsReader, b *armoryBlock) map[string]string {
	p := path.Root("armory").AtName("headers")
	if !b.Headers.IsNull() {
		var h map[string]string
		s.diags.Append(b.Headers.ElementsAs(ctx, &h, false)...)
		return h
	}
	raw := os.Getenv("AGENTFLEET_ARMORY_HEADERS")
	if raw == "" {
		return nil
	}
	var h map[string]string
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		s.diags.AddAttributeError(p, "Invalid environment variable",
			`AGENTFLEET_ARMORY_HEADERS must be a JSON object of strings, such as {"X-Api-Key": "..."}.`)
	}
	return h
}

// platformBlockModel is what configurePlatform needs of every platform block.
type platformBlockModel interface {
	endpointSettings() (endpoint types.String, allowInsecureHTTP types.Bool)
	// known reports whether every value in the block is known; values that come from another
	// resource are unknown until apply, when Terraform configures the provider again.
	known() bool
}

// configurePlatform resolves one platform's endpoint and builds its client when the platform is
// configured (in the block or the environment) and every value is known.
func configurePlatform[B platformBlockModel, T any](s settingsReader, block, envPrefix string, b B, build func(endpoint string, b B) (*T, error)) platform[T] {
	p := platform[T]{block: block, envPrefix: "AGENTFLEET_" + envPrefix}
	if !b.known() {
		p.unknown = true
		return p
	}
	endpoint, allow := b.endpointSettings()
	url := s.endpoint(block, endpoint, allow, envPrefix)
	if url == "" {
		return p
	}
	c, err := build(url, b)
	if err != nil {
		s.diags.AddAttributeError(path.Root(block).AtName("endpoint"), "Invalid "+block+" endpoint", err.Error())
		return p
	}
	p.client = c
	return p
}

// orEmpty stands in an empty block (every value null, so the environment decides) for an absent one.
func orEmpty[B any](b *B) *B {
	if b == nil {
		return new(B)
	}
	return b
}

func (b *spaceoneBlock) endpointSettings() (types.String, types.Bool) {
	return b.Endpoint, b.AllowInsecureHTTP
}
func (b *ariaLogsBlock) endpointSettings() (types.String, types.Bool) {
	return b.Endpoint, b.AllowInsecureHTTP
}
func (b *monitoringBlock) endpointSettings() (types.String, types.Bool) {
	return b.Endpoint, b.AllowInsecureHTTP
}
func (b *armoryBlock) endpointSettings() (types.String, types.Bool) {
	return b.Endpoint, b.AllowInsecureHTTP
}
func (b *k0rdentBlock) endpointSettings() (types.String, types.Bool) {
	return b.Endpoint, b.AllowInsecureHTTP
}

func (b *spaceoneBlock) known() bool {
	return allKnown(b.Endpoint, b.AllowInsecureHTTP, b.Token, b.PathPrefix)
}
func (b *ariaLogsBlock) known() bool {
	return allKnown(b.Endpoint, b.AllowInsecureHTTP, b.Username, b.Password, b.AuthProvider, b.Token)
}
func (b *monitoringBlock) known() bool { return allKnown(b.Endpoint, b.AllowInsecureHTTP, b.AuthToken) }
func (b *armoryBlock) known() bool     { return allKnown(b.Endpoint, b.AllowInsecureHTTP, b.Headers) }
func (b *k0rdentBlock) known() bool {
	return allKnown(b.Endpoint, b.AllowInsecureHTTP, b.Token, b.Region)
}

// allKnown reports whether none of the values is unknown.
func allKnown(values ...attr.Value) bool {
	for _, v := range values {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

// required resolves a credential that a configured platform cannot do without.
func (s settingsReader) required(p path.Path, v types.String, env string) string {
	value := s.string(v, env)
	if value == "" {
		s.diags.AddAttributeError(p, "Missing credential",
			fmt.Sprintf("The platform's endpoint is set but %s is not. Set it in the provider configuration or in %s.", p, env))
	}
	return value
}
