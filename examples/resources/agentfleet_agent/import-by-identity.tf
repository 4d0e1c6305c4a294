# Bring an agent made outside Terraform under management by its identity (Terraform 1.12 and
# later). `terraform query` with the agentfleet_agent list resource writes such blocks. The client
# secret is null after import: change regenerate_triggers to get a new one.
import {
  to = agentfleet_agent.opencost
  identity = {
    service_account_id = "sa-a120f6d21c4e"
  }
}
