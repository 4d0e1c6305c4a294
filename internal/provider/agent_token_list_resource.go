package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_agent_token list resource: the Cloud Monitoring agent tokens of the tenant, for
// `terraform query` to find tokens made outside Terraform and write their import blocks.

var (
	_ list.ListResource              = (*agentTokenListResource)(nil)
	_ list.ListResourceWithConfigure = (*agentTokenListResource)(nil)
)

// NewAgentTokenListResource is the agentfleet_agent_token list resource factory.
func NewAgentTokenListResource() list.ListResource { return &agentTokenListResource{} }

type agentTokenListResource struct{ resourceBase }

type agentTokenListModel struct {
	Label types.String `tfsdk:"label"`
}

func (r *agentTokenListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent_token"
}

func (r *agentTokenListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the Rackspace Cloud Monitoring agent tokens of the tenant, every page of them. " +
			"Results carry each token's identity (its id) and, with `include_resource`, its label; never the token value. " +
			"A list whose items carry no `id` is an error that says so.",
		Attributes: map[string]schema.Attribute{
			"label": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Keep only the tokens with exactly this label. The API has no server-side filter, " +
					"so this filters the full list.",
			},
		},
	}
}

func (r *agentTokenListResource) List(ctx context.Context, req list.ListRequest, resp *list.ListResultsStream) {
	var cfg agentTokenListModel
	diags := req.Config.Get(ctx, &cfg)
	api, platformDiags := r.clients.monitoring.get()
	diags.Append(platformDiags...)
	if diags.HasError() {
		listFailed(resp, diags)
		return
	}
	all, err := api.ListAgentTokens(ctx)
	if err != nil {
		apiErrorDiag(&diags, "Unable to list agent tokens", err)
		listFailed(resp, diags)
		return
	}
	var found []client.AgentToken
	for _, t := range all {
		if cfg.Label.IsNull() || t.Label == cfg.Label.ValueString() {
			found = append(found, t)
		}
	}
	resp.Results = listed(ctx, req, found, func(t client.AgentToken) listedObject {
		m := agentTokenFromAPI(&client.AgentToken{ID: t.ID, Label: t.Label}, types.StringNull())
		return listedObject{displayName: displayName(t.Label, t.ID), identity: m.identity(), resource: m}
	})
}
