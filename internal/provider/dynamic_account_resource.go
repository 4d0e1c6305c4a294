package provider

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_dynamic_account: a Clouddriver Kubernetes account migrated to the Armory Scale Agent
// and assigned to its Agents. Assignment is asynchronous: create and update wait, within the
// timeouts block, until the account is ACTIVE (or INACTIVE with active = false); the steps are in
// dynamic_account_assignment.go.

var (
	_ resource.Resource                = (*dynamicAccountResource)(nil)
	_ resource.ResourceWithConfigure   = (*dynamicAccountResource)(nil)
	_ resource.ResourceWithImportState = (*dynamicAccountResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*dynamicAccountResource)(nil)
	_ resource.ResourceWithIdentity    = (*dynamicAccountResource)(nil)
)

// NewDynamicAccountResource is the agentfleet_dynamic_account resource factory.
func NewDynamicAccountResource() resource.Resource { return &dynamicAccountResource{} }

type dynamicAccountResource struct{ resourceBase }

type dynamicAccountModel struct {
	dynamicAccountAttributes
	Active                  types.Bool     `tfsdk:"active"`
	KubeconfigFile          types.String   `tfsdk:"kubeconfig_file"`
	KubeconfigFileWO        types.String   `tfsdk:"kubeconfig_file_wo"` // always null: only the configuration holds it
	KubeconfigFileWOVersion types.Int64    `tfsdk:"kubeconfig_file_wo_version"`
	Timeouts                timeouts.Value `tfsdk:"timeouts"`
}

// dynamicAccountIdentity is the account's natural key: its Clouddriver account name.
type dynamicAccountIdentity struct {
	Name types.String `tfsdk:"name"`
}

const (
	// dynamicAccountTimeout is the default create and update timeout.
	dynamicAccountTimeout = 10 * time.Minute
	// dynamicAccountPollInterval is the longest wait between two reads of an assigning account.
	dynamicAccountPollInterval = 5 * time.Second
)

func (r *dynamicAccountResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dynamic_account"
}

func (r *dynamicAccountResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	kubeconfig := path.MatchRoot("kubeconfig_file")
	kubeconfigWO := path.MatchRoot("kubeconfig_file_wo")
	kubeconfigWOVersion := path.MatchRoot("kubeconfig_file_wo_version")
	resp.Schema = schema.Schema{
		MarkdownDescription: "An Armory Scale Agent dynamic account: a Kubernetes account defined in Clouddriver, migrated to the " +
			"Scale Agent and assigned to its Agents. Creating it migrates the account, then activates it and waits until the " +
			"assignment settles. An account the Scale Agent already manages is not adopted: import it. A failed assignment " +
			"(`FAILED`, `ORPHANED` or `DELETE_FAILED`) ends the wait at once with an error that quotes the platform's message; " +
			"the account is still saved in state (tainted, so the next apply replaces it), as it is when the assignment is still " +
			"pending at the timeout.\n\n" +
			"Changes of `zone_id`, the kubeconfig or `active` are applied in place. The platform activates only an `INACTIVE` or " +
			"`FAILED` account, so a change of an `ACTIVE` account deactivates it, waits until it is `INACTIVE`, and activates it " +
			"again with the new values: the Agents stop handling the account for the time this takes. When an update fails, " +
			"state holds what the platform reports, so the next plan shows the unfinished change again. The API cannot unpin an " +
			"account from its zone: removing `zone_id` from the configuration replaces the account.\n\n" +
			"Destroying it stops the Scale Agent managing the account, which stays defined in Clouddriver.\n\n" +
			"The kubeconfig can be given as `kubeconfig_file`, stored (sensitive) in state, or with Terraform 1.11 and later " +
			"as the write-only `kubeconfig_file_wo`, never stored: bump `kubeconfig_file_wo_version` to send a new value.",
		Attributes: map[string]schema.Attribute{
			// Required
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: accountNameDescription + " The account must exist in Clouddriver. Changing it replaces the resource.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			// Optional
			"zone_id": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Zone to pin the account to: only the Agents of that zone (by default `deploymentName_namespace`) take it. " +
					"Omit it to let any Agent take the account; once one has, the platform records that Agent's zone, which is kept " +
					"here without a diff. Changed in place by assigning the account again. Removing it after it was set (or after " +
					"importing an account that has a zone) replaces the account, because the API cannot unpin one.",
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{zoneReplacedWhenUnpinned{}},
			},
			"active": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "Whether the account is assigned to Agents. `true` activates it and waits until it is `ACTIVE`; " +
					"`false` deactivates it and waits until it is `INACTIVE`. Read from `state`: `true` while it is `ACTIVE` or being " +
					"deactivated (`TO_DEACTIVATE`, `DEACTIVATING`), `false` otherwise, so an account found `INACTIVE`, `FAILED`, " +
					"`ORPHANED` or still activating while this is `true` is planned to be assigned again. Default `true`.",
			},
			"kubeconfig_file": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "Kubeconfig the Agents reach the cluster with: a secret token such as `encryptedFile:k8s!n:kubeconfig!k:config!ns:spinnaker`, " +
					"or a path. Stored in state (sensitive); the API never returns it. Omitted, the account's native kubeconfig is used. " +
					"Conflicts with `kubeconfig_file_wo`. Changed in place.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1), stringvalidator.ConflictsWith(kubeconfigWO)},
			},
			"kubeconfig_file_wo": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				WriteOnly: true,
				MarkdownDescription: "Write-only form of `kubeconfig_file` (Terraform 1.11 and later): sent on create and whenever " +
					"`kubeconfig_file_wo_version` changes, and never stored in plan or state. Requires `kubeconfig_file_wo_version`; " +
					"conflicts with `kubeconfig_file`.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.ConflictsWith(kubeconfig),
					stringvalidator.AlsoRequires(kubeconfigWOVersion),
				},
			},
			"kubeconfig_file_wo_version": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Version of `kubeconfig_file_wo`. Terraform cannot see a write-only value change, so change this " +
					"number to send the value again (in place). Requires `kubeconfig_file_wo`.",
				Validators: []validator.Int64{int64validator.AlsoRequires(kubeconfigWO)},
			},
			// Computed
			"type": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: accountTypeDescription,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"source": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: accountSourceDescription,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			// state, agents and last_assignment_msg change with every assignment, so an update
			// shows them as known after apply.
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
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create: true,
				Update: true,
				CreateDescription: "How long to wait for the account to be migrated, assigned and `ACTIVE`, " +
					"as a duration such as `\"30s\"` or `\"15m\"`. Default `\"10m\"`.",
				UpdateDescription: "How long to wait for a change to settle, the deactivation and activation of an `ACTIVE` account " +
					"together, as a duration such as `\"30s\"` or `\"15m\"`. Default `\"10m\"`.",
			}),
		},
	}
}

func (r *dynamicAccountResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"name": identityAttribute("The Clouddriver account name, such as `prod-k8s`."),
	}}
}

func (r *dynamicAccountResource) ModifyPlan(_ context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	requirePlatform(armoryPlatform, r.clients, req, resp)
}

// Create migrates the account, then assigns it and waits. Once the migration succeeded the
// account exists, so whatever fails afterwards, it is saved to state before the error is
// reported: Terraform marks it tainted instead of forgetting an account it created.
func (r *dynamicAccountResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan dynamicAccountModel
	var kubeconfigWO, zone types.String
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("kubeconfig_file_wo"), &kubeconfigWO)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("zone_id"), &zone)...)
	timeout, diags := plan.Timeouts.Create(ctx, dynamicAccountTimeout)
	resp.Diagnostics.Append(diags...)
	api, diags := r.clients.armory.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	opCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	name := plan.Name.ValueString()
	migration := client.AccountMigration{Name: name, ZoneID: zone.ValueString(), KubeconfigFile: kubeconfigToSend(plan, nil, kubeconfigWO)}
	if err := api.MigrateAccount(opCtx, migration); err != nil {
		migrationErrorDiag(&resp.Diagnostics, name, err)
		return
	}
	// The migration sent the kubeconfig; the activation repeats only the zone, as the docs advise.
	account, err := settleAccount(opCtx, api, accountTarget{name: name, active: plan.Active.ValueBool(), zone: zone.ValueString()})
	if account == nil {
		account = readAfterFailure(ctx, api, name)
	}
	if account == nil { // not even a read works: save what is known rather than forget the account
		account = &client.DynamicAccount{Name: name, ZoneID: zone.ValueString()}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, dynamicAccountFromAPI(account, plan))...)
	setIdentity(ctx, resp.Identity, plan.identity(), &resp.Diagnostics)
	resp.Diagnostics.Append(setZoneUnpinned(ctx, resp.Private, zone.IsNull())...)
	reportAssignment(&resp.Diagnostics, createAssignment, timeout, account, err,
		"The account is saved in state and marked tainted, so the next apply replaces it. If it becomes what the "+
			"configuration asks for meanwhile, `terraform untaint` keeps it.")
}

func (r *dynamicAccountResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state dynamicAccountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	setIdentity(ctx, resp.Identity, state.identity(), &resp.Diagnostics)
	api, diags := r.clients.armory.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	account, err := api.GetAccount(ctx, state.Name.ValueString())
	if removeIfGone(ctx, err, "dynamic account", state.Name.ValueString(), resp) {
		return
	}
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to read dynamic account", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, dynamicAccountFromAPI(account, state))...)
}

// Update brings the account to the plan with PATCHes only (a second POST is refused with 409):
// see settleAccount. When it fails, the state saved is the account as the platform reports it,
// with the kubeconfig and its version as they were before, so that the next plan shows whatever
// did not happen again, and sends the kubeconfig again.
func (r *dynamicAccountResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior dynamicAccountModel
	var kubeconfigWO, zone types.String
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("kubeconfig_file_wo"), &kubeconfigWO)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("zone_id"), &zone)...)
	timeout, diags := plan.Timeouts.Update(ctx, dynamicAccountTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The name never changes in place, so neither does the identity.
	setIdentity(ctx, resp.Identity, prior.identity(), &resp.Diagnostics)
	resp.Diagnostics.Append(setZoneUnpinned(ctx, resp.Private, zone.IsNull())...)
	if !plan.assignmentChanged(prior, zone) {
		// Only the timeouts changed: nothing to send, and the account is as just read.
		plan.dynamicAccountAttributes = prior.dynamicAccountAttributes
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
		return
	}
	api, diags := r.clients.armory.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	opCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	name := plan.Name.ValueString()
	target := accountTarget{name: name, active: plan.Active.ValueBool(), zone: zone.ValueString(), kubeconfig: kubeconfigToSend(plan, &prior, kubeconfigWO)}
	account, err := settleAccount(opCtx, api, target)
	if err == nil {
		resp.Diagnostics.Append(resp.State.Set(ctx, dynamicAccountFromAPI(account, plan))...)
		return
	}
	if account == nil {
		account = readAfterFailure(ctx, api, name)
	}
	saved := prior
	if account != nil {
		kept := prior
		kept.Timeouts = plan.Timeouts
		saved = dynamicAccountFromAPI(account, kept)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, saved)...)
	reportAssignment(&resp.Diagnostics, updateAssignment, timeout, account, err, savedAfterFailedUpdate(saved, plan, zone.ValueString(), account != nil))
}

// Delete stops the Scale Agent managing the account; Clouddriver keeps its definition.
func (r *dynamicAccountResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state dynamicAccountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api, diags := r.clients.armory.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := ignoreNotFound(api.DeleteAccount(ctx, state.Name.ValueString())); err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to delete dynamic account", err)
	}
}

// ImportState takes the account name, as a string or as the identity's name. Static accounts
// are refused here: they come from Agent configuration files, which the API cannot change or
// delete.
func (r *dynamicAccountResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	name := importKey(ctx, req, "name", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	// importKey trims a string id, but a Clouddriver account name has no white space: a string
	// id with any, even around the name (a stray newline from a script), is refused as given.
	if given := cmp.Or(req.ID, name); given == "" || strings.ContainsAny(given, " \t\r\n") {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("Import a dynamic account by its Clouddriver account name, without spaces; got %q. "+
				"For example: terraform import agentfleet_dynamic_account.example prod-k8s", given))
		return
	}
	api, diags := r.clients.armory.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	account, err := api.GetAccount(ctx, name)
	switch {
	case errors.Is(err, client.ErrNotFound):
		// Terraform reports the missing object itself once Read has removed it.
	case err != nil:
		apiErrorDiag(&resp.Diagnostics, "Unable to import dynamic account", err)
		return
	case account.Source == client.AccountSourceStatic:
		resp.Diagnostics.AddError("Cannot import a static account",
			fmt.Sprintf("Account %q is defined in an Agent's configuration file (source %q); only dynamic accounts migrated from Clouddriver "+
				"can be managed. Read it with the agentfleet_dynamic_account data source instead.", name, account.Source))
		return
	}
	// No zone_unpinned key is set: who pinned an imported account's zone is unknown, so it counts
	// as pinned, and a configuration without zone_id plans the replacement that alone unpins it.
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
}

func (m dynamicAccountModel) identity() dynamicAccountIdentity {
	return dynamicAccountIdentity{Name: m.Name}
}

// migrationErrorDiag reports a failed migration. An account the Scale Agent already manages is
// not adopted: creating would take over an account this configuration never made, and destroying
// would later remove it. The user imports it instead.
func migrationErrorDiag(diags *diag.Diagnostics, name string, err error) {
	var managed *client.AccountManagedError
	switch {
	case !errors.As(err, &managed):
		apiErrorDiag(diags, "Unable to create dynamic account", err)
	case managed.Account != nil && managed.Account.Source == client.AccountSourceStatic:
		diags.AddAttributeError(path.Root("name"), "Account is static",
			fmt.Sprintf("Account %q is defined in an Agent's configuration file (source %q), so it cannot be managed as a dynamic account.",
				name, managed.Account.Source))
	default:
		state, refused := "unknown", ""
		if managed.Account != nil {
			state = managed.Account.State
		}
		if managed.Err != nil { // migrated by someone else since the check before the POST
			refused = " The platform refused the migration: " + managed.Err.Error()
		}
		diags.AddAttributeError(path.Root("name"), "Dynamic account already exists",
			fmt.Sprintf("Account %q is already a dynamic account of the Scale Agent (state %s). To manage it with Terraform, import it: "+
				"terraform import <address> %s.%s", name, state, name, refused))
	}
}

// assignmentChanged reports whether the plan changes anything the platform has to be told,
// rather than only the timeouts. The zone counts only when configured: an omitted one is the
// platform's to choose, and plans as unknown whenever anything else changes.
func (m dynamicAccountModel) assignmentChanged(prior dynamicAccountModel, configuredZone types.String) bool {
	return (!configuredZone.IsNull() && !configuredZone.Equal(prior.ZoneID)) || !m.Active.Equal(prior.Active) ||
		!m.KubeconfigFile.Equal(prior.KubeconfigFile) || !m.KubeconfigFileWOVersion.Equal(prior.KubeconfigFileWOVersion)
}

// kubeconfigToSend returns the kubeconfig a create (prior nil) or an update sends, or "" to keep
// the one the platform has. The write-only value is never in plan or state: it comes from the
// configuration, and is sent on create and whenever its version changes.
func kubeconfigToSend(plan dynamicAccountModel, prior *dynamicAccountModel, writeOnly types.String) string {
	creating := prior == nil
	switch {
	case !plan.KubeconfigFile.IsNull() && (creating || !plan.KubeconfigFile.Equal(prior.KubeconfigFile)):
		return plan.KubeconfigFile.ValueString()
	case !writeOnly.IsNull() && (creating || !plan.KubeconfigFileWOVersion.Equal(prior.KubeconfigFileWOVersion)):
		return writeOnly.ValueString()
	}
	return ""
}

// accountActive reports whether Agents handle an account in this state: it is ACTIVE, or its
// deactivation is not over yet. An activation under way is not active yet. So a change that did
// not finish, in either direction, reads as not done, and the next plan repeats it.
func accountActive(state string) bool {
	return state == client.AccountActive || state == client.AccountToDeactivate || state == client.AccountDeactivating
}

// dynamicAccountFromAPI converts the API's account. What the API never returns (the kubeconfig
// and its version, the timeouts) is kept from prior; the write-only value is never stored.
func dynamicAccountFromAPI(a *client.DynamicAccount, prior dynamicAccountModel) dynamicAccountModel {
	return dynamicAccountModel{
		dynamicAccountAttributes: dynamicAccountAttributesFromAPI(a),
		Active:                   types.BoolValue(accountActive(a.State)),
		KubeconfigFile:           prior.KubeconfigFile,
		KubeconfigFileWO:         types.StringNull(),
		KubeconfigFileWOVersion:  prior.KubeconfigFileWOVersion,
		Timeouts:                 prior.Timeouts,
	}
}
