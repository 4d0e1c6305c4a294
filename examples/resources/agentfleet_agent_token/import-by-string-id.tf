# The same import by the token's id (Terraform 1.5 and later).
import {
  to = agentfleet_agent_token.web
  id = "tkAbCdEf12.hybrid:123456"
}
