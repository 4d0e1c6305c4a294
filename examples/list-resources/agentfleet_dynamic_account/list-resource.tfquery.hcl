# Find the dynamic accounts whose assignment failed (Terraform 1.14 and later). Run
#   terraform query -generate-config-out=imported.tf
# to write an import block and a resource block for each of them, or assign them again with the
# agentfleet_dynamic_account_reassign action. Static accounts are never listed.
list "agentfleet_dynamic_account" "failed" {
  provider = agentfleet

  config {
    state = "FAILED"
  }
}
