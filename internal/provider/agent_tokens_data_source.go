package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// agentfleet_agent_tokens data source: every Cloud Monitoring agent token of the tenant.

var (
	_ datasource.DataSource              = (*agentTokensDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*agentTokensDataSource)(nil)
)

// NewAgentTokensDataSource is the agentfleet_agent_tokens data source factory.
func NewAgentTokensDataSource() datasource.DataSource { return &agentTokensDataSource{} }

type agentTokensDataSource struct{ dataSourceBase }

type agentTokensModel struct {
	Label         types.String      `tfsdk:"label"`
	IncludeValues types.Bool        `tfsdk:"include_values"`
	Tokens        []agentTokenModel `tfsdk:"tokens"`
}

func (d *agentTokensDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent_tokens"
}

func (d *agentTokensDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the Rackspace Cloud Monitoring agent tokens of the tenant, following the API's pagination to the end. " +
			"A list whose items carry no `id` (the API's documented example shows only `token` and `label`) is an error that says so: " +
			"the id cannot be derived from the rest, and tokens with empty ids would be of no use.",
		Attributes: map[string]schema.Attribute{
			"label": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Keep only the tokens with exactly this label. The API has no server-side filter, " +
					"so this filters the full list.",
			},
			"include_values": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Also read each token's value into `tokens[*].token`. Default `false`: the values are secrets, " +
					"and every one of them would be kept in state; read one token's value with the `agentfleet_agent_token` " +
					"data source or ephemeral resource instead.",
			},
			"tokens": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The tokens, in the API's order.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":    schema.StringAttribute{Computed: true, MarkdownDescription: "Token id."},
						"label": schema.StringAttribute{Computed: true, MarkdownDescription: "The token's label."},
						"token": schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "The token value, when `include_values` is `true`; null otherwise."},
					},
				},
			},
		},
	}
}

func (d *agentTokensDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg agentTokensModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	api, diags := d.clients.monitoring.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	all, err := api.ListAgentTokens(ctx)
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to list agent tokens", err)
		return
	}
	cfg.Tokens = make([]agentTokenModel, 0, len(all))
	for i := range all {
		if cfg.Label.IsNull() || all[i].Label == cfg.Label.ValueString() {
			token := agentTokenFromAPI(&all[i], types.StringNull())
			if !cfg.IncludeValues.ValueBool() {
				token.Token = types.StringNull()
			}
			cfg.Tokens = append(cfg.Tokens, token)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, cfg)...)
}
