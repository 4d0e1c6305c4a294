package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_agent_token: a Rackspace Cloud Monitoring agent token.

var (
	_ resource.Resource                = (*agentTokenResource)(nil)
	_ resource.ResourceWithConfigure   = (*agentTokenResource)(nil)
	_ resource.ResourceWithImportState = (*agentTokenResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*agentTokenResource)(nil)
	_ resource.ResourceWithIdentity    = (*agentTokenResource)(nil)
)

// NewAgentTokenResource is the agentfleet_agent_token resource factory.
func NewAgentTokenResource() resource.Resource { return &agentTokenResource{} }

type agentTokenResource struct{ resourceBase }

type agentTokenModel struct {
	ID    types.String `tfsdk:"id"`
	Label types.String `tfsdk:"label"`
	Token types.String `tfsdk:"token"`
}

// agentTokenIdentity is the token's natural key: its id.
type agentTokenIdentity struct {
	ID types.String `tfsdk:"id"`
}

// maxAgentTokenLabel is the longest label the resource accepts.
const maxAgentTokenLabel = 255

func (r *agentTokenResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent_token"
}

func (r *agentTokenResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Rackspace Cloud Monitoring agent token, which monitoring agents use to authenticate. " +
			"Several agents may share one token. The label can be changed in place; the token value never changes. " +
			"A create sends the token under a label unique to that create (`agentfleet-create-` and random digits), then sets the " +
			"configured label: when the answer to the create is lost, the provider finds its token by that unique label, never " +
			"adopting a token that merely shares the configured one (a list that gives no id is an error). If setting the label " +
			"fails, the token is saved in state and marked tainted, so the next apply replaces it.",
		Attributes: map[string]schema.Attribute{
			// Optional
			"label": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(""),
				MarkdownDescription: "Free-form label that tells the token apart, such as the host group it serves. Labels need not be unique. " +
					"Updated in place. Default `\"\"`.",
				Validators: []validator.String{stringvalidator.LengthAtMost(maxAgentTokenLabel)},
			},
			// Computed
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Token id assigned by Cloud Monitoring (the `X-Object-ID` of the create).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"token": schema.StringAttribute{
				Computed:            true,
				Sensitive:           true,
				MarkdownDescription: "The token value that agents authenticate with. Sensitive: it is stored in state, so protect the state.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *agentTokenResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"id": identityAttribute("Token id assigned by Cloud Monitoring."),
	}}
}

func (r *agentTokenResource) ModifyPlan(_ context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	requirePlatform(monitoringPlatform, r.clients, req, resp)
}

func (r *agentTokenResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan agentTokenModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	api, diags := r.clients.monitoring.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	token, err := api.CreateAgentToken(ctx, plan.Label.ValueString())
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to create agent token", err)
	}
	if token == nil {
		return
	}
	// A token that exists but could not be finished (relabelled, read back) is saved with the
	// error, so Terraform marks it tainted and replaces it instead of leaving it behind.
	state := agentTokenFromAPI(token, plan.Token)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	setIdentity(ctx, resp.Identity, state.identity(), &resp.Diagnostics)
}

func (r *agentTokenResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state agentTokenModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	setIdentity(ctx, resp.Identity, state.identity(), &resp.Diagnostics)
	api, diags := r.clients.monitoring.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	token, err := api.GetAgentToken(ctx, state.ID.ValueString())
	if removeIfGone(ctx, err, "agent token", state.ID.ValueString(), resp) {
		return
	}
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to read agent token", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, agentTokenFromAPI(token, state.Token))...)
}

// Update changes the label, the only argument that can change without a new token. The PUT
// answers with no body, and nothing else can have changed, so the plan is the new state.
func (r *agentTokenResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan agentTokenModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	api, diags := r.clients.monitoring.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := api.UpdateAgentTokenLabel(ctx, plan.ID.ValueString(), plan.Label.ValueString()); err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to update agent token", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	setIdentity(ctx, resp.Identity, plan.identity(), &resp.Diagnostics)
}

func (r *agentTokenResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state agentTokenModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api, diags := r.clients.monitoring.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := ignoreNotFound(api.DeleteAgentToken(ctx, state.ID.ValueString())); err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to delete agent token", err)
	}
}

// ImportState takes the token id, as a string or as the identity's id; Read then fills in the
// label and the token value.
func (r *agentTokenResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := importKey(ctx, req, "id", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if id == "" || strings.ContainsAny(id, "/ ") {
		resp.Diagnostics.AddError("Invalid import ID",
			"Import an agent token by its id, as shown by the Cloud Monitoring API or the agentfleet_agent_tokens data source, "+
				"for example: terraform import agentfleet_agent_token.example tkAbCdEf.hybrid:000000")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

func (m agentTokenModel) identity() agentTokenIdentity {
	return agentTokenIdentity{ID: m.ID}
}

// agentTokenFromAPI converts the API's token, keeping priorToken when the API sent no value.
func agentTokenFromAPI(t *client.AgentToken, priorToken types.String) agentTokenModel {
	return agentTokenModel{
		ID:    types.StringValue(t.ID),
		Label: types.StringValue(t.Label),
		Token: keepSecret(priorToken, t.Token),
	}
}
