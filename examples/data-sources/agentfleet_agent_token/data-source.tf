data "agentfleet_agent_token" "existing" {
  id = "tkAbCdEf12.hybrid:123456"
}

output "existing_token_label" {
  value = data.agentfleet_agent_token.existing.label
}
