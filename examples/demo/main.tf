# The stack `make demo` applies against the mock server: one fleet's agent credentials on all
# five platforms. The provider reads its endpoints and credentials from the AGENTFLEET_*
# environment variables the mock prints.
terraform {
  required_version = ">= 1.0"
  required_providers {
    agentfleet = {
      source = "agentfleet/agentfleet"
    }
  }
}

provider "agentfleet" {}

variable "host_groups" {
  description = "One monitoring agent token per host group."
  type        = set(string)
  default     = ["web", "api", "batch"]
}

# Rackspace Cloud Monitoring: an agent token per host group.
resource "agentfleet_agent_token" "group" {
  for_each = var.host_groups
  label    = "demo-${each.key}"
}

# SpaceONE: the cost agent of the cluster's service account, rotated a month before expiry.
resource "agentfleet_agent" "opencost" {
  service_account_id = "sa-a120f6d21c4e"
  options = {
    cluster_name       = "k8s-demo"
    kube_state_metrics = true
  }
  rotate_before = "720h"
}

# Aria Operations for Logs: the secret the log forwarders authenticate with.
resource "agentfleet_agent_secret" "forwarders" {
  name = "demo-log-forwarders"
}

# k0rdent IAM: a service account for the deployment pipeline, with a credential.
resource "agentfleet_service_account" "pipeline" {
  id           = "sa-demo-pipeline"
  display_name = "Demo deployment pipeline"
  scope        = "project"
  scope_id     = "proj-demo"
  roles        = ["compute.deployer"]
}

resource "agentfleet_service_account_credential" "pipeline" {
  service_account_id = agentfleet_service_account.pipeline.id
  rotate_before      = "336h"

  lifecycle {
    create_before_destroy = true
  }
}

# Armory Scale Agent: hand a Clouddriver account to the Agents and wait until they take it.
resource "agentfleet_dynamic_account" "demo" {
  name    = "dev-k8s"
  zone_id = "agent-demo_spinnaker"
}

# Reads every token back through the list API, after the tokens exist.
data "agentfleet_agent_tokens" "all" {
  depends_on = [agentfleet_agent_token.group]
}

output "agent_token_ids" {
  description = "Monitoring token id per host group."
  value       = { for group, token in agentfleet_agent_token.group : group => token.id }
}

output "tokens_on_platform" {
  description = "How many agent tokens the platform lists."
  value       = length(data.agentfleet_agent_tokens.all.tokens)
}

output "opencost_agent" {
  description = "The SpaceONE agent's id, state and secret expiry."
  value = {
    agent_id   = agentfleet_agent.opencost.agent_id
    state      = agentfleet_agent.opencost.state
    expired_at = agentfleet_agent.opencost.expired_at
  }
}

output "dynamic_account" {
  description = "The Armory account's state and the Agents that took it."
  value = {
    state  = agentfleet_dynamic_account.demo.state
    agents = agentfleet_dynamic_account.demo.agents[*].agent_id
  }
}

output "pipeline_client_id" {
  value = agentfleet_service_account_credential.pipeline.client_id
}

output "secrets" {
  description = "Every secret the stack created (sensitive: shown only with terraform output -json)."
  value = {
    agent_tokens         = { for group, token in agentfleet_agent_token.group : group => token.token }
    opencost_secret      = agentfleet_agent.opencost.client_secret
    log_forwarder_secret = agentfleet_agent_secret.forwarders.secret
    pipeline_secret      = agentfleet_service_account_credential.pipeline.client_secret
  }
  sensitive = true
}
