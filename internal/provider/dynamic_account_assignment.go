package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// How agentfleet_dynamic_account brings an Armory account to the state its plan asks for (and
// the agentfleet_dynamic_account_reassign action a failed one to ACTIVE again), and plans the
// one change a PATCH cannot make (unpinning a zone). Every change goes through PATCH
// /armory/accounts, and every PATCH starts a transition that settles later, so each step waits
// (with waitFor, within the caller's timeout) before the next one. The platform activates only an
// INACTIVE or FAILED account: a zone or kubeconfig change of an ACTIVE account (or the reassignment
// of an ORPHANED one) deactivates it first, then activates it again.

// accountTarget is what the account is to become.
type accountTarget struct {
	name   string
	active bool
	// zone is the configured zone, sent with every PATCH; "" leaves the platform's zone as it is.
	zone string
	// kubeconfig is a new kubeconfig to send, "" when the platform's one stays.
	kubeconfig string
	// observe, when set, sees the account at every read while it settles: the reassign action
	// reports progress with it.
	observe func(*client.DynamicAccount)
}

// settleAccount brings the account to target and returns it as last read (nil when no read
// succeeded) and what went wrong. A transition already under way is waited out first, so that
// the next step starts from a settled state.
func settleAccount(ctx context.Context, api *client.Armory, target accountTarget) (*client.DynamicAccount, error) {
	account, err := waitForAccount(ctx, api, target.name, client.AccountStateSettled, target.observe)
	if err != nil {
		return account, err
	}
	if !target.active {
		if account.State == client.AccountInactive && !target.changes(account) {
			return account, nil
		}
		return assignAndWait(ctx, api, target.assignment(client.AccountInactive), target.observe)
	}
	if account.State == client.AccountActive && !target.changes(account) {
		return account, nil
	}
	if !client.AccountCanBeActivated(account.State) {
		deactivation := client.AccountAssignment{Name: target.name, State: client.AccountInactive}
		if account, err = assignAndWait(ctx, api, deactivation, target.observe); err != nil {
			return account, err
		}
	}
	return assignAndWait(ctx, api, target.assignment(client.AccountActive), target.observe)
}

// changes reports whether target sends something the account does not have yet.
func (t accountTarget) changes(account *client.DynamicAccount) bool {
	return t.kubeconfig != "" || (t.zone != "" && t.zone != account.ZoneID)
}

// assignment is the PATCH that moves the account to state with target's zone and kubeconfig.
func (t accountTarget) assignment(state string) client.AccountAssignment {
	return client.AccountAssignment{Name: t.name, State: state, ZoneID: t.zone, KubeconfigFile: t.kubeconfig}
}

// assignAndWait sends the PATCH and waits until the account is in the state it asks for.
func assignAndWait(ctx context.Context, api *client.Armory, as client.AccountAssignment, observe func(*client.DynamicAccount)) (*client.DynamicAccount, error) {
	if err := api.AssignAccount(ctx, as); err != nil {
		return nil, err
	}
	return waitForAccount(ctx, api, as.Name, func(state string) bool { return state == as.State }, observe)
}

// waitForAccount reads the account until reached says its state is the one waited for. A
// settled failure (FAILED, ORPHANED, DELETE_FAILED) that is not that state ends the wait at once
// with an *accountFailedError: waiting longer would only run out the timeout. observe, when not
// nil, sees every read.
func waitForAccount(ctx context.Context, api *client.Armory, name string, reached func(state string) bool, observe func(*client.DynamicAccount)) (*client.DynamicAccount, error) {
	var last *client.DynamicAccount
	err := waitFor(ctx, dynamicAccountPollInterval, func(ctx context.Context) (bool, error) {
		account, err := api.GetAccount(ctx, name)
		if err != nil {
			return false, err
		}
		last = account
		if observe != nil {
			observe(account)
		}
		switch {
		case reached(account.State):
			return true, nil
		case client.AccountStateFailed(account.State):
			return true, &accountFailedError{account: account}
		}
		return false, nil
	})
	return last, err
}

// accountFailedError is a transition that settled in a failure.
type accountFailedError struct{ account *client.DynamicAccount }

func (e *accountFailedError) Error() string {
	return fmt.Sprintf("account %q is %s: %q", e.account.Name, e.account.State, e.account.LastAssignmentMsg)
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

// assignmentOperation names what waited for an assignment, in its errors: the verb of "Unable
// to <verb> dynamic account", and the attribute of the timeouts block that bounds the wait.
type assignmentOperation struct{ verb, timeout string }

var (
	createAssignment   = assignmentOperation{verb: "create", timeout: "create"}
	updateAssignment   = assignmentOperation{verb: "update", timeout: "update"}
	reassignAssignment = assignmentOperation{verb: "reassign", timeout: "invoke"}
)

// reportAssignment adds the error of an operation that did not end as planned: a timeout while
// a transition is under way, a transition that settled in a failure (quoting the platform's
// message), or a failed call. account is the account as last read (nil when unknown); saved
// says, truthfully, what became of it in state.
func reportAssignment(diags *diag.Diagnostics, op assignmentOperation, timeout time.Duration, account *client.DynamicAccount, err error, saved string) {
	var failed *accountFailedError
	switch {
	case err == nil:
	case errors.Is(err, context.DeadlineExceeded):
		state, message := "unknown", ""
		if account != nil {
			state = account.State
			if account.LastAssignmentMsg != "" {
				message = fmt.Sprintf(" Its last assignment message: %q.", account.LastAssignmentMsg)
			}
		}
		diags.AddError("Dynamic account assignment still pending",
			fmt.Sprintf("The account did not settle within the %s timeout of %s (state %q); the platform may still be working on it.%s %s "+
				"For slow clusters, raise timeouts.%s.", op.timeout, timeout, state, message, saved, op.timeout))
	case errors.As(err, &failed):
		diags.AddError("Dynamic account assignment failed",
			fmt.Sprintf("The Scale Agent could not assign account %q: it is %s with the message %q. %s Fix the cause (the kubeconfig, "+
				"the zone, or the Agents' access to the cluster) before applying again.",
				failed.account.Name, failed.account.State, failed.account.LastAssignmentMsg, saved))
	default:
		apiErrorDiag(diags, fmt.Sprintf("Unable to %s dynamic account", op.verb), fmt.Errorf("%w. %s", err, saved))
	}
}

// savedAfterFailedUpdate says what the next plan does with an update that failed, given the
// model saved in state: the planned values it differs in are planned again.
func savedAfterFailedUpdate(saved, plan dynamicAccountModel, configuredZone string, asRead bool) string {
	if !asRead {
		return "Terraform keeps the account in state as it was before this apply, so the next plan shows the changes again."
	}
	var again []string
	if configuredZone != "" && saved.ZoneID.ValueString() != configuredZone {
		again = append(again, "zone_id")
	}
	if !saved.Active.Equal(plan.Active) {
		again = append(again, "active")
	}
	if !saved.KubeconfigFile.Equal(plan.KubeconfigFile) || !saved.KubeconfigFileWOVersion.Equal(plan.KubeconfigFileWOVersion) {
		again = append(again, "the kubeconfig")
	}
	state := fmt.Sprintf("Terraform saved the account as the platform reports it (state %s, zone %q)", saved.State.ValueString(), saved.ZoneID.ValueString())
	if len(again) == 0 {
		return state + ", which matches the configuration, so the next plan does not repeat the change."
	}
	return fmt.Sprintf("%s, so the next plan shows the change of %s again.", state, strings.Join(again, ", "))
}

// zoneUnpinnedKey is the private state key that records that the last create or update had no
// zone_id in its configuration, so the zone in state, if any, is the one the platform chose.
// Without it (an import, or state from a version before this key) a zone in state counts as
// pinned.
const zoneUnpinnedKey = "zone_unpinned"

func setZoneUnpinned(ctx context.Context, private interface {
	SetKey(context.Context, string, []byte) diag.Diagnostics
}, unpinned bool) diag.Diagnostics {
	return private.SetKey(ctx, zoneUnpinnedKey, []byte(strconv.FormatBool(unpinned)))
}

// zoneReplacedWhenUnpinned plans zone_id when the configuration omits it. A PATCH cannot unpin an
// account, so removing a zone that was pinned plans a replacement (a fresh migration without a
// zone); a zone the platform chose for an account activated without one is kept, without a diff.
type zoneReplacedWhenUnpinned struct{}

func (zoneReplacedWhenUnpinned) Description(context.Context) string {
	return "Removing a pinned zone replaces the account; a zone the platform chose is kept."
}

func (m zoneReplacedWhenUnpinned) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (zoneReplacedWhenUnpinned) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.ConfigValue.IsNull() || req.StateValue.IsNull() {
		return // configured, or no zone to keep (a create, or an account never pinned)
	}
	unpinned, diags := req.Private.GetKey(ctx, zoneUnpinnedKey)
	resp.Diagnostics.Append(diags...)
	if string(unpinned) == "true" {
		resp.PlanValue = req.StateValue
		return
	}
	resp.PlanValue = types.StringNull()
	resp.RequiresReplace = true
}
