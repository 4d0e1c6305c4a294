package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/agentfleet/terraform-provider-agentfleet/internal/client"
)

// clients is what Configure hands to every resource, data source and ephemeral resource: one
// slot per platform, empty when the user did not configure that platform.
type clients struct {
	spaceone   platform[client.SpaceONE]
	ariaLogs   platform[client.AriaLogs]
	monitoring platform[client.Monitoring]
	armory     platform[client.Armory]
	k0rdent    platform[client.K0rdent]
}

// Selectors for requirePlatform.
func spaceonePlatform(c *clients) platform[client.SpaceONE]     { return c.spaceone }
func ariaLogsPlatform(c *clients) platform[client.AriaLogs]     { return c.ariaLogs }
func monitoringPlatform(c *clients) platform[client.Monitoring] { return c.monitoring }
func armoryPlatform(c *clients) platform[client.Armory]         { return c.armory }
func k0rdentPlatform(c *clients) platform[client.K0rdent]       { return c.k0rdent }

// platform is the client slot of one platform block.
type platform[T any] struct {
	block     string // provider block name, e.g. "monitoring"
	envPrefix string // e.g. "AGENTFLEET_MONITORING"
	client    *T
	unknown   bool // configured with values not known until apply
}

// checkConfigured reports, at plan time, a platform the user has not configured. Values that are
// only known at apply time pass: Terraform configures the provider again before it applies.
func (p platform[T]) checkConfigured() diag.Diagnostics {
	if p.unknown {
		return nil
	}
	_, diags := p.get()
	return diags
}

// get returns the platform's client, or an error that tells the user how to configure it.
func (p platform[T]) get() (*T, diag.Diagnostics) {
	var diags diag.Diagnostics
	switch {
	case p.client != nil:
		return p.client, nil
	case p.unknown:
		diags.AddError(fmt.Sprintf("The provider's %s block is not known yet", p.block),
			fmt.Sprintf("Some values of the %s block depend on resources that are not created yet, so the API cannot be called during this plan. "+
				"Apply the resources they depend on first (for example with -target), then plan again.", p.block))
	default:
		diags.AddError(fmt.Sprintf("The %s platform is not configured", p.block),
			fmt.Sprintf("This needs a %s block in the agentfleet provider configuration, or the environment variables %s_ENDPOINT "+
				"and the block's credentials (%s_*). See the provider documentation for the block's arguments.", p.block, p.envPrefix, p.envPrefix))
	}
	return nil, diags
}
