# An existing service account, for example to reuse its client id.
data "agentfleet_service_account" "pipeline" {
  id = "sa-pipeline-prod"
}

output "pipeline_roles" {
  value = data.agentfleet_service_account.pipeline.roles
}
