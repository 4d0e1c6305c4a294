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

// agentfleet_agents data source: the SpaceONE agents that match the API's filters.

var (
	_ datasource.DataSource              = (*agentsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*agentsDataSource)(nil)
)

// NewAgentsDataSource is the agentfleet_agents data source factory.
func NewAgentsDataSource() datasource.DataSource { return &agentsDataSource{} }

type agentsDataSource struct{ dataSourceBase }

type agentsDataModel struct {
	agentFilterModel
	Agents []agentDataModel `tfsdk:"agents"`
}

// agentFilterModel holds the filters of the agent lists, this data source and the agentfleet_agent
// list resource: the API applies agent_id and service_account_id, the provider applies state (see
// client.AgentFilter).
type agentFilterModel struct {
	AgentID          types.String `tfsdk:"agent_id"`
	ServiceAccountID types.String `tfsdk:"service_account_id"`
	State            types.String `tfsdk:"state"`
}

// The descriptions and validators of the filters in agentFilterModel.
const (
	agentIDFilterDescription          = "Only the agent with this id."
	serviceAccountIDFilterDescription = "Only the agent of this service account."
	agentStateFilterDescription       = "Only agents in this state: `ENABLED`, `DISABLED` or `EXPIRED`. Applied by the provider to the full list, not sent to the API."
)

func agentIDFilterValidators() []validator.String {
	return []validator.String{stringvalidator.LengthAtLeast(1)}
}

func serviceAccountIDFilterValidators() []validator.String {
	return []validator.String{stringvalidator.RegexMatches(serviceAccountIDPattern,
		"must be a SpaceONE service account id: \"sa-\" followed by lowercase letters and digits")}
}

func agentStateFilterValidators() []validator.String {
	return []validator.String{stringvalidator.OneOf(client.AgentEnabled, client.AgentDisabled, client.AgentExpired)}
}

func (f agentFilterModel) toAPI() client.AgentFilter {
	return client.AgentFilter{
		AgentID:          f.AgentID.ValueString(),
		ServiceAccountID: f.ServiceAccountID.ValueString(),
		State:            f.State.ValueString(),
	}
}

func (d *agentsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agents"
}

func (d *agentsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists SpaceONE identity v2 agents, filtered by the API and read page by page to the end.",
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
			"agents": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The matching agents, in the API's order. Client secrets are never listed.",
				NestedObject:        schema.NestedAttributeObject{Attributes: agentDataAttributes()},
			},
		},
	}
}

func (d *agentsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg agentsDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	api, diags := d.clients.spaceone.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	agents, err := api.ListAgents(ctx, cfg.toAPI())
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to list agents", err)
		return
	}
	cfg.Agents = make([]agentDataModel, 0, len(agents))
	for i := range agents {
		cfg.Agents = append(cfg.Agents, agentDataFromAPI(&agents[i]))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, cfg)...)
}
