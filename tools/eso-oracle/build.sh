#!/usr/bin/env bash
# Builds the real ESO controller (tools/eso-oracle/main.go over ESO v0.16.2's Go module) into
# ${CUSTOS_ESO_CACHE:-~/.cache/custos/eso-oracle}/<hash>/ and prints that directory. It holds `eso-controller`,
# `eso-template` (ESO's template engine, template/main.go) and `crds/`, ESO's own CRD for GeneratorState (ESO's ExternalSecret controller needs that kind served; Custos does not
# define it). The hash covers the Go toolchain, go.mod, go.sum and the Go files, so a warm cache returns at once.
# A cold build downloads ESO's dependencies (cloud SDKs included: its controllers import its generators) and takes
# about 6 minutes on 2 cores. Exit code 3 means Go is not installed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${CUSTOS_ESO_CACHE:-"$HOME/.cache/custos/eso-oracle"}

if ! command -v go >/dev/null 2>&1; then
  echo "eso-oracle: Go is not installed; install Go >= 1.24 to build ESO" >&2
  exit 3
fi

inputs=$( (go version; cd "$here" && cat go.mod go.sum ./*.go template/main.go) | sha256sum | cut -c1-16)
dir="$cache_root/$inputs"
if [[ -x "$dir/eso-controller" && -x "$dir/eso-template" && -f "$dir/crds/generatorstates.yaml" ]]; then
  echo "$dir"
  exit 0
fi

mkdir -p "$dir/crds"
start=$(date +%s)
echo "eso-oracle: building ESO's controllers (a cold build downloads its dependencies and takes minutes)" >&2
export CGO_ENABLED=0 GOFLAGS=-mod=mod
(cd "$here" && go build -trimpath -ldflags "-s -w" -o "$dir/eso-controller.tmp" .)
(cd "$here" && go build -trimpath -ldflags "-s -w" -o "$dir/eso-template.tmp" ./template)
module_dir=$(cd "$here" && go list -m -f '{{.Dir}}' github.com/external-secrets/external-secrets)
cp "$module_dir/config/crds/bases/generators.external-secrets.io_generatorstates.yaml" "$dir/crds/generatorstates.yaml.tmp"
mv -f "$dir/crds/generatorstates.yaml.tmp" "$dir/crds/generatorstates.yaml"
mv -f "$dir/eso-template.tmp" "$dir/eso-template"
mv -f "$dir/eso-controller.tmp" "$dir/eso-controller"
echo "eso-oracle: built in $(( $(date +%s) - start ))s" >&2
echo "$dir"
