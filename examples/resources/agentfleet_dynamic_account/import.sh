# Import a dynamic account by its Clouddriver account name. The API never returns the kubeconfig,
# so an imported account has none in state: keep kubeconfig_file (or the write-only pair) in the
# configuration and the first apply sends it. An imported account that has a zone counts as pinned
# to it: set zone_id to that zone, because without zone_id the plan replaces the account (the API
# cannot unpin one). Static accounts from Agent config files cannot be imported.
terraform import agentfleet_dynamic_account.prod prod-k8s
