package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
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

// The five platform blocks. Each has endpoint and allow_insecure_http, and the callArgs; the
// rest is the platform's own credentials.

// callArgs are the arguments every platform block has about how its calls are made.
type callArgs struct {
	BatchReads           types.Bool    `tfsdk:"batch_reads"`
	MaxRequestsPerSecond types.Float64 `tfsdk:"max_requests_per_second"`
}

// calls returns the block's callArgs (promoted to every block that embeds them).
func (c callArgs) calls() callArgs { return c }

type spaceoneBlock struct {
	callArgs
	Endpoint          types.String `tfsdk:"endpoint"`
	AllowInsecureHTTP types.Bool   `tfsdk:"allow_insecure_http"`
	Token             types.String `tfsdk:"token"`
	PathPrefix        types.String `tfsdk:"path_prefix"`
}

type ariaLogsBlock struct {
	callArgs
	Endpoint           types.String `tfsdk:"endpoint"`
	AllowInsecureHTTP  types.Bool   `tfsdk:"allow_insecure_http"`
	AuthMethod         types.String `tfsdk:"auth_method"`
	OperationsEndpoint types.String `tfsdk:"operations_endpoint"`
	Username           types.String `tfsdk:"username"`
	Password           types.String `tfsdk:"password"`
	AuthSource         types.String `tfsdk:"auth_source"`
	AuthProvider       types.String `tfsdk:"auth_provider"`
	Token              types.String `tfsdk:"token"`
}

type monitoringBlock struct {
	callArgs
	Endpoint          types.String `tfsdk:"endpoint"`
	AllowInsecureHTTP types.Bool   `tfsdk:"allow_insecure_http"`
	AuthToken         types.String `tfsdk:"auth_token"`
}

type armoryBlock struct {
	callArgs
	Endpoint          types.String `tfsdk:"endpoint"`
	AllowInsecureHTTP types.Bool   `tfsdk:"allow_insecure_http"`
	Headers           types.Map    `tfsdk:"headers"`
}

type k0rdentBlock struct {
	callArgs
	Endpoint          types.String `tfsdk:"endpoint"`
	AllowInsecureHTTP types.Bool   `tfsdk:"allow_insecure_http"`
	Token             types.String `tfsdk:"token"`
	Region            types.String `tfsdk:"region"`
}

// batchedReadsAge is how long a list serves reads, as the documentation says it.
var batchedReadsAge = fmt.Sprintf("%d seconds", int(client.BatchReadsMaxAge/time.Second))

// Why each platform batches its reads, or does not, by default (batch_reads).
const (
	spaceoneBatchReadsDoc = "Default `false`: SpaceONE builds its agent list by pairing the agents with their apps in two lists that need not " +
		"be in the same order, so a listed agent may carry another agent's state and client id, which `agent/get` does not. " +
		"Turn it on only where that is known not to happen."
	ariaLogsBatchReadsDoc = "Default `true`: the API has no read of one secret, so each read walks the whole secret list; " +
		"batched, a refresh walks it once."
	monitoringBatchReadsDoc = "Default `true`: listed tokens carry what a read returns; a listed token without its id or value is read with its own call."
	armoryBatchReadsDoc     = "Default `false`: the account list (`GET /armory/accounts`) is documented only in a draft of the Scale Agent " +
		"documentation and in no published API reference. Where it is not served, reads fall back to one call each."
	k0rdentBatchReadsDoc = "Default `true`: the service accounts are listed once, and the credentials once per service account."
)

func platformBlocks() map[string]schema.Block {
	return map[string]schema.Block{
		"spaceone": platformBlock("SpaceONE (Cloudforet) identity v2, for `agentfleet_agent`.", "SPACEONE", spaceoneBatchReadsDoc, map[string]schema.Attribute{
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
		"aria_logs": platformBlock("VMware Aria Operations for Logs (the Log Management API), for `agentfleet_agent_secret`. "+
			"By default (`auth_method = \"vcf_operations\"`) the provider gets a token from VCF Operations with `username` and `password` "+
			"and exchanges it for a JWT of the Log Management API; or give a JWT in `token`. "+
			"Operations for Logs 8.x appliances log in with a session instead: set `auth_method = \"legacy_session\"`.", "ARIA_LOGS", ariaLogsBatchReadsDoc, ariaLogsAttributes()),
		"monitoring": platformBlock("Rackspace Cloud Monitoring, for `agentfleet_agent_token`. The endpoint includes the tenant, as in `https://monitoring.api.rackspacecloud.com/v1.0/<tenant>`.", "MONITORING", monitoringBatchReadsDoc, map[string]schema.Attribute{
			"auth_token": secretAttribute("Identity token, sent as `X-Auth-Token`.", "AGENTFLEET_MONITORING_AUTH_TOKEN"),
		}),
		"armory": platformBlock("Armory Scale Agent (Clouddriver), for `agentfleet_dynamic_account`.", "ARMORY", armoryBatchReadsDoc, map[string]schema.Attribute{
			"headers": schema.MapAttribute{
				ElementType:         types.StringType,
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Headers sent with every call, such as the API gateway's credentials. Environment: `AGENTFLEET_ARMORY_HEADERS`, as a JSON object.",
			},
		}),
		"k0rdent": platformBlock("k0rdent IAM, for `agentfleet_service_account` and `agentfleet_service_account_credential`.", "K0RDENT", k0rdentBatchReadsDoc, map[string]schema.Attribute{
			"token":  secretAttribute("OAuth2/OIDC access token, sent as a Bearer token.", "AGENTFLEET_K0RDENT_TOKEN"),
			"region": schema.StringAttribute{Optional: true, MarkdownDescription: "Region of the IAM API. Default `global`. Environment: `AGENTFLEET_K0RDENT_REGION`."},
		}),
	}
}

// ariaLogsAttributes are the aria_logs block's own arguments: the authentication method and its
// credentials.
func ariaLogsAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"auth_method": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "How the provider authenticates. `vcf_operations` (default): with a JWT from VCF Operations, sent as `X-JWT-Token`. " +
				"`legacy_session`: with a session of the Aria Operations for Logs 8.x login (`POST /api/v2/sessions`), sent as a bearer token. " +
				"Environment: `AGENTFLEET_ARIA_LOGS_AUTH_METHOD`.",
			Validators: []validator.String{stringvalidator.OneOf(client.AriaAuthVCFOperations, client.AriaAuthLegacySession)},
		},
		"operations_endpoint": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "Base URL of VCF Operations, where `/suite-api` lives, for `vcf_operations`. Default: the scheme and host of `endpoint` " +
				"(the same appliance). Same rules as `endpoint`, and `allow_insecure_http` covers it too. " +
				"Environment: `AGENTFLEET_ARIA_LOGS_OPERATIONS_ENDPOINT`.",
			Validators: []validator.String{absoluteURL()},
		},
		"username": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "User to authenticate as: a VCF Operations user for `vcf_operations`, an Operations for Logs user for `legacy_session`. " +
				"Environment: `AGENTFLEET_ARIA_LOGS_USERNAME`.",
		},
		"password": secretAttribute("Password of `username`.", "AGENTFLEET_ARIA_LOGS_PASSWORD"),
		"auth_source": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "For `vcf_operations`: the VCF Operations auth source `username` belongs to, such as the name of an imported LDAP " +
				"or Active Directory source. Omit it for a local user. Environment: `AGENTFLEET_ARIA_LOGS_AUTH_SOURCE`.",
		},
		"auth_provider": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "For `legacy_session` only: the login's authentication provider, `Local` (default) or `ActiveDirectory`. " +
				"Environment: `AGENTFLEET_ARIA_LOGS_AUTH_PROVIDER`.",
			Validators: []validator.String{stringvalidator.OneOf("Local", "ActiveDirectory")},
		},
		"token": secretAttribute("A credential to use instead of getting one: for `vcf_operations` a JWT of the `ops-li` service "+
			"(from a VCF Operations token exchange), for `legacy_session` an existing session id. When it is rejected "+
			"(HTTP 401, or 403, which the API also answers for an expired credential), the provider gets a new one itself, once, "+
			"if `username` and `password` are set, and otherwise stops with an error.", "AGENTFLEET_ARIA_LOGS_TOKEN"),
	}
}

// platformBlock builds one platform block: the shared endpoint and call settings plus the
// platform's own. batchReadsDoc says what batch_reads defaults to on this platform, and why.
func platformBlock(description, envPrefix, batchReadsDoc string, attrs map[string]schema.Attribute) schema.SingleNestedBlock {
	env := "AGENTFLEET_" + envPrefix
	attrs["batch_reads"] = schema.BoolAttribute{
		Optional: true,
		MarkdownDescription: "Serve the reads of a refresh from one list of the objects instead of one API call per object. The first read " +
			"lists them (every page), and the reads of the next " + batchedReadsAge + " share that list; an object the list lacks is read with " +
			"its own call, which tells whether it is new or gone, a list that fails sends the reads back to one call each, and once this " +
			"provider process has changed an object of the family, its reads are one call each again. " + batchReadsDoc +
			" Environment: `" + env + "_BATCH_READS`.",
	}
	attrs["max_requests_per_second"] = schema.Float64Attribute{
		Optional: true,
		MarkdownDescription: "The most requests a second the provider sends to this platform, retries and list pages included, shared by " +
			"every resource and data source: parallel operations wait their turn rather than be refused. A number above 0, such as `20` or " +
			"`0.5`. Default: no limit. Either way, an answer that says the platform is over its rate limit (429 or 503 with `Retry-After`, " +
			"Cloud Monitoring's `Reply-After`, or `X-RateLimit-Remaining: 0` with `X-RateLimit-Reset`) holds every call to the platform " +
			"as long as it asks, at most `retry_wait_max`. Environment: `" + env + "_MAX_REQUESTS_PER_SECOND`.",
		Validators: []validator.Float64{positiveNumber()},
	}
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

// rate resolves a requests-per-second argument: a number above 0, or 0 when it is not set.
// One from the configuration was checked by its validator; one from the environment is checked here.
func (s settingsReader) rate(p path.Path, v types.Float64, env string) float64 {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueFloat64()
	}
	raw := os.Getenv(env)
	if raw == "" {
		return 0
	}
	n, err := strconv.ParseFloat(raw, 64)
	if err != nil || !(n > 0) || math.IsInf(n, 1) {
		s.diags.AddAttributeError(p, "Invalid environment variable", fmt.Sprintf("%s=%q is not a number above 0, such as 20 or 0.5.", env, raw))
		return 0
	}
	return n
}

// callOptions resolves a block's callArgs, batchReads being the platform's default.
func (s settingsReader) callOptions(block, envPrefix string, c callArgs, batchReads bool) client.CallOptions {
	env := "AGENTFLEET_" + envPrefix
	return client.CallOptions{
		BatchReads:           s.bool(path.Root(block).AtName("batch_reads"), c.BatchReads, env+"_BATCH_READS", batchReads),
		MaxRequestsPerSecond: s.rate(path.Root(block).AtName("max_requests_per_second"), c.MaxRequestsPerSecond, env+"_MAX_REQUESTS_PER_SECOND"),
	}
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
	return s.url(block, "endpoint", v, allow, envPrefix)
}

// url resolves and checks a URL argument of a block as endpoint does, from the configuration or
// AGENTFLEET_<envPrefix>_<ATTRIBUTE>.
func (s settingsReader) url(block, attr string, v types.String, allow types.Bool, envPrefix string) string {
	p := path.Root(block).AtName(attr)
	raw := s.string(v, "AGENTFLEET_"+envPrefix+"_"+strings.ToUpper(attr))
	if raw == "" {
		return ""
	}
	allowHTTP := s.bool(path.Root(block).AtName("allow_insecure_http"), allow, "AGENTFLEET_"+envPrefix+"_ALLOW_INSECURE_HTTP", false)
	if err := checkEndpoint(raw, allowHTTP); err != nil {
		s.diags.AddAttributeError(p, "Invalid "+block+" "+attr, err.Error())
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
		spaceone: configurePlatform(s, "spaceone", "SPACEONE", client.SpaceONEBatchReads, orEmpty(cfg.SpaceONE),
			func(endpoint string, calls client.CallOptions, b *spaceoneBlock) (*client.SpaceONE, error) {
				token := s.required(path.Root("spaceone").AtName("token"), b.Token, "AGENTFLEET_SPACEONE_TOKEN")
				prefix := s.pathPrefix(path.Root("spaceone").AtName("path_prefix"), b.PathPrefix, "AGENTFLEET_SPACEONE_PATH_PREFIX")
				return client.NewSpaceONE(t, client.SpaceONEConfig{Endpoint: endpoint, Token: token, PathPrefix: prefix, CallOptions: calls})
			}),
		ariaLogs: configurePlatform(s, "aria_logs", "ARIA_LOGS", client.AriaLogsBatchReads, orEmpty(cfg.AriaLogs),
			func(endpoint string, calls client.CallOptions, b *ariaLogsBlock) (*client.AriaLogs, error) {
				return client.NewAriaLogs(t, ariaLogsConfig(s, endpoint, calls, b))
			}),
		monitoring: configurePlatform(s, "monitoring", "MONITORING", client.MonitoringBatchReads, orEmpty(cfg.Monitoring),
			func(endpoint string, calls client.CallOptions, b *monitoringBlock) (*client.Monitoring, error) {
				token := s.required(path.Root("monitoring").AtName("auth_token"), b.AuthToken, "AGENTFLEET_MONITORING_AUTH_TOKEN")
				return client.NewMonitoring(t, client.MonitoringConfig{Endpoint: endpoint, AuthToken: token, CallOptions: calls})
			}),
		armory: configurePlatform(s, "armory", "ARMORY", client.ArmoryBatchReads, orEmpty(cfg.Armory),
			func(endpoint string, calls client.CallOptions, b *armoryBlock) (*client.Armory, error) {
				return client.NewArmory(t, client.ArmoryConfig{Endpoint: endpoint, Headers: armoryHeaders(ctx, s, b), CallOptions: calls})
			}),
		k0rdent: configurePlatform(s, "k0rdent", "K0RDENT", client.K0rdentBatchReads, orEmpty(cfg.K0rdent),
			func(endpoint string, calls client.CallOptions, b *k0rdentBlock) (*client.K0rdent, error) {
				token := s.required(path.Root("k0rdent").AtName("token"), b.Token, "AGENTFLEET_K0RDENT_TOKEN")
				region := s.string(b.Region, "AGENTFLEET_K0RDENT_REGION")
				return client.NewK0rdent(t, client.K0rdentConfig{Endpoint: endpoint, Token: token, Region: region, CallOptions: calls})
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

// ariaLogsConfig resolves the Aria block: the authentication method, and the credentials it
// needs, checked at plan time. Arguments of the other method are refused rather than ignored: a
// configuration written for the old login would otherwise fail at the first call.
func ariaLogsConfig(s settingsReader, endpoint string, calls client.CallOptions, b *ariaLogsBlock) client.AriaLogsConfig {
	cfg := client.AriaLogsConfig{
		Endpoint:     endpoint,
		CallOptions:  calls,
		AuthMethod:   ariaAuthMethod(s, b),
		Username:     s.string(b.Username, "AGENTFLEET_ARIA_LOGS_USERNAME"),
		Password:     s.string(b.Password, "AGENTFLEET_ARIA_LOGS_PASSWORD"),
		AuthSource:   s.string(b.AuthSource, "AGENTFLEET_ARIA_LOGS_AUTH_SOURCE"),
		AuthProvider: s.string(b.AuthProvider, "AGENTFLEET_ARIA_LOGS_AUTH_PROVIDER"),
		Token:        s.string(b.Token, "AGENTFLEET_ARIA_LOGS_TOKEN"),
	}
	if cfg.AuthMethod == client.AriaAuthLegacySession {
		s.notForMethod(cfg.AuthMethod, "auth_source", cfg.AuthSource != "", "it is for vcf_operations: legacy_session logs in with auth_provider.")
		s.notForMethod(cfg.AuthMethod, "operations_endpoint", s.string(b.OperationsEndpoint, "AGENTFLEET_ARIA_LOGS_OPERATIONS_ENDPOINT") != "",
			"legacy_session logs in at endpoint and does not use VCF Operations.")
	} else {
		cfg.OperationsEndpoint = s.url("aria_logs", "operations_endpoint", b.OperationsEndpoint, b.AllowInsecureHTTP, "ARIA_LOGS")
		s.notForMethod(cfg.AuthMethod, "auth_provider", cfg.AuthProvider != "",
			"it is for the legacy_session login. With vcf_operations, set auth_source to the VCF Operations auth source of a user "+
				"from LDAP or Active Directory; for an Operations for Logs 8.x appliance, set auth_method = \"legacy_session\".")
	}
	if cfg.Token == "" && (cfg.Username == "" || cfg.Password == "") {
		s.diags.AddAttributeError(path.Root("aria_logs"), "Missing Aria Operations for Logs credentials", ariaCredentialsHelp(cfg.AuthMethod))
	}
	return cfg
}

// ariaAuthMethod resolves auth_method; the schema validates the configuration, this the environment.
func ariaAuthMethod(s settingsReader, b *ariaLogsBlock) string {
	method := s.string(b.AuthMethod, "AGENTFLEET_ARIA_LOGS_AUTH_METHOD")
	switch method {
	case "":
		return client.AriaAuthVCFOperations
	case client.AriaAuthVCFOperations, client.AriaAuthLegacySession:
		return method
	}
	s.diags.AddAttributeError(path.Root("aria_logs").AtName("auth_method"), "Invalid environment variable",
		fmt.Sprintf("AGENTFLEET_ARIA_LOGS_AUTH_METHOD=%q is not %q or %q.", method, client.AriaAuthVCFOperations, client.AriaAuthLegacySession))
	return client.AriaAuthVCFOperations
}

// notForMethod refuses an aria_logs argument that the chosen method does not use.
func (s settingsReader) notForMethod(method, attr string, set bool, why string) {
	if set {
		s.diags.AddAttributeError(path.Root("aria_logs").AtName(attr), "Argument not used by auth_method = \""+method+"\"",
			fmt.Sprintf("%s is set (in the configuration or AGENTFLEET_ARIA_LOGS_%s), but %s Remove it, or choose the other auth_method.",
				attr, strings.ToUpper(attr), why))
	}
}

// ariaCredentialsHelp says which credentials a method takes.
func ariaCredentialsHelp(method string) string {
	if method == client.AriaAuthLegacySession {
		return "With auth_method = \"legacy_session\", set username and password (AGENTFLEET_ARIA_LOGS_USERNAME, AGENTFLEET_ARIA_LOGS_PASSWORD) " +
			"to log in, or token (AGENTFLEET_ARIA_LOGS_TOKEN) to use an existing session id, in the provider's aria_logs block."
	}
	return "With auth_method = \"vcf_operations\" (the default), set username and password (AGENTFLEET_ARIA_LOGS_USERNAME, AGENTFLEET_ARIA_LOGS_PASSWORD) " +
		"of a VCF Operations user, so the provider gets a JWT itself, or token (AGENTFLEET_ARIA_LOGS_TOKEN) to use a JWT of the ops-li service, " +
		"in the provider's aria_logs block."
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
	calls() callArgs
}

// configurePlatform resolves one platform's endpoint and call settings, batchReads being the
// platform's default, and builds its client when the platform is configured (in the block or
// the environment) and every value is known.
func configurePlatform[B platformBlockModel, T any](s settingsReader, block, envPrefix string, batchReads bool, b B,
	build func(endpoint string, calls client.CallOptions, b B) (*T, error),
) platform[T] {
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
	c, err := build(url, s.callOptions(block, envPrefix, b.calls(), batchReads), b)
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
	return allKnown(b.Endpoint, b.AllowInsecureHTTP, b.Token, b.PathPrefix, b.BatchReads, b.MaxRequestsPerSecond)
}
func (b *ariaLogsBlock) known() bool {
	return allKnown(b.Endpoint, b.AllowInsecureHTTP, b.AuthMethod, b.OperationsEndpoint, b.Username, b.Password,
		b.AuthSource, b.AuthProvider, b.Token, b.BatchReads, b.MaxRequestsPerSecond)
}
func (b *monitoringBlock) known() bool {
	return allKnown(b.Endpoint, b.AllowInsecureHTTP, b.AuthToken, b.BatchReads, b.MaxRequestsPerSecond)
}
func (b *armoryBlock) known() bool {
	return allKnown(b.Endpoint, b.AllowInsecureHTTP, b.Headers, b.BatchReads, b.MaxRequestsPerSecond)
}
func (b *k0rdentBlock) known() bool {
	return allKnown(b.Endpoint, b.AllowInsecureHTTP, b.Token, b.Region, b.BatchReads, b.MaxRequestsPerSecond)
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
