package provider

import (
	"regexp"
	"strings"
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
			want: `(?s)Missing Aria Operations for Logs credentials.*vcf_operations.*AGENTFLEET_ARIA_LOGS_USERNAME.*VCF\s+Operations\s+user.*AGENTFLEET_ARIA_LOGS_TOKEN`,
		},
		"aria legacy session without credentials": {
			config: `provider "agentfleet" {
  aria_logs {
    auth_method = "legacy_session"
    endpoint    = "https://logs.example.com"
    username    = "admin"
  }
}
resource "agentfleet_agent_token" "test" {}`,
			want: `(?s)Missing Aria Operations for Logs credentials.*legacy_session.*AGENTFLEET_ARIA_LOGS_PASSWORD.*session\s+id`,
		},
		"unknown aria auth method": {
			config: `provider "agentfleet" {
  aria_logs {
    auth_method = "basic"
  }
}
resource "agentfleet_agent_token" "test" {}`,
			want: `(?s)auth_method.*value\s+must\s+be\s+one\s+of.*"vcf_operations".*"legacy_session"`,
		},
		"aria auth_provider with the default method": {
			config: `provider "agentfleet" {
  aria_logs {
    endpoint      = "https://logs.example.com"
    username      = "admin"
    password      = "x"
    auth_provider = "Local"
  }
}
resource "agentfleet_agent_token" "test" {}`,
			want: `(?s)Argument not used by auth_method = "vcf_operations".*auth_provider = "Local".*auth_provider\s+is\s+set.*auth_source.*legacy_session`,
		},
		"aria auth_source with the legacy method": {
			config: `provider "agentfleet" {
  aria_logs {
    auth_method = "legacy_session"
    endpoint    = "https://logs.example.com"
    token       = "x"
    auth_source = "corp-ldap"
  }
}
resource "agentfleet_agent_token" "test" {}`,
			want: `(?s)Argument not used by auth_method = "legacy_session".*auth_source\s+is\s+set.*auth_provider`,
		},
		"aria operations_endpoint with the legacy method": {
			config: `provider "agentfleet" {
  aria_logs {
    auth_method         = "legacy_session"
    endpoint            = "https://logs.example.com"
    operations_endpoint = "https://ops.example.com"
    token               = "x"
  }
}
resource "agentfleet_agent_token" "test" {}`,
			want: `(?s)Argument not used by auth_method = "legacy_session".*operations_endpoint\s+is\s+set.*does\s+not\s+use\s+VCF\s+Operations`,
		},
		"aria operations_endpoint in clear text": {
			config: `provider "agentfleet" {
  aria_logs {
    endpoint            = "https://logs.example.com"
    operations_endpoint = "http://ops.example.com"
    token               = "x"
  }
}
resource "agentfleet_agent_token" "test" {}`,
			want: `(?s)Invalid aria_logs operations_endpoint.*clear\s+text.*allow_insecure_http`,
		},
		"aria operations_endpoint relative": {
			config: `provider "agentfleet" {
  aria_logs {
    endpoint            = "https://logs.example.com"
    operations_endpoint = "ops.example.com"
    token               = "x"
  }
}
resource "agentfleet_agent_token" "test" {}`,
			want: `(?s)Invalid endpoint URL.*aria_logs.operations_endpoint.*absolute\s+URL`,
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
		"rate limit not above zero": {
			config: `provider "agentfleet" {
  monitoring {
    max_requests_per_second = 0
  }
}
resource "agentfleet_agent_token" "test" {}`,
			want: `(?s)Invalid number.*monitoring.max_requests_per_second is 0.*above 0`,
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

// The Aria arguments come from the environment too, checked as the configuration is; the
// configuration wins.
func TestAccProviderConfig_ariaFromEnvironment(t *testing.T) {
	tests := map[string]struct {
		env    map[string]string
		config string // inside the aria_logs block
		want   string
	}{
		"auth_method not a method": {
			env:  map[string]string{"AGENTFLEET_ARIA_LOGS_AUTH_METHOD": "basic"},
			want: `(?s)Invalid environment variable.*AGENTFLEET_ARIA_LOGS_AUTH_METHOD="basic"\s+is\s+not\s+"vcf_operations"\s+or\s+"legacy_session"`,
		},
		"operations_endpoint in clear text": {
			env:  map[string]string{"AGENTFLEET_ARIA_LOGS_OPERATIONS_ENDPOINT": "http://ops.example.com"},
			want: `(?s)Invalid aria_logs operations_endpoint.*clear\s+text`,
		},
		"auth_provider with the default method": {
			env:  map[string]string{"AGENTFLEET_ARIA_LOGS_AUTH_PROVIDER": "Local"},
			want: `(?s)Argument not used by auth_method = "vcf_operations".*AGENTFLEET_ARIA_LOGS_AUTH_PROVIDER`,
		},
		// With the environment's method, auth_source would be refused; the configuration's accepts it
		// and wants credentials, which the configuration's empty token leaves out.
		"configuration wins over the environment": {
			env:    map[string]string{"AGENTFLEET_ARIA_LOGS_AUTH_METHOD": "legacy_session", "AGENTFLEET_ARIA_LOGS_AUTH_SOURCE": "corp-ldap"},
			config: `auth_method = "vcf_operations"` + "\n    token = \"\"",
			want:   `(?s)Missing Aria Operations for Logs credentials.*With\s+auth_method\s+=\s+"vcf_operations"`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m := newAccMock(t)
			t.Setenv("AGENTFLEET_ARIA_LOGS_ENDPOINT", "https://logs.example.com")
			t.Setenv("AGENTFLEET_ARIA_LOGS_TOKEN", "x")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      "provider \"agentfleet\" {\n  aria_logs {\n    " + tc.config + "\n  }\n}\nresource \"agentfleet_agent_secret\" \"test\" { name = \"x\" }\n",
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
			m.expectNoCalls(t)
		})
	}
}

// batch_reads and max_requests_per_second from the environment are checked before any call.
func TestAccProviderConfig_callSettingsFromEnvironment(t *testing.T) {
	tests := map[string]struct{ env, value, want string }{
		"rate not a number":    {"AGENTFLEET_MONITORING_MAX_REQUESTS_PER_SECOND", "fast", `(?s)Invalid environment variable.*AGENTFLEET_MONITORING_MAX_REQUESTS_PER_SECOND="fast"\s+is\s+not\s+a\s+number\s+above\s+0`},
		"negative rate":        {"AGENTFLEET_MONITORING_MAX_REQUESTS_PER_SECOND", "-1", `(?s)AGENTFLEET_MONITORING_MAX_REQUESTS_PER_SECOND="-1"\s+is\s+not\s+a\s+number\s+above\s+0`},
		"batch_reads not bool": {"AGENTFLEET_MONITORING_BATCH_READS", "sometimes", `(?s)AGENTFLEET_MONITORING_BATCH_READS="sometimes"\s+is\s+not\s+true\s+or\s+false`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m := newAccMock(t)
			t.Setenv("AGENTFLEET_MONITORING_ENDPOINT", m.Endpoints.Monitoring)
			t.Setenv("AGENTFLEET_MONITORING_AUTH_TOKEN", m.Credentials().MonitoringToken)
			t.Setenv(tc.env, tc.value)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      `resource "agentfleet_agent_token" "test" {}`,
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
			m.expectNoCalls(t)
		})
	}
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

// Turning TLS verification off is allowed, for test systems, and warned about on every
// configuration, whether it comes from the configuration or the environment; left on, no warning.
func TestAccProviderConfig_insecureSkipVerifyWarns(t *testing.T) {
	warns := regexp.MustCompile(`(?s)TLS certificate verification is off.*insecure_skip_verify.*AGENTFLEET_INSECURE_SKIP_VERIFY`)
	for name, tc := range map[string]struct {
		setting, env string
		warned       bool
	}{
		"in the configuration": {setting: "insecure_skip_verify = true", warned: true},
		"in the environment":   {env: "true", warned: true},
		"off":                  {setting: "insecure_skip_verify = false", env: "true"},
		"unset":                {},
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("AGENTFLEET_INSECURE_SKIP_VERIFY", tc.env)
			m := newAccMock(t)
			var w planWarnings
			config := strings.Replace(m.config(agentTokenConfig("tls")), `provider "agentfleet" {`, "provider \"agentfleet\" {\n  "+tc.setting, 1)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: w.factories(),
				Steps:                    []resource.TestStep{{Config: config}},
			})
			if tc.warned {
				w.expect(t, warns)
			} else {
				w.expectNone(t, regexp.MustCompile(`TLS certificate verification`))
			}
		})
	}
}
