package provider

import (
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
// timeouts block, until the account is ACTIVE.

var (
	_ resource.Resource                = (*dynamicAccountResource)(nil)
	_ resource.ResourceWithConfigure   = (*dynamicAccountResource)(nil)
	_ resource.ResourceWithImportState = (*dynamicAccountResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*dynamicAccountResource)(nil)
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
			"assignment settles. A failed assignment is an error that quotes the platform's message; the account is still saved " +
			"in state (tainted, so the next apply replaces it), as it is when the assignment is still pending at the timeout. " +
			"Changes of `zone_id`, the kubeconfig or `active` are applied in place by assigning the account again. " +
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
				MarkdownDescription: "Zone to pin the account to: only the Agents of that zone (by default `deploymentName_namespace`) take it. " +
					"Omit it to let any Agent take the account. Changed in place by assigning the account again.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"active": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "Whether the account is assigned to Agents. `true` activates it and waits until it is `ACTIVE`; " +
					"`false` deactivates it. An account found `INACTIVE` or `FAILED` while this is `true` is planned to be assigned again. Default `true`.",
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
				UpdateDescription: "How long to wait for an assignment after a change, as a duration such as `\"30s\"` or `\"15m\"`. Default `\"10m\"`.",
			}),
		},
	}
}

func (r *dynamicAccountResource) ModifyPlan(_ context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	requirePlatform(armoryPlatform, r.clients, req, resp)
}

// Create migrates the account, then assigns it and waits. Once the migration succeeded the
// account exists, so whatever fails afterwards, it is saved to state before the error is
// reported: Terraform marks it tainted instead of forgetting an account it created.
func (r *dynamicAccountResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan dynamicAccountModel
	var kubeconfigWO types.String
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("kubeconfig_file_wo"), &kubeconfigWO)...)
	timeout, diags := plan.Timeouts.Create(ctx, dynamicAccountTimeout)
	resp.Diagnostics.Append(diags...)
	api, diags := r.clients.armory.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	opCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	if !checkAccountNotManaged(opCtx, api, plan.Name.ValueString(), &resp.Diagnostics) {
		return
	}
	if err := api.MigrateAccount(opCtx, plan.migration(kubeconfigToSend(plan, nil, kubeconfigWO))); err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to create dynamic account", err)
		return
	}
	account, err := assignAccount(opCtx, api, plan)
	if account == nil {
		account = readAfterFailure(ctx, api, plan.Name.ValueString())
	}
	if account == nil { // not even a read works: save what is known rather than forget the account
		account = &client.DynamicAccount{Name: plan.Name.ValueString(), ZoneID: plan.ZoneID.ValueString()}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, dynamicAccountFromAPI(account, plan))...)
	reportAssignment(&resp.Diagnostics, "create", plan.Name.ValueString(), timeout, account, err,
		"The account is saved in state and marked tainted, so the next apply replaces it.")
}

func (r *dynamicAccountResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state dynamicAccountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
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

// Update migrates the account again, which sets its zone (a PATCH cannot unpin one) and sends a
// changed kubeconfig, then assigns or deactivates it as planned and waits. The state saved is
// what the account is afterwards, also when the assignment fails: a FAILED account reads as
// active = false, so the next plan assigns it again.
func (r *dynamicAccountResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior dynamicAccountModel
	var kubeconfigWO types.String
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("kubeconfig_file_wo"), &kubeconfigWO)...)
	timeout, diags := plan.Timeouts.Update(ctx, dynamicAccountTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.assignmentChanged(prior) {
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

	if err := api.MigrateAccount(opCtx, plan.migration(kubeconfigToSend(plan, &prior, kubeconfigWO))); err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to update dynamic account", err)
		return
	}
	account, err := assignAccount(opCtx, api, plan)
	if account == nil {
		account = readAfterFailure(ctx, api, plan.Name.ValueString())
	}
	if account != nil { // else the prior state stays, and the next plan sends the changes again
		resp.Diagnostics.Append(resp.State.Set(ctx, dynamicAccountFromAPI(account, plan))...)
	}
	reportAssignment(&resp.Diagnostics, "update", plan.Name.ValueString(), timeout, account, err,
		"Terraform keeps the account in state as last read, so the next plan assigns it again.")
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

// ImportState takes the account name. Static accounts are refused here: they come from Agent
// configuration files, which the API cannot change or delete.
func (r *dynamicAccountResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	name := req.ID
	if strings.TrimSpace(name) == "" || strings.ContainsAny(name, " \t\r\n") {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("Import a dynamic account by its Clouddriver account name, without spaces; got %q. "+
				"For example: terraform import agentfleet_dynamic_account.example prod-k8s", name))
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
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
}

// checkAccountNotManaged refuses to create over an account the Scale Agent already manages:
// migrating is an upsert, so creating would silently adopt it, and destroying would later remove
// an account this configuration never made. The user imports it instead.
func checkAccountNotManaged(ctx context.Context, api *client.Armory, name string, diags *diag.Diagnostics) bool {
	account, err := api.GetAccount(ctx, name)
	switch {
	case errors.Is(err, client.ErrNotFound):
		return true
	case err != nil:
		apiErrorDiag(diags, "Unable to create dynamic account", err)
	case account.Source == client.AccountSourceStatic:
		diags.AddAttributeError(path.Root("name"), "Account is static",
			fmt.Sprintf("Account %q is defined in an Agent's configuration file (source %q), so it cannot be managed as a dynamic account.",
				name, account.Source))
	default:
		diags.AddAttributeError(path.Root("name"), "Dynamic account already exists",
			fmt.Sprintf("Account %q is already a dynamic account of the Scale Agent (state %s). To manage it with Terraform, import it: "+
				"terraform import <address> %s", name, account.State, name))
	}
	return false
}

// assignAccount activates the account as planned and waits until the assignment settles, ACTIVE
// or FAILED, or ctx ends; or it deactivates the account. It returns the account as last read (nil
// when no read succeeded) and what went wrong.
func assignAccount(ctx context.Context, api *client.Armory, plan dynamicAccountModel) (*client.DynamicAccount, error) {
	name := plan.Name.ValueString()
	if !plan.Active.ValueBool() {
		if err := api.AssignAccount(ctx, client.AccountAssignment{Name: name, State: client.AccountInactive}); err != nil {
			return nil, err
		}
		return api.GetAccount(ctx, name)
	}
	if err := api.AssignAccount(ctx, client.AccountAssignment{Name: name, State: client.AccountActive, ZoneID: plan.ZoneID.ValueString()}); err != nil {
		return nil, err
	}
	var last *client.DynamicAccount
	err := waitFor(ctx, dynamicAccountPollInterval, func(ctx context.Context) (bool, error) {
		account, err := api.GetAccount(ctx, name)
		if err != nil {
			return false, err
		}
		last = account
		return account.State == client.AccountActive || account.State == client.AccountFailed, nil
	})
	return last, err
}

// readAfterFailure reads the account for state when the assignment failed before any read did,
// or nil when this read fails too. ctx is the operation's own, not the one the timeout ended.
func readAfterFailure(ctx context.Context, api *client.Armory, name string) *client.DynamicAccount {
	account, err := api.GetAccount(ctx, name)
	if err != nil {
		return nil
	}
	return account
}

// reportAssignment adds the error of an assignment that did not end as planned: a timeout while
// it is pending, a FAILED assignment with the platform's message, or a failed call. account is
// the account as last read (nil when unknown); saved says what became of it in state.
func reportAssignment(diags *diag.Diagnostics, operation, name string, timeout time.Duration, account *client.DynamicAccount, err error, saved string) {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		state, untaint := "unknown", ""
		if account != nil {
			state = account.State
		}
		if operation == "create" {
			untaint = "If it becomes ACTIVE meanwhile, `terraform untaint` keeps it. "
		}
		diags.AddError("Dynamic account assignment still pending",
			fmt.Sprintf("Account %q was not ACTIVE within the %s timeout of %s (state %q); the assignment is still pending on the platform. %s %s"+
				"For slow clusters, raise timeouts.%s.",
				name, operation, timeout, state, saved, untaint, operation))
	case err != nil:
		apiErrorDiag(diags, fmt.Sprintf("Unable to %s dynamic account", operation), fmt.Errorf("%w. %s", err, saved))
	case account.State == client.AccountFailed:
		diags.AddError("Dynamic account assignment failed",
			fmt.Sprintf("The Scale Agent could not assign account %q: %q. %s Fix the cause (the kubeconfig, the zone, "+
				"or the Agents' access to the cluster) before applying again.", name, account.LastAssignmentMsg, saved))
	}
}

// assignmentChanged reports whether the plan changes anything the platform has to be told,
// rather than only the timeouts.
func (m dynamicAccountModel) assignmentChanged(prior dynamicAccountModel) bool {
	return !m.ZoneID.Equal(prior.ZoneID) || !m.Active.Equal(prior.Active) ||
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

// accountActive reports whether an account in this state is assigned or being assigned.
func accountActive(state string) bool {
	return state != "" && state != client.AccountInactive && state != client.AccountFailed
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

// migration is the POST that migrates the account with the planned zone, and kubeconfig when
// one is to be sent.
func (m dynamicAccountModel) migration(kubeconfig string) client.AccountMigration {
	return client.AccountMigration{Name: m.Name.ValueString(), ZoneID: m.ZoneID.ValueString(), KubeconfigFile: kubeconfig}
}
