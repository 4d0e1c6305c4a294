package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// Provider configuration errors surface at plan time, name the setting, and make no API call.
func TestAccProviderConfig_errors(t *testing.T) {
	m := newAccMock(t)
	tests := map[string]struct {
		config string
		want   string
	}{
		"platform not configured": {
			config: `provider "agentfleet" {}
resource "agentfleet_agent_token" "test" {}`,
			want: `(?s)The monitoring platform is not configured.*AGENTFLEET_MONITORING_ENDPOINT`,
		},
		"clear-text http to a remote host": {
			config: `provider "agentfleet" {
  monitoring {
    endpoint   = "http://monitoring.example.com/v1.0/t"
    auth_token = "x"
  }
}
resource "agentfleet_agent_token" "test" {}`,
			want: `(?s)Invalid monitoring endpoint.*clear text.*allow_insecure_http`,
		},
		"relative endpoint": {
			config: `provider "agentfleet" {
  monitoring {
    endpoint   = "monitoring.example.com"
    auth_token = "x"
  }
}
resource "agentfleet_agent_token" "test" {}`,
			want: `(?s)monitoring.endpoint.*absolute URL`,
		},
		"missing credential": {
			config: `provider "agentfleet" {
  monitoring {
    endpoint = "` + m.Endpoints.Monitoring + `"
  }
}
resource "agentfleet_agent_token" "test" {}`,
			want: `(?s)Missing credential.*AGENTFLEET_MONITORING_AUTH_TOKEN`,
		},
		"bad duration": {
			config: `provider "agentfleet" {
  retry_wait_max = "thirty seconds"
}
resource "agentfleet_agent_token" "test" {}`,
			want: `(?s)Invalid duration.*retry_wait_max`,
		},
		"waits out of order": {
			config: `provider "agentfleet" {
  retry_wait_min = "10s"
  retry_wait_max = "1s"
}
resource "agentfleet_agent_token" "test" {}`,
			want: `(?s)retry_wait_min \(10s\) must not be longer than retry_wait_max`,
		},
		"aria without credentials": {
			config: `provider "agentfleet" {
  aria_logs {
    endpoint = "https://logs.example.com"
  }
}
resource "agentfleet_agent_token" "test" {}`,
			want: `(?s)Missing Aria Operations for Logs credentials.*AGENTFLEET_ARIA_LOGS_TOKEN`,
		},
		"k0rdent without token": {
			config: `provider "agentfleet" {
  k0rdent {
    endpoint = "https://api.k0rdent.example.com"
  }
}
resource "agentfleet_agent_token" "test" {}`,
			want: `(?s)Missing credential.*AGENTFLEET_K0RDENT_TOKEN`,
		},
		"unknown aria auth provider": {
			config: `provider "agentfleet" {
  aria_logs {
    auth_provider = "LDAP"
  }
}
resource "agentfleet_agent_token" "test" {}`,
			want: `(?s)auth_provider.*value must be one of`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      tc.config,
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
	m.expectNoCalls(t)
}

func TestAccProviderConfig_fromEnvironment(t *testing.T) {
	m := newAccMock(t)
	t.Setenv("AGENTFLEET_MONITORING_ENDPOINT", m.Endpoints.Monitoring)
	t.Setenv("AGENTFLEET_MONITORING_AUTH_TOKEN", m.Credentials().MonitoringToken)
	t.Setenv("AGENTFLEET_RETRY_WAIT_MIN", "1ms")
	t.Setenv("AGENTFLEET_RETRY_WAIT_MAX", "5ms")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentTokensDestroyed,
		Steps: []resource.TestStep{{
			Config: `resource "agentfleet_agent_token" "test" { label = "from-env" }`,
			Check:  m.checkAgentTokenMatchesMock("from-env"),
		}},
	})
}

func TestAccProviderConfig_armoryHeadersFromEnvMustBeJSON(t *testing.T) {
	m := newAccMock(t)
	t.Setenv("AGENTFLEET_ARMORY_ENDPOINT", m.Endpoints.Armory)
	t.Setenv("AGENTFLEET_ARMORY_HEADERS", "X-Api-Key=not-json")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:      `resource "agentfleet_agent_token" "test" {}`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)AGENTFLEET_ARMORY_HEADERS must be a JSON object`),
		}},
	})
	m.expectNoCalls(t)
}
