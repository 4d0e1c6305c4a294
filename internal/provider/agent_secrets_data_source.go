package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// agentfleet_agent_secrets data source: every Aria Operations for Logs agent secret.

var (
	_ datasource.DataSource              = (*agentSecretsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*agentSecretsDataSource)(nil)
)

// NewAgentSecretsDataSource is the agentfleet_agent_secrets data source factory.
func NewAgentSecretsDataSource() datasource.DataSource { return &agentSecretsDataSource{} }

type agentSecretsDataSource struct{ dataSourceBase }

type agentSecretsModel struct {
	Name    types.String           `tfsdk:"name"`
	Secrets []agentSecretDataModel `tfsdk:"secrets"`
}

func (d *agentSecretsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent_secrets"
}

func (d *agentSecretsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the Aria Operations for Logs agent secrets, without their values: " +
			"the API shows a value only when the secret is created. Revoked secrets stay in the platform's list, " +
			"and are listed with their status.",
		Attributes: map[string]schema.Attribute{
			// Optional
			"name": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Keep only the secrets with exactly this name: at most one that is not revoked, " +
					"beside any revoked ones that had the name before. The API has no server-side filter, so this filters the full list.",
				Validators: agentSecretNameValidators(),
			},
			// Computed
			"secrets": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The secrets, in the API's order, revoked ones included.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":                schema.StringAttribute{Computed: true, MarkdownDescription: "Secret id."},
						"name":              schema.StringAttribute{Computed: true, MarkdownDescription: "Name of the secret."},
						"status":            schema.StringAttribute{Computed: true, MarkdownDescription: "Status of the secret, such as `ACTIVE` or `REVOKED`."},
						"modification_time": dataSourceTimestamp(modificationTimeDescription),
					},
				},
			},
		},
	}
}

func (d *agentSecretsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg agentSecretsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	api, diags := d.clients.ariaLogs.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	all, err := api.ListAgentSecrets(ctx)
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to list agent secrets", err)
		return
	}
	cfg.Secrets = make([]agentSecretDataModel, 0, len(all))
	for i := range all {
		if cfg.Name.IsNull() || all[i].Name == cfg.Name.ValueString() {
			cfg.Secrets = append(cfg.Secrets, agentSecretDataFromAPI(&all[i]))
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, cfg)...)
}
