package provider

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The rotation plan of agentfleet_service_account_credential as pure functions of the planned
// rotate_before, the prior state, the configured expiry and the time. A credential cannot change,
// so a rotation is a replacement, which Terraform must know of in the first plan: the plan it
// makes again at apply time may not add one ("Provider produced inconsistent final plan").

// credentialPlan is what a plan does about rotate_before.
type credentialPlan int

const (
	credentialKept      credentialPlan = iota // no rotation; the check may still call for a warning
	credentialReplaced                        // due: the plan replaces the credential
	credentialUndecided                       // rotate_before is unknown until apply: an error
)

// planCredentialRotation is what rotate_before makes of the credential in state at now. Only an
// expiry the platform set rotates: a replacement of one configured (or unknown until apply, which
// replaces it anyway if it moves) would get the same expiry. The credential's lifetime runs from
// created_at to expires_at; a replacement gets the organization's default lifetime, which is
// what this one got.
func planCredentialRotation(rotateBefore types.String, state serviceAccountCredentialModel, configuredExpiry timetypes.RFC3339, now time.Time) (credentialPlan, rotationCheck) {
	issued, _ := timeOf(state.CreatedAt)
	check := checkRotation(rotateBefore, state.ExpiresAt, issued, now)
	switch {
	case !configuredExpiry.IsNull():
		return credentialKept, check
	case check.verdict == rotationUnknown:
		return credentialUndecided, check
	case check.verdict == rotationDue:
		return credentialReplaced, check
	}
	return credentialKept, check
}

// credentialRotationWords say what rotation does to a credential, in rotation diagnostics.
var credentialRotationWords = rotationWords{
	secret: path.Root("expires_at"), does: credentialRotation, doesNot: "replace the credential",
	anyway: "replace it with terraform apply -replace to rotate it anyway",
}

// withinRotateBefore reports whether a configured expiry is already within rotate_before at
// now: a credential created with it is due for rotation at once, and, its expiry being
// configured, is never rotated.
func withinRotateBefore(rotateBefore types.String, configuredExpiry timetypes.RFC3339, now time.Time) bool {
	v := checkRotation(rotateBefore, configuredExpiry, now, now).verdict
	return v == rotationDue || v == rotationEndless
}

// addConfiguredExpiryWarning explains that a credential due for rotation with a configured
// expiry is not replaced: the replacement would expire just as soon.
func addConfiguredExpiryWarning(diags *diag.Diagnostics, expiry time.Time, rotateBefore types.String) {
	diags.AddAttributeWarning(path.Root("expires_at"), "Credential due for rotation",
		fmt.Sprintf("The credential expires at %s, within rotate_before (%s), but expires_at is set in the configuration, "+
			"so a new credential would expire just as soon. Set a later expires_at to rotate it.",
			expiry.UTC().Format(time.RFC3339), rotateBefore.ValueString()))
}
