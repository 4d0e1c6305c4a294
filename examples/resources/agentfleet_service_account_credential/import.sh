# Import a credential as <service_account_id>/<credential_id>. The client secret cannot be
# imported: the API returns it only when the credential is created, so client_secret stays null.
terraform import agentfleet_service_account_credential.pipeline sa-pipeline-prod/cred-0123456789ab
