# The stack `make demo` applies against the mock server. The provider reads its endpoints and
# credentials from the AGENTFLEET_* environment variables the mock prints.
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

resource "agentfleet_agent_token" "group" {
  for_each = var.host_groups
  label    = "demo-${each.key}"
}

# Reads every token back through the list API, after the tokens exist.
data "agentfleet_agent_tokens" "all" {
  depends_on = [agentfleet_agent_token.group]
}

output "agent_token_ids" {
  description = "Token id per host group."
  value       = { for group, token in agentfleet_agent_token.group : group => token.id }
}

output "agent_tokens" {
  description = "Token values per host group (sensitive: shown only with terraform output -json)."
  value       = { for group, token in agentfleet_agent_token.group : group => token.token }
  sensitive   = true
}

output "tokens_on_platform" {
  description = "How many agent tokens the platform lists."
  value       = length(data.agentfleet_agent_tokens.all.tokens)
}
