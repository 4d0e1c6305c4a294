# Import an agent token by its id (the X-Object-ID Cloud Monitoring returned when it was created,
# also listed by the agentfleet_agent_tokens data source). The token value is read back on import.
terraform import agentfleet_agent_token.web tkAbCdEf12.hybrid:123456
