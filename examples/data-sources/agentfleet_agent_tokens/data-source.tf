# Every token labelled "web-tier", across all pages of the API. The token values stay out of
# state unless include_values = true.
data "agentfleet_agent_tokens" "web" {
  label = "web-tier"
}

output "web_token_ids" {
  value = data.agentfleet_agent_tokens.web.tokens[*].id
}
