#!/usr/bin/env bash
# Builds the Go template oracle into ${CUSTOS_ORACLE_CACHE:-~/.cache/custos/template-oracle}/<hash>/template-oracle
# and prints the binary's path. The hash covers the Go toolchain, go.mod, go.sum and the *.go files here, so a warm
# cache returns at once and any change to the oracle produces a fresh binary. Exit code 3 means Go is not installed.
#
# The corpus was recorded with Go 1.26.8, and text/template, fmt and encoding/pem change between Go releases, so
# the build pins that toolchain (the go command downloads it from the module proxy if the local Go differs).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache_root=${CUSTOS_ORACLE_CACHE:-"$HOME/.cache/custos/template-oracle"}

if ! command -v go >/dev/null 2>&1; then
  echo "template-oracle: Go is not installed; install Go >= 1.25 to build the oracle" >&2
  exit 3
fi

export GOTOOLCHAIN=${CUSTOS_ORACLE_GOTOOLCHAIN:-go1.26.8}
inputs=$( (echo "$GOTOOLCHAIN"; cd "$here" && cat go.mod go.sum $(ls *.go | LC_ALL=C sort)) | sha256sum | cut -c1-16)
bin="$cache_root/$inputs/template-oracle"
if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$cache_root/$inputs"
echo "template-oracle: building (first build downloads Sprig and friends from the Go module proxy)" >&2
(cd "$here" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$bin.tmp" .)
mv -f "$bin.tmp" "$bin"
echo "$bin"
