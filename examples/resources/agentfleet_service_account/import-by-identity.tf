# Bring an account made outside Terraform under management by its identity (Terraform 1.12 and
# later): its id and its region, which must be the region of the provider's k0rdent block.
# `terraform query` with the agentfleet_service_account list resource writes such blocks.
import {
  to = agentfleet_service_account.pipeline
  identity = {
    id     = "sa-pipeline-prod"
    region = "global"
  }
}
