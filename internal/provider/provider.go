// Package provider maps the five platform APIs onto Terraform resources, data sources and
// ephemeral resources. It knows Terraform; every HTTP detail lives in internal/client.
package provider

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

var (
	_ provider.Provider                       = (*agentfleetProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*agentfleetProvider)(nil)
	_ provider.ProviderWithListResources      = (*agentfleetProvider)(nil)
	_ provider.ProviderWithActions            = (*agentfleetProvider)(nil)
)

// New returns the provider factory for the given release version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &agentfleetProvider{version: version} }
}

type agentfleetProvider struct {
	version string
}

// providerModel is the provider block. Each platform block is optional: a user configures only
// the platforms they use.
type providerModel struct {
	SpaceONE   *spaceoneBlock   `tfsdk:"spaceone"`
	AriaLogs   *ariaLogsBlock   `tfsdk:"aria_logs"`
	Monitoring *monitoringBlock `tfsdk:"monitoring"`
	Armory     *armoryBlock     `tfsdk:"armory"`
	K0rdent    *k0rdentBlock    `tfsdk:"k0rdent"`

	MaxRetries         types.Int64  `tfsdk:"max_retries"`
	RetryWaitMin       types.String `tfsdk:"retry_wait_min"`
	RetryWaitMax       types.String `tfsdk:"retry_wait_max"`
	RequestTimeout     types.String `tfsdk:"request_timeout"`
	InsecureSkipVerify types.Bool   `tfsdk:"insecure_skip_verify"`
	CACertFile         types.String `tfsdk:"ca_cert_file"`
}

func (p *agentfleetProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "agentfleet"
	resp.Version = p.version
}

func (p *agentfleetProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages agent credentials and agent-side accounts on SpaceONE, Aria Operations for Logs, " +
			"Rackspace Cloud Monitoring, Armory Scale Agent and k0rdent IAM. Configure only the platforms you use; " +
			"every argument can also be set with an environment variable, and the configuration wins over the environment.",
		Attributes: map[string]schema.Attribute{
			"max_retries": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "How many times a failed API call is retried (connection errors, 429, 502, 503, 504). Default `5`. Environment: `AGENTFLEET_MAX_RETRIES`.",
				Validators:          []validator.Int64{int64validator.Between(0, 50)},
			},
			"retry_wait_min":  durationAttribute("Shortest wait between retries, as a Go duration. Default `1s`. Environment: `AGENTFLEET_RETRY_WAIT_MIN`."),
			"retry_wait_max":  durationAttribute("Longest wait between retries, as a Go duration; also caps the wait a server asks for in `Retry-After` (Cloud Monitoring: `Reply-After`) or `X-RateLimit-Reset`, for the call turned away and for the pause of every call to that platform. Default `30s`. Environment: `AGENTFLEET_RETRY_WAIT_MAX`."),
			"request_timeout": durationAttribute("Timeout of one HTTP attempt, as a Go duration. Default `60s`. Environment: `AGENTFLEET_REQUEST_TIMEOUT`."),
			"insecure_skip_verify": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Skip TLS certificate verification. For test systems only: every plan and apply warns while it is on. Default `false`. Environment: `AGENTFLEET_INSECURE_SKIP_VERIFY`.",
			},
			"ca_cert_file": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Path to a PEM file of extra CA certificates to trust, for platforms behind a private CA. Environment: `AGENTFLEET_CA_CERT_FILE`.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
		},
		Blocks: platformBlocks(),
	}
}

func durationAttribute(description string) schema.StringAttribute {
	return schema.StringAttribute{
		Optional:            true,
		MarkdownDescription: description,
		Validators:          []validator.String{goDuration()},
	}
}

func (p *agentfleetProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	opts, ok := transportOptions(cfg, &resp.Diagnostics)
	if !ok {
		return
	}
	if opts.InsecureSkipVerify {
		warnInsecureSkipVerify(&resp.Diagnostics)
	}
	opts.UserAgent = fmt.Sprintf("terraform-provider-agentfleet/%s (+Terraform %s)", p.version, req.TerraformVersion)
	transport, err := client.NewTransport(opts)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("ca_cert_file"), "Invalid CA certificate file", err.Error())
		return
	}
	clients := configureClients(ctx, cfg, transport, &resp.Diagnostics)
	resp.DataSourceData = clients
	resp.ResourceData = clients
	resp.EphemeralResourceData = clients
	resp.ListResourceData = clients
	resp.ActionData = clients
}

// warnInsecureSkipVerify says, on every configuration, what turning TLS verification off exposes.
func warnInsecureSkipVerify(diags *diag.Diagnostics) {
	diags.AddAttributeWarning(path.Root("insecure_skip_verify"), "TLS certificate verification is off",
		"insecure_skip_verify (or AGENTFLEET_INSECURE_SKIP_VERIFY) is true: the provider accepts any certificate from every platform, "+
			"so anyone between it and a platform can read the credentials it sends and the secrets it receives. Use it on test systems only; "+
			"for a platform behind a private CA, set ca_cert_file instead.")
}

// transportOptions resolves the shared transport settings from configuration and environment.
func transportOptions(cfg providerModel, diags *diag.Diagnostics) (client.Options, bool) {
	opts := client.DefaultOptions()
	settings := settingsReader{diags: diags}
	opts.MaxRetries = settings.int(path.Root("max_retries"), cfg.MaxRetries, "AGENTFLEET_MAX_RETRIES", opts.MaxRetries)
	opts.RetryWaitMin = settings.duration(path.Root("retry_wait_min"), cfg.RetryWaitMin, "AGENTFLEET_RETRY_WAIT_MIN", opts.RetryWaitMin)
	opts.RetryWaitMax = settings.duration(path.Root("retry_wait_max"), cfg.RetryWaitMax, "AGENTFLEET_RETRY_WAIT_MAX", opts.RetryWaitMax)
	opts.RequestTimeout = settings.duration(path.Root("request_timeout"), cfg.RequestTimeout, "AGENTFLEET_REQUEST_TIMEOUT", opts.RequestTimeout)
	opts.InsecureSkipVerify = settings.bool(path.Root("insecure_skip_verify"), cfg.InsecureSkipVerify, "AGENTFLEET_INSECURE_SKIP_VERIFY", false)
	if opts.RetryWaitMin > opts.RetryWaitMax {
		diags.AddAttributeError(path.Root("retry_wait_min"), "Invalid retry waits",
			fmt.Sprintf("retry_wait_min (%s) must not be longer than retry_wait_max (%s).", opts.RetryWaitMin, opts.RetryWaitMax))
	}
	if caFile := settings.string(cfg.CACertFile, "AGENTFLEET_CA_CERT_FILE"); caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			diags.AddAttributeError(path.Root("ca_cert_file"), "Cannot read the CA certificate file",
				fmt.Sprintf("Reading %q failed: %s. Set ca_cert_file (or AGENTFLEET_CA_CERT_FILE) to a readable PEM file.", caFile, err))
		}
		opts.CACertPEM = pem
	}
	return opts, !diags.HasError()
}

func (p *agentfleetProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewAgentTokenResource,
		NewAgentSecretResource,
		NewAgentResource,
		NewDynamicAccountResource,
		NewServiceAccountResource,
		NewServiceAccountCredentialResource,
	}
}

func (p *agentfleetProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewAgentTokenEphemeralResource,
	}
}

// ListResources are what `terraform query` lists (Terraform 1.14 and later): one per resource type,
// so objects made outside Terraform can be found and imported.
func (p *agentfleetProvider) ListResources(context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewAgentTokenListResource,
		NewAgentSecretListResource,
		NewAgentListResource,
		NewDynamicAccountListResource,
		NewServiceAccountListResource,
		NewServiceAccountCredentialListResource,
	}
}

// Actions are one-off operations (Terraform 1.14 and later). An action cannot write a resource's
// state, so operations that hand out a secret only once stay on the resources.
func (p *agentfleetProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{
		NewDynamicAccountReassignAction,
	}
}

func (p *agentfleetProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewAgentTokenDataSource,
		NewAgentSecretDataSource,
		NewAgentSecretsDataSource,
		NewAgentDataSource,
		NewAgentsDataSource,
		NewAgentTokensDataSource,
		NewDynamicAccountDataSource,
		NewDynamicAccountsDataSource,
		NewServiceAccountDataSource,
		NewServiceAccountsDataSource,
	}
}
