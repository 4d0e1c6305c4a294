#!/usr/bin/env bash
# Builds a pinned Terraform CLI from its Go module source, for the acceptance tests of features
# that need a newer Terraform than the one on PATH (resource identity, `terraform query`, actions).
# Nothing is downloaded but Go modules through the module proxy, as for golangci-lint.
#
# Usage: scripts/build-terraform.sh <version> <output binary>
#
# The module zip of hashicorp/terraform lacks the nested modules of nine remote-state backends, and
# its go.mod replaces them with local paths, so `go install` refuses it. The backends are cut out
# of a copy of the source (tests use only the local backend) and the rest builds as it is.
set -euo pipefail

version=${1:?usage: build-terraform.sh <version> <output binary>}
out=$(realpath -m "${2:?usage: build-terraform.sh <version> <output binary>}")

src=$(GOFLAGS= go mod download -json "github.com/hashicorp/terraform@$version" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
[ -n "$src" ] || { echo "build-terraform: cannot download github.com/hashicorp/terraform@$version" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src"/. "$work"
chmod -R u+w "$work"
cd "$work"

backends='Azure|Consul|Cos|GCS|Kubernetes|OCI|OSS|Pg|S3'
names='azurerm|consul|cos|gcs|kubernetes|oss|pg|s3|oci'
sed -i -E "/backend($backends) \"github.com/d; /\"($names)\": +func\(\) backend.Backend/d" internal/backend/init/init.go
sed -i -E '/github.com\/hashicorp\/terraform\/internal\/(backend\/remote-state\/[a-z0-9]+|legacy) (v0.0.0|=>)/d; /^replace github.com\/hashicorp\/terraform\/internal\//d' go.mod

mkdir -p "$(dirname "$out")"
# version.dev=no makes the binary report the release version rather than "<version>-dev", which
# terraform-plugin-testing's version checks would read as a pre-release.
GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w -X github.com/hashicorp/terraform/version.dev=no" -o "$out.tmp" .
mv "$out.tmp" "$out"
"$out" version
