package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// agentfleet_agent_token data source: one Cloud Monitoring agent token, by id.

var (
	_ datasource.DataSource              = (*agentTokenDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*agentTokenDataSource)(nil)
)

// NewAgentTokenDataSource is the agentfleet_agent_token data source factory.
func NewAgentTokenDataSource() datasource.DataSource { return &agentTokenDataSource{} }

type agentTokenDataSource struct{ dataSourceBase }

func (d *agentTokenDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent_token"
}

func (d *agentTokenDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one Rackspace Cloud Monitoring agent token by id. The token value lands in state; " +
			"to pass it on without storing it, use the `agentfleet_agent_token` ephemeral resource.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Token id.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"label": schema.StringAttribute{Computed: true, MarkdownDescription: "The token's label."},
			"token": schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "The token value."},
		},
	}
}

func (d *agentTokenDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	token, diags := readAgentTokenByID(ctx, d.clients, req.Config)
	resp.Diagnostics.Append(diags...)
	if token != nil {
		resp.Diagnostics.Append(resp.State.Set(ctx, token)...)
	}
}

// readAgentTokenByID reads the token whose id config names, for this data source and the
// ephemeral resource, which differ only in where they put it. It returns nil on any error.
func readAgentTokenByID(ctx context.Context, c *clients, config tfsdk.Config) (*agentTokenModel, diag.Diagnostics) {
	var cfg agentTokenModel
	diags := config.Get(ctx, &cfg)
	api, clientDiags := c.monitoring.get()
	diags.Append(clientDiags...)
	if diags.HasError() {
		return nil, diags
	}
	token, err := api.GetAgentToken(ctx, cfg.ID.ValueString())
	if err != nil {
		apiErrorDiag(&diags, "Unable to read agent token", err)
		return nil, diags
	}
	model := agentTokenFromAPI(token, types.StringNull())
	return &model, diags
}
