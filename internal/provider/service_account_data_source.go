package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// agentfleet_service_account data source: one k0rdent IAM service account, by id.

var (
	_ datasource.DataSource              = (*serviceAccountDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*serviceAccountDataSource)(nil)
)

// NewServiceAccountDataSource is the agentfleet_service_account data source factory.
func NewServiceAccountDataSource() datasource.DataSource { return &serviceAccountDataSource{} }

type serviceAccountDataSource struct{ dataSourceBase }

func (d *serviceAccountDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service_account"
}

func (d *serviceAccountDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one k0rdent IAM service account by id, in the region of the provider's `k0rdent` block.",
		Attributes: serviceAccountDataSourceAttributes(schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "Service account id, such as `sa-pipeline-prod`.",
			Validators:          serviceAccountIDValidators(),
		}),
	}
}

// serviceAccountDataSourceAttributes are the attributes of one service account as the data
// sources expose them: all read from the API, with id as given.
func serviceAccountDataSourceAttributes(id schema.StringAttribute) map[string]schema.Attribute {
	computed := func(description string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: description}
	}
	return map[string]schema.Attribute{
		"id":           id,
		"display_name": computed("Human-readable name."),
		"description":  computed("What the account is for; `\"\"` when it has no description."),
		"roles": schema.SetAttribute{
			Computed:            true,
			ElementType:         types.StringType,
			MarkdownDescription: "Role slugs granted to the account.",
		},
		"scope":      computed("`organization` or `project`."),
		"scope_id":   computed("Identifier of the organization or project the account is scoped to."),
		"region":     computed("The region the account lives in: the region of the provider's `k0rdent` block."),
		"uid":        computed("Globally unique identifier (UUID)."),
		"client_id":  computed("OAuth client id of the account, shared by all its credentials."),
		"self_link":  computed("The account's API path."),
		"status":     computed("The account's status, such as `active`."),
		"created_by": computed("The principal that created the account."),
		"created_at": dataSourceTimestamp("When the account was created (RFC 3339)."),
		"updated_at": dataSourceTimestamp("When the account last changed (RFC 3339)."),
		"active_credential_count": schema.Int64Attribute{
			Computed:            true,
			MarkdownDescription: "How many unexpired credentials the account has.",
		},
	}
}

func (d *serviceAccountDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg serviceAccountModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	api, diags := d.clients.k0rdent.get()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	sa, err := api.GetServiceAccount(ctx, cfg.ID.ValueString())
	if err != nil {
		apiErrorDiag(&resp.Diagnostics, "Unable to read service account", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, serviceAccountFromAPI(sa, api.Region()))...)
}
