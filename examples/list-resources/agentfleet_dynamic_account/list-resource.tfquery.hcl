# Find the dynamic accounts whose assignment failed (Terraform 1.14 and later). Run
#   terraform query -generate-config-out=imported.tf
# to write an import block and a resource block for each of them. Static accounts are never
# listed.
list "agentfleet_dynamic_account" "failed" {
  provider = agentfleet

  config {
    state = "FAILED"
  }
}
