#!/usr/bin/env bash
# Builds vault-dev (tools/vault-dev/main.go: a real Vault v1.21.4 core serving in memory, like `vault server -dev`)
# into ${CUSTOS_VAULT_CACHE:-~/.cache/custos/vault-dev}/<hash>/vault-dev and prints that binary's path. The hash
# covers the Go toolchain, go.mod, go.sum and the Go files, so a warm cache returns at once. A cold build (empty Go
# build cache, modules already downloaded) took 4.5 minutes on 2 cores; downloading Vault's dependencies adds to that.
# Exit code 3 means Go is not installed.
# Vault v1.21.4 is under the Business Source License 1.1: it is built and run here for tests only, never shipped
# with Custos (OpenBao, MPL-2.0, would be the first choice, but the Go module proxy serves no version of it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${CUSTOS_VAULT_CACHE:-"$HOME/.cache/custos/vault-dev"}

if ! command -v go >/dev/null 2>&1; then
  echo "vault-dev: Go is not installed; install Go >= 1.25 to build Vault" >&2
  exit 3
fi

inputs=$( (go version; cd "$here" && cat go.mod go.sum ./*.go) | sha256sum | cut -c1-16)
dir="$cache_root/$inputs"
if [[ -x "$dir/vault-dev" ]]; then
  echo "$dir/vault-dev"
  exit 0
fi

mkdir -p "$dir"
start=$(date +%s)
echo "vault-dev: building Vault v1.21.4 (a cold build takes minutes)" >&2
export CGO_ENABLED=0 GOFLAGS=-mod=mod
(cd "$here" && go build -trimpath -ldflags "-s -w" -o "$dir/vault-dev.tmp" .)
mv -f "$dir/vault-dev.tmp" "$dir/vault-dev"
echo "vault-dev: built in $(( $(date +%s) - start ))s" >&2
echo "$dir/vault-dev"
