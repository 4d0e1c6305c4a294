# Import an agent secret by its id, as listed by the agentfleet_agent_secrets data source (a
# revoked secret cannot be imported). The API shows a secret's value only when the secret is
# created, so after an import the `secret` attribute is null. Agents already using the secret
# keep working; to get a value Terraform knows, replace the secret (this revokes the imported
# one, and needs a platform that lets a revoked secret's name be used again):
#   terraform apply -replace=agentfleet_agent_secret.web
terraform import agentfleet_agent_secret.web 3f2b8c1e-5d4a-4e6f-9a7b-2c1d0e9f8a7b
