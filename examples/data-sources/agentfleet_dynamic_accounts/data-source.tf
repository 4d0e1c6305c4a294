# Every dynamic account migrated from Clouddriver, across all pages of the API.
data "agentfleet_dynamic_accounts" "dynamic" {
  source = "clouddriver"
}

# Accounts whose last assignment failed, with the reason.
output "failed_accounts" {
  value = {
    for a in data.agentfleet_dynamic_accounts.dynamic.accounts : a.name => a.last_assignment_msg
    if a.state == "FAILED"
  }
}
