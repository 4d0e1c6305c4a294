#!/usr/bin/env bash
# Checks every folder under examples/ the way a user's terraform would: `terraform fmt -check`
# and `terraform validate`, against the provider built from this tree (dev_overrides in a
# temporary CLI configuration, so nothing is downloaded and no user configuration is read).
#
# Every example is validated with the newer Terraform given in TERRAFORM_NEWER (with -query, for
# the .tfquery.hcl files of list resources), and all but the newer features (actions, queries,
# imports by identity) with the terraform on PATH too, so that they keep working there.
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

newer=${TERRAFORM_NEWER:?set TERRAFORM_NEWER to a Terraform 1.14 or later (make examples-check does)}
newer_version=$("$newer" version -json | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p')

terraform fmt -check -recursive -diff "$repo/examples"
# The older terraform skips files it does not know; the newer one checks the query files too.
"$newer" fmt -check -recursive -diff "$repo/examples"

failed=0
# check <label> <terraform> <dir> [validate options]: one `terraform validate`, reported on one line.
check() {
  local label=$1 tf=$2 dir=$3
  shift 3
  if out=$("$tf" -chdir="$dir" validate -no-color "$@" 2>&1); then
    echo "ok      $label"
  else
    echo "FAILED  $label"; echo "$out"; failed=1
  fi
}

while IFS= read -r dir; do
  rel=${dir#"$repo"/}
  copy="$work/validate/$rel"
  mkdir -p "$copy"
  cp "$dir"/*.tf "$dir"/*.tfquery.hcl "$copy"/ 2>/dev/null || true
  # Snippets for the docs leave out the terraform block; give them the provider's source.
  if ! grep -qs 'required_providers' "$copy"/*.tf; then
    printf 'terraform {\n  required_providers {\n    agentfleet = { source = "agentfleet/agentfleet" }\n  }\n}\n' >"$copy/versions.tf"
  fi
  # A resource has one import block at a time: the import by identity is checked with the newer
  # Terraform (it needs 1.12), the import by id with the terraform on PATH.
  mv "$copy"/import-by-string-id.tf "$work/import-by-string-id.tf" 2>/dev/null || true
  check "$rel (Terraform $newer_version)" "$newer" "$copy" -query
  # Everything but the newer features must stay valid on the terraform on PATH too: actions and
  # queries need Terraform 1.14.
  case "$rel" in
    examples/actions/* | examples/list-resources/*) continue ;;
  esac
  rm -f "$copy"/import-by-identity.tf "$copy"/*.tfquery.hcl
  mv "$work/import-by-string-id.tf" "$copy"/ 2>/dev/null || true
  check "$rel" terraform "$copy"
done < <(find "$repo/examples" \( -name '*.tf' -o -name '*.tfquery.hcl' \) -printf '%h\n' | sort -u)
exit "$failed"
