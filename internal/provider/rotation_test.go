package provider

import (
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// rfc3339 is a timestamp value as state holds one, not checked: tests also need invalid ones.
func rfc3339(s string) timetypes.RFC3339 {
	return timetypes.RFC3339{StringValue: types.StringValue(s)}
}

func TestCheckRotation(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	yearAgo := now.AddDate(-1, 0, 19) // a year before the expiry of 2026-01-20
	tests := []struct {
		name         string
		rotateBefore types.String
		expiresAt    timetypes.RFC3339
		issued       time.Time
		want         rotationVerdict
		lifetime     time.Duration
	}{
		{"inside the window", types.StringValue("720h"), rfc3339("2026-01-20T00:00:00Z"), yearAgo, rotationDue, 0},
		{"inside the window, issue unknown", types.StringValue("720h"), rfc3339("2026-01-20T00:00:00Z"), time.Time{}, rotationDue, 0},
		{"fractional seconds", types.StringValue("720h"), rfc3339("2026-01-20T00:00:00.000Z"), yearAgo, rotationDue, 0},
		{"another offset", types.StringValue("720h"), rfc3339("2026-01-20T09:00:00+09:00"), yearAgo, rotationDue, 0},
		{"already expired", types.StringValue("1h"), rfc3339("2025-12-01T00:00:00Z"), yearAgo.AddDate(0, -2, 0), rotationDue, 0},
		{"outside the window", types.StringValue("24h"), rfc3339("2026-01-20T00:00:00Z"), yearAgo, rotationNotDue, 0},
		{"on the edge of the window", types.StringValue("456h"), rfc3339("2026-01-20T00:00:00Z"), yearAgo, rotationDue, 0},
		{"no rotate_before", types.StringNull(), rfc3339("2026-01-01T00:00:01Z"), yearAgo, rotationNotDue, 0},
		{"rotate_before unknown", types.StringUnknown(), rfc3339("2026-01-20T00:00:00Z"), yearAgo, rotationUnknown, 0},
		{"rotate_before unknown, no expiry", types.StringUnknown(), timetypes.NewRFC3339Null(), yearAgo, rotationNotDue, 0},
		{"unparsable rotate_before", types.StringValue("a month"), rfc3339("2026-01-20T00:00:00Z"), yearAgo, rotationNotDue, 0},
		{"unknown expiry", types.StringValue("24h"), timetypes.NewRFC3339Unknown(), yearAgo, rotationNotDue, 0},
		{"no expiry", types.StringValue("24h"), timetypes.NewRFC3339Null(), yearAgo, rotationNotDue, 0},
		{"unparsable expiry", types.StringValue("24h"), rfc3339("tomorrow"), yearAgo, rotationNotDue, 0},
		{"longer than the lifetime", types.StringValue("9000h"), rfc3339("2026-01-20T00:00:00Z"), yearAgo, rotationEndless, 8760 * time.Hour},
		{"as long as the lifetime", types.StringValue("8760h"), rfc3339("2026-01-20T00:00:00Z"), yearAgo, rotationEndless, 8760 * time.Hour},
		{"just shorter than the lifetime", types.StringValue("8759h"), rfc3339("2026-01-20T00:00:00Z"), yearAgo, rotationDue, 0},
		{"longer than a lifetime that cannot be", types.StringValue("9000h"), rfc3339("2026-01-20T00:00:00Z"), now.AddDate(0, 1, 0), rotationDue, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := checkRotation(tc.rotateBefore, tc.expiresAt, tc.issued, now)
			if got.verdict != tc.want || got.lifetime != tc.lifetime {
				t.Fatalf("checkRotation = %+v, want verdict %d and lifetime %s", got, tc.want, tc.lifetime)
			}
			if tc.want != rotationNotDue && !got.expiry.Equal(time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC)) && tc.name != "already expired" {
				t.Fatalf("expiry %s, want the one given", got.expiry)
			}
		})
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		8760 * time.Hour:                               "8760h",
		8760*time.Hour - 900*time.Millisecond:          "8760h",
		71*time.Hour + 59*time.Minute + 28*time.Second: "71h59m",
		30*time.Minute + 5*time.Second:                 "30m5s",
		30 * time.Minute:                               "30m",
		45 * time.Second:                               "45s",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestRotationClock(t *testing.T) {
	ctx := t.Context()
	private := memoryPrivate{}
	if at := rotationClock(ctx, private); time.Since(at) > time.Minute {
		t.Fatalf("without a refresh recorded the clock says %s, want now", at)
	}
	refreshed := time.Date(2026, 1, 1, 9, 30, 0, 123456789, time.FixedZone("JST", 9*3600))
	if diags := recordRefresh(ctx, private, refreshed); diags.HasError() {
		t.Fatal(diags)
	}
	if at := rotationClock(ctx, private); !at.Equal(refreshed) {
		t.Fatalf("after a refresh at %s the clock says %s", refreshed, at)
	}
	private[refreshedAtKey] = []byte(`"yesterday"`)
	if at := rotationClock(ctx, private); time.Since(at) > time.Minute {
		t.Fatalf("with an unreadable record the clock says %s, want now", at)
	}
}
