package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// agentfleet_agent_secret: an Aria Operations for Logs agent secret.

var (
	_ resource.Resource                = (*agentSecretResource)(nil)
	_ resource.ResourceWithConfigure   = (*agentSecretResource)(nil)
	_ resource.ResourceWithImportState = (*agentSecretResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*agentSecretResource)(nil)
	_ resource.ResourceWithIdentity    = (*agentSecretResource)(nil)
)

// NewAgentSecretResource is the agentfleet_agent_secret resource factory.
func NewAgentSecretResource() resource.Resource { return &agentSecretResource{} }

type agentSecretResource struct{ resourceBase }

type agentSecretModel struct {
	ID               types.String      `tfsdk:"id"`
	Name             types.String      `tfsdk:"name"`
	Status           types.String      `tfsdk:"status"`
	ModificationTime timetypes.RFC3339 `tfsdk:"modification_time"`
	Secret           types.String      `tfsdk:"secret"`
}

// agentSecretIdentity is the secret's natural key: its name, which no two live secrets share.
type agentSecretIdentity struct {
	Name types.String `tfsdk:"name"`
}

// maxAgentSecretName is the longest name the API accepts, in characters.
const maxAgentSecretName = 255

// agentSecretNameValidators are shared with the data sources, which look secrets up by name.
func agentSecretNameValidators() []validator.String {
	return []validator.String{
		stringvalidator.UTF8LengthBetween(1, maxAgentSecretName),
		stringvalidator.RegexMatches(regexp.MustCompile(`\S`), "must contain a character other than white space"),
	}
}

func (r *agentSecretResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent_secret"
}

func (r *agentSecretResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An Aria Operations for Logs agent secret, which log ingestion agents authenticate with. " +
			"Names are unique: creating a secret under a name that is taken fails, and the existing secret is left as it was. " +
			"The API shows the secret value once, when the secret is created, so the provider keeps it in state from then on; " +
			"an imported secret has no value in Terraform (see `secret`).\n\n" +
			"Destroying the resource revokes the secret: the API has no delete. Agents can no longer open sessions with a revoked " +
			"secret, but sessions they opened before keep working until they expire. A revoked secret stays in the platform's list, " +
			"with its status. Whether its name can be used again is up to the platform: where it cannot, re-creating a secret of the " +
			"same name (`terraform apply -replace`) fails with an error that says so, and a new name is needed. " +
			"When the answer to a create is lost and a secret of the name appears, nothing proves this create made it (another workspace " +
			"may have created the name at the same moment) and its value is gone with the answer: the apply fails naming it, and it " +
			"is neither revoked nor adopted. " +
			"A secret revoked or removed outside Terraform leaves the state at the next refresh, and the next apply creates it again.",
		Attributes: map[string]schema.Attribute{
			// Required
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Name of the secret, unique on the platform; it tells the agents that use it apart. " +
					"1 to 255 characters, not only white space. Changing it replaces the secret: the old one is revoked and a new one, " +
					"with a new value, is created.",
				Validators:    agentSecretNameValidators(),
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			// Computed
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Secret id assigned by Aria Operations for Logs.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"status": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Status of the secret as the platform reports it, such as `ACTIVE`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"modification_time": computedTimestamp(modificationTimeDescription+" Null until the secret is first read back "+
				"after the create, whose answer does not carry it.", true),
			"secret": schema.StringAttribute{
				Computed:  true,
				Sensitive: true,
				MarkdownDescription: "The secret value agents authenticate with. The API returns it only in the answer to the create, " +
					"so it is kept in state for the life of the resource: protect the state. After `terraform import` it is null, " +
					"because no API call can read it back. To get a usable value for an imported secret, replace the resource, " +
					"for example with `terraform apply -replace=agentfleet_agent_secret.<name>`: that revokes the imported secret " +
					"and creates a new one of the same name, where the platform lets a revoked secret's name be used again " +
					"(otherwise change `name` instead).",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *agentSecretResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{Attributes: map[string]identityschema.Attribute{
		"name": identityAttribute("Name of the secret, unique among the secrets that are not revoked."),
	}}
}

func (r *agentSecretResource) ModifyPlan(_ context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	requirePlatform(ariaLogsPlatform, r.clients, req, resp)
}

func (r *agentSecretResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan agentSecretModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	api, diags := r.clients.ariaLogs.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	secret, err := api.CreateAgentSecret(ctx, plan.Name.ValueString())
	var taken *client.AgentSecretNameTakenError
	if errors.As(err, &taken) {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Agent secret name already in use", nameTakenDetail(taken))
		return
	}
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to create agent secret", err)
		return
	}
	if secret.Secret == "" {
		resp.Diagnostics.AddWarning("Agent secret created without a value",
			fmt.Sprintf("Aria Operations for Logs created agent secret %s but returned no secret value, and the value cannot be read later. "+
				"Replace the resource to get a new secret with its value.", secret.ID))
	}
	state := agentSecretFromAPI(secret, plan.Secret)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	setIdentity(ctx, resp.Identity, state.identity(), &resp.Diagnostics)
}

// nameTakenDetail tells the user how to go on when the name belongs to an existing secret: import
// it, or choose another name. A revoked holder can only be given up: its name stays taken.
func nameTakenDetail(taken *client.AgentSecretNameTakenError) string {
	if taken.Revoked {
		return fmt.Sprintf("%s.\n\nImporting the revoked secret would not help: it cannot be used again. "+
			"The agentfleet_agent_secrets data source lists the secrets and their status.", taken)
	}
	id := taken.ID
	if id == "" {
		id = "<id>" // the lookup failed; the data source can find it
	}
	return fmt.Sprintf("%s.\n\nAgent secret names are unique, and a create never overwrites an existing secret. "+
		"Choose another name, or bring the existing secret under Terraform (its value cannot be read back after an import):\n"+
		"  terraform import <resource address> %s\n"+
		"The agentfleet_agent_secrets data source lists the secrets with their ids.", taken, id)
}

func (r *agentSecretResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state agentSecretModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	setIdentity(ctx, resp.Identity, state.identity(), &resp.Diagnostics)
	api, diags := r.clients.ariaLogs.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The API has no read of one secret: this reads the list. A list that cannot be read is an
	// error, never a reason to drop the secret from state.
	secret, err := findAgentSecret(ctx, api, state)
	if removeIfGone(ctx, err, "agent secret", state.key(), resp) {
		return
	}
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to read agent secret", err)
		return
	}
	// A revoked secret stays listed, but agents can no longer use it: it is gone for Terraform,
	// and the next plan creates it again.
	if secret.Revoked() {
		tflog.Debug(ctx, "agent secret is revoked; removing it from state", map[string]any{"id": secret.ID, "status": secret.Status})
		resp.State.RemoveResource(ctx)
		return
	}
	state = agentSecretFromAPI(secret, state.Secret)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	setIdentity(ctx, resp.Identity, state.identity(), &resp.Diagnostics)
}

// findAgentSecret reads the secret of state by its id, or by its name when the id is not known
// yet: after an import by identity, which names the secret. Of the secrets listed under a
// name, the live one is found; a name that only a revoked secret holds finds that one, which
// Read drops like any revoked secret. Neither is an error matching client.ErrNotFound.
func findAgentSecret(ctx context.Context, api *client.AriaLogs, state agentSecretModel) (*client.AgentSecret, error) {
	if !state.ID.IsNull() && state.ID.ValueString() != "" {
		return api.GetAgentSecret(ctx, state.ID.ValueString())
	}
	secret, err := api.FindAgentSecretByName(ctx, state.Name.ValueString())
	if err == nil && secret == nil {
		return nil, fmt.Errorf("%s API: no agent secret is named %q: %w", client.PlatformAriaLogs, state.Name.ValueString(), client.ErrNotFound)
	}
	return secret, err
}

// Update is never called with a change: the name, the only argument, forces a replacement, and
// the API changes nothing in place. The plan is the new state.
func (r *agentSecretResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan agentSecretModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	setIdentity(ctx, resp.Identity, plan.identity(), &resp.Diagnostics)
}

// Delete revokes the secret, the API's only way to end one: agents can no longer open sessions
// with it. A secret already revoked, or no longer listed, needs nothing more.
func (r *agentSecretResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state agentSecretModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	api, diags := r.clients.ariaLogs.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := ignoreNotFound(api.RevokeAgentSecret(ctx, state.ID.ValueString())); err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to revoke agent secret", err)
	}
}

// ImportState takes the secret id as a string, or its name as the identity; Read fills in the
// rest, finding the secret by its name when the id is not known yet, and drops a secret that is
// not listed or is revoked. The value stays null: the API never shows it again after the create.
func (r *agentSecretResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if importedBy(req) {
		// The name exactly as given: white space around it is part of a name.
		if name := identityValue(ctx, req, "name", &resp.Diagnostics); !resp.Diagnostics.HasError() {
			resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
		}
	} else {
		importAgentSecretID(ctx, req, resp)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.AddWarning("Imported agent secret has no value",
		"Aria Operations for Logs shows a secret's value only when the secret is created, so the imported resource's secret attribute is null. "+
			"Agents already configured with the value keep working. To get a value Terraform knows, replace the resource, "+
			"for example with terraform apply -replace=<resource address>.")
}

// importAgentSecretID sets the id of an import by string id, or adds an error saying what an
// id looks like.
func importAgentSecretID(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := strings.TrimSpace(req.ID)
	if id == "" || strings.ContainsAny(id, "/ \t") {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("%q is not an agent secret id. Import an agent secret by its id, as listed by the agentfleet_agent_secrets data source, "+
				"for example: terraform import agentfleet_agent_secret.example 3f2b8c1e-5d4a-4e6f-9a7b-2c1d0e9f8a7b, "+
				"or by its name with an import block's identity (Terraform 1.12 and later).", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

// identity is the secret's name. A secret imported by id has no name until Read finds it, and
// when Read does not find it either, the framework still wants a non-null identity for the
// removal (after which Terraform reports that the object to import does not exist): "" stands
// in for the name nobody knows.
func (m agentSecretModel) identity() agentSecretIdentity {
	if m.Name.IsNull() {
		return agentSecretIdentity{Name: types.StringValue("")}
	}
	return agentSecretIdentity{Name: m.Name}
}

// key is what names the secret in logs: its id, or its name when the id is not known yet.
func (m agentSecretModel) key() string {
	if m.ID.ValueString() == "" {
		return m.Name.ValueString()
	}
	return m.ID.ValueString()
}

// agentSecretFromAPI converts the API's secret, keeping priorSecret when the API sent no value,
// which is every time but the create.
func agentSecretFromAPI(s *client.AgentSecret, priorSecret types.String) agentSecretModel {
	return agentSecretModel{
		ID:               types.StringValue(s.ID),
		Name:             types.StringValue(s.Name),
		Status:           types.StringValue(s.Status),
		ModificationTime: timestampFromAPI(s.ModificationTime),
		Secret:           keepSecret(priorSecret, s.Secret),
	}
}

// modificationTimeDescription describes modification_time wherever a secret has it. The API
// documents the field as a string without a format; the client reads it as an RFC 3339 time or
// as epoch milliseconds.
const modificationTimeDescription = "When the secret last changed (RFC 3339), as the platform's list reports it; null when " +
	"the platform reports no time the provider can read (an RFC 3339 time, or a number of milliseconds since 1970)."
