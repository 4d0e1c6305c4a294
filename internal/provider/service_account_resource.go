package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_service_account: a k0rdent IAM service account.

var (
	_ resource.Resource                = (*serviceAccountResource)(nil)
	_ resource.ResourceWithConfigure   = (*serviceAccountResource)(nil)
	_ resource.ResourceWithImportState = (*serviceAccountResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*serviceAccountResource)(nil)
	_ resource.ResourceWithIdentity    = (*serviceAccountResource)(nil)
)

// NewServiceAccountResource is the agentfleet_service_account resource factory.
func NewServiceAccountResource() resource.Resource { return &serviceAccountResource{} }

type serviceAccountResource struct{ resourceBase }

// serviceAccountModel is shared by the resource and both data sources, which expose the same
// attributes.
type serviceAccountModel struct {
	ID                    types.String      `tfsdk:"id"`
	DisplayName           types.String      `tfsdk:"display_name"`
	Description           types.String      `tfsdk:"description"`
	Roles                 types.Set         `tfsdk:"roles"`
	Scope                 types.String      `tfsdk:"scope"`
	ScopeID               types.String      `tfsdk:"scope_id"`
	Region                types.String      `tfsdk:"region"`
	UID                   types.String      `tfsdk:"uid"`
	ClientID              types.String      `tfsdk:"client_id"`
	SelfLink              types.String      `tfsdk:"self_link"`
	Status                types.String      `tfsdk:"status"`
	CreatedBy             types.String      `tfsdk:"created_by"`
	CreatedAt             timetypes.RFC3339 `tfsdk:"created_at"`
	UpdatedAt             timetypes.RFC3339 `tfsdk:"updated_at"`
	ActiveCredentialCount types.Int64       `tfsdk:"active_credential_count"`
}

// serviceAccountIdentity is the account's natural key: its id, unique within its region.
type serviceAccountIdentity struct {
	ID     types.String `tfsdk:"id"`
	Region types.String `tfsdk:"region"`
}

// Limits from the API reference (seed 004).
const (
	maxServiceAccountID          = 63
	maxServiceAccountDisplayName = 255
	maxServiceAccountDescription = 1024
)

var (
	k0rdentServiceAccountIDPattern = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	serviceAccountScopes           = []string{"organization", "project"}
)

// serviceAccountIDValidators check a service account id wherever one is configured.
func serviceAccountIDValidators() []validator.String {
	return []validator.String{
		stringvalidator.LengthBetween(1, maxServiceAccountID),
		stringvalidator.RegexMatches(k0rdentServiceAccountIDPattern,
			"must be lowercase letters, digits and hyphens, start with a letter and not end with a hyphen, such as \"sa-pipeline-prod\""),
	}
}

func (r *serviceAccountResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account"
}

func (r *serviceAccountResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A k0rdent IAM service account, scoped to the organization or a project, in the region of the provider's " +
			"`k0rdent` block. It is created with a client id but no credentials: add them with " +
			"`agentfleet_service_account_credential`. The display name, description and roles change in place; the id, scope and " +
			"scope id cannot change, so changing them replaces the account (and with it, its credentials).",
		Attributes: map[string]schema.Attribute{
			// Required
			"display_name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Human-readable name, 1 to 255 characters. Updated in place.",
				Validators:          []validator.String{stringvalidator.UTF8LengthBetween(1, maxServiceAccountDisplayName)},
			},
			"scope": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The hierarchy level the account is scoped to: `organization` or `project`. Org-level policy may restrict it. Changing it replaces the account.",
				Validators:          []validator.String{stringvalidator.OneOf(serviceAccountScopes...)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"scope_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Identifier of the organization or project the account is scoped to, such as `proj-abc123`. Changing it replaces the account.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			// Optional
			"id": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Service account id: 1 to 63 lowercase letters, digits and hyphens, starting with a letter and not " +
					"ending with a hyphen. Omitted, the provider makes one from the display name and a random " +
					"suffix, so that a create whose answer was lost is found again by its id and never guessed by name. " +
					"Changing it replaces the account.",
				Validators: serviceAccountIDValidators(),
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(),
					stringplanmodifier.RequiresReplace(),
				},
			},
			"description": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				MarkdownDescription: "What the account is for, at most 1024 characters. Updated in place. Default `\"\"`.",
				Validators:          []validator.String{stringvalidator.UTF8LengthAtMost(maxServiceAccountDescription)},
			},
			"roles": schema.SetAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				Default:     setdefault.StaticValue(stringSetOf(nil)),
				MarkdownDescription: "Role slugs granted to the account, such as `compute.deployer`. Each must be an org-defined role that " +
					"the provider's credentials hold within the scope (the API enforces this at apply). Updated in place. Default: none.",
				Validators: []validator.Set{setvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
			},
			// Computed
			"region": stableComputedString("The region the account lives in: the region of the provider's `k0rdent` block that " +
				"created or imported it. A provider block that addresses another region cannot read, change or delete the account."),
			"uid":        stableComputedString("Globally unique identifier (UUID) assigned by the platform."),
			"client_id":  stableComputedString("OAuth client id of the account, such as `sa-pipeline-prod@myorg.iam`, shared by all its credentials."),
			"self_link":  stableComputedString("The account's API path."),
			"status":     stableComputedString("The account's status, such as `active`."),
			"created_by": stableComputedString("The principal that created the account."),
			"created_at": computedTimestamp("When the account was created (RFC 3339).", true),
			"updated_at": computedTimestamp("When the account last changed (RFC 3339).", false),
			// Not kept across plans: creating or deleting a credential changes it, and a refresh
			// picks that up without any diff since nothing configures it.
			"active_credential_count": schema.Int64Attribute{
				Computed: true,
				MarkdownDescription: "How many unexpired credentials the account has, as of the last refresh. Credentials created in " +
					"the same apply show here after the next refresh.",
			},
		},
	}
}

func (r *serviceAccountResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"id":     identityAttribute("Service account id."),
		"region": identityAttribute("Region the account lives in; it must be the region of the provider's `k0rdent` block."),
	}}
}

func (r *serviceAccountResource) ModifyPlan(_ context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	requirePlatform(k0rdentPlatform, r.clients, req, resp)
}

func (r *serviceAccountResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan serviceAccountModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	api, diags := r.clients.k0rdent.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	sa, err := api.CreateServiceAccount(ctx, plan.toAPI())
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to create service account", err)
		return
	}
	state := serviceAccountFromAPI(sa, api.Region())
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	setIdentity(ctx, resp.Identity, state.identity(), &resp.Diagnostics)
}

func (r *serviceAccountResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state serviceAccountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.regionClient(state, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	state.Region = types.StringValue(api.Region()) // a state from before regions were kept has none
	setIdentity(ctx, resp.Identity, state.identity(), &resp.Diagnostics)
	sa, err := api.GetServiceAccount(ctx, state.ID.ValueString())
	if removeIfGone(ctx, err, "service account", state.ID.ValueString(), resp) {
		return
	}
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to read service account", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, serviceAccountFromAPI(sa, api.Region()))...)
}

// Update sends the display name, description and roles, the only arguments that do not replace
// the account, and stores the account as the API answers.
func (r *serviceAccountResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan serviceAccountModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	api := r.regionClient(plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	sa, err := api.UpdateServiceAccount(ctx, plan.ID.ValueString(), plan.toUpdate())
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to update service account", err)
		return
	}
	state := serviceAccountFromAPI(sa, api.Region())
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	setIdentity(ctx, resp.Identity, state.identity(), &resp.Diagnostics)
}

func (r *serviceAccountResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state serviceAccountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api := r.regionClient(state, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := ignoreNotFound(api.DeleteServiceAccount(ctx, state.ID.ValueString())); err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to delete service account", err)
	}
}

// ImportState takes the account id, as a string or as the identity's id, in the region of the
// provider's k0rdent block; an identity must name that region.
func (r *serviceAccountResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := importKey(ctx, req, "id", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if len(id) > maxServiceAccountID || !k0rdentServiceAccountIDPattern.MatchString(id) {
		resp.Diagnostics.AddError("Invalid import ID",
			"Import a service account by its id (lowercase letters, digits and hyphens), in the region of the provider's k0rdent block, "+
				"for example: terraform import agentfleet_service_account.example sa-pipeline-prod")
		return
	}
	if importedBy(req) {
		r.checkImportRegion(ctx, req, &resp.Diagnostics)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

// checkImportRegion fails an import whose identity names another region than the provider's
// k0rdent block addresses: the provider cannot reach an account there.
func (r *serviceAccountResource) checkImportRegion(ctx context.Context, req resource.ImportStateRequest, diags *diag.Diagnostics) {
	region := importKey(ctx, req, "region", diags)
	api, platformDiags := r.clients.k0rdent.get()
	diags.Append(platformDiags...)
	if diags.HasError() || region == api.Region() {
		return
	}
	diags.AddAttributeError(path.Root("region"), "Service account in another region",
		fmt.Sprintf("The import names region %q, but the provider's k0rdent block is configured for region %q, and it reaches the "+
			"service accounts of that region only. Import the account with a provider configuration whose k0rdent block sets "+
			"region = %q (an aliased provider, for example), or name an account of region %q.", region, api.Region(), region, api.Region()))
}

// regionClient returns the k0rdent client for an account of state or plan, provided it lives in
// the region the provider's k0rdent block addresses: the client reaches that region only, and
// the same id there would be another account, or none. An account without a region in its
// state is from before regions were kept, and counts as the provider's.
func (r *serviceAccountResource) regionClient(m serviceAccountModel, diags *diag.Diagnostics) *client.K0rdent {
	api, platformDiags := r.clients.k0rdent.get()
	diags.Append(platformDiags...)
	if diags.HasError() {
		return nil
	}
	if region := m.Region.ValueString(); region != "" && region != api.Region() {
		diags.AddError("Service account in another region",
			fmt.Sprintf("Service account %q is in region %q, but the provider's k0rdent block addresses region %q, so the provider "+
				"cannot read, change or delete it. Set region = %q in the k0rdent block again (or give this resource a provider "+
				"configuration that does), or, to stop managing the account with Terraform, remove it from the state with "+
				"terraform state rm.", m.ID.ValueString(), region, api.Region(), region))
		return nil
	}
	return api
}

func (m serviceAccountModel) identity() serviceAccountIdentity {
	return serviceAccountIdentity{ID: m.ID, Region: m.Region}
}

// serviceAccountFromAPI converts the API's account of region; it has no secret to keep.
func serviceAccountFromAPI(sa *client.ServiceAccount, region string) serviceAccountModel {
	return serviceAccountModel{
		ID:                    types.StringValue(sa.ID),
		DisplayName:           types.StringValue(sa.DisplayName),
		Description:           types.StringValue(sa.Description),
		Roles:                 stringSetOf(sa.Roles),
		Scope:                 types.StringValue(sa.Scope),
		ScopeID:               types.StringValue(sa.ScopeID),
		Region:                types.StringValue(region),
		UID:                   types.StringValue(sa.UID),
		ClientID:              types.StringValue(sa.ClientID),
		SelfLink:              types.StringValue(sa.SelfLink),
		Status:                types.StringValue(sa.Status),
		CreatedBy:             types.StringValue(sa.CreatedBy),
		CreatedAt:             timestampFromAPI(sa.CreatedAt),
		UpdatedAt:             timestampFromAPI(sa.UpdatedAt),
		ActiveCredentialCount: types.Int64Value(sa.ActiveCredentialCount),
	}
}

// toAPI is the create request; an id left unknown (not configured) lets the platform choose.
func (m serviceAccountModel) toAPI() client.ServiceAccountRequest {
	return client.ServiceAccountRequest{
		ID:          m.ID.ValueString(),
		DisplayName: m.DisplayName.ValueString(),
		Description: m.Description.ValueString(),
		Scope:       m.Scope.ValueString(),
		ScopeID:     m.ScopeID.ValueString(),
		Roles:       stringsOfSet(m.Roles),
	}
}

// toUpdate sends every in-place argument, so clearing the description or the roles clears them.
func (m serviceAccountModel) toUpdate() client.ServiceAccountUpdate {
	name, description, roles := m.DisplayName.ValueString(), m.Description.ValueString(), stringsOfSet(m.Roles)
	return client.ServiceAccountUpdate{DisplayName: &name, Description: &description, Roles: &roles}
}

// stringSetOf converts strings to a set value, dropping repeats; nil gives an empty set, not a
// null one.
func stringSetOf(values []string) types.Set {
	distinct := slices.Compact(slices.Sorted(slices.Values(values)))
	elems := make([]attr.Value, len(distinct))
	for i, v := range distinct {
		elems[i] = types.StringValue(v)
	}
	return types.SetValueMust(types.StringType, elems)
}

// stringsOfSet returns the known strings of a set, sorted so requests are stable; never nil, so
// an empty set is sent as [] and clears the field.
func stringsOfSet(s types.Set) []string {
	out := []string{}
	for _, e := range s.Elements() {
		if v, ok := e.(types.String); ok && !v.IsNull() && !v.IsUnknown() {
			out = append(out, v.ValueString())
		}
	}
	slices.Sort(out)
	return out
}

// stableComputedString is a computed attribute that no plan changes: the API sets it, and only a
// refresh picks up a new value (most never change after creation).
func stableComputedString(description string) schema.StringAttribute {
	return schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: description,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}
