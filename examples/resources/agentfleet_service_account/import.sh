# Import a service account by its id, in the region of the provider's k0rdent block.
terraform import agentfleet_service_account.pipeline sa-pipeline-prod
