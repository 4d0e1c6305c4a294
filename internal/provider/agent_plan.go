package provider

import (
	"context"
	"encoding/json"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// The plan of agentfleet_agent as pure functions of what ModifyPlan knows: the planned values,
// the prior state, the provider's last regeneration of the secret (private state) and the time.
// Any planned value may be unknown until apply (enabled = some_resource.attribute). Terraform
// plans again at apply time with the values then known, and refuses a result that contradicts the
// first plan ("Provider produced inconsistent final plan"): so whatever depends on an unknown is
// planned unknown, never guessed.

// regeneration is whether a plan regenerates the agent's client secret. The order matters: or
// keeps the stronger.
type regeneration int

const (
	noRegeneration regeneration = iota
	// mayRegenerate is the plan of an input unknown until apply: the secret, the client id and
	// the expiry are planned unknown, and the plan made at apply time decides.
	mayRegenerate
	regenerates
)

func (r regeneration) or(o regeneration) regeneration { return max(r, o) }

// planAgent is the plan that ModifyPlan sets, given the planned values, the prior state (nil on a
// create), the last regeneration and the time: the secret, client id and expiry unknown when the
// apply may regenerate the secret, and the state as the apply will leave it. The rotation check
// says what to report about rotate_before.
func planAgent(plan agentResourceModel, prior *agentResourceModel, last *agentRegeneration, now time.Time) (agentResourceModel, rotationCheck) {
	regen, rotation := noRegeneration, rotationCheck{}
	if prior != nil {
		rotation = agentRotation(plan.RotateBefore, *prior, last, now)
		regen = triggersRegeneration(plan.RegenerateTriggers, prior.RegenerateTriggers, prior.ClientSecret).or(rotation.regeneration())
	}
	if regen != noRegeneration {
		// SpaceONE issues a new client id with the new secret, and moves the expiry.
		plan.ClientSecret = types.StringUnknown()
		plan.ClientID = types.StringUnknown()
		plan.ExpiredAt = timetypes.NewRFC3339Unknown()
	}
	plan.State = plannedAgentState(plan.Enabled, prior, regen)
	return plan, rotation
}

// triggersRegeneration is what regenerate_triggers make of the secret. A state without triggers
// and without a secret comes from an import: Terraform never saw the triggers that made the live
// secret, so the configured ones are adopted as they are, without regenerating the secret that
// the agents use; a later change of them regenerates.
func triggersRegeneration(planned, prior types.Map, priorSecret types.String) regeneration {
	switch {
	case prior.IsNull() && priorSecret.IsNull():
		return noRegeneration
	case !mapKnown(planned):
		return mayRegenerate
	case !planned.Equal(prior):
		return regenerates
	}
	return noRegeneration
}

// mapKnown reports whether m and all its elements are known.
func mapKnown(m types.Map) bool {
	if m.IsUnknown() {
		return false
	}
	for _, v := range m.Elements() {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

// agentRegeneration is the provider's last regeneration of an agent's secret, kept in private
// state: when it happened, the expiry it left, and whether it moved the expiry at all.
type agentRegeneration struct {
	At        time.Time `json:"at"`
	ExpiredAt string    `json:"expired_at"`
	Moved     bool      `json:"moved"`
}

// lastRegenerationKey is the private state key of the agentRegeneration.
const lastRegenerationKey = "last_regeneration"

// lastRegeneration reads the agentRegeneration from private state; nil when there is none (no
// regeneration by this provider yet) or it cannot be read.
func lastRegeneration(ctx context.Context, private interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
}) *agentRegeneration {
	raw, diags := private.GetKey(ctx, lastRegenerationKey)
	var last agentRegeneration
	if diags.HasError() || len(raw) == 0 || json.Unmarshal(raw, &last) != nil {
		return nil
	}
	return &last
}

// recordRegeneration stores in private state that the secret was regenerated at, from an agent
// whose secret expired at before to one whose secret expires at after.
func recordRegeneration(ctx context.Context, private interface {
	SetKey(context.Context, string, []byte) diag.Diagnostics
}, at time.Time, before, after string) diag.Diagnostics {
	raw, err := json.Marshal(agentRegeneration{At: at.UTC(), ExpiredAt: after,
		Moved: !sameTime(timestampFromAPI(before), timestampFromAPI(after))})
	if err != nil { // a struct of a time, a string and a bool always encodes
		panic(err)
	}
	return private.SetKey(ctx, lastRegenerationKey, raw)
}

// agentRotation is what rotate_before makes of the prior state's secret at now. The secret's
// lifetime runs from when it was issued to expired_at: from the provider's last regeneration
// when the secret is the one that regeneration made, and from created_at otherwise (an agent
// never regenerated, or regenerated outside Terraform, whose lifetime is then overestimated). A
// last regeneration that did not move expired_at at all is stuck: SpaceONE may keep the expiry of
// the agent's app.
func agentRotation(rotateBefore types.String, prior agentResourceModel, last *agentRegeneration, now time.Time) rotationCheck {
	issued, _ := timeOf(prior.CreatedAt)
	mine := last != nil && sameTime(timestampFromAPI(last.ExpiredAt), prior.ExpiredAt)
	if mine {
		issued = last.At
	}
	check := checkRotation(rotateBefore, prior.ExpiredAt, issued, now)
	if check.verdict == rotationEndless && mine && !last.Moved {
		check.verdict, check.stuckSince = rotationStuck, last.At
	}
	return check
}

// agentRotationWords say what rotation does to an agent, in rotation diagnostics.
var agentRotationWords = rotationWords{
	secret: path.Root("client_secret"), does: "regenerates the client secret in place", doesNot: "regenerate the client secret",
	anyway: "change regenerate_triggers to regenerate it anyway",
}

// plannedAgentState is the state an apply leaves. A create, an enable and a disable set it; with
// enabled unchanged it stays as it is, so an EXPIRED agent plans no change. A regeneration of an
// agent that is neither enabled nor disabled plans it unknown: SpaceONE does not document
// whether a new secret ends an expiry. An enabled unknown until apply plans it unknown.
func plannedAgentState(enabled types.Bool, prior *agentResourceModel, regen regeneration) types.String {
	switch {
	case enabled.IsUnknown():
		return types.StringUnknown()
	case prior == nil || prior.State.IsNull() || enabled.ValueBool() != prior.Enabled.ValueBool():
		return types.StringValue(stateFor(enabled.ValueBool()))
	case regen != noRegeneration && !isToggledState(prior.State.ValueString()):
		return types.StringUnknown()
	}
	return prior.State
}

// isToggledState reports whether state is one that enable and disable set.
func isToggledState(state string) bool {
	return state == client.AgentEnabled || state == client.AgentDisabled
}

func stateFor(enabled bool) string {
	if enabled {
		return client.AgentEnabled
	}
	return client.AgentDisabled
}

// enabledFromAPI is what enabled reads as. ENABLED and DISABLED say it; EXPIRED (or a state this
// provider does not know) says nothing about the switch, so enabled keeps the value Terraform
// last set, or the default, true, when there is none (after an import).
func enabledFromAPI(state string, prior types.Bool) types.Bool {
	switch {
	case isToggledState(state):
		return types.BoolValue(state == client.AgentEnabled)
	case prior.IsNull() || prior.IsUnknown():
		return types.BoolValue(true)
	}
	return prior
}

// regeneration is what a rotation check makes of an in-place secret: a due rotation
// regenerates, one whose rotate_before is unknown may.
func (c rotationCheck) regeneration() regeneration {
	switch c.verdict {
	case rotationDue:
		return regenerates
	case rotationUnknown:
		return mayRegenerate
	}
	return noRegeneration
}
