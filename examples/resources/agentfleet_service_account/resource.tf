# A service account for a CI/CD pipeline, scoped to one project. Setting the id makes the
# create safe to retry: after a lost answer the provider finds the account by its id.
resource "agentfleet_service_account" "pipeline" {
  id           = "sa-pipeline-prod"
  display_name = "Production CI/CD Pipeline"
  description  = "Deploys the production stack from CI."
  scope        = "project"
  scope_id     = "proj-abc123"
  roles        = ["compute.deployer", "storage.writer"]
}

output "pipeline_client_id" {
  value = agentfleet_service_account.pipeline.client_id
}
