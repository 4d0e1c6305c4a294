# The same import by the secret's id, as listed by the agentfleet_agent_secrets data source
# (Terraform 1.5 and later).
import {
  to = agentfleet_agent_secret.web
  id = "3f2b8c1e-5d4a-4e6f-9a7b-2c1d0e9f8a7b"
}
