# Every agent secret on the platform, without values. Revoked secrets stay listed, with status
# REVOKED.
data "agentfleet_agent_secrets" "all" {}

output "agent_secret_names" {
  value = data.agentfleet_agent_secrets.all.secrets[*].name
}

# With `name`, the list holds the secrets of that name: at most one that is not revoked, beside
# any revoked ones that had the name before.
data "agentfleet_agent_secrets" "web" {
  name = "web-tier-agents"
}

output "web_tier_in_use" {
  value = length([for s in data.agentfleet_agent_secrets.web.secrets : s if upper(s.status) != "REVOKED"]) > 0
}
