#!/usr/bin/env bash
# Memory of `capstan server` keeping 100 Applications synced: a real kube-apiserver v1.20.2
# (scripts/kube-env.sh, API server only), one Git repository with 100 app folders (a
# ConfigMap, a Service and a Deployment each), an --apps folder with 100 automated
# Applications (CreateNamespace=true). Waits until `capstan app list -o json` shows all 100
# Synced, then prints VmRSS and VmHWM from /proc/PID/status, and again after a settling
# period in which every Application is reconciled again. Figures are in docs/benchmarks.md.
#   bench/server_rss.sh [BUILD_DIR]    (default build; needs capstan built there and
#                                       scripts/kube-env.sh build)
# Environment: APPS (default 100), SETTLE (seconds after all are Synced, default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
build=${1:-build}
capstan=$PWD/$build/src/cli/capstan
apps=${APPS:-100}
settle=${SETTLE:-60}
[[ -x $capstan ]] || { echo "no capstan at $capstan: build it first" >&2; exit 2; }

work=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [[ -f $work/kube/pids ]] && scripts/kube-env.sh stop "$work/kube" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap "exit 1" INT TERM
CAPSTAN_KUBE_CONTROLLERS=0 scripts/kube-env.sh start "$work/kube" >/dev/null
export KUBECONFIG=$work/kube/kubeconfig

repo=$work/repo
mkdir -p "$repo" "$work/apps"
for i in $(seq 1 "$apps"); do
  mkdir -p "$repo/app-$i"
  cat >"$repo/app-$i/configmap.yaml" <<YAML
apiVersion: v1
kind: ConfigMap
metadata: {name: app-$i-config}
data: {LOG_LEVEL: info, GREETING: "hello from app-$i"}
YAML
  cat >"$repo/app-$i/service.yaml" <<YAML
apiVersion: v1
kind: Service
metadata: {name: app-$i}
spec:
  selector: {app: app-$i}
  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
YAML
  cat >"$repo/app-$i/deployment.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-$i, labels: {app: app-$i}}
spec:
  replicas: 2
  selector: {matchLabels: {app: app-$i}}
  template:
    metadata: {labels: {app: app-$i}}
    spec:
      containers:
      - name: app
        image: registry.example.com/app-$i:1.0.0
        ports: [{containerPort: 8080, protocol: TCP}]
        envFrom: [{configMapRef: {name: app-$i-config}}]
        resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {memory: 128Mi}}
YAML
  cat >"$work/apps/app-$i.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: app-$i}
spec:
  project: default
  source: {repoURL: "file://$repo", targetRevision: HEAD, path: app-$i}
  destination: {server: https://kubernetes.default.svc, namespace: app-$i}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
YAML
done
git -C "$repo" init -q
git -C "$repo" add .
git -C "$repo" -c user.name=bench -c user.email=bench@capstan.invalid commit -qm "100 apps"

echo "== capstan server with $apps Applications (3 objects each)"
nproc; grep -m1 'model name' /proc/cpuinfo || true
start=$(date +%s.%N)
"$capstan" server --apps "$work/apps" --state "$work/state" --listen 127.0.0.1:0 \
  --no-cluster-apps --kubeconfig "$KUBECONFIG" >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$work/server.out" && break
  sleep 0.1
done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/server.out")
[[ -n $url ]] || { echo "capstan server did not start" >&2; cat "$work/server.log" >&2; exit 1; }

synced=0
for _ in $(seq 1 600); do
  synced=$("$capstan" app list -o json --server "$url" | python3 -c '
import json, sys
items = json.load(sys.stdin).get("items", [])
print(sum(1 for a in items if a.get("status", {}).get("sync", {}).get("status") == "Synced"))')
  [[ $synced == "$apps" ]] && break
  sleep 1
done
elapsed=$(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')")
[[ $synced == "$apps" ]] || { echo "only $synced of $apps Synced after 600 s" >&2; tail -20 "$work/server.log" >&2; exit 1; }
objects=$(kubectl get configmap,service,deployment --all-namespaces -l app.kubernetes.io/instance -o name | wc -l)
echo "all $apps Synced after $elapsed s ($objects objects carry capstan's label)"
rss() { grep -E '^(VmRSS|VmHWM|Threads)' "/proc/$server_pid/status" | tr -s ' \t' ' ' | paste -sd' '; }
echo "when all Synced: $(rss)"
sleep "$settle"
echo "after $settle s more (resyncs, watches): $(rss)"
cpu=$(awk '{print ($14 + $15) / 100}' "/proc/$server_pid/stat")
echo "server CPU time so far: $cpu s"
