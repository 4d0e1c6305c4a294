package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_service_account_credential list resource: the credentials of one k0rdent IAM
// service account, for `terraform query` to find credentials made outside Terraform and write
// their import blocks.

var (
	_ list.ListResource              = (*serviceAccountCredentialListResource)(nil)
	_ list.ListResourceWithConfigure = (*serviceAccountCredentialListResource)(nil)
)

// NewServiceAccountCredentialListResource is the agentfleet_service_account_credential list
// resource factory.
func NewServiceAccountCredentialListResource() list.ListResource {
	return &serviceAccountCredentialListResource{}
}

type serviceAccountCredentialListResource struct{ resourceBase }

type serviceAccountCredentialListModel struct {
	ServiceAccountID types.String `tfsdk:"service_account_id"`
	Status           types.String `tfsdk:"status"`
}

func (r *serviceAccountCredentialListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account_credential"
}

func (r *serviceAccountCredentialListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the credentials of one k0rdent IAM service account, every page of them. Results carry each " +
			"credential's identity (its id and the service account's id) and, with `include_resource`, its attributes; never " +
			"the client secret, which the API returns only when a credential is created.",
		Attributes: map[string]schema.Attribute{
			"service_account_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Id of the service account whose credentials to list.",
				Validators:          serviceAccountIDValidators(),
			},
			"status": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Keep only the credentials with this status: `active` or `expired`. It is sent to the API as " +
					"its list filter, and applied again to what it answers.",
				Validators: []validator.String{stringvalidator.OneOf(client.K0rdentCredentialActive, client.K0rdentCredentialExpired)},
			},
		},
	}
}

func (r *serviceAccountCredentialListResource) List(ctx context.Context, req list.ListRequest, resp *list.ListResultsStream) {
	var cfg serviceAccountCredentialListModel
	diags := req.Config.Get(ctx, &cfg)
	api, platformDiags := r.clients.k0rdent.get()
	diags.Append(platformDiags...)
	if diags.HasError() {
		listFailed(resp, diags)
		return
	}
	saID := cfg.ServiceAccountID.ValueString()
	found, err := api.ListCredentialsMatching(ctx, saID, client.CredentialFilter{Status: cfg.Status.ValueString()})
	if err != nil {
		apiErrorDiag(&diags, "Unable to list service account credentials", err)
		listFailed(resp, diags)
		return
	}
	// The list's credentials carry no client id: it is the service account's, read only when
	// the results include the resource.
	var clientID string
	if req.IncludeResource {
		if clientID, err = api.ServiceAccountClientID(ctx, saID); err != nil {
			apiErrorDiag(&diags, "Unable to read the service account of the credentials", err)
			listFailed(resp, diags)
			return
		}
	}
	prior := serviceAccountCredentialModel{ServiceAccountID: cfg.ServiceAccountID, ClientSecret: types.StringNull(),
		ExpiresAt: timetypes.NewRFC3339Null(), RotateBefore: types.StringNull()}
	resp.Results = listed(ctx, req, found, func(c client.ServiceAccountCredential) listedObject {
		c.ClientID = clientID
		m := serviceAccountCredentialFromAPI(&c, prior) // no secret: the list has none, and a query keeps none
		return listedObject{displayName: c.ID, identity: m.identity(), resource: m}
	})
}
