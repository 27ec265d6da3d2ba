#!/usr/bin/env bash
# Prints the path of a kubectl for the quickstart test: the one on PATH when there is one, otherwise one built from
# the Go module proxy at the control plane's version into the testenv cache (about a minute once the control plane's
# modules are cached). The build runs in a temporary copy of tools/testenv/kube so the clone's go.sum -- an input of
# build.sh's cache stamp -- is never changed by it.
set -euo pipefail

if command -v kubectl >/dev/null 2>&1; then
  command -v kubectl
  exit 0
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
k8s_version=$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" { print $3 }' "$here/kube/go.mod")
bin_dir="${CUSTOS_TESTENV_CACHE:-"$HOME/.cache/custos/testenv"}/$k8s_version/bin"
if [[ -x "$bin_dir/kubectl" ]]; then
  echo "$bin_dir/kubectl"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "testenv: no kubectl on PATH and no Go to build one" >&2
  exit 3
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/kube/go.mod" "$here/kube/go.sum" "$work/"
[[ -f "$here/kube/tools.go" ]] && cp "$here/kube/tools.go" "$work/"
mkdir -p "$bin_dir"
echo "testenv: building kubectl $k8s_version" >&2
(cd "$work" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
  -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$k8s_version" \
  -o "$bin_dir/kubectl.tmp" k8s.io/kubernetes/cmd/kubectl)
mv -f "$bin_dir/kubectl.tmp" "$bin_dir/kubectl"
echo "$bin_dir/kubectl"
