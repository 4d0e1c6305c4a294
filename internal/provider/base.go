package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// base is embedded by every resource, data source, ephemeral resource, list resource and action:
// it receives the configured clients, so each type only asks for its platform's client.
type base struct {
	clients *clients
}

func (b *base) configure(data any, diags *diag.Diagnostics) {
	if data == nil { // the provider is not configured yet (early validation)
		return
	}
	c, ok := data.(*clients)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("Expected *clients, got %T. This is a bug in the provider; please report it.", data))
		return
	}
	b.clients = c
}

// resourceBase adds resource.ResourceWithConfigure to base; list resources embed it too, since
// list.ListResourceWithConfigure has the same Configure.
type resourceBase struct{ base }

func (b *resourceBase) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}

// dataSourceBase adds datasource.DataSourceWithConfigure to base.
type dataSourceBase struct{ base }

func (b *dataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}

// ephemeralBase adds ephemeral.EphemeralResourceWithConfigure to base.
type ephemeralBase struct{ base }

func (b *ephemeralBase) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}

// actionBase adds action.ActionWithConfigure to base.
type actionBase struct{ base }

func (b *actionBase) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}

// requirePlatform fails a plan that creates or updates an object on a platform the provider has
// no configuration for, so the user learns it at plan time rather than half-way through an apply.
func requirePlatform[T any](p func(*clients) platform[T], c *clients, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if c == nil || req.Plan.Raw.IsNull() { // provider not configured yet, or a destroy
		return
	}
	resp.Diagnostics.Append(p(c).checkConfigured()...)
}

// apiErrorDiag reports a failed API call: the summary says what failed, the detail is the
// client's error, which names the platform, the HTTP status and the API's own message, and then
// what to change in the provider's configuration about it (see remedy). A 404 the client could
// not confirm as a deletion (client.UnconfirmedNotFoundError) is no client.ErrNotFound, so
// removeIfGone and ignoreNotFound pass it here; the detail then says that the object was kept.
func apiErrorDiag(diags *diag.Diagnostics, summary string, err error) {
	detail := err.Error()
	if r := remedy(err); r != "" {
		detail = strings.TrimSuffix(detail, ".") + ". " + r
	}
	var unconfirmed *client.UnconfirmedNotFoundError
	if errors.As(err, &unconfirmed) {
		detail = strings.TrimSuffix(detail, ".") + ". Nothing was removed from the state. If the object really was deleted, remove it with terraform state rm."
	}
	diags.AddError(summary, detail)
}

// removeIfGone handles a Read that found nothing: the object was deleted outside Terraform, so
// it leaves state and the next plan creates it again. It reports whether err was a 404.
func removeIfGone(ctx context.Context, err error, kind, id string, resp *resource.ReadResponse) bool {
	if !errors.Is(err, client.ErrNotFound) {
		return false
	}
	tflog.Debug(ctx, kind+" no longer exists; removing it from state", map[string]any{"id": id})
	resp.State.RemoveResource(ctx)
	return true
}

// ignoreNotFound treats a 404 on delete as success: the object is already gone.
func ignoreNotFound(err error) error {
	if errors.Is(err, client.ErrNotFound) {
		return nil
	}
	return err
}

// keepSecret returns the fresh secret when the API sent one, and otherwise the one already in
// state: most APIs return a secret only once, and a read must never blank it. With no prior
// value (an import, or a create that returned none) the secret is null: unknown to Terraform.
func keepSecret(prior types.String, fresh string) types.String {
	if fresh == "" {
		if prior.IsUnknown() {
			return types.StringNull()
		}
		return prior
	}
	return types.StringValue(fresh)
}

// nullIfEmpty is the API's "" as null: a value the object does not have (yet).
func nullIfEmpty(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
