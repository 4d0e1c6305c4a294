package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Resource identity (Terraform 1.12 and later): every resource names the API's natural key of
// its object, so that `import` blocks can say `identity = { ... }` instead of a string id, and
// `terraform query` can report what it found. Older Terraform never asks for identities, and
// the framework drops what the resources set.

// identityAttribute is one string attribute of an identity schema, needed to import by identity.
func identityAttribute(description string) identityschema.StringAttribute {
	return identityschema.StringAttribute{RequiredForImport: true, Description: description}
}

// setIdentity stores a resource's identity in Create and Update, and at the start of Read from
// the prior state: the framework wants an identity after every Read, also one that removes the
// resource because its object is gone, and a state written before identities existed (or by
// Terraform older than 1.12) has none. identity is nil only for a resource without an identity
// schema, which no resource of this provider is.
func setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, value any, diags *diag.Diagnostics) {
	if identity == nil || diags.HasError() {
		return
	}
	diags.Append(identity.Set(ctx, value)...)
}

// importedBy reports whether an import names its object by identity (an `import` block with
// `identity`) rather than by a string id.
func importedBy(req resource.ImportStateRequest) bool {
	return req.ID == "" && req.Identity != nil && !req.Identity.Raw.IsNull()
}

// importKey returns what an import names its object by: the string id, or the identity
// attribute at attr, trimmed. An empty identity attribute is an error on that attribute.
func importKey(ctx context.Context, req resource.ImportStateRequest, attr string, diags *diag.Diagnostics) string {
	if !importedBy(req) {
		return strings.TrimSpace(req.ID)
	}
	return strings.TrimSpace(identityValue(ctx, req, attr, diags))
}

// identityValue returns the identity attribute at attr of an import by identity exactly as the
// import block gives it, for keys such as names in which white space counts. An empty value is
// an error on that attribute.
func identityValue(ctx context.Context, req resource.ImportStateRequest, attr string, diags *diag.Diagnostics) string {
	var v types.String
	diags.Append(req.Identity.GetAttribute(ctx, path.Root(attr), &v)...)
	if v.ValueString() == "" && !diags.HasError() {
		diags.AddError("Missing identity attribute", fmt.Sprintf("The import block's identity needs a non-empty %s.", attr))
	}
	return v.ValueString()
}
