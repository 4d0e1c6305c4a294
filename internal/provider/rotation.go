package provider

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Rotation before expiry, shared by the resources whose secrets expire: at plan time, a secret
// whose expiry is closer than rotate_before is planned for rotation, with a warning that says why.

// rotateBeforeAttribute is the optional rotate_before duration argument.
func rotateBeforeAttribute(what string) schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true,
		MarkdownDescription: "When the secret expires within this duration at plan time, the plan " + what +
			". A Go duration such as `\"720h\"` (30 days). Unset, nothing is rotated before expiry.",
		Validators: []validator.String{goDuration()},
	}
}

// rotationDue reports whether a secret expiring at expiresAt is within rotateBefore of now.
// Unset, unknown or unparsable values are never due: the plan must not churn on them.
func rotationDue(rotateBefore types.String, expiresAt timetypes.RFC3339, now time.Time) (bool, time.Time) {
	if rotateBefore.IsNull() || rotateBefore.IsUnknown() {
		return false, time.Time{}
	}
	window, err := time.ParseDuration(rotateBefore.ValueString())
	expiry, known := timeOf(expiresAt)
	if err != nil || !known {
		return false, time.Time{}
	}
	return !now.Add(window).Before(expiry), expiry
}

// addRotationWarning tells the user why the plan rotates a secret they did not change.
func addRotationWarning(diags *diag.Diagnostics, p path.Path, what string, expiry time.Time, rotateBefore types.String) {
	diags.AddAttributeWarning(p, "Secret due for rotation",
		fmt.Sprintf("The secret expires at %s, within rotate_before (%s), so this plan %s.",
			expiry.UTC().Format(time.RFC3339), rotateBefore.ValueString(), what))
}
