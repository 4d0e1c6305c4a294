package provider

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// Plan-time validators that the framework-validators module does not offer.

// goDuration accepts a Go duration string of zero or more, such as "500ms", "30s" or "72h".
func goDuration() validator.String { return goDurationValidator{} }

type goDurationValidator struct{}

func (goDurationValidator) Description(context.Context) string {
	return `value must be a duration such as "500ms", "30s" or "72h"`
}

func (v goDurationValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v goDurationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil || d < 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%s is %q; it must be a duration of zero or more with a unit, such as \"500ms\", \"30s\", \"2m\" or \"72h\".",
				req.Path, req.ConfigValue.ValueString()))
	}
}

// absoluteURL accepts an absolute http or https URL with a host.
func absoluteURL() validator.String { return absoluteURLValidator{} }

type absoluteURLValidator struct{}

func (absoluteURLValidator) Description(context.Context) string {
	return "value must be an absolute http(s) URL"
}

func (v absoluteURLValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v absoluteURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	raw := req.ConfigValue.ValueString()
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid endpoint URL",
			fmt.Sprintf("%s is %q; it must be an absolute URL such as \"https://api.example.com/v1\".", req.Path, raw))
	}
}

// pathPrefix accepts a URL path prefix such as "/identity/v2", by the client's own rules
// (client.CheckPathPrefix), so that a value the client would refuse fails at plan time.
func pathPrefix() validator.String { return pathPrefixValidator{} }

type pathPrefixValidator struct{}

func (pathPrefixValidator) Description(context.Context) string {
	return `value must be a URL path that starts with "/" and does not end with one, such as "/identity/v2"`
}

func (v pathPrefixValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v pathPrefixValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := client.CheckPathPrefix(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid path prefix",
			fmt.Sprintf("%s is %q; it %s.", req.Path, req.ConfigValue.ValueString(), err))
	}
}

// positiveNumber accepts a finite number above 0, such as a rate of requests per second.
func positiveNumber() validator.Float64 { return positiveNumberValidator{} }

type positiveNumberValidator struct{}

func (positiveNumberValidator) Description(context.Context) string {
	return "value must be a number above 0"
}

func (v positiveNumberValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v positiveNumberValidator) ValidateFloat64(_ context.Context, req validator.Float64Request, resp *validator.Float64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if n := req.ConfigValue.ValueFloat64(); !(n > 0) || math.IsInf(n, 1) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid number",
			fmt.Sprintf("%s is %v; it must be a number above 0, such as 20 or 0.5.", req.Path, n))
	}
}
