package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_service_account list resource: the k0rdent IAM service accounts of the provider's
// region, for `terraform query` to find accounts made outside Terraform and write their import
// blocks.

var (
	_ list.ListResource              = (*serviceAccountListResource)(nil)
	_ list.ListResourceWithConfigure = (*serviceAccountListResource)(nil)
)

// NewServiceAccountListResource is the agentfleet_service_account list resource factory.
func NewServiceAccountListResource() list.ListResource { return &serviceAccountListResource{} }

type serviceAccountListResource struct{ resourceBase }

type serviceAccountListModel struct {
	Scope   types.String `tfsdk:"scope"`
	ScopeID types.String `tfsdk:"scope_id"`
	Status  types.String `tfsdk:"status"`
}

// serviceAccountStatuses are the statuses the API's list filters by.
var serviceAccountStatuses = []string{"active", "disabled"}

func (r *serviceAccountListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account"
}

func (r *serviceAccountListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the k0rdent IAM service accounts in the region of the provider's `k0rdent` block, every page of " +
			"them. Results carry each account's identity (its id and region) and, with `include_resource`, its attributes. " +
			"The filters are sent to the API as its list filters, and applied again to what it answers.",
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
			"status": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Keep only the accounts with this status: `active` or `disabled`.",
				Validators:          []validator.String{stringvalidator.OneOf(serviceAccountStatuses...)},
			},
		},
	}
}

func (r *serviceAccountListResource) List(ctx context.Context, req list.ListRequest, resp *list.ListResultsStream) {
	var cfg serviceAccountListModel
	diags := req.Config.Get(ctx, &cfg)
	api, platformDiags := r.clients.k0rdent.get()
	diags.Append(platformDiags...)
	if diags.HasError() {
		listFailed(resp, diags)
		return
	}
	found, err := api.ListServiceAccountsMatching(ctx, client.ServiceAccountFilter{
		Scope: cfg.Scope.ValueString(), ScopeID: cfg.ScopeID.ValueString(), Status: cfg.Status.ValueString(),
	})
	if err != nil {
		apiErrorDiag(&diags, "Unable to list service accounts", err)
		listFailed(resp, diags)
		return
	}
	resp.Results = listed(ctx, req, found, func(sa client.ServiceAccount) listedObject {
		m := serviceAccountFromAPI(&sa, api.Region())
		return listedObject{displayName: displayName(sa.DisplayName, sa.ID), identity: m.identity(), resource: m}
	})
}
