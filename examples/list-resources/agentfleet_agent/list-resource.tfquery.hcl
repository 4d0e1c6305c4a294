# Find the agents that are disabled (Terraform 1.14 and later). Run
#   terraform query -generate-config-out=imported.tf
# to write an import block and a resource block for each of them. Client secrets are never
# listed: after import, change regenerate_triggers to get a new one.
list "agentfleet_agent" "disabled" {
  provider = agentfleet

  config {
    state = "DISABLED"
  }
}
