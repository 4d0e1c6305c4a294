# One secret per group of log ingestion agents, so a group can be cut off without touching the others.
resource "agentfleet_agent_secret" "web" {
  name = "web-tier-agents"
}

# The value is only known to Terraform for secrets it created (not imported ones). Hand it to
# the agents' configuration management; it stays out of plan output.
output "web_agent_secret" {
  value     = agentfleet_agent_secret.web.secret
  sensitive = true
}

# To rotate, replace the secret: the old one is revoked and a new one with the same name and a
# new value is created. (Where the platform keeps the names of revoked secrets, that create is
# refused: rotate by changing `name` instead.) Destroying the resource revokes the secret; the
# API has no delete, and sessions agents opened with it last until they expire.
#   terraform apply -replace=agentfleet_agent_secret.web
