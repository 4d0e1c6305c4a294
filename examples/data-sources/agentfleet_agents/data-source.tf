# Every disabled agent, across all pages of the API.
data "agentfleet_agents" "disabled" {
  state = "DISABLED"
}

# Agents whose app SpaceONE reports as expired.
data "agentfleet_agents" "expired" {
  state = "EXPIRED"
}

output "disabled_agent_ids" {
  value = data.agentfleet_agents.disabled.agents[*].agent_id
}

output "expired_service_accounts" {
  value = data.agentfleet_agents.expired.agents[*].service_account_id
}
