# Bring a secret made outside Terraform under management by its identity, its name (Terraform
# 1.12 and later). `terraform query` with the agentfleet_agent_secret list resource writes such
# blocks. A revoked secret cannot be imported; the secret's value stays null after the import.
import {
  to = agentfleet_agent_secret.web
  identity = {
    name = "web-tier-agents"
  }
}
