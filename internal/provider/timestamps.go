package provider

import (
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// Timestamps. Every time an API reports, and the k0rdent expiry a user sets, is a
// timetypes.RFC3339 value: the type checks a configured value, and its semantic equality makes the
// framework keep the value already in the plan or state when an API answers the same instant in
// another precision ("…46.520204Z" and "…46.520Z", "…00.000Z" and "…00Z"). Such an answer then
// neither fails an apply with "Provider produced inconsistent result after apply" nor shows up as
// a change on refresh. timetypes compares instants to the second, each in its own offset; where a
// configured time may be written in another offset than the API's, sameInstant keeps it.

// computedTimestamp is a resource's read-only RFC 3339 timestamp; a stable one keeps its state
// value in plans.
func computedTimestamp(description string, stable bool) schema.StringAttribute {
	a := computedString(description, stable)
	a.CustomType = timetypes.RFC3339Type{}
	return a
}

// dataSourceTimestamp is a data source's read-only RFC 3339 timestamp.
func dataSourceTimestamp(description string) dsschema.StringAttribute {
	return dsschema.StringAttribute{Computed: true, CustomType: timetypes.RFC3339Type{}, MarkdownDescription: description}
}

// timestampFromAPI is an API's timestamp as a value: null when the API sent none, and also when
// it sent something that is no RFC 3339 time, which the attribute cannot hold.
func timestampFromAPI(s string) timetypes.RFC3339 {
	v, diags := timetypes.NewRFC3339Value(s)
	if s == "" || diags.HasError() {
		return timetypes.NewRFC3339Null()
	}
	return v
}

// sameInstant returns prior when it names the same instant as the API's timestamp, so that
// "2030-01-01T09:00:00+09:00" in the configuration is not undone by the API's UTC spelling of it,
// and otherwise the API's value. An empty API time is null: none.
func sameInstant(prior timetypes.RFC3339, fromAPI string) timetypes.RFC3339 {
	if api := timestampFromAPI(fromAPI); !sameTime(prior, api) {
		return api
	}
	return prior
}

// sameTime reports whether a and b are known RFC 3339 times of the same instant, to the second
// as timetypes compares them: an API may drop the digits below.
func sameTime(a, b timetypes.RFC3339) bool {
	ta, okA := timeOf(a)
	tb, okB := timeOf(b)
	return okA && okB && ta.Truncate(time.Second).Equal(tb.Truncate(time.Second))
}

// timeOf is the time of a known, valid RFC 3339 value, and whether there is one.
func timeOf(v timetypes.RFC3339) (time.Time, bool) {
	if v.IsNull() || v.IsUnknown() {
		return time.Time{}, false
	}
	t, diags := v.ValueRFC3339Time()
	return t, !diags.HasError()
}
