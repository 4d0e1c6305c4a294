package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

const agentSecretDataAddr = "data.agentfleet_agent_secret.test"

func TestAccAgentSecretDataSource_byIDAndByName(t *testing.T) {
	m := newAccMock(t)
	m.PutAriaSecret("other")
	m.PutAriaSecret("web") // revoked by the next one, which takes its name
	want := m.PutAriaSecret("web")
	for desc, lookup := range map[string]string{
		"by id":   fmt.Sprintf("id = %q", want.ID),
		"by name": `name = "web"`,
	} {
		t.Run(desc, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config: m.config(fmt.Sprintf(`data "agentfleet_agent_secret" "test" { %s }`, lookup)),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(agentSecretDataAddr, tfjsonpath.New("id"), knownvalue.StringExact(want.ID)),
						statecheck.ExpectKnownValue(agentSecretDataAddr, tfjsonpath.New("name"), knownvalue.StringExact("web")),
						statecheck.ExpectKnownValue(agentSecretDataAddr, tfjsonpath.New("status"), knownvalue.StringExact("ACTIVE")),
						statecheck.ExpectKnownValue(agentSecretDataAddr, tfjsonpath.New("modification_time"), knownvalue.StringExact(want.ModificationTime)),
					},
				}},
			})
		})
	}
}

// The data source reads what a resource in the same configuration created.
func TestAccAgentSecretDataSource_ofManagedSecret(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             m.checkAgentSecretsDestroyed,
		Steps: []resource.TestStep{{
			Config: m.config(agentSecretConfig("web") + `
data "agentfleet_agent_secret" "test" {
  name = agentfleet_agent_secret.test.name
}
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.CompareValuePairs(agentSecretDataAddr, tfjsonpath.New("id"), agentSecretAddr, tfjsonpath.New("id"), compare.ValuesSame()),
			},
		}},
	})
}

// Exactly one of id and name: both, or neither, is an error before any API call.
func TestAccAgentSecretDataSource_needsExactlyOneOfIDAndName(t *testing.T) {
	for desc, tt := range map[string]struct {
		body string
		want string
	}{
		"both":    {"id = \"x\"\n  name = \"web\"", `(?s)Invalid\s+Attribute\s+Combination.*Exactly\s+one\s+of\s+these\s+attributes\s+must\s+be\s+configured:\s+\[id,name\]`},
		"neither": {"", `(?s)Missing\s+Attribute\s+Configuration.*Exactly\s+one\s+of\s+these\s+attributes\s+must\s+be\s+configured:\s+\[id,name\]`},
	} {
		t.Run(desc, func(t *testing.T) {
			m := newAccMock(t)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      m.config(fmt.Sprintf("data \"agentfleet_agent_secret\" \"test\" {\n  %s\n}\n", tt.body)),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tt.want),
				}},
			})
			m.expectNoCalls(t)
		})
	}
}

func TestAccAgentSecretDataSource_blankNameFailsAtPlan(t *testing.T) {
	m := newAccMock(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config:      m.config(`data "agentfleet_agent_secret" "test" { name = " " }`),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`Attribute\s+name\s+must\s+contain\s+a\s+character\s+other\s+than\s+white\s+space`),
		}},
	})
	m.expectNoCalls(t)
}

func TestAccAgentSecretDataSource_notFound(t *testing.T) {
	m := newAccMock(t)
	m.PutAriaSecret("web")
	for desc, tt := range map[string]struct {
		lookup string
		want   string
	}{
		// Names match exactly: "Web" is not "web".
		"name": {`name = "Web"`, `(?s)Agent\s+secret\s+not\s+found.*No\s+agent\s+secret\s+is\s+named\s+"Web"`},
		"id":   {`id = "3f2b8c1e-5d4a-4e6f-9a7b-2c1d0e9f8a7b"`, `(?s)Agent\s+secret\s+not\s+found.*No\s+agent\s+secret\s+has\s+the\s+id\s+"3f2b8c1e-5d4a-4e6f-9a7b-2c1d0e9f8a7b"`},
	} {
		t.Run(desc, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      m.config(fmt.Sprintf(`data "agentfleet_agent_secret" "test" { %s }`, tt.lookup)),
					ExpectError: regexp.MustCompile(tt.want),
				}},
			})
		})
	}
}

// A revoked secret is an error, by id and by name: agents cannot use it.
func TestAccAgentSecretDataSource_revoked(t *testing.T) {
	m := newAccMock(t)
	old := m.PutAriaSecret("web")
	m.RevokeAriaSecret(old.ID)
	for desc, lookup := range map[string]string{
		"by id":   fmt.Sprintf("id = %q", old.ID),
		"by name": `name = "web"`,
	} {
		t.Run(desc, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      m.config(fmt.Sprintf(`data "agentfleet_agent_secret" "test" { %s }`, lookup)),
					ExpectError: phrase("Agent secret revoked", "The agent secret "+old.ID+` (name "web") is revoked (status REVOKED)`),
				}},
			})
		})
	}
}

// A list the data source cannot read is an error, not "not found". (Not a 403: that one gets a
// new JWT and the list again.)
func TestAccAgentSecretDataSource_listUnreadable(t *testing.T) {
	m := newAccMock(t)
	want := m.PutAriaSecret("web")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			// The shared list fails first, then the read's own. (Not a 403: that one gets a new JWT
			// and the list again.)
			PreConfig:   func() { m.FailNext(http.StatusInternalServerError, http.StatusInternalServerError) },
			Config:      m.ariaJWTConfig(fmt.Sprintf(`data "agentfleet_agent_secret" "test" { id = %q }`, want.ID)),
			ExpectError: phrase("Unable to read agent secret", "HTTP 500"),
		}},
	})
}
