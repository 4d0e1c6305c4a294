# Find the tokens labelled "web-tier" (Terraform 1.14 and later). Run
#   terraform query -generate-config-out=imported.tf
# to write an import block and a resource block for each of them.
list "agentfleet_agent_token" "web" {
  provider = agentfleet

  config {
    label = "web-tier"
  }
}
