data "agentfleet_agent" "opencost" {
  service_account_id = "sa-a120f6d21c4e"
}

output "opencost_agent_expires" {
  value = data.agentfleet_agent.opencost.expired_at
}
