package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// withEcho adds the testing framework's echo provider, which copies an ephemeral value into a
// resource's state so a test can look at it.
func withEcho() map[string]func() (tfprotov6.ProviderServer, error) {
	factories := map[string]func() (tfprotov6.ProviderServer, error){"echo": echoprovider.NewProviderServer()}
	for name, f := range testAccProviders {
		factories[name] = f
	}
	return factories
}

func TestAccAgentTokenEphemeral_readsTheValue(t *testing.T) {
	m := newAccMock(t)
	id := m.PutMonitoringToken("existing")
	want := m.MonitoringTokens()[0].Token
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: withEcho(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		Steps: []resource.TestStep{{
			Config: m.config(fmt.Sprintf(`
ephemeral "agentfleet_agent_token" "test" {
  id = %q
}

provider "echo" {
  data = ephemeral.agentfleet_agent_token.test
}

resource "echo" "test" {}
`, id)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("token"), knownvalue.StringExact(want)),
				statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data").AtMapKey("label"), knownvalue.StringExact("existing")),
			},
		}},
	})
}

func TestAccAgentTokenEphemeral_unknownID(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: withEcho(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		Steps: []resource.TestStep{{
			Config: m.config(`
ephemeral "agentfleet_agent_token" "test" {
  id = "tk-missing"
}

provider "echo" {
  data = ephemeral.agentfleet_agent_token.test
}

resource "echo" "test" {}
`),
			ExpectError: regexp.MustCompile(`(?s)Unable to read agent token.*HTTP 404`),
		}},
	})
}
