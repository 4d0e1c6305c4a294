package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_agent list resource: the SpaceONE agents, for `terraform query` to find agents made
// outside Terraform and write their import blocks.

var (
	_ list.ListResource              = (*agentListResource)(nil)
	_ list.ListResourceWithConfigure = (*agentListResource)(nil)
)

// NewAgentListResource is the agentfleet_agent list resource factory.
func NewAgentListResource() list.ListResource { return &agentListResource{} }

type agentListResource struct{ resourceBase }

func (r *agentListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent"
}

func (r *agentListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the SpaceONE identity v2 agents, filtered by the API and read page by page to the end. " +
			"Results carry each agent's identity (its service account id) and, with `include_resource`, what the API reports of it; " +
			"never the client secret, which SpaceONE returns only when a secret is created.",
		Attributes: map[string]schema.Attribute{
			"agent_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: agentIDFilterDescription,
				Validators:          agentIDFilterValidators(),
			},
			"service_account_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: serviceAccountIDFilterDescription,
				Validators:          serviceAccountIDFilterValidators(),
			},
			"state": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: agentStateFilterDescription,
				Validators:          agentStateFilterValidators(),
			},
		},
	}
}

func (r *agentListResource) List(ctx context.Context, req list.ListRequest, resp *list.ListResultsStream) {
	var cfg agentFilterModel
	diags := req.Config.Get(ctx, &cfg)
	api, platformDiags := r.clients.spaceone.get()
	diags.Append(platformDiags...)
	if diags.HasError() {
		listFailed(resp, diags)
		return
	}
	agents, err := api.ListAgents(ctx, cfg.toAPI())
	if err != nil {
		apiErrorDiag(&diags, "Unable to list agents", err)
		listFailed(resp, diags)
		return
	}
	resp.Results = listed(ctx, req, agents, func(a client.Agent) listedObject {
		m := agentListedFromAPI(&a)
		return listedObject{displayName: agentDisplayName(&a), identity: m.identity(), resource: m}
	})
}

// agentListedFromAPI is an agent as a list result: what the API reports, the arguments only a
// configuration sets null, and the client secret null even if a server sent one.
func agentListedFromAPI(a *client.Agent) agentResourceModel {
	m := agentResourceModel{
		Enabled:            types.BoolNull(),
		RegenerateTriggers: types.MapNull(types.StringType),
		RotateBefore:       types.StringNull(),
	}.withAPI(a, types.StringNull())
	m.ClientSecret = types.StringNull()
	return m
}

// agentDisplayName names an agent by its service account, and its cluster when it has one:
// SpaceONE agents have no name of their own.
func agentDisplayName(a *client.Agent) string {
	if a.Options.ClusterName == "" {
		return a.ServiceAccountID
	}
	return fmt.Sprintf("%s (cluster %s)", a.ServiceAccountID, a.Options.ClusterName)
}
