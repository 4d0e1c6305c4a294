#!/usr/bin/env bash
# The main job, end to end: build the provider and the mock server, start the mock on loopback,
# apply examples/demo against it with the terraform on PATH, show the outputs (secrets hidden),
# destroy, stop the mock. Exits non-zero when any step fails. Nothing is downloaded: the
# provider is used through a dev_overrides CLI configuration written to a temporary folder.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
mock_pid=""

cleanup() {
  if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n==> %s\n' "$*"; }

step "Building the provider and the mock server"
(cd "$repo" && go build -o "$work/bin/terraform-provider-agentfleet" . && go build -o "$work/bin/mockserver" ./cmd/mockserver)

step "Starting the mock server on loopback"
"$work/bin/mockserver" -addr 127.0.0.1:0 -env-file "$work/mock.env" >"$work/mock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 1 100); do [ -s "$work/mock.env" ] && break; sleep 0.1; done
[ -s "$work/mock.env" ] || { cat "$work/mock.log"; echo "the mock server did not start" >&2; exit 1; }
head -n 1 "$work/mock.env"
# shellcheck disable=SC1091
source "$work/mock.env"

# A CLI configuration of our own, so neither ~/.terraformrc nor an inherited TF_CLI_CONFIG_FILE
# can change where the provider comes from.
cat >"$work/terraformrc" <<HCL
provider_installation {
  dev_overrides {
    "agentfleet/agentfleet" = "$work/bin"
  }
  direct {}
}
HCL
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
cp -R "$repo/examples/demo" "$work/stack"
tf() { terraform -chdir="$work/stack" "$@"; }

step "terraform apply"
tf apply -auto-approve -input=false -no-color

step "terraform output (sensitive values stay hidden)"
tf output -no-color

step "terraform plan (a second plan must find nothing to change)"
tf plan -detailed-exitcode -input=false -no-color >"$work/plan.log" || {
  cat "$work/plan.log"; echo "the second plan was not empty" >&2; exit 1; }
tail -n 1 "$work/plan.log"

step "terraform destroy"
tf destroy -auto-approve -input=false -no-color
