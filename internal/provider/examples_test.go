package provider

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// Every type the provider serves has an example under examples/ (the docs are generated from
// them), every importable resource documents its import ID in import.sh and its import by
// identity in import-by-identity.tf, and every list resource and action has its example too.
func TestEveryTypeHasExamples(t *testing.T) {
	ctx := context.Background()
	p := New("test")().(*agentfleetProvider)
	examples := filepath.Join("..", "..", "examples")
	requireFile := func(t *testing.T, parts ...string) {
		t.Helper()
		path := filepath.Join(append([]string{examples}, parts...)...)
		if _, err := os.Stat(path); err != nil {
			t.Errorf("missing %s", path)
		}
	}
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var m resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "agentfleet"}, &m)
		requireFile(t, "resources", m.TypeName, "resource.tf")
		if _, importable := r.(resource.ResourceWithImportState); importable {
			requireFile(t, "resources", m.TypeName, "import.sh")
		}
		if _, identified := r.(resource.ResourceWithIdentity); identified {
			requireFile(t, "resources", m.TypeName, "import-by-identity.tf")
		}
	}
	for _, newList := range p.ListResources(ctx) {
		var m resource.MetadataResponse
		newList().Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "agentfleet"}, &m)
		requireFile(t, "list-resources", m.TypeName, "list-resource.tfquery.hcl")
	}
	for _, newAction := range p.Actions(ctx) {
		var m action.MetadataResponse
		newAction().Metadata(ctx, action.MetadataRequest{ProviderTypeName: "agentfleet"}, &m)
		requireFile(t, "actions", m.TypeName, "action.tf")
	}
	for _, newDataSource := range p.DataSources(ctx) {
		var m datasource.MetadataResponse
		newDataSource().Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "agentfleet"}, &m)
		requireFile(t, "data-sources", m.TypeName, "data-source.tf")
	}
	for _, newEphemeral := range p.EphemeralResources(ctx) {
		var m ephemeral.MetadataResponse
		newEphemeral().Metadata(ctx, ephemeral.MetadataRequest{ProviderTypeName: "agentfleet"}, &m)
		requireFile(t, "ephemeral-resources", m.TypeName, "ephemeral-resource.tf")
	}
	requireFile(t, "provider", "provider.tf")
}
