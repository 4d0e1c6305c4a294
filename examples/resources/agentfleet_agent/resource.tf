# The OpenCost agent of a Kubernetes service account.
resource "agentfleet_agent" "opencost" {
  service_account_id = "sa-a120f6d21c4e"

  options = {
    cluster_name             = "k8s-prd-cluster"
    kube_state_metrics       = true
    prometheus_node_exporter = false
  }

  # Rotate the client secret in place: change the value to regenerate it now...
  regenerate_triggers = {
    rotation = "2026-11"
  }

  # ...and let any plan within 30 days of expiry regenerate it automatically.
  rotate_before = "720h"
}

# Hand the credentials to the agent's Kubernetes secret; they stay out of plan output.
output "opencost_client_id" {
  value = agentfleet_agent.opencost.client_id
}

output "opencost_client_secret" {
  value     = agentfleet_agent.opencost.client_secret
  sensitive = true
}
