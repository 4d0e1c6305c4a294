# Look a secret up by its name (or by id, with `id`; set exactly one of the two). The secret
# value is not available from a read, and a revoked secret is an error.
data "agentfleet_agent_secret" "web" {
  name = "web-tier-agents"
}

output "web_agent_secret_id" {
  value = data.agentfleet_agent_secret.web.id
}
