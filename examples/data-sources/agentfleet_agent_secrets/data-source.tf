# Every agent secret on the platform, without values.
data "agentfleet_agent_secrets" "all" {}

output "agent_secret_names" {
  value = data.agentfleet_agent_secrets.all.secrets[*].name
}

# With `name`, the list holds that one secret or none, which tells whether a name is taken.
data "agentfleet_agent_secrets" "web" {
  name = "web-tier-agents"
}

output "web_tier_name_taken" {
  value = length(data.agentfleet_agent_secrets.web.secrets) > 0
}
