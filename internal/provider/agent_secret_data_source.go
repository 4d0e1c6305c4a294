package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_agent_secret data source: one Aria Operations for Logs agent secret, by id or name.

var (
	_ datasource.DataSource                     = (*agentSecretDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*agentSecretDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*agentSecretDataSource)(nil)
)

// NewAgentSecretDataSource is the agentfleet_agent_secret data source factory.
func NewAgentSecretDataSource() datasource.DataSource { return &agentSecretDataSource{} }

type agentSecretDataSource struct{ dataSourceBase }

// agentSecretDataModel is a secret as reads see it: the API never returns the value again.
type agentSecretDataModel struct {
	ID               types.String      `tfsdk:"id"`
	Name             types.String      `tfsdk:"name"`
	Status           types.String      `tfsdk:"status"`
	ModificationTime timetypes.RFC3339 `tfsdk:"modification_time"`
}

func (d *agentSecretDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent_secret"
}

func (d *agentSecretDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one Aria Operations for Logs agent secret that is not revoked, by `id` or by `name` (exactly one of them). " +
			"The API has no read of one secret, so this searches the list. A revoked secret is an error, as is one that does not exist; " +
			"the `agentfleet_agent_secrets` data source lists revoked secrets too. " +
			"The secret value is not available: the API shows it only when the secret is created.",
		Attributes: map[string]schema.Attribute{
			// Optional
			"id": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Id of the secret to read. Set this or `name`.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Exact name of the secret to read (case matters). Names are unique among secrets that are not revoked. Set this or `id`.",
				Validators:          agentSecretNameValidators(),
			},
			// Computed
			"status": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Status of the secret as the platform reports it, such as `ACTIVE`.",
			},
			"modification_time": dataSourceTimestamp(modificationTimeDescription),
		},
	}
}

func (d *agentSecretDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *agentSecretDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg agentSecretDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	api, diags := d.clients.ariaLogs.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	lookup, p := fmt.Sprintf("is named %q", cfg.Name.ValueString()), path.Root("name")
	var secret *client.AgentSecret
	var err error
	if !cfg.ID.IsNull() {
		lookup, p = fmt.Sprintf("has the id %q", cfg.ID.ValueString()), path.Root("id")
		secret, err = api.GetAgentSecret(ctx, cfg.ID.ValueString())
	} else {
		secret, err = api.FindAgentSecretByName(ctx, cfg.Name.ValueString())
	}
	switch {
	case secret == nil && (err == nil || errors.Is(err, client.ErrNotFound)):
		resp.Diagnostics.AddAttributeError(p, "Agent secret not found",
			fmt.Sprintf("No agent secret %s. Names and ids are matched exactly, case included; "+
				"the agentfleet_agent_secrets data source lists the secrets there are.", lookup))
	case err != nil:
		apiErrorDiag(&resp.Diagnostics, "Unable to read agent secret", err)
	case secret.Revoked():
		resp.Diagnostics.AddAttributeError(p, "Agent secret revoked",
			fmt.Sprintf("The agent secret %s (name %q) is revoked (status %s): agents can no longer use it. "+
				"The agentfleet_agent_secrets data source lists revoked secrets too.", secret.ID, secret.Name, secret.Status))
	default:
		resp.Diagnostics.Append(resp.State.Set(ctx, agentSecretDataFromAPI(secret))...)
	}
}

// agentSecretDataFromAPI converts the API's secret for the data sources.
func agentSecretDataFromAPI(s *client.AgentSecret) agentSecretDataModel {
	return agentSecretDataModel{
		ID:               types.StringValue(s.ID),
		Name:             types.StringValue(s.Name),
		Status:           types.StringValue(s.Status),
		ModificationTime: timestampFromAPI(s.ModificationTime),
	}
}
