# Import an agent by the id of its service account. SpaceONE never returns the client secret
# after creation, so client_secret is null after import; to get a usable one, set or change
# regenerate_triggers and apply: the secret is regenerated in place and stored in state.
terraform import agentfleet_agent.opencost sa-a120f6d21c4e
