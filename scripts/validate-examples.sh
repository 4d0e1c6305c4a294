#!/usr/bin/env bash
# Checks every folder under examples/ the way a user's terraform would: `terraform fmt -check`
# and `terraform validate`, against the provider built from this tree (dev_overrides in a
# temporary CLI configuration, so nothing is downloaded and no user configuration is read).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$repo" && go build -o "$work/bin/terraform-provider-agentfleet" .)
cat >"$work/terraformrc" <<HCL
provider_installation {
  dev_overrides {
    "agentfleet/agentfleet" = "$work/bin"
  }
  direct {}
}
HCL
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

terraform fmt -check -recursive -diff "$repo/examples"

failed=0
while IFS= read -r dir; do
  copy="$work/validate/${dir#"$repo"/}"
  mkdir -p "$copy"
  cp "$dir"/*.tf "$copy"/
  # Snippets for the docs leave out the terraform block; give them the provider's source.
  if ! grep -qs 'required_providers' "$copy"/*.tf; then
    printf 'terraform {\n  required_providers {\n    agentfleet = { source = "agentfleet/agentfleet" }\n  }\n}\n' >"$copy/versions.tf"
  fi
  if out=$(terraform -chdir="$copy" validate -no-color 2>&1); then
    echo "ok      ${dir#"$repo"/}"
  else
    echo "FAILED  ${dir#"$repo"/}"; echo "$out"; failed=1
  fi
done < <(find "$repo/examples" -name '*.tf' -printf '%h\n' | sort -u)
exit "$failed"
