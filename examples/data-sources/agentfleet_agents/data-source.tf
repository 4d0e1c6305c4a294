# Every disabled agent, across all pages of the API.
data "agentfleet_agents" "disabled" {
  state = "DISABLED"
}

output "disabled_agent_ids" {
  value = data.agentfleet_agents.disabled.agents[*].agent_id
}
