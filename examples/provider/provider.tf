terraform {
  required_providers {
    agentfleet = {
      source = "agentfleet/agentfleet"
    }
  }
}

# Configure only the platforms you use. Every argument can instead come from an environment
# variable (AGENTFLEET_<BLOCK>_<ARGUMENT>), which is how Terraform Cloud workspaces usually set
# credentials; a value in the configuration wins over the environment.
provider "agentfleet" {
  spaceone {
    endpoint = "https://console-api.spaceone.example.com"
    token    = var.spaceone_token
    # Where the identity service's agent API lives under the endpoint. The default, "/identity",
    # is SpaceONE's REST front end; a deployment behind a gRPC gateway uses "/identity/v2".
    path_prefix = "/identity"
  }

  # The Log Management API takes a JWT from VCF Operations: the provider acquires a VCF
  # Operations token with username and password and exchanges it for one. Leave out
  # operations_endpoint when VCF Operations runs on the same host as endpoint. For an Operations
  # for Logs 8.x appliance, set auth_method = "legacy_session" (username, password and
  # auth_provider then log in to endpoint itself).
  aria_logs {
    endpoint            = "https://logs.example.com"
    operations_endpoint = "https://vcf-ops.example.com"
    username            = "terraform"
    password            = var.aria_logs_password
    auth_source         = "Imported LDAP Server" # omit for a local VCF Operations user
  }

  monitoring {
    endpoint   = "https://monitoring.api.rackspacecloud.com/v1.0/hybrid:123456"
    auth_token = var.monitoring_auth_token
    # Every block takes these two. A refresh reads the tokens from one list of them
    # (batch_reads, on by default here), and the provider sends at most 20 requests a second
    # to this API, retries included: parallel resources wait their turn instead of being
    # turned away with 429.
    batch_reads             = true
    max_requests_per_second = 20
  }

  armory {
    endpoint = "https://clouddriver.example.com:7002"
    headers = {
      "X-Api-Key" = var.armory_api_key
    }
  }

  k0rdent {
    endpoint = "https://api.k0rdent.ai"
    token    = var.k0rdent_token
    region   = "global"
  }

  max_retries     = 5
  retry_wait_min  = "1s"
  retry_wait_max  = "30s"
  request_timeout = "60s"
}

variable "spaceone_token" {
  type      = string
  sensitive = true
}

variable "aria_logs_password" {
  type      = string
  sensitive = true
}

variable "monitoring_auth_token" {
  type      = string
  sensitive = true
}

variable "armory_api_key" {
  type      = string
  sensitive = true
}

variable "k0rdent_token" {
  type      = string
  sensitive = true
}
