#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and etcd from the Go module proxy into a cache
# outside the clone: ${CUSTOS_TESTENV_CACHE:-~/.cache/custos/testenv}/<k8s-version>/bin.
# A warm cache (the binaries and a stamp of the go.mod/go.sum inputs) returns at once.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
k8s_version=$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" { print $3 }' "$here/kube/go.mod")
k8s_minor=$(echo "$k8s_version" | cut -d. -f2)
cache_root=${CUSTOS_TESTENV_CACHE:-"$HOME/.cache/custos/testenv"}
bin_dir="$cache_root/$k8s_version/bin"
stamp_file="$bin_dir/.inputs"

if ! command -v go >/dev/null 2>&1; then
  echo "testenv: Go is not installed; install Go >= 1.25 to build the test control plane" >&2
  exit 3
fi

inputs=$(cat "$here/kube/go.mod" "$here/kube/go.sum" "$here/etcd/go.mod" "$here/etcd/go.sum" | sha256sum | cut -d' ' -f1)
if [[ -x "$bin_dir/kube-apiserver" && -x "$bin_dir/kube-controller-manager" && -x "$bin_dir/etcd" \
      && -f "$stamp_file" && "$(cat "$stamp_file")" == "$inputs" ]]; then
  echo "$bin_dir"
  exit 0
fi

mkdir -p "$bin_dir"
start=$(date +%s)
version_flags="-s -w -X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$k8s_minor"
export CGO_ENABLED=0 GOFLAGS=-mod=mod

echo "testenv: building etcd" >&2
(cd "$here/etcd" && go build -trimpath -ldflags "-s -w" -o "$bin_dir/etcd.tmp" go.etcd.io/etcd/server/v3)
echo "testenv: building kube-apiserver $k8s_version (a cold build takes several minutes)" >&2
(cd "$here/kube" && go build -trimpath -ldflags "$version_flags" -o "$bin_dir/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver)
echo "testenv: building kube-controller-manager $k8s_version" >&2
(cd "$here/kube" && go build -trimpath -ldflags "$version_flags" -o "$bin_dir/kube-controller-manager.tmp" k8s.io/kubernetes/cmd/kube-controller-manager)

# Rename only after every build succeeded, so a failed build never leaves a half-updated cache.
for b in etcd kube-apiserver kube-controller-manager; do mv -f "$bin_dir/$b.tmp" "$bin_dir/$b"; done
echo "$inputs" > "$stamp_file"
echo "testenv: built in $(( $(date +%s) - start ))s" >&2
echo "$bin_dir"
