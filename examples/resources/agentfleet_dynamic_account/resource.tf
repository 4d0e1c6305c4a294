# Hand a Clouddriver account to the Agents of one zone, and wait until they have taken it.
# Changing the zone or the kubeconfig later deactivates the account, then activates it again.
resource "agentfleet_dynamic_account" "prod" {
  name    = "prod-k8s"
  zone_id = "agent-prod_spinnaker"

  # Sent to the platform but never stored in plan or state (Terraform 1.11 and later).
  # Terraform cannot see a write-only value change: bump the version to send a new one.
  kubeconfig_file_wo         = var.prod_kubeconfig
  kubeconfig_file_wo_version = 1

  # Assigning an account to a large cluster can take a while.
  timeouts {
    create = "20m"
    update = "20m"
  }
}

variable "prod_kubeconfig" {
  description = "Kubeconfig secret reference for prod-k8s, such as encryptedFile:k8s!n:kubeconfig!k:config!ns:spinnaker."
  type        = string
  sensitive   = true
  ephemeral   = true
}

# Migrated now, assigned later: set active = true once the cluster is reachable from the Agents.
# Without zone_id any Agent may take it; its zone_id then reads the zone of the Agent that did.
resource "agentfleet_dynamic_account" "staging" {
  name   = "staging-k8s"
  active = false
}

output "prod_agents" {
  value = agentfleet_dynamic_account.prod.agents[*].agent_id
}
