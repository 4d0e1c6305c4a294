package provider

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_agent: the SpaceONE identity v2 agent of a service account.

var (
	_ resource.Resource                = (*agentResource)(nil)
	_ resource.ResourceWithConfigure   = (*agentResource)(nil)
	_ resource.ResourceWithImportState = (*agentResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*agentResource)(nil)
	_ resource.ResourceWithIdentity    = (*agentResource)(nil)
)

// NewAgentResource is the agentfleet_agent resource factory.
func NewAgentResource() resource.Resource { return &agentResource{} }

type agentResource struct{ resourceBase }

type agentResourceModel struct {
	ID                 types.String `tfsdk:"id"`
	ServiceAccountID   types.String `tfsdk:"service_account_id"`
	Options            types.Object `tfsdk:"options"` // unknown as a whole when it comes from something not yet applied
	Enabled            types.Bool   `tfsdk:"enabled"`
	RegenerateTriggers types.Map    `tfsdk:"regenerate_triggers"`
	RotateBefore       types.String `tfsdk:"rotate_before"`
	ClientSecret       types.String `tfsdk:"client_secret"`
	agentInfoModel
}

// agentIdentity is the agent's natural key: its service account, which has at most one agent.
type agentIdentity struct {
	ServiceAccountID types.String `tfsdk:"service_account_id"`
}

type agentOptionsModel struct {
	ClusterName            types.String `tfsdk:"cluster_name"`
	KubeStateMetrics       types.Bool   `tfsdk:"kube_state_metrics"`
	PrometheusNodeExporter types.Bool   `tfsdk:"prometheus_node_exporter"`
}

// agentOptionsTypes are the attribute types of the resource's options object.
var agentOptionsTypes = map[string]attr.Type{
	"cluster_name": types.StringType, "kube_state_metrics": types.BoolType, "prometheus_node_exporter": types.BoolType,
}

// serviceAccountIDPattern is the shape of SpaceONE service account ids (sa-a120f6d21c4e).
var serviceAccountIDPattern = regexp.MustCompile(`^sa-[a-z0-9]+$`)

func (r *agentResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent"
}

func (r *agentResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The SpaceONE (Cloudforet) identity v2 agent of a service account, which cost and monitoring " +
			"agents (such as OpenCost on Kubernetes) use to authenticate. Enabling, disabling and secret rotation happen in place; " +
			"the agent is replaced only when its service account or options change. When the answer to a create is lost, the " +
			"agent the service account now has is reported, not regenerated: another workspace may have made it at the same " +
			"moment, and a regeneration would cut off the agents using its secret. Import it and change `regenerate_triggers` if it is yours.",
		Attributes: map[string]schema.Attribute{
			// Required
			"service_account_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The service account that owns the agent, such as `sa-a120f6d21c4e`. A service account has at most one agent. Changing it replaces the agent.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{stringvalidator.RegexMatches(serviceAccountIDPattern,
					"must be a SpaceONE service account id: \"sa-\" followed by lowercase letters and digits, such as sa-a120f6d21c4e")},
			},
			"options": schema.SingleNestedAttribute{
				Required:            true,
				MarkdownDescription: "What the agent collects. Changing any option replaces the agent (the API has no update).",
				PlanModifiers:       []planmodifier.Object{objectplanmodifier.RequiresReplace()},
				Attributes: map[string]schema.Attribute{
					"cluster_name": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "Name of the Kubernetes cluster the agent runs in.",
						Validators: []validator.String{
							stringvalidator.LengthBetween(1, 253),
							stringvalidator.RegexMatches(regexp.MustCompile(`^\S(.*\S)?$`), "must not be blank or start or end with white space"),
						},
					},
					"kube_state_metrics": schema.BoolAttribute{
						Optional: true, Computed: true, Default: booldefault.StaticBool(false),
						MarkdownDescription: "Collect kube-state-metrics. Default `false`.",
					},
					"prometheus_node_exporter": schema.BoolAttribute{
						Optional: true, Computed: true, Default: booldefault.StaticBool(false),
						MarkdownDescription: "Collect Prometheus node-exporter metrics. Default `false`.",
					},
				},
			},
			// Optional
			"enabled": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Whether the agent may authenticate. Changed in place with the API's enable and disable calls. Default `true`. " +
					"An agent that SpaceONE reports as `EXPIRED` keeps the value set here, so its expiry alone plans no change; `state` shows it.",
			},
			"regenerate_triggers": schema.MapAttribute{
				ElementType: types.StringType,
				Optional:    true,
				MarkdownDescription: "Arbitrary values that, when changed, regenerate the client secret in place (the agent and its id stay). " +
					"For example `{ rotated = \"2026-01\" }`. An imported agent has neither triggers nor a client secret in state: " +
					"configured triggers are then adopted in place without regenerating, so the agents that use the live secret keep " +
					"working, and a later change of them regenerates (and brings the secret into state).",
			},
			"rotate_before": rotateBeforeAttribute("regenerates the client secret in place"),
			// Computed
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Same as `service_account_id`, the agent's identity in the API.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"client_secret": schema.StringAttribute{
				Computed:  true,
				Sensitive: true,
				MarkdownDescription: "The agent's client secret, returned only when the agent is created or its secret regenerated, and kept in state. " +
					"Null after import: once the imported agent's `regenerate_triggers` are adopted, change them to get a new one.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"state":            computedString("`ENABLED`, `DISABLED` or `EXPIRED` (SpaceONE's state of an agent past its expiry).", false),
			"agent_id":         computedString("Agent id assigned by SpaceONE.", true),
			"is_managed":       schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether SpaceONE manages the agent's app."},
			"role_type":        computedString("Role type of the agent's app, such as `WORKSPACE_OWNER`.", true),
			"domain_id":        computedString("Domain of the agent.", true),
			"workspace_id":     computedString("Workspace of the agent.", true),
			"project_id":       computedString("Project of the agent.", true),
			"app_id":           computedString("App that backs the agent.", true),
			"role_id":          computedString("Role of the agent's app.", true),
			"client_id":        computedString("Client id the agent authenticates with, together with `client_secret`. Regenerating the secret issues a new one.", true),
			"created_at":       computedTimestamp("When the agent was created (RFC 3339).", true),
			"expired_at":       computedTimestamp("When the client secret expires (RFC 3339). Regenerating the secret moves it.", true),
			"last_accessed_at": computedTimestamp("When the agent last authenticated (RFC 3339), null when never.", false),
		},
	}
}

func (r *agentResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"service_account_id": identityAttribute("The service account that owns the agent, such as `sa-a120f6d21c4e`."),
	}}
}

// computedString is a read-only string; stable ones keep their state value in plans.
func computedString(description string, stable bool) schema.StringAttribute {
	a := schema.StringAttribute{Computed: true, MarkdownDescription: description}
	if stable {
		a.PlanModifiers = []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	}
	return a
}

// ModifyPlan plans the in-place changes the schema alone cannot express: the state that follows
// `enabled`, and a regenerated secret when the triggers change or expiry is within rotate_before
// (see agent_plan.go).
func (r *agentResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	requirePlatform(spaceonePlatform, r.clients, req, resp)
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan agentResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	var prior *agentResourceModel
	if !req.State.Raw.IsNull() {
		prior = new(agentResourceModel)
		resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	plan, rotation := planAgent(plan, prior, lastRegeneration(ctx, req.Private), rotationClock(ctx, req.Private))
	addRotationDiagnostics(&resp.Diagnostics, rotation, plan.RotateBefore, agentRotationWords)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, plan)...)
}

func (r *agentResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan agentResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	api, diags := r.clients.spaceone.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	create, diags := plan.toAPI(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	agent, err := api.CreateAgent(ctx, create)
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to create agent", err)
		return
	}
	secret := agent.ClientSecret
	if !plan.Enabled.ValueBool() {
		// The API creates agents enabled; save what exists before the second call can fail.
		saved := plan.withAPI(agent, types.StringValue(secret))
		resp.Diagnostics.Append(resp.State.Set(ctx, saved)...)
		setIdentity(ctx, resp.Identity, saved.identity(), &resp.Diagnostics)
		if agent, err = api.DisableAgent(ctx, agent.ServiceAccountID); err != nil {
			apiErrorDiag(&resp.Diagnostics, "Unable to disable the new agent", err)
			return
		}
	}
	state := plan.withAPI(agent, types.StringValue(secret))
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	setIdentity(ctx, resp.Identity, state.identity(), &resp.Diagnostics)
}

func (r *agentResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state agentResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	setIdentity(ctx, resp.Identity, state.identity(), &resp.Diagnostics)
	api, diags := r.clients.spaceone.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	agent, err := api.GetAgent(ctx, state.ServiceAccountID.ValueString())
	if removeIfGone(ctx, err, "agent", state.ServiceAccountID.ValueString(), resp) {
		return
	}
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to read agent", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state.withAPI(agent, state.ClientSecret))...)
	resp.Diagnostics.Append(recordRefresh(ctx, resp.Private, time.Now())...)
}

// Update enables or disables the agent and regenerates its secret, as the plan says.
func (r *agentResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state agentResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api, diags := r.clients.spaceone.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The service account never changes in place, so neither does the identity.
	setIdentity(ctx, resp.Identity, state.identity(), &resp.Diagnostics)
	id := state.ServiceAccountID.ValueString()
	var agent *client.Agent
	var err error
	secret := state.ClientSecret
	if plan.ClientSecret.IsUnknown() {
		if agent, err = api.RegenerateAgent(ctx, id); err != nil {
			apiErrorDiag(&resp.Diagnostics, "Unable to regenerate the agent's client secret", err)
			return
		}
		secret = types.StringValue(agent.ClientSecret)
		resp.Diagnostics.Append(recordRegeneration(ctx, resp.Private, time.Now(), state.ExpiredAt.ValueString(), agent.ExpiredAt)...)
	}
	if plan.Enabled.ValueBool() != state.Enabled.ValueBool() {
		regenerated := agent
		if agent, err = setAgentEnabled(ctx, api, id, plan.Enabled.ValueBool()); err != nil {
			if regenerated != nil {
				resp.Diagnostics.Append(resp.State.Set(ctx, state.afterRegeneration(plan, regenerated, secret))...)
			}
			apiErrorDiag(&resp.Diagnostics, "Unable to change whether the agent is enabled", err)
			return
		}
	}
	if agent == nil { // only Terraform-side arguments changed
		if agent, err = api.GetAgent(ctx, id); err != nil {
			apiErrorDiag(&resp.Diagnostics, "Unable to read agent", err)
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan.withAPI(agent, secret))...)
}

func setAgentEnabled(ctx context.Context, api *client.SpaceONE, serviceAccountID string, enabled bool) (*client.Agent, error) {
	if enabled {
		return api.EnableAgent(ctx, serviceAccountID)
	}
	return api.DisableAgent(ctx, serviceAccountID)
}

func (r *agentResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state agentResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api, diags := r.clients.spaceone.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := ignoreNotFound(api.DeleteAgent(ctx, state.ServiceAccountID.ValueString())); err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to delete agent", err)
	}
}

// ImportState takes the service account id, as a string or as the identity's
// service_account_id; the client secret cannot be read back, so it stays null until the next
// regeneration.
func (r *agentResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	serviceAccountID := importKey(ctx, req, "service_account_id", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if !serviceAccountIDPattern.MatchString(serviceAccountID) {
		resp.Diagnostics.AddError("Invalid import ID",
			"Import an agent by the id of its service account, such as: terraform import agentfleet_agent.example sa-a120f6d21c4e")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("service_account_id"), serviceAccountID)...)
}

func (m agentResourceModel) identity() agentIdentity {
	return agentIdentity{ServiceAccountID: m.ServiceAccountID}
}

// withAPI returns m updated from the API's agent: Terraform-only arguments stay as in m, and
// the secret is the given one unless the agent carries a fresh one.
func (m agentResourceModel) withAPI(a *client.Agent, secret types.String) agentResourceModel {
	m.ID = types.StringValue(a.ServiceAccountID)
	m.ServiceAccountID = types.StringValue(a.ServiceAccountID)
	m.Options = agentOptionsObject(a.Options)
	m.Enabled = enabledFromAPI(a.State, m.Enabled)
	m.ClientSecret = keepSecret(secret, a.ClientSecret)
	m.agentInfoModel = agentInfoFromAPI(a)
	return m
}

// afterRegeneration is the prior state m once a regeneration the plan asked for is done but the
// rest of the update is not: the new secret, client id and expiry (the old ones no longer work)
// and the arguments that asked for it, so that the next plan does not regenerate again.
func (m agentResourceModel) afterRegeneration(plan agentResourceModel, a *client.Agent, secret types.String) agentResourceModel {
	m.RegenerateTriggers, m.RotateBefore = plan.RegenerateTriggers, plan.RotateBefore
	return m.withAPI(a, secret)
}

func (m agentResourceModel) toAPI(ctx context.Context) (client.AgentCreateRequest, diag.Diagnostics) {
	var opts agentOptionsModel
	diags := m.Options.As(ctx, &opts, basetypes.ObjectAsOptions{})
	return client.AgentCreateRequest{
		ServiceAccountID: m.ServiceAccountID.ValueString(),
		Options: client.NewAgentOptions(strings.TrimSpace(opts.ClusterName.ValueString()),
			opts.KubeStateMetrics.ValueBool(), opts.PrometheusNodeExporter.ValueBool()),
	}, diags
}

// agentOptionsObject is the API's options as the resource's options object.
func agentOptionsObject(o client.AgentOptions) types.Object {
	return types.ObjectValueMust(agentOptionsTypes, map[string]attr.Value{
		"cluster_name":             types.StringValue(o.ClusterName),
		"kube_state_metrics":       types.BoolValue(bool(o.KubeStateMetrics)),
		"prometheus_node_exporter": types.BoolValue(bool(o.PrometheusNodeExporter)),
	})
}
