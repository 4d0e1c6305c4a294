package provider

import (
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestRotationDue(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		rotateBefore types.String
		expiresAt    timetypes.RFC3339
		want         bool
	}{
		{"inside the window", types.StringValue("720h"), timetypes.RFC3339{StringValue: types.StringValue("2026-01-20T00:00:00Z")}, true},
		{"fractional seconds", types.StringValue("720h"), timetypes.RFC3339{StringValue: types.StringValue("2026-01-20T00:00:00.000Z")}, true},
		{"already expired", types.StringValue("1h"), timetypes.RFC3339{StringValue: types.StringValue("2025-12-01T00:00:00Z")}, true},
		{"outside the window", types.StringValue("24h"), timetypes.RFC3339{StringValue: types.StringValue("2026-01-20T00:00:00Z")}, false},
		{"no rotate_before", types.StringNull(), timetypes.RFC3339{StringValue: types.StringValue("2026-01-01T00:00:01Z")}, false},
		{"unknown expiry", types.StringValue("24h"), timetypes.RFC3339{StringValue: types.StringUnknown()}, false},
		{"no expiry", types.StringValue("24h"), timetypes.RFC3339{StringValue: types.StringNull()}, false},
		{"unparsable expiry", types.StringValue("24h"), timetypes.RFC3339{StringValue: types.StringValue("tomorrow")}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := rotationDue(tc.rotateBefore, tc.expiresAt, now); got != tc.want {
				t.Fatalf("rotationDue = %v, want %v", got, tc.want)
			}
		})
	}
}
