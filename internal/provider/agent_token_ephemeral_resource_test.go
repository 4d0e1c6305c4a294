package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
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

// The token feeds a write-only argument: the platform receives it, and it appears nowhere in
// the state.
func TestAccAgentTokenEphemeral_feedsAWriteOnlyArgument(t *testing.T) {
	m := newAccMock(t)
	m.SetArmoryAssignDelay(20 * time.Millisecond)
	id := m.PutMonitoringToken("kube")
	secret := m.MonitoringTokens()[0].Token
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		Steps: []resource.TestStep{{
			Config: m.config(fmt.Sprintf(`
ephemeral "agentfleet_agent_token" "kube" {
  id = %q
}

resource "agentfleet_dynamic_account" "test" {
  name                       = "prod-k8s"
  kubeconfig_file_wo         = ephemeral.agentfleet_agent_token.kube.token
  kubeconfig_file_wo_version = 1
}
`, id)),
			Check: func(s *terraform.State) error {
				if got := m.ArmoryKubeconfigs("prod-k8s"); !slices.Contains(got, secret) {
					return fmt.Errorf("the platform did not receive the token through the write-only argument: %d values", len(got))
				}
				for address, rs := range s.RootModule().Resources {
					for attr, v := range rs.Primary.Attributes {
						if strings.Contains(v, secret) {
							return fmt.Errorf("the token is in state at %s.%s", address, attr)
						}
					}
				}
				return nil
			},
		}},
	})
}
