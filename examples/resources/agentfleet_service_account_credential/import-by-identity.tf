# Bring a credential made outside Terraform under management by its identity (Terraform 1.12 and
# later): its id and its service account's id. `terraform query` with the
# agentfleet_service_account_credential list resource writes such blocks. The client secret is
# not imported: the API returns it only when the credential is created.
import {
  to = agentfleet_service_account_credential.pipeline
  identity = {
    id                 = "cred-0123456789ab"
    service_account_id = "sa-pipeline-prod"
  }
}
