resource "agentfleet_service_account" "pipeline" {
  id           = "sa-pipeline-prod"
  display_name = "Production CI/CD Pipeline"
  scope        = "project"
  scope_id     = "proj-abc123"
  roles        = ["compute.deployer"]
}

# A credential whose expiry the platform sets (the organization's default lifetime). Two weeks
# before it expires, plans replace it. create_before_destroy creates the new credential before
# the old one is revoked, so consumers can switch over while both work. A service account may
# have at most 5 active credentials, so such a rotation needs one place free.
resource "agentfleet_service_account_credential" "pipeline" {
  service_account_id = agentfleet_service_account.pipeline.id
  rotate_before      = "336h"

  lifecycle {
    create_before_destroy = true
  }
}

# A credential with a fixed expiry, within the organization's maximum lifetime: changing
# expires_at replaces it.
resource "agentfleet_service_account_credential" "break_glass" {
  service_account_id = agentfleet_service_account.pipeline.id
  expires_at         = "2030-01-31T00:00:00Z"
}

# The secret is only known to Terraform if it created the credential (not after an import).
output "pipeline_credentials" {
  value = {
    client_id     = agentfleet_service_account_credential.pipeline.client_id
    client_secret = agentfleet_service_account_credential.pipeline.client_secret
  }
  sensitive = true
}
