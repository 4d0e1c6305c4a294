package provider

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Every combination of rotate_before (null, unknown, not due, due, beyond the credential's
// lifetime), the configured expiry (null, set, unknown) and the expiry in state (none, one).
func TestPlanCredentialRotation(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Created with the organization's 90-day default, 10 days before its expiry.
	withExpiry := serviceAccountCredentialModel{CreatedAt: rfc3339("2025-10-13T00:00:00Z"), ExpiresAt: rfc3339("2026-01-11T00:00:00Z")}
	neverExpires := serviceAccountCredentialModel{CreatedAt: rfc3339("2025-10-13T00:00:00Z"), ExpiresAt: timetypes.NewRFC3339Null()}
	rotateBefore := map[string]types.String{
		"no rotate_before": types.StringNull(), "rotate_before unknown": types.StringUnknown(), "not due": types.StringValue("24h"),
		"due": types.StringValue("720h"), "beyond the lifetime": types.StringValue("2160h"),
	}
	configured := map[string]timetypes.RFC3339{
		"platform expiry": timetypes.NewRFC3339Null(), "configured expiry": rfc3339("2026-01-11T00:00:00Z"),
		"expiry unknown": timetypes.NewRFC3339Unknown(),
	}
	type outcome struct {
		plan    credentialPlan
		verdict rotationVerdict
	}
	want := map[string]outcome{
		"no rotate_before, platform expiry":        {credentialKept, rotationNotDue},
		"rotate_before unknown, platform expiry":   {credentialUndecided, rotationUnknown},
		"not due, platform expiry":                 {credentialKept, rotationNotDue},
		"due, platform expiry":                     {credentialReplaced, rotationDue},
		"beyond the lifetime, platform expiry":     {credentialKept, rotationEndless},
		"no rotate_before, configured expiry":      {credentialKept, rotationNotDue},
		"rotate_before unknown, configured expiry": {credentialKept, rotationUnknown},
		"not due, configured expiry":               {credentialKept, rotationNotDue},
		"due, configured expiry":                   {credentialKept, rotationDue},
		"beyond the lifetime, configured expiry":   {credentialKept, rotationEndless},
		"no rotate_before, expiry unknown":         {credentialKept, rotationNotDue},
		"rotate_before unknown, expiry unknown":    {credentialKept, rotationUnknown},
		"not due, expiry unknown":                  {credentialKept, rotationNotDue},
		"due, expiry unknown":                      {credentialKept, rotationDue},
		"beyond the lifetime, expiry unknown":      {credentialKept, rotationEndless},
	}
	for rbName, rb := range rotateBefore {
		for cName, c := range configured {
			name := fmt.Sprintf("%s, %s", rbName, cName)
			t.Run(name, func(t *testing.T) {
				plan, check := planCredentialRotation(rb, withExpiry, c, now)
				if got := (outcome{plan, check.verdict}); got != want[name] {
					t.Errorf("with an expiry: %+v, want %+v", got, want[name])
				}
				if plan, check := planCredentialRotation(rb, neverExpires, c, now); plan != credentialKept || check.verdict != rotationNotDue {
					t.Errorf("never expiring: plan %d, verdict %d; want it kept and not due", plan, check.verdict)
				}
			})
		}
	}
}

func TestWithinRotateBefore(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		rotateBefore types.String
		configured   timetypes.RFC3339
		want         bool
	}{
		{"closer than rotate_before", types.StringValue("720h"), rfc3339("2026-01-11T00:00:00Z"), true},
		{"already past", types.StringValue("1h"), rfc3339("2025-12-31T00:00:00Z"), true},
		{"further than rotate_before", types.StringValue("24h"), rfc3339("2026-01-11T00:00:00Z"), false},
		{"no rotate_before", types.StringNull(), rfc3339("2026-01-11T00:00:00Z"), false},
		{"rotate_before unknown", types.StringUnknown(), rfc3339("2026-01-11T00:00:00Z"), false},
		{"platform expiry", types.StringValue("720h"), timetypes.NewRFC3339Null(), false},
		{"expiry unknown", types.StringValue("720h"), timetypes.NewRFC3339Unknown(), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := withinRotateBefore(tc.rotateBefore, tc.configured, now); got != tc.want {
				t.Fatalf("withinRotateBefore = %t, want %t", got, tc.want)
			}
		})
	}
}
