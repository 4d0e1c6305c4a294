package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_agent_secret list resource: the Aria Operations for Logs agent secrets, for
// `terraform query` to find secrets made outside Terraform and write their import blocks.

var (
	_ list.ListResource              = (*agentSecretListResource)(nil)
	_ list.ListResourceWithConfigure = (*agentSecretListResource)(nil)
)

// NewAgentSecretListResource is the agentfleet_agent_secret list resource factory.
func NewAgentSecretListResource() list.ListResource { return &agentSecretListResource{} }

type agentSecretListResource struct{ resourceBase }

type agentSecretListModel struct {
	Name   types.String `tfsdk:"name"`
	Status types.String `tfsdk:"status"`
}

func (r *agentSecretListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent_secret"
}

func (r *agentSecretListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the Aria Operations for Logs agent secrets, every page of them. Results carry each secret's " +
			"identity (its name) and, with `include_resource`, its id, status and modification time; never the secret value, " +
			"which the API shows only when a secret is created. Revoked secrets stay in the platform's list but cannot be " +
			"imported, so they are left out unless `status` asks for them.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Keep only the secrets with exactly this name. The API has no server-side filter, " +
					"so this filters the full list.",
				Validators: agentSecretNameValidators(),
			},
			"status": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Keep only the secrets with this status, compared without regard to case, such as `ACTIVE`, " +
					"or `REVOKED` to list the revoked secrets. The API does not document its status values and has no " +
					"server-side filter, so this filters the full list.",
			},
		},
	}
}

func (r *agentSecretListResource) List(ctx context.Context, req list.ListRequest, resp *list.ListResultsStream) {
	var cfg agentSecretListModel
	diags := req.Config.Get(ctx, &cfg)
	api, platformDiags := r.clients.ariaLogs.get()
	diags.Append(platformDiags...)
	if diags.HasError() {
		listFailed(resp, diags)
		return
	}
	all, err := api.ListAgentSecrets(ctx)
	if err != nil {
		apiErrorDiag(&diags, "Unable to list agent secrets", err)
		listFailed(resp, diags)
		return
	}
	var found []client.AgentSecret
	for _, s := range all {
		if cfg.keeps(s) {
			found = append(found, s)
		}
	}
	resp.Results = listed(ctx, req, found, func(s client.AgentSecret) listedObject {
		m := agentSecretFromAPI(&s, types.StringNull()) // the list has no values, and a query keeps none
		return listedObject{displayName: displayName(s.Name, s.ID), identity: m.identity(), resource: m}
	})
}

// keeps reports whether s passes the configured filters. Without a status, revoked secrets are
// left out: importing one finds nothing.
func (m agentSecretListModel) keeps(s client.AgentSecret) bool {
	if !m.Name.IsNull() && s.Name != m.Name.ValueString() {
		return false
	}
	if m.Status.IsNull() {
		return !s.Revoked()
	}
	return strings.EqualFold(s.Status, m.Status.ValueString())
}
