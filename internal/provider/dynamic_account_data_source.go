package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_dynamic_account data source: one account the Armory Scale Agent manages, by name.
// This file also holds what the account resource and both account data sources share: the
// attributes the API reports, their descriptions and their conversion.

var (
	_ datasource.DataSource              = (*dynamicAccountDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*dynamicAccountDataSource)(nil)
)

// NewDynamicAccountDataSource is the agentfleet_dynamic_account data source factory.
func NewDynamicAccountDataSource() datasource.DataSource { return &dynamicAccountDataSource{} }

type dynamicAccountDataSource struct{ dataSourceBase }

// dynamicAccountAttributes are what the API reports about an account. The resource model embeds
// them; the data sources are made of them.
type dynamicAccountAttributes struct {
	Name              types.String `tfsdk:"name"`
	ZoneID            types.String `tfsdk:"zone_id"`
	Type              types.String `tfsdk:"type"`
	Source            types.String `tfsdk:"source"`
	State             types.String `tfsdk:"state"`
	Agents            types.List   `tfsdk:"agents"`
	LastAssignmentMsg types.String `tfsdk:"last_assignment_msg"`
}

// dynamicAccountAgentType is the object type of one element of agents.
var dynamicAccountAgentType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"agent_id": types.StringType,
	"caching":  types.BoolType,
}}

// Descriptions of the account's attributes, the same in the resource and the data sources.
const (
	accountNameDescription = "Name of the Kubernetes account, as defined in Clouddriver."
	accountZoneDescription = "Zone the account is pinned to: only the Agents of that zone (by default `deploymentName_namespace`) take it. " +
		"Null when any Agent may take it; an account activated without a zone takes the zone of the Agent that took it."
	accountTypeDescription   = "Cloud provider of the account; currently always `kubernetes`."
	accountSourceDescription = "Where the account comes from: `clouddriver` for a dynamic account migrated from Clouddriver, " +
		"`static-agent-config` for one defined in an Agent's configuration file."
	accountStateDescription = "Assignment state, as the platform reports it (in `status` or `state`): settled `ACTIVE` " +
		"(Agents handle the account), `INACTIVE`, or a failure, `FAILED`, `ORPHANED` (no Agent manages it) or `DELETE_FAILED` " +
		"(see `last_assignment_msg`); or a transition under way, `TO_MIGRATE`, `ACTIVATING`, `TO_DEACTIVATE`, `DEACTIVATING` " +
		"or `DELETING`. An Armory whose answers carry no state at all gets one inferred: `ACTIVE` when Agents handle the account, " +
		"`INACTIVE` otherwise (so a failed assignment then reads `INACTIVE`)."
	accountAgentsDescription  = "The Agent pods confirmed to handle the account."
	accountAgentIDDescription = "Name of the Agent pod."
	accountCachingDescription = "Whether this Agent watches the cluster (caches its state); `false` for an Agent that only executes operations."
	accountMessageDescription = "Last message of an assignment: which Agent took the account, or why the assignment failed (for example an invalid kubeconfig). " +
		"Read from `lastAssignmentMsg`, or from `errorMessage` when the platform sends that instead."
)

func (d *dynamicAccountDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dynamic_account"
}

func (d *dynamicAccountDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attributes := dynamicAccountDataAttributes()
	attributes["name"] = schema.StringAttribute{
		Required:            true,
		MarkdownDescription: accountNameDescription,
		Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one account the Armory Scale Agent manages, by name: a dynamic account migrated from Clouddriver " +
			"or a static one from an Agent's configuration file. An account Clouddriver knows but has not migrated is not found.",
		Attributes: attributes,
	}
}

// dynamicAccountDataAttributes are the computed attributes of an account in a data source, all
// but the name, which is an argument of the singular data source and computed in the plural one.
func dynamicAccountDataAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"zone_id":             schema.StringAttribute{Computed: true, MarkdownDescription: accountZoneDescription},
		"type":                schema.StringAttribute{Computed: true, MarkdownDescription: accountTypeDescription},
		"source":              schema.StringAttribute{Computed: true, MarkdownDescription: accountSourceDescription},
		"state":               schema.StringAttribute{Computed: true, MarkdownDescription: accountStateDescription},
		"last_assignment_msg": schema.StringAttribute{Computed: true, MarkdownDescription: accountMessageDescription},
		"agents": schema.ListNestedAttribute{
			Computed:            true,
			MarkdownDescription: accountAgentsDescription,
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"agent_id": schema.StringAttribute{Computed: true, MarkdownDescription: accountAgentIDDescription},
				"caching":  schema.BoolAttribute{Computed: true, MarkdownDescription: accountCachingDescription},
			}},
		},
	}
}

func (d *dynamicAccountDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg dynamicAccountAttributes
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	api, diags := d.clients.armory.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	account, err := api.GetAccount(ctx, cfg.Name.ValueString())
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to read dynamic account", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, dynamicAccountAttributesFromAPI(account))...)
}

// dynamicAccountAttributesFromAPI converts the API's account. An empty zone means the account is
// not pinned, which Terraform shows as null.
func dynamicAccountAttributesFromAPI(a *client.DynamicAccount) dynamicAccountAttributes {
	agents := make([]attr.Value, 0, len(a.Agents))
	for _, agent := range a.Agents {
		agents = append(agents, types.ObjectValueMust(dynamicAccountAgentType.AttrTypes, map[string]attr.Value{
			"agent_id": types.StringValue(agent.AgentID),
			"caching":  types.BoolValue(agent.Caching),
		}))
	}
	zone := types.StringNull()
	if a.ZoneID != "" {
		zone = types.StringValue(a.ZoneID)
	}
	return dynamicAccountAttributes{
		Name:              types.StringValue(a.Name),
		ZoneID:            zone,
		Type:              types.StringValue(a.Type),
		Source:            types.StringValue(a.Source),
		State:             types.StringValue(a.State),
		Agents:            types.ListValueMust(dynamicAccountAgentType, agents),
		LastAssignmentMsg: types.StringValue(a.LastAssignmentMsg),
	}
}
