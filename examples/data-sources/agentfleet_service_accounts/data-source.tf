# Every service account of one project, across all pages of the API.
data "agentfleet_service_accounts" "project" {
  scope    = "project"
  scope_id = "proj-abc123"
}

output "project_service_account_ids" {
  value = data.agentfleet_service_accounts.project.service_accounts[*].id
}
