package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/action/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_dynamic_account_reassign action (Terraform 1.14 and later): assigns an Armory
// dynamic account whose assignment FAILED, or which no Agent manages any more (ORPHANED), to the
// Agents again, and waits until it is ACTIVE. It goes through settleAccount, as the resource does.

var (
	_ action.Action               = (*dynamicAccountReassignAction)(nil)
	_ action.ActionWithConfigure  = (*dynamicAccountReassignAction)(nil)
	_ action.ActionWithModifyPlan = (*dynamicAccountReassignAction)(nil)
)

// NewDynamicAccountReassignAction is the agentfleet_dynamic_account_reassign action factory.
func NewDynamicAccountReassignAction() action.Action { return &dynamicAccountReassignAction{} }

type dynamicAccountReassignAction struct{ actionBase }

type dynamicAccountReassignModel struct {
	Name     types.String   `tfsdk:"name"`
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (a *dynamicAccountReassignAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dynamic_account_reassign"
}

func (a *dynamicAccountReassignAction) Schema(ctx context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Assigns an Armory Scale Agent dynamic account to the Agents again when its assignment is `FAILED`, or " +
			"when no Agent manages it any more (`ORPHANED`), and waits until it is `ACTIVE` (Terraform 1.14 and later). A `FAILED` " +
			"account is activated again in its zone; an `ORPHANED` one is deactivated first, since the platform activates only an " +
			"`INACTIVE` or `FAILED` account. The kubeconfig is not sent again: the platform keeps the last one it received. " +
			"A new failure (`FAILED`, `ORPHANED` or `DELETE_FAILED`) ends the action at once with the platform's message. " +
			"Progress messages name each state the account goes through.\n\n" +
			"The action refuses an account that is `ACTIVE` already, `INACTIVE` (not assigned: set `active = true` on its " +
			"`agentfleet_dynamic_account` resource), `DELETE_FAILED`, static, or in a transition (wait until it settles), " +
			"saying which state it is in. An action cannot write a resource's state: the next refresh of the account's " +
			"`agentfleet_dynamic_account` resource picks up the new state, since it reads the state from the API.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: accountNameDescription + " The account must be a dynamic account of the Scale Agent.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.BlockWithOpts(ctx, timeouts.Opts{
				InvokeDescription: "How long to wait for the account to be `ACTIVE` again, the deactivation of an `ORPHANED` " +
					"account included, as a duration such as `\"30s\"` or `\"15m\"`. Default `\"10m\"`.",
			}),
		},
	}
}

// ModifyPlan refuses, at plan time, an action on a provider without an armory block. The state
// of the account is checked only when the action runs: it may change before then.
func (a *dynamicAccountReassignAction) ModifyPlan(_ context.Context, _ action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	if a.clients != nil { // nil: the provider is not configured yet
		resp.Diagnostics.Append(a.clients.armory.checkConfigured()...)
	}
}

func (a *dynamicAccountReassignAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg dynamicAccountReassignModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	timeout, diags := cfg.Timeouts.Invoke(ctx, dynamicAccountTimeout)
	resp.Diagnostics.Append(diags...)
	api, diags := a.clients.armory.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	opCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	name := cfg.Name.ValueString()
	account, err := api.GetAccount(opCtx, name)
	if err != nil {
		reassignReadErrorDiag(resp, name, err)
		return
	}
	if refusal := reassignRefusal(account); refusal != "" {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Dynamic account not reassigned", refusal)
		return
	}
	progress := &accountProgress{send: resp.SendProgress, last: account.State}
	progress.report(reassignStart(account))
	account, err = settleAccount(opCtx, api, accountTarget{name: name, active: true, zone: account.ZoneID, observe: progress.observe})
	if err == nil {
		return // the progress already reported the ACTIVE account, with its Agents
	}
	if account == nil {
		account = readAfterFailure(ctx, api, name)
	}
	reportAssignment(&resp.Diagnostics, reassignAssignment, timeout, account, err,
		"An action writes no Terraform state: the next refresh of the account's agentfleet_dynamic_account resource reads the state the platform reports.")
}

// reassignReadErrorDiag reports a failed first read. An account the Scale Agent does not manage
// has no assignment to repeat.
func reassignReadErrorDiag(resp *action.InvokeResponse, name string, err error) {
	if errors.Is(err, client.ErrNotFound) {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Dynamic account not found",
			fmt.Sprintf("Account %q is not a dynamic account of the Scale Agent (%s), so there is no assignment to repeat. "+
				"Migrate it with the agentfleet_dynamic_account resource.", name, err))
		return
	}
	apiErrorDiag(&resp.Diagnostics, "Unable to read dynamic account", err)
}

// reassignRefusal says why the account cannot be reassigned, or "" when it is FAILED or ORPHANED.
func reassignRefusal(a *client.DynamicAccount) string {
	switch {
	case a.Source == client.AccountSourceStatic:
		return fmt.Sprintf("Account %q is defined in an Agent's configuration file (source %q); the API cannot assign it.", a.Name, a.Source)
	case a.State == client.AccountFailed || a.State == client.AccountOrphaned:
		return ""
	case a.State == client.AccountActive:
		return fmt.Sprintf("Account %q is ACTIVE already: its Agents handle it, so there is nothing to reassign.", a.Name)
	case a.State == client.AccountInactive:
		return fmt.Sprintf("Account %q is INACTIVE: it is not assigned, so there is nothing to reassign. To assign it, set "+
			"active = true on its agentfleet_dynamic_account resource.", a.Name)
	case a.State == client.AccountDeleteFailed:
		return fmt.Sprintf("Account %q is DELETE_FAILED: its removal from the Scale Agent failed (%q). Assigning it again would bring "+
			"back an account that is being removed; destroy it again instead.", a.Name, a.LastAssignmentMsg)
	}
	return fmt.Sprintf("Account %q is %s, a transition under way. Wait until it settles; if it ends FAILED or ORPHANED, invoke this action again.",
		a.Name, a.State)
}

// reassignStart is the first progress message: the failure and what is done about it.
func reassignStart(a *client.DynamicAccount) string {
	zone := "to any Agent"
	if a.ZoneID != "" {
		zone = fmt.Sprintf("in zone %s", a.ZoneID)
	}
	first := ""
	if a.State == client.AccountOrphaned {
		first = "deactivating it first, then "
	}
	return fmt.Sprintf("%s is %s (%q): %sassigning it again %s", a.Name, a.State, a.LastAssignmentMsg, first, zone)
}

// accountProgress reports each state the account is read in, once, as it changes.
type accountProgress struct {
	send func(action.InvokeProgressEvent) // nil when nobody listens
	last string
}

func (p *accountProgress) observe(a *client.DynamicAccount) {
	if a.State == p.last {
		return
	}
	p.last = a.State
	p.report(accountProgressMessage(a))
}

func (p *accountProgress) report(message string) {
	if p.send != nil {
		p.send(action.InvokeProgressEvent{Message: message})
	}
}

// accountProgressMessage names the account's state, its Agents once it is ACTIVE, and the
// platform's message of a failure.
func accountProgressMessage(a *client.DynamicAccount) string {
	switch {
	case a.State == client.AccountActive && len(a.Agents) > 0:
		agents := make([]string, 0, len(a.Agents))
		for _, agent := range a.Agents {
			agents = append(agents, agent.AgentID)
		}
		return fmt.Sprintf("%s is ACTIVE on Agents %s", a.Name, strings.Join(agents, ", "))
	case client.AccountStateFailed(a.State):
		return fmt.Sprintf("%s is %s (%q)", a.Name, a.State, a.LastAssignmentMsg)
	}
	return fmt.Sprintf("%s is %s", a.Name, a.State)
}
