# One token per group of hosts, so a group can be cut off without touching the others.
resource "agentfleet_agent_token" "web" {
  label = "web-tier"
}

# Hand the token to the agents' configuration management; it stays out of plan output.
output "web_agent_token" {
  value     = agentfleet_agent_token.web.token
  sensitive = true
}
