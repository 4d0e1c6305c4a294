package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// agentfleet_agent_token ephemeral resource: an existing token's value, never stored in plan or
// state, to feed write-only arguments and provider configurations (Terraform >= 1.10).

var (
	_ ephemeral.EphemeralResource              = (*agentTokenEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure = (*agentTokenEphemeralResource)(nil)
)

// NewAgentTokenEphemeralResource is the agentfleet_agent_token ephemeral resource factory.
func NewAgentTokenEphemeralResource() ephemeral.EphemeralResource {
	return &agentTokenEphemeralResource{}
}

type agentTokenEphemeralResource struct{ ephemeralBase }

func (e *agentTokenEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent_token"
}

func (e *agentTokenEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads an existing Rackspace Cloud Monitoring agent token by id without storing its value in plan or state. " +
			"Use it to pass the token to write-only arguments or provider configurations. Requires Terraform 1.10 or later.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Token id.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"label": schema.StringAttribute{Computed: true, MarkdownDescription: "The token's label."},
			"token": schema.StringAttribute{Computed: true, Sensitive: true, MarkdownDescription: "The token value."},
		},
	}
}

func (e *agentTokenEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	token, diags := readAgentTokenByID(ctx, e.clients, req.Config)
	resp.Diagnostics.Append(diags...)
	if token != nil {
		resp.Diagnostics.Append(resp.Result.Set(ctx, token)...)
	}
}
