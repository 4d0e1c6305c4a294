package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_agent data source: the SpaceONE agent of one service account.

var (
	_ datasource.DataSource              = (*agentDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*agentDataSource)(nil)
)

// NewAgentDataSource is the agentfleet_agent data source factory.
func NewAgentDataSource() datasource.DataSource { return &agentDataSource{} }

type agentDataSource struct{ dataSourceBase }

// agentInfoModel is the part of SpaceONE's AgentInfo that every agent type reports as read-only.
type agentInfoModel struct {
	State          types.String      `tfsdk:"state"`
	AgentID        types.String      `tfsdk:"agent_id"`
	IsManaged      types.Bool        `tfsdk:"is_managed"`
	RoleType       types.String      `tfsdk:"role_type"`
	DomainID       types.String      `tfsdk:"domain_id"`
	WorkspaceID    types.String      `tfsdk:"workspace_id"`
	ProjectID      types.String      `tfsdk:"project_id"`
	AppID          types.String      `tfsdk:"app_id"`
	RoleID         types.String      `tfsdk:"role_id"`
	ClientID       types.String      `tfsdk:"client_id"`
	CreatedAt      timetypes.RFC3339 `tfsdk:"created_at"`
	ExpiredAt      timetypes.RFC3339 `tfsdk:"expired_at"`
	LastAccessedAt timetypes.RFC3339 `tfsdk:"last_accessed_at"`
}

// agentDataModel is one agent as the data sources report it: everything but the secret, which
// the API returns only to the caller that created or regenerated it.
type agentDataModel struct {
	ServiceAccountID types.String       `tfsdk:"service_account_id"`
	Options          *agentOptionsModel `tfsdk:"options"`
	agentInfoModel
}

func (d *agentDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent"
}

func (d *agentDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := agentDataAttributes()
	attrs["service_account_id"] = schema.StringAttribute{
		Required:            true,
		MarkdownDescription: "The service account whose agent to read, such as `sa-a120f6d21c4e`.",
		Validators: []validator.String{stringvalidator.RegexMatches(serviceAccountIDPattern,
			"must be a SpaceONE service account id: \"sa-\" followed by lowercase letters and digits")},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the SpaceONE identity v2 agent of a service account. The client secret is not readable; " +
			"it is available only from the `agentfleet_agent` resource that created or regenerated it.",
		Attributes: attrs,
	}
}

func (d *agentDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg agentDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	api, diags := d.clients.spaceone.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	agent, err := api.GetAgent(ctx, cfg.ServiceAccountID.ValueString())
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to read agent", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, agentDataFromAPI(agent))...)
}

// agentDataAttributes are the read-only attributes of one agent, shared by both data sources.
func agentDataAttributes() map[string]schema.Attribute {
	str := func(description string) schema.Attribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: description}
	}
	return map[string]schema.Attribute{
		"service_account_id": str("The service account that owns the agent."),
		"options": schema.SingleNestedAttribute{
			Computed:            true,
			MarkdownDescription: "What the agent collects.",
			Attributes: map[string]schema.Attribute{
				"cluster_name":             str("Name of the Kubernetes cluster the agent runs in."),
				"kube_state_metrics":       schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether kube-state-metrics are collected."},
				"prometheus_node_exporter": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether node-exporter metrics are collected."},
			},
		},
		"state":            str("`ENABLED`, `DISABLED` or `EXPIRED` (SpaceONE's state of an agent past its expiry)."),
		"agent_id":         str("Agent id assigned by SpaceONE."),
		"is_managed":       schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether SpaceONE manages the agent's app."},
		"role_type":        str("Role type of the agent's app."),
		"domain_id":        str("Domain of the agent."),
		"workspace_id":     str("Workspace of the agent."),
		"project_id":       str("Project of the agent."),
		"app_id":           str("App that backs the agent."),
		"role_id":          str("Role of the agent's app."),
		"client_id":        str("Client id the agent authenticates with."),
		"created_at":       dataSourceTimestamp("When the agent was created (RFC 3339)."),
		"expired_at":       dataSourceTimestamp("When the client secret expires (RFC 3339)."),
		"last_accessed_at": dataSourceTimestamp("When the agent last authenticated (RFC 3339), null when never."),
	}
}

func agentInfoFromAPI(a *client.Agent) agentInfoModel {
	return agentInfoModel{
		State:          types.StringValue(a.State),
		AgentID:        types.StringValue(a.AgentID),
		IsManaged:      types.BoolValue(a.IsManaged),
		RoleType:       types.StringValue(a.RoleType),
		DomainID:       types.StringValue(a.DomainID),
		WorkspaceID:    types.StringValue(a.WorkspaceID),
		ProjectID:      types.StringValue(a.ProjectID),
		AppID:          types.StringValue(a.AppID),
		RoleID:         types.StringValue(a.RoleID),
		ClientID:       types.StringValue(a.ClientID),
		CreatedAt:      timestampFromAPI(a.CreatedAt),
		ExpiredAt:      timestampFromAPI(a.ExpiredAt),
		LastAccessedAt: timestampFromAPI(a.LastAccessedAt),
	}
}

func agentOptionsFromAPI(o client.AgentOptions) *agentOptionsModel {
	return &agentOptionsModel{
		ClusterName:            types.StringValue(o.ClusterName),
		KubeStateMetrics:       types.BoolValue(bool(o.KubeStateMetrics)),
		PrometheusNodeExporter: types.BoolValue(bool(o.PrometheusNodeExporter)),
	}
}

func agentDataFromAPI(a *client.Agent) agentDataModel {
	return agentDataModel{
		ServiceAccountID: types.StringValue(a.ServiceAccountID),
		Options:          agentOptionsFromAPI(a.Options),
		agentInfoModel:   agentInfoFromAPI(a),
	}
}
