# Bring a token made outside Terraform under management by its identity (Terraform 1.12 and
# later). `terraform query` with the agentfleet_agent_token list resource writes such blocks.
import {
  to = agentfleet_agent_token.web
  identity = {
    id = "tkAbCdEf12.hybrid:123456"
  }
}
