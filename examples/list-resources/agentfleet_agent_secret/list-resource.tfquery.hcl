# Find the live agent secrets (Terraform 1.14 and later); revoked ones are left out unless
# `status` asks for them. Run
#   terraform query -generate-config-out=imported.tf
# to write an import block and a resource block for each of them. Their values cannot be
# imported: the API shows a secret's value only when the secret is created.
list "agentfleet_agent_secret" "all" {
  provider = agentfleet
}

# The one live secret of a name.
list "agentfleet_agent_secret" "web" {
  provider = agentfleet

  config {
    name = "web-tier-agents"
  }
}
