# The same import by the id of the agent's service account (Terraform 1.5 and later).
import {
  to = agentfleet_agent.opencost
  id = "sa-a120f6d21c4e"
}
