// Command benchmock is a Terraform provider that does no API work at all, for scripts/bench.sh:
// its benchmock_token resource has the schema of agentfleet_agent_token, but creates, reads and
// deletes in memory. Timing it next to agentfleet_agent_token separates what any provider built
// on terraform-plugin-framework costs Terraform (a process per command, gRPC, the SDK's logs)
// from what this provider adds (its API calls and everything around them).
//
// BENCHMOCK_CREATE_DELAY (a Go duration) makes each create wait that long, standing in for the
// API round trips of a real create: with it, benchmock is the fastest any provider could apply
// against an API of that latency.
package main

import (
	"context"
	"log"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func main() {
	if d := os.Getenv("BENCHMOCK_CREATE_DELAY"); d != "" {
		var err error
		if createDelay, err = time.ParseDuration(d); err != nil {
			log.Fatalf("BENCHMOCK_CREATE_DELAY: %v", err)
		}
	}
	err := providerserver.Serve(context.Background(), func() provider.Provider { return benchProvider{} },
		providerserver.ServeOpts{Address: "registry.terraform.io/agentfleet/benchmock"})
	if err != nil {
		log.Fatal(err)
	}
}

type benchProvider struct{}

func (benchProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "benchmock"
}

func (benchProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}

func (benchProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (benchProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return &tokenResource{} }}
}

func (benchProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

// tokenResource mirrors agentfleet_agent_token: same attributes and plan modifiers, and each
// operation reads and writes the model through the framework as the real one does.
type tokenResource struct{}

type tokenModel struct {
	ID    types.String `tfsdk:"id"`
	Label types.String `tfsdk:"label"`
	Token types.String `tfsdk:"token"`
}

// lastID numbers the tokens of one provider process.
var lastID atomic.Int64

// createDelay is how long each create waits (BENCHMOCK_CREATE_DELAY).
var createDelay time.Duration

func (r *tokenResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_token"
}

func (r *tokenResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A token that exists only in Terraform state.",
		Attributes: map[string]schema.Attribute{
			"label": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				MarkdownDescription: "Free-form label.",
			},
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Token id.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"token": schema.StringAttribute{
				Computed: true, Sensitive: true, MarkdownDescription: "Token value.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *tokenResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan tokenModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	select {
	case <-time.After(createDelay):
	case <-ctx.Done():
		resp.Diagnostics.AddError("Create cancelled", ctx.Err().Error())
		return
	}
	id := strconv.FormatInt(lastID.Add(1), 10)
	plan.ID, plan.Token = types.StringValue("tk"+id), types.StringValue("secret-"+id)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *tokenResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state tokenModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *tokenResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan tokenModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *tokenResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
