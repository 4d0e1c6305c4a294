# Which Agents handle an account, and what the last assignment said.
data "agentfleet_dynamic_account" "prod" {
  name = "prod-k8s"
}

output "prod_account" {
  value = {
    state   = data.agentfleet_dynamic_account.prod.state
    agents  = data.agentfleet_dynamic_account.prod.agents[*].agent_id
    message = data.agentfleet_dynamic_account.prod.last_assignment_msg
  }
}
