package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_dynamic_accounts data source: every account the Armory Scale Agent manages.

var (
	_ datasource.DataSource              = (*dynamicAccountsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*dynamicAccountsDataSource)(nil)
)

// NewDynamicAccountsDataSource is the agentfleet_dynamic_accounts data source factory.
func NewDynamicAccountsDataSource() datasource.DataSource { return &dynamicAccountsDataSource{} }

type dynamicAccountsDataSource struct{ dataSourceBase }

type dynamicAccountsModel struct {
	Source   types.String               `tfsdk:"source"`
	Accounts []dynamicAccountAttributes `tfsdk:"accounts"`
}

func (d *dynamicAccountsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dynamic_accounts"
}

func (d *dynamicAccountsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	account := dynamicAccountDataAttributes()
	account["name"] = schema.StringAttribute{Computed: true, MarkdownDescription: accountNameDescription}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the accounts the Armory Scale Agent manages, dynamic and static, sorted by name, " +
			"following the API's pagination to the end. The list route (`GET /armory/accounts`) is documented only on a draft " +
			"page of the Scale Agent docs and is in no published API description: an Armory that does not serve it (HTTP 404 " +
			"or 405) makes this data source fail with an error saying so. Read such accounts by name with the " +
			"`agentfleet_dynamic_account` data source.",
		Attributes: map[string]schema.Attribute{
			"source": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Keep only the accounts from this source: `clouddriver` (dynamic accounts) or `static-agent-config`. " +
					"The API has no server-side filter, so this filters the full list.",
				Validators: []validator.String{stringvalidator.OneOf(client.AccountSourceClouddriver, client.AccountSourceStatic)},
			},
			"accounts": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The accounts, sorted by name.",
				NestedObject:        schema.NestedAttributeObject{Attributes: account},
			},
		},
	}
}

func (d *dynamicAccountsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg dynamicAccountsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	api, diags := d.clients.armory.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	all, err := api.ListAccounts(ctx)
	if err != nil {
		accountListErrorDiag(&resp.Diagnostics, err, "Read the accounts one by one, by name, with the agentfleet_dynamic_account data source instead.")
		return
	}
	cfg.Accounts = make([]dynamicAccountAttributes, 0, len(all))
	for i := range all {
		if cfg.Source.IsNull() || all[i].Source == cfg.Source.ValueString() {
			cfg.Accounts = append(cfg.Accounts, dynamicAccountAttributesFromAPI(&all[i]))
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, cfg)...)
}

// accountListErrorDiag reports a failed account list. The route is documented only on a draft
// page, so an Armory that does not serve it gets an error that says so, and what to do instead.
func accountListErrorDiag(diags *diag.Diagnostics, err error, instead string) {
	if errors.Is(err, client.ErrAccountListNotServed) {
		diags.AddError("Dynamic account list not available", err.Error()+". "+instead)
		return
	}
	apiErrorDiag(diags, "Unable to list dynamic accounts", err)
}
