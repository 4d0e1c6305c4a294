# Find the active credentials of one service account (Terraform 1.14 and later). Run
#   terraform query -generate-config-out=imported.tf
# to write an import block and a resource block for each of them. Their client secrets cannot
# be imported: the API returns a secret only when the credential is created.
list "agentfleet_service_account_credential" "pipeline" {
  provider = agentfleet

  config {
    service_account_id = "sa-pipeline-prod"
    status             = "active"
  }
}
