# Read a token's value at run time without writing it to plan or state (Terraform >= 1.10).
ephemeral "agentfleet_agent_token" "web" {
  id = "tkAbCdEf12.hybrid:123456"
}

# Pass it only to places that accept ephemeral values: write-only arguments (Terraform >= 1.11)
# or provider configurations. For example, with a secret store whose resource has a write-only
# argument:
#
# resource "vault_kv_secret_v2" "monitoring_agent" {
#   mount               = "agents"
#   name                = "monitoring/web"
#   data_json_wo        = jsonencode({ token = ephemeral.agentfleet_agent_token.web.token })
#   data_json_wo_version = 1
# }
