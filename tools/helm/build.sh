#!/usr/bin/env bash
# Prints the path of a helm for the chart tests: the one on PATH when there is one, otherwise Helm v4 built from the
# Go module proxy into ${CUSTOS_HELM_CACHE:-~/.cache/custos/helm}/<version>/ (a few minutes once; then at once).
# Exit code 3 means there is neither a helm nor Go to build one.
set -euo pipefail

version=v4.3.2
if command -v helm >/dev/null 2>&1; then
  command -v helm
  exit 0
fi
dir="${CUSTOS_HELM_CACHE:-"$HOME/.cache/custos/helm"}/$version"
if [[ -x "$dir/helm" ]]; then
  echo "$dir/helm"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "helm: no helm on PATH and no Go to build one" >&2
  exit 3
fi
mkdir -p "$dir"
start=$(date +%s)
echo "helm: building helm $version from the Go module proxy" >&2
CGO_ENABLED=0 GOFLAGS=-mod=mod GOBIN="$dir/.build" go install -trimpath -ldflags "-s -w" "helm.sh/helm/v4/cmd/helm@$version"
mv -f "$dir/.build/helm" "$dir/helm"
rmdir "$dir/.build" 2>/dev/null || true
echo "helm: built in $(( $(date +%s) - start ))s" >&2
echo "$dir/helm"
