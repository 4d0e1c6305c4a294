# The same import by the Clouddriver account name (Terraform 1.5 and later).
import {
  to = agentfleet_dynamic_account.prod
  id = "prod-k8s"
}
