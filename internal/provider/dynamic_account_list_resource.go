package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_dynamic_account list resource: the dynamic accounts of the Armory Scale Agent, for
// `terraform query` to find accounts migrated outside Terraform and write their import blocks.

var (
	_ list.ListResource              = (*dynamicAccountListResource)(nil)
	_ list.ListResourceWithConfigure = (*dynamicAccountListResource)(nil)
)

// NewDynamicAccountListResource is the agentfleet_dynamic_account list resource factory.
func NewDynamicAccountListResource() list.ListResource { return &dynamicAccountListResource{} }

type dynamicAccountListResource struct{ resourceBase }

type dynamicAccountListModel struct {
	State types.String `tfsdk:"state"`
}

// accountStates are the states the platform documents, settled and under way.
var accountStates = []string{
	client.AccountInactive, client.AccountActive, client.AccountFailed, client.AccountOrphaned, client.AccountDeleteFailed,
	client.AccountToMigrate, client.AccountActivating, client.AccountToDeactivate, client.AccountDeactivating, client.AccountDeleting,
}

func (r *dynamicAccountListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dynamic_account"
}

func (r *dynamicAccountListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the dynamic accounts of the Armory Scale Agent, sorted by name, following the API's pagination " +
			"to the end. Results carry each account's identity (its name) and, with `include_resource`, what the API reports of it; " +
			"never a kubeconfig, which the API does not return. Static accounts (source `static-agent-config`, defined in an Agent's " +
			"configuration file) are left out: they cannot be managed or imported; the `agentfleet_dynamic_accounts` data source lists them.\n\n" +
			"The list route (`GET /armory/accounts`) is documented only on a draft page of the Scale Agent docs: an Armory that does " +
			"not serve it (HTTP 404 or 405) ends the query with an error saying so. Import such accounts by name instead.",
		Attributes: map[string]schema.Attribute{
			"state": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Keep only the accounts in this state, such as `FAILED` or `ORPHANED` (which the " +
					"`agentfleet_dynamic_account_reassign` action assigns again). The API has no server-side filter, so this filters the full list.",
				Validators: []validator.String{stringvalidator.OneOf(accountStates...)},
			},
		},
	}
}

func (r *dynamicAccountListResource) List(ctx context.Context, req list.ListRequest, resp *list.ListResultsStream) {
	var cfg dynamicAccountListModel
	diags := req.Config.Get(ctx, &cfg)
	api, platformDiags := r.clients.armory.get()
	diags.Append(platformDiags...)
	noTimeouts := nullTimeouts(ctx, req, &diags)
	if diags.HasError() {
		listFailed(resp, diags)
		return
	}
	all, err := api.ListAccounts(ctx)
	if err != nil {
		accountListErrorDiag(&diags, err, "Import the accounts by name instead: an import block with identity = { name = \"...\" } or id = \"...\".")
		listFailed(resp, diags)
		return
	}
	var found []client.DynamicAccount
	for _, a := range all {
		if a.Source != client.AccountSourceStatic && (cfg.State.IsNull() || a.State == cfg.State.ValueString()) {
			found = append(found, a)
		}
	}
	resp.Results = listed(ctx, req, found, func(a client.DynamicAccount) listedObject {
		m := dynamicAccountListedFromAPI(&a, noTimeouts)
		return listedObject{displayName: a.Name, identity: m.identity(), resource: m}
	})
}

// nullTimeouts is the resource's timeouts block, null.
func nullTimeouts(ctx context.Context, req list.ListRequest, diags *diag.Diagnostics) timeouts.Value {
	v, _ := nullResourceAttribute(ctx, req, path.Root("timeouts"), diags).(timeouts.Value)
	return v
}

// dynamicAccountListedFromAPI is an account as a list result: what the API reports, and every
// argument only a configuration sets null, the kubeconfig first.
func dynamicAccountListedFromAPI(a *client.DynamicAccount, noTimeouts timeouts.Value) dynamicAccountModel {
	return dynamicAccountFromAPI(a, dynamicAccountModel{
		KubeconfigFile:          types.StringNull(),
		KubeconfigFileWOVersion: types.Int64Null(),
		Timeouts:                noTimeouts,
	})
}
