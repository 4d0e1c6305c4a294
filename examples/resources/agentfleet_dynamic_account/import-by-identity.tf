# Bring a dynamic account migrated outside Terraform under management by its identity (Terraform
# 1.12 and later). `terraform query` with the agentfleet_dynamic_account list resource writes
# such blocks. Set zone_id to the account's zone, or the plan replaces it (see import.sh).
import {
  to = agentfleet_dynamic_account.prod
  identity = {
    name = "prod-k8s"
  }
}
