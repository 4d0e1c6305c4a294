# The same import by the account's id, in the region of the provider's k0rdent block
# (Terraform 1.5 and later).
import {
  to = agentfleet_service_account.pipeline
  id = "sa-pipeline-prod"
}
