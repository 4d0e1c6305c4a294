package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_service_account_credential: a client secret of a k0rdent IAM service account.

var (
	_ resource.Resource                = (*serviceAccountCredentialResource)(nil)
	_ resource.ResourceWithConfigure   = (*serviceAccountCredentialResource)(nil)
	_ resource.ResourceWithImportState = (*serviceAccountCredentialResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*serviceAccountCredentialResource)(nil)
	_ resource.ResourceWithIdentity    = (*serviceAccountCredentialResource)(nil)
)

// NewServiceAccountCredentialResource is the agentfleet_service_account_credential resource factory.
func NewServiceAccountCredentialResource() resource.Resource {
	return &serviceAccountCredentialResource{}
}

type serviceAccountCredentialResource struct{ resourceBase }

type serviceAccountCredentialModel struct {
	ServiceAccountID types.String      `tfsdk:"service_account_id"`
	ExpiresAt        timetypes.RFC3339 `tfsdk:"expires_at"`
	RotateBefore     types.String      `tfsdk:"rotate_before"`
	ID               types.String      `tfsdk:"id"`
	ClientID         types.String      `tfsdk:"client_id"`
	ClientSecret     types.String      `tfsdk:"client_secret"`
	CreatedAt        timetypes.RFC3339 `tfsdk:"created_at"`
	CreatedBy        types.String      `tfsdk:"created_by"`
	Status           types.String      `tfsdk:"status"`
	LastUsedAt       timetypes.RFC3339 `tfsdk:"last_used_at"`
	LastUsedIP       types.String      `tfsdk:"last_used_ip"`
}

// serviceAccountCredentialIdentity is the credential's natural key: its id, unique within its
// service account.
type serviceAccountCredentialIdentity struct {
	ID               types.String `tfsdk:"id"`
	ServiceAccountID types.String `tfsdk:"service_account_id"`
}

// credentialRotation is what a plan does to a credential due for rotation.
const credentialRotation = "replaces the credential"

func (r *serviceAccountCredentialResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account_credential"
}

func (r *serviceAccountCredentialResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A credential (client secret) of a k0rdent IAM service account. The secret is returned only when the " +
			"credential is created; it is stored in state, so protect the state. A credential cannot change: a new expiry, or " +
			"rotation with `rotate_before`, replaces it. Use `lifecycle { create_before_destroy = true }` so the new credential " +
			"exists before the old one is revoked, giving consumers an overlap in which both work.\n\n" +
			"A service account may have at most 5 active credentials. A plan that creates one for an account that already has 5 " +
			"warns, and the platform refuses the create. With `create_before_destroy`, a rotation needs a free place, because " +
			"the new credential exists before the old one is revoked.\n\n" +
			"When the answer to a create is lost, the secret went with it, and nothing marks a new credential as this create's: " +
			"the apply fails naming the credentials that appeared, and none is deleted, since another workspace may hold its secret.",
		Attributes: map[string]schema.Attribute{
			// Required
			"service_account_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Id of the service account the credential belongs to. Changing it replaces the credential.",
				Validators:          serviceAccountIDValidators(),
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			// Optional
			"expires_at": schema.StringAttribute{
				Optional:   true,
				Computed:   true,
				CustomType: timetypes.RFC3339Type{},
				MarkdownDescription: "When the credential expires, as an RFC 3339 time in the future such as `\"2026-01-31T00:00:00Z\"`, " +
					"no later than the organization's maximum credential lifetime allows. Omitted, the organization's default " +
					"lifetime applies and the actual expiry is shown here. Changing it to another time replaces the credential; " +
					"removing it keeps the current one. Times are compared to the second: the same instant written in another " +
					"offset or precision, by the configuration or by the platform, is kept as configured without a replacement.",
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(),
					stringplanmodifier.RequiresReplaceIf(expiryMoved,
						"A different time replaces the credential; the same time written differently is stored in place.",
						"A different time replaces the credential; the same time written differently is stored in place."),
				},
			},
			"rotate_before": rotateBeforeAttribute(credentialRotation + " (with `create_before_destroy`, the new one is created " +
				"before the old one is revoked). This is for an expiry the platform sets: when `expires_at` is configured, a " +
				"replacement would expire just as soon, so the plan only warns, and moving `expires_at` later rotates the " +
				"credential. Changing `rotate_before` itself is done in place"),
			// Computed
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Credential id assigned by the platform.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"client_id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "OAuth client id to present with the secret: the service account's `client_id`, which all its " +
					"credentials share (the API's credential has none of its own).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"client_secret": schema.StringAttribute{
				Computed:  true,
				Sensitive: true,
				MarkdownDescription: "The client secret. Returned only by the create and kept in state from then on; after " +
					"`terraform import` it is null, because the API never returns it again.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_at": computedTimestamp("When the credential was created (RFC 3339).", true),
			"created_by": stableComputedString("The principal that created the credential."),
			"status": stableComputedString("`active`, or `expired` once `expires_at` has passed (final: an expired credential " +
				"cannot be enabled again), as of the last refresh. A plan warns about an expired credential."),
			"last_used_at": computedTimestamp("When the credential last authenticated (RFC 3339), as of the last refresh; null "+
				"if it never has.", true),
			"last_used_ip": stableComputedString("The address the credential last authenticated from, as of the last refresh; null " +
				"if it never has."),
		},
	}
}

func (r *serviceAccountCredentialResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"id":                 identityAttribute("Credential id."),
		"service_account_id": identityAttribute("Id of the service account the credential belongs to."),
	}}
}

// ModifyPlan checks the platform is configured, warns when a create will meet the limit of
// active credentials or a configured expiry is already within rotate_before, and plans the
// rotation of a credential whose expiry is within rotate_before (or warns about one that has
// expired, or that rotate_before would rotate on every plan); see
// service_account_credential_plan.go.
func (r *serviceAccountCredentialResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	requirePlatform(k0rdentPlatform, r.clients, req, resp)
	if req.Plan.Raw.IsNull() || resp.Diagnostics.HasError() { // a destroy, or no platform to ask
		return
	}
	var state, plan serviceAccountCredentialModel
	var configured timetypes.RFC3339
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("expires_at"), &configured)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if req.State.Raw.IsNull() { // a create, or the create half of a replacement
		r.warnAtLimit(ctx, req, resp)
		if withinRotateBefore(plan.RotateBefore, configured, time.Now()) {
			resp.Diagnostics.AddAttributeWarning(path.Root("expires_at"), "Expiry within rotate_before",
				fmt.Sprintf("expires_at (%s) is within rotate_before (%s) already, so the new credential is due for rotation as "+
					"soon as it exists; but a configured expiry is never rotated, since a replacement would expire just as soon. "+
					"Set a later expires_at, or a shorter rotate_before.", configured.ValueString(), plan.RotateBefore.ValueString()))
		}
		return
	}
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	action, check := planCredentialRotation(plan.RotateBefore, state, configured, rotationClock(ctx, req.Private))
	switch {
	case action == credentialUndecided:
		resp.Diagnostics.AddAttributeError(path.Root("rotate_before"), "rotate_before unknown until apply",
			"rotate_before decides whether this plan replaces the credential, and Terraform cannot add a replacement at apply "+
				"time that the plan did not show. Give rotate_before a value known at plan time (a literal or a variable), or "+
				"apply what it depends on first (terraform apply -target).")
	case action == credentialReplaced:
		addRotationDiagnostics(&resp.Diagnostics, check, plan.RotateBefore, credentialRotationWords)
		// Terraform replaces a resource only for an attribute whose value changes, and the secret
		// is the value that will: a new credential gets a new one.
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("client_secret"), types.StringUnknown())...)
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("client_secret"))
	case !configured.IsNull() && (check.verdict == rotationDue || check.verdict == rotationEndless):
		addConfiguredExpiryWarning(&resp.Diagnostics, check.expiry, plan.RotateBefore)
	case check.verdict == rotationEndless:
		addRotationDiagnostics(&resp.Diagnostics, check, plan.RotateBefore, credentialRotationWords)
	default:
		warnIfExpired(&resp.Diagnostics, state)
	}
}

// warnAtLimit warns when the plan creates a credential for a service account that already has
// the most active credentials the platform allows, which it will refuse. Terraform plans the
// new half of a replacement as a create too, without the old credential's state, so the warning
// also covers a rotation with create_before_destroy. An account created in the same apply (its
// id still unknown) has none yet; when the count fails, the plan goes on without it, since the
// apply's error names the limit anyway.
func (r *serviceAccountCredentialResource) warnAtLimit(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.clients == nil { // the provider is not configured yet
		return
	}
	var saID types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("service_account_id"), &saID)...)
	api, diags := r.clients.k0rdent.get()
	if saID.IsUnknown() || saID.IsNull() || resp.Diagnostics.HasError() || diags.HasError() {
		return
	}
	active, err := api.ActiveCredentials(ctx, saID.ValueString())
	if err != nil {
		tflog.Debug(ctx, "cannot count the service account's active credentials; the plan does not check the limit",
			map[string]any{"service_account_id": saID.ValueString(), "error": err.Error()})
		return
	}
	if len(active) < client.K0rdentMaxActiveCredentials {
		return
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("service_account_id"), "Credential limit reached",
		fmt.Sprintf("Service account %q already has %d active credentials, the most k0rdent IAM allows (%d), so the platform "+
			"will refuse a new one. Delete a credential that is no longer used, or wait until one expires, before applying. "+
			"If this plan replaces one of them, the replacement fits only if the old credential is revoked first, which "+
			"create_before_destroy prevents.", saID.ValueString(), len(active), client.K0rdentMaxActiveCredentials))
}

// warnIfExpired tells the user about a credential that no longer authenticates, which no plan
// replaces unless asked to.
func warnIfExpired(diags *diag.Diagnostics, state serviceAccountCredentialModel) {
	if state.Status.ValueString() != client.K0rdentCredentialExpired {
		return
	}
	diags.AddAttributeWarning(path.Root("status"), "Credential expired",
		fmt.Sprintf("Credential %s of service account %s expired at %s and no longer authenticates; an expired credential "+
			"cannot be enabled again. Set rotate_before to have plans replace it before it expires, or replace it now "+
			"(terraform apply -replace).", state.ID.ValueString(), state.ServiceAccountID.ValueString(), state.ExpiresAt.ValueString()))
}

func (r *serviceAccountCredentialResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan serviceAccountCredentialModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	api, diags := r.clients.k0rdent.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	cred, err := api.CreateCredential(ctx, plan.ServiceAccountID.ValueString(), plan.toAPI())
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to create service account credential", err)
		return
	}
	state := serviceAccountCredentialFromAPI(cred, plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	setIdentity(ctx, resp.Identity, state.identity(), &resp.Diagnostics)
}

func (r *serviceAccountCredentialResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state serviceAccountCredentialModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	setIdentity(ctx, resp.Identity, state.identity(), &resp.Diagnostics)
	api, diags := r.clients.k0rdent.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	cred, err := api.GetCredential(ctx, state.ServiceAccountID.ValueString(), state.ID.ValueString())
	if removeIfGone(ctx, err, "service account credential", state.ID.ValueString(), resp) {
		return
	}
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to read service account credential", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, serviceAccountCredentialFromAPI(cred, state))...)
	resp.Diagnostics.Append(recordRefresh(ctx, resp.Private, time.Now())...)
}

// Update only ever changes what lives in Terraform alone: rotate_before, or the spelling of an
// unchanged expiry. Everything the API knows replaces the credential.
func (r *serviceAccountCredentialResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan serviceAccountCredentialModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	setIdentity(ctx, resp.Identity, plan.identity(), &resp.Diagnostics)
}

func (r *serviceAccountCredentialResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state serviceAccountCredentialModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api, diags := r.clients.k0rdent.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// A credential whose service account is gone is gone with it: also a 404.
	err := api.DeleteCredential(ctx, state.ServiceAccountID.ValueString(), state.ID.ValueString())
	if err := ignoreNotFound(err); err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to delete service account credential", err)
	}
}

// ImportState takes "<service_account_id>/<credential_id>", or an identity with both. The secret
// cannot be imported: the API returns it only at creation, so client_secret stays null.
func (r *serviceAccountCredentialResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	var saID, credID string
	if importedBy(req) {
		saID, credID = importKey(ctx, req, "service_account_id", &resp.Diagnostics), importKey(ctx, req, "id", &resp.Diagnostics)
		if !resp.Diagnostics.HasError() && !validCredentialKey(saID, credID) {
			resp.Diagnostics.AddError("Invalid import identity",
				fmt.Sprintf("Got service_account_id %q and id %q. The identity of a service account credential is the id of its service "+
					"account (lowercase letters, digits and hyphens) and the credential id (no slash or space), for example "+
					"service_account_id = \"sa-pipeline-prod\", id = \"cred-0123456789ab\".", saID, credID))
		}
	} else {
		var ok bool
		saID, credID, ok = strings.Cut(strings.TrimSpace(req.ID), "/")
		if !ok || !validCredentialKey(saID, credID) {
			resp.Diagnostics.AddError("Invalid import ID",
				fmt.Sprintf("Got %q. Import a service account credential as <service_account_id>/<credential_id>, for example: "+
					"terraform import agentfleet_service_account_credential.example sa-pipeline-prod/cred-0123456789ab", req.ID))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("service_account_id"), saID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), credID)...)
}

// validCredentialKey reports whether saID can be a service account id and credID a credential
// id: both go into the credential's API path.
func validCredentialKey(saID, credID string) bool {
	return k0rdentServiceAccountIDPattern.MatchString(saID) && len(saID) <= maxServiceAccountID &&
		credID != "" && !strings.ContainsAny(credID, "/ ")
}

func (m serviceAccountCredentialModel) identity() serviceAccountCredentialIdentity {
	return serviceAccountCredentialIdentity{ID: m.ID, ServiceAccountID: m.ServiceAccountID}
}

// serviceAccountCredentialFromAPI converts the API's credential. From prior (the plan or the
// state) it keeps what the API does not return: the secret, rotate_before and the service
// account id, and the configured spelling of an expiry the API writes differently.
func serviceAccountCredentialFromAPI(c *client.ServiceAccountCredential, prior serviceAccountCredentialModel) serviceAccountCredentialModel {
	return serviceAccountCredentialModel{
		ServiceAccountID: prior.ServiceAccountID,
		ExpiresAt:        sameInstant(prior.ExpiresAt, c.ExpiresAt),
		RotateBefore:     prior.RotateBefore,
		ID:               types.StringValue(c.ID),
		ClientID:         types.StringValue(c.ClientID),
		ClientSecret:     keepSecret(prior.ClientSecret, c.ClientSecret),
		CreatedAt:        timestampFromAPI(c.CreatedAt),
		CreatedBy:        types.StringValue(c.CreatedBy),
		Status:           types.StringValue(c.Status),
		LastUsedAt:       timestampFromAPI(c.LastUsedAt),
		LastUsedIP:       nullIfEmpty(c.LastUsedIP),
	}
}

func (m serviceAccountCredentialModel) toAPI() client.CredentialRequest {
	return client.CredentialRequest{ExpiresAt: m.ExpiresAt.ValueString()}
}

// expiryMoved replaces a credential whose expiry changes to another instant; the API cannot
// change an expiry, but a new spelling of the same instant needs no new credential. (It is only
// asked when the planned value differs from the state.)
func expiryMoved(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	resp.RequiresReplace = !sameTime(timetypes.RFC3339{StringValue: req.StateValue}, timetypes.RFC3339{StringValue: req.PlanValue})
}
