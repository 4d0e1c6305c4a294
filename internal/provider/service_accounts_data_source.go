package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_service_accounts data source: every k0rdent IAM service account of the region.

var (
	_ datasource.DataSource              = (*serviceAccountsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*serviceAccountsDataSource)(nil)
)

// NewServiceAccountsDataSource is the agentfleet_service_accounts data source factory.
func NewServiceAccountsDataSource() datasource.DataSource { return &serviceAccountsDataSource{} }

type serviceAccountsDataSource struct{ dataSourceBase }

type serviceAccountsModel struct {
	Scope           types.String          `tfsdk:"scope"`
	ScopeID         types.String          `tfsdk:"scope_id"`
	ServiceAccounts []serviceAccountModel `tfsdk:"service_accounts"`
}

func (d *serviceAccountsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_accounts"
}

func (d *serviceAccountsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the k0rdent IAM service accounts in the region of the provider's `k0rdent` block, following the " +
			"API's pagination to the end. `scope` and `scope_id` are sent to the API as its list filters, and applied again to " +
			"what it answers.",
		Attributes: map[string]schema.Attribute{
			"scope": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Keep only the accounts of this scope: `organization` or `project`.",
				Validators:          []validator.String{stringvalidator.OneOf(serviceAccountScopes...)},
			},
			"scope_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Keep only the accounts scoped to this organization or project id.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"service_accounts": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The matching accounts, in the API's order (by id).",
				NestedObject: schema.NestedAttributeObject{
					Attributes: serviceAccountDataSourceAttributes(schema.StringAttribute{
						Computed:            true,
						MarkdownDescription: "Service account id.",
					}),
				},
			},
		},
	}
}

func (d *serviceAccountsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg serviceAccountsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	api, diags := d.clients.k0rdent.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	found, err := api.ListServiceAccountsMatching(ctx, client.ServiceAccountFilter{Scope: cfg.Scope.ValueString(), ScopeID: cfg.ScopeID.ValueString()})
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to list service accounts", err)
		return
	}
	cfg.ServiceAccounts = make([]serviceAccountModel, 0, len(found))
	for i := range found {
		cfg.ServiceAccounts = append(cfg.ServiceAccounts, serviceAccountFromAPI(&found[i], api.Region()))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, cfg)...)
}
