# Find the active service accounts of one project, in the region of the provider's k0rdent
# block (Terraform 1.14 and later). Run
#   terraform query -generate-config-out=imported.tf
# to write an import block and a resource block for each of them.
list "agentfleet_service_account" "proj_abc123" {
  provider = agentfleet

  config {
    scope    = "project"
    scope_id = "proj-abc123"
    status   = "active"
  }
}
