package provider

import (
	"context"
	"iter"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// List resources (Terraform 1.14 and later) answer `terraform query`. Each one reads its
// family's list, every page, with the filters the API supports, and streams one result per
// object through listed.

// listedObject is what a list resource reports of one object: a name for people, its identity
// (what an import block needs), and, when Terraform asks for it, the whole resource. The
// resource never holds a secret: a query only finds objects, and its output is not state.
type listedObject struct {
	displayName string
	identity    any
	resource    any
}

// listed streams the objects as list results, up to the number Terraform asks for.
func listed[T any](ctx context.Context, req list.ListRequest, items []T, describe func(T) listedObject) iter.Seq[list.ListResult] {
	return func(push func(list.ListResult) bool) {
		for i, item := range items {
			if req.Limit > 0 && int64(i) >= req.Limit {
				return
			}
			object := describe(item)
			result := req.NewListResult(ctx)
			result.DisplayName = object.displayName
			result.Diagnostics.Append(result.Identity.Set(ctx, object.identity)...)
			if req.IncludeResource {
				result.Diagnostics.Append(result.Resource.Set(ctx, object.resource)...)
			}
			if !push(result) {
				return
			}
		}
	}
}

// listFailed ends a query with diags, such as a platform that is not configured or a list call
// that failed.
func listFailed(resp *list.ListResultsStream, diags diag.Diagnostics) {
	resp.Results = list.ListResultsStreamDiagnostics(diags)
}

// displayName is what a query shows for an object: its name, or its id when it has none.
func displayName(name, id string) string {
	if name == "" {
		return id
	}
	return name
}

// nullResourceAttribute is a typed null of the resource's attribute at p, for a model field that
// only a configuration sets, such as a timeouts block: a list result leaves it null, and a null
// of any other type would not convert.
func nullResourceAttribute(ctx context.Context, req list.ListRequest, p path.Path, diags *diag.Diagnostics) attr.Value {
	t, typeDiags := req.ResourceSchema.TypeAtPath(ctx, p)
	diags.Append(typeDiags...)
	if typeDiags.HasError() {
		return nil
	}
	v, err := t.ValueFromTerraform(ctx, tftypes.NewValue(t.TerraformType(ctx), nil))
	if err != nil {
		diags.AddAttributeError(p, "Unable to list resources", "Building a null value failed: "+err.Error()+". This is a bug in the provider; please report it.")
	}
	return v
}
