#!/usr/bin/env bash
# docs/quickstart.md, run as written: every ```sh block of the page appears below verbatim (test/e2e/quickstart.test.ts
# checks that), in order, with a few script-only lines between them that check each step and say what failed.
# Throwaway dirs only (mktemp); every process started is stopped on exit, success or not.
#   bash scripts/quickstart.sh
# Environment: CUSTOS_QUICKSTART_SKIP_BUILD=1 skips `npm ci && npm run build` (the tests run it in a checkout that
# is already installed); CUSTOS_QUICKSTART_TIMEOUT (seconds, default 1800: a first `custos dev cluster`
# builds the control plane, about 10 minutes) stops a run that hangs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n== quickstart: %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
fail() {
  printf 'quickstart FAILED: %s\n' "$1" >&2
  exit 1
}
# The last lines of a log of this run, for a failure message (never dev.log: it holds the admin credential).
tail_of() { [ -f "$1" ] && sed -e 's/^/    /' <(tail -n 15 "$1") >&2 || true; }

DEMO=""
CLUSTER_PID=""
DEV_PID=""
OPERATOR_PID=""
WATCHDOG_PID=""
failed_command=""
trap 'failed_command=$BASH_COMMAND' ERR
cleanup() {
  local code=$?
  trap - EXIT ERR
  if [ "$code" -ne 0 ]; then
    printf 'quickstart FAILED (exit %s)%s\n' "$code" "${failed_command:+ at: $failed_command}" >&2
    for log in cluster.log operator.log; do
      [ -n "$DEMO" ] && [ -f "$DEMO/$log" ] && printf '  last lines of %s:\n' "$log" >&2 && tail_of "$DEMO/$log"
    done
  fi
  [ -n "$WATCHDOG_PID" ] && kill "$WATCHDOG_PID" 2>/dev/null || true
  local pids=()
  for pid in $OPERATOR_PID $DEV_PID $CLUSTER_PID; do kill -0 "$pid" 2>/dev/null && pids+=("$pid"); done
  if [ ${#pids[@]} -gt 0 ]; then
    kill "${pids[@]}" 2>/dev/null || true
    # Give them 15 s to shut down cleanly (the control plane stops etcd and the API server), then SIGKILL
    # their whole process groups.
    for _ in $(seq 1 150); do
      local alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ "$alive" -eq 0 ] && break
      sleep 0.1
    done
  fi
  for pid in $OPERATOR_PID $DEV_PID $CLUSTER_PID; do kill -9 -- "-$pid" 2>/dev/null || true; done
  [ -n "$DEMO" ] && rm -rf "$DEMO"
  exit "$code"
}
trap cleanup EXIT
# Each background command gets its own process group, so clean-up also reaches what it started (etcd and the API
# server of `custos dev cluster`), even if it is killed before it could stop them itself.
set -m
trap 'fail "interrupted"' INT TERM

TIMEOUT=${CUSTOS_QUICKSTART_TIMEOUT:-1800}
# A watchdog that signals this shell when the time is up; on TERM it ends its sleep too (no orphan holds the pipes).
(
  trap 'kill $sleeper 2>/dev/null; exit 0' TERM
  sleep "$TIMEOUT" &
  sleeper=$!
  wait $sleeper && kill -USR1 $$ 2>/dev/null
) >/dev/null 2>&1 &
WATCHDOG_PID=$!
trap 'fail "no result after ${TIMEOUT} s (CUSTOS_QUICKSTART_TIMEOUT)"' USR1

step "1. build, and a scratch directory"
if [ "${CUSTOS_QUICKSTART_SKIP_BUILD:-}" != 1 ]; then
npm ci && npm run build
fi
command -v kubectl >/dev/null || fail "kubectl is not installed (docs/quickstart.md, requirements)"

export DEMO=$(mktemp -d)
export XDG_CONFIG_HOME="$DEMO/config" KUBECACHEDIR="$DEMO/kube-cache"
mkdir -p "$DEMO/bin" && ln -s "$PWD/bin/custos.js" "$DEMO/bin/custos"
export PATH="$DEMO/bin:$PATH"
echo "scratch directory: $DEMO"

step "2. start the control plane and the store + gateway"
custos dev cluster --dir "$DEMO" > "$DEMO/cluster.out" 2> "$DEMO/cluster.log" &
CLUSTER_PID=$!
custos dev --data-dir "$DEMO/dev" --port 0 > "$DEMO/dev.out" 2> "$DEMO/dev.log" &
DEV_PID=$!

until [ -s "$DEMO/dev.out" ] || ! kill -0 $DEV_PID 2>/dev/null; do sleep 0.5; done
cat "$DEMO/dev.log"
[ -s "$DEMO/dev.out" ] || fail "custos dev exited before printing its address (see the lines above)"

step "3. log in and store a secret"
custos login --dev --data-dir "$DEMO/dev"
printf %s 's3cr3t-v1' | custos secret put /mdapi/demo/db/password
custos secret get /mdapi/demo/db/password
echo

step "4. an identity for the operator"
(umask 077 && custos auth-method create demo-operator --type api_key -o json > "$DEMO/operator-key.json")
custos role create demo-reader --rule '/mdapi/demo/*=read,list'
custos role associate demo-reader --auth-method demo-operator

step "5. the cluster side: namespace, credentials, SecretStore"
until [ -s "$DEMO/cluster.out" ] || ! kill -0 $CLUSTER_PID 2>/dev/null; do sleep 0.5; done
[ -s "$DEMO/cluster.out" ] || fail "custos dev cluster exited before printing its kubeconfig"

export KUBECONFIG=$(head -n 1 "$DEMO/cluster.out")
kubectl get crds externalsecrets.external-secrets.io secretstores.external-secrets.io

kubectl create namespace demo
node -e 'const k = require(process.argv[1]); console.log(`accessId=${k.accessId}\naccessKey=${k.accessKey}`)' "$DEMO/operator-key.json" > "$DEMO/operator-key.env"
kubectl -n demo create secret generic custos-operator-key --from-env-file="$DEMO/operator-key.env"
kubectl -n demo create configmap custos-gateway-ca --from-file=ca.crt="$DEMO/dev/gateway/tls/ca.crt"
kubectl apply -f - <<EOF
apiVersion: external-secrets.io/v1
kind: SecretStore
metadata:
  name: custos
  namespace: demo
spec:
  provider:
    custos:
      gatewayURL: $(head -n 1 "$DEMO/dev.out")
      caProvider: { type: ConfigMap, name: custos-gateway-ca, key: ca.crt }
      auth:
        apiKeyRef:
          accessId: { name: custos-operator-key, key: accessId }
          accessKey: { name: custos-operator-key, key: accessKey }
EOF

step "6. the operator and an ExternalSecret"
custos operator --kubeconfig "$KUBECONFIG" --metrics-addr 127.0.0.1:0 > "$DEMO/operator.log" 2>&1 &
OPERATOR_PID=$!
kubectl apply -f - <<EOF
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: db
  namespace: demo
spec:
  refreshInterval: 1h
  secretStoreRef: { name: custos, kind: SecretStore }
  target: { name: db-credentials }
  data:
    - secretKey: password
      remoteRef: { key: /mdapi/demo/db/password }
EOF
kubectl -n demo wait externalsecret/db --for=condition=Ready --timeout=120s
custos status -n demo
kubectl -n demo get secret db-credentials -o jsonpath='{.data.password}' | base64 --decode; echo
synced=$(kubectl -n demo get secret db-credentials -o jsonpath='{.data.password}' | base64 --decode)
[ "$synced" = s3cr3t-v1 ] || fail "the Secret holds the wrong value after the first sync"

step "7. rotate"
rotated_at=$(date +%s%N)
printf %s 's3cr3t-v2' | custos secret put /mdapi/demo/db/password
until [ "$(kubectl -n demo get secret db-credentials -o jsonpath='{.data.password}' | base64 --decode)" = s3cr3t-v2 ]; do sleep 0.2; done
kubectl -n demo get secret db-credentials -o jsonpath='{.data.password}' | base64 --decode; echo
synced=$(kubectl -n demo get secret db-credentials -o jsonpath='{.data.password}' | base64 --decode)
echo "rotation reached the Secret $(( ($(date +%s%N) - rotated_at) / 1000000 )) ms after custos secret put started"

step "8. clean up"
kill "$WATCHDOG_PID" 2>/dev/null || true
WATCHDOG_PID=""
kill $OPERATOR_PID $CLUSTER_PID $DEV_PID
wait $OPERATOR_PID $CLUSTER_PID $DEV_PID
rm -rf "$DEMO"
OPERATOR_PID="" CLUSTER_PID="" DEV_PID="" DEMO=""
echo "quickstart OK: the Secret demo/db-credentials followed the rotation to ${synced}"
