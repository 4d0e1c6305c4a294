package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
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
// A rotation that a new secret would need again at once, because rotate_before is not shorter than
// the secret's lifetime, would repeat on every plan: it is not planned, and the plan warns.

// rotateBeforeAttribute is the optional rotate_before duration argument.
func rotateBeforeAttribute(what string) schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true,
		MarkdownDescription: "When the secret expires within this duration at plan time, the plan " + what +
			". A Go duration such as `\"720h\"` (30 days). Unset, nothing is rotated before expiry. It must be shorter than " +
			"the secret's lifetime (from when it is issued to when it expires): otherwise a new secret would be due at once and " +
			"every plan would rotate again, so the plan warns and rotates nothing. Rotation is judged as of the last refresh, " +
			"so that a saved plan applied later does what it showed; a plan made with `-refresh=false` judges it as of the " +
			"refresh before.",
		Validators: []validator.String{goDuration()},
	}
}

// rotationVerdict is what rotate_before makes of a secret at plan time.
type rotationVerdict int

const (
	rotationNotDue  rotationVerdict = iota // no rotate_before or no expiry, or not within rotate_before yet
	rotationUnknown                        // rotate_before is unknown until apply
	rotationDue                            // rotate now
	// rotationEndless is due, but rotate_before is not shorter than the secret's lifetime: a new
	// secret would be due at once, and every plan would rotate again.
	rotationEndless
	// rotationStuck is due, but the last rotation did not move the expiry, so another would not
	// either.
	rotationStuck
)

// rotationCheck is a rotationVerdict with what the diagnostics say about it.
type rotationCheck struct {
	verdict    rotationVerdict
	expiry     time.Time
	lifetime   time.Duration // of a secret whose rotation is endless
	stuckSince time.Time     // the rotation that did not move the expiry
}

// checkRotation judges a secret issued at issued (zero when that is not known) and expiring at
// expiresAt against rotate_before at now. Unset or unparsable values are never due: the plan
// must not churn on them.
func checkRotation(rotateBefore types.String, expiresAt timetypes.RFC3339, issued, now time.Time) rotationCheck {
	expiry, known := timeOf(expiresAt)
	switch {
	case rotateBefore.IsNull() || !known:
		return rotationCheck{}
	case rotateBefore.IsUnknown():
		return rotationCheck{verdict: rotationUnknown, expiry: expiry}
	}
	window, err := time.ParseDuration(rotateBefore.ValueString())
	if err != nil || now.Add(window).Before(expiry) {
		return rotationCheck{expiry: expiry}
	}
	if lifetime := expiry.Sub(issued); !issued.IsZero() && lifetime > 0 && window >= lifetime {
		return rotationCheck{verdict: rotationEndless, expiry: expiry, lifetime: lifetime}
	}
	return rotationCheck{verdict: rotationDue, expiry: expiry}
}

// rotationWords say what rotating does to a resource's secret, in its rotation diagnostics.
type rotationWords struct {
	secret  path.Path // the attribute that a rotation changes
	does    string    // "regenerates the client secret in place"
	doesNot string    // "regenerate the client secret"
	anyway  string    // how to rotate all the same
}

// addRotationDiagnostics tells the user why the plan rotates a secret they did not change, or
// why it does not rotate one that is due.
func addRotationDiagnostics(diags *diag.Diagnostics, check rotationCheck, rotateBefore types.String, w rotationWords) {
	expiry, window := check.expiry.UTC().Format(time.RFC3339), rotateBefore.ValueString()
	switch check.verdict {
	case rotationDue:
		addRotationWarning(diags, w.secret, w.does, check.expiry, rotateBefore)
	case rotationEndless:
		diags.AddAttributeWarning(path.Root("rotate_before"), "Rotation would never end",
			fmt.Sprintf("The secret expires at %s, within rotate_before (%s), but rotate_before is not shorter than the secret's "+
				"lifetime (%s, from when it was issued to its expiry): a new secret would be due as soon as it exists, and every "+
				"plan would %s again. So this plan does not %s. Set rotate_before below the lifetime, or %s.",
				expiry, window, shortDuration(check.lifetime), w.doesNot, w.doesNot, w.anyway))
	case rotationStuck:
		diags.AddAttributeWarning(path.Root("rotate_before"), "Rotation would never end",
			fmt.Sprintf("The secret expires at %s, within rotate_before (%s), but the last regeneration (at %s) did not move "+
				"expired_at: the platform kept the expiry, so another regeneration would not move it either, and every plan would "+
				"%s again. So this plan does not %s, which still expires at %s; %s.",
				expiry, window, check.stuckSince.UTC().Format(time.RFC3339), w.doesNot, w.doesNot, expiry, w.anyway))
	}
}

// shortDuration writes d to the minute, or to the second below an hour, without zero units:
// "8760h", "71h59m", "30m5s".
func shortDuration(d time.Duration) string {
	if d >= time.Hour {
		d = d.Round(time.Minute)
	} else {
		d = d.Round(time.Second)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// addRotationWarning tells the user why the plan rotates a secret they did not change.
func addRotationWarning(diags *diag.Diagnostics, p path.Path, what string, expiry time.Time, rotateBefore types.String) {
	diags.AddAttributeWarning(p, "Secret due for rotation",
		fmt.Sprintf("The secret expires at %s, within rotate_before (%s), so this plan %s.",
			expiry.UTC().Format(time.RFC3339), rotateBefore.ValueString(), what))
}

// refreshedAtKey is the private state key of the time of the last refresh of a resource that
// rotates its secret.
const refreshedAtKey = "refreshed_at"

// recordRefresh is for Read: it records in private state when the object was read, the time at
// which rotation is judged (see rotationClock).
func recordRefresh(ctx context.Context, private interface {
	SetKey(context.Context, string, []byte) diag.Diagnostics
}, at time.Time) diag.Diagnostics {
	raw, err := json.Marshal(at.UTC().Format(time.RFC3339Nano))
	if err != nil { // a string always encodes
		panic(err)
	}
	return private.SetKey(ctx, refreshedAtKey, raw)
}

// rotationClock is the time at which a plan judges rotation: the last refresh of the object,
// or now when none is recorded (an object created since, or state from an older version). Terraform
// plans a change a second time at apply time, from the same prior state, and refuses a second plan
// that rotates when the first did not ("Provider produced inconsistent final plan"); a clock
// read in each plan would give that when the expiry comes within rotate_before in between, as
// when a saved plan is applied later, or while other resources of the same apply take their time.
// The refresh time is the same for both plans. A plan made with -refresh=false judges rotation as
// of the last refresh.
func rotationClock(ctx context.Context, private interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
}) time.Time {
	raw, diags := private.GetKey(ctx, refreshedAtKey)
	var text string
	if !diags.HasError() && len(raw) > 0 && json.Unmarshal(raw, &text) == nil {
		if at, err := time.Parse(time.RFC3339Nano, text); err == nil {
			return at
		}
	}
	return time.Now()
}
