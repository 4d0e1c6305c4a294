# Assign a dynamic account whose assignment failed (or whose Agents are gone) to the Agents
# again, and wait until it is ACTIVE (Terraform 1.14 and later). Run it on demand with
#   terraform apply -invoke=action.agentfleet_dynamic_account_reassign.prod
# The account's agentfleet_dynamic_account resource reads the new state at its next refresh.
action "agentfleet_dynamic_account_reassign" "prod" {
  config {
    name = "prod-k8s"

    timeouts {
      invoke = "20m"
    }
  }
}

# Or run it from a resource's lifecycle, here each time the cluster's kubeconfig secret changes.
resource "terraform_data" "kubeconfig_rotated" {
  input = var.kubeconfig_version

  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.agentfleet_dynamic_account_reassign.prod]
    }
  }
}

variable "kubeconfig_version" {
  description = "Version of the kubeconfig secret the Agents use for prod-k8s."
  type        = string
}
