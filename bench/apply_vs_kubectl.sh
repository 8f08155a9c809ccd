#!/usr/bin/env bash
# `capstan apply` vs `kubectl apply --server-side` of the same 1,000 ConfigMaps in 10
# namespaces against a real kube-apiserver v1.20.2 (scripts/kube-env.sh, API server only),
# whole process: the first apply (every object created; all are deleted before each timed
# run) and a second apply (nothing changes). Prints hyperfine's times and each client's
# peak RSS (/usr/bin/time). Figures are recorded in docs/benchmarks.md.
#   bench/apply_vs_kubectl.sh [BUILD_DIR]   (default build; needs capstan built there,
#                                            scripts/kube-env.sh build, kubectl, hyperfine)
# Environment: OBJECTS (default 1000), NAMESPACES (default 10), RUNS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
build=${1:-build}
capstan=$PWD/$build/src/cli/capstan
objects=${OBJECTS:-1000}
namespaces=${NAMESPACES:-10}
runs=${RUNS:-3}
[[ -x $capstan ]] || { echo "no capstan at $capstan: build it first" >&2; exit 2; }

work=$(mktemp -d)
cleanup() {
  [[ -f $work/kube/pids ]] && scripts/kube-env.sh stop "$work/kube" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap "exit 1" INT TERM
CAPSTAN_KUBE_CONTROLLERS=0 scripts/kube-env.sh start "$work/kube" >/dev/null
export KUBECONFIG=$work/kube/kubeconfig
# kubectl keeps its discovery cache under HOME; a private one, warm after the first call.
export HOME=$work/home
mkdir -p "$HOME"

# The set: one file per ConfigMap, a folder per namespace, each object with five data keys
# (about 600 bytes), as an application's configuration would be.
set_dir=$work/set
per_ns=$((objects / namespaces))
for n in $(seq 0 $((namespaces - 1))); do
  kubectl create namespace "bench-$n" >/dev/null
  mkdir -p "$set_dir/bench-$n"
  for i in $(seq 0 $((per_ns - 1))); do
    cat >"$set_dir/bench-$n/cm-$i.yaml" <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings-$i
  namespace: bench-$n
  labels: {capstan.dev/bench: apply, app.kubernetes.io/part-of: bench}
data:
  LOG_LEVEL: info
  FEATURE_FLAGS: "checkout=true,search=false,recommendations=true"
  DATABASE_URL: "postgres://app@db-$n.bench-$n.svc.cluster.local:5432/app_$i"
  CACHE_TTL_SECONDS: "300"
  application.properties: |
    server.port=8080
    management.endpoints.web.exposure.include=health,info,prometheus
    spring.datasource.hikari.maximum-pool-size=10
YAML
  done
done
echo "== apply: $objects ConfigMaps in $namespaces namespaces ($(du -sh "$set_dir" | cut -f1) of YAML)"
nproc; grep -m1 'model name' /proc/cpuinfo || true
echo "kubectl $(kubectl version --client -o json | python3 -c 'import json,sys;print(json.load(sys.stdin)["clientVersion"]["gitVersion"])')"

# Deletes every object of the set (both tools' runs start from nothing).
cat >"$work/delete-all.sh" <<SH
#!/usr/bin/env bash
kubectl delete configmap --all-namespaces -l capstan.dev/bench=apply --wait=false >/dev/null
SH
chmod +x "$work/delete-all.sh"

capstan_cmd="$capstan apply $set_dir --app bench"
kubectl_cmd="kubectl apply --server-side -R -f $set_dir"
count() { kubectl get configmap --all-namespaces -l capstan.dev/bench=apply -o name | wc -l; }

for tool in capstan kubectl; do
  cmd_var=${tool}_cmd
  cmd=${!cmd_var}
  echo "-- $tool: first apply (create), $runs runs, every object deleted before each"
  hyperfine -N --runs "$runs" --prepare "$work/delete-all.sh" --export-json "$work/$tool-create.json" \
    --output=null "$cmd" | grep -E 'Time|Range'
  [[ $(count) == "$objects" ]] || { echo "$tool did not create $objects objects" >&2; exit 1; }
  echo "-- $tool: second apply (no change), $runs runs"
  hyperfine -N --runs "$runs" --warmup 1 --export-json "$work/$tool-noop.json" --output=null "$cmd" |
    grep -E 'Time|Range'
  "$work/delete-all.sh"
  /usr/bin/time -f "$tool create peak RSS: %M KB" $cmd >/dev/null
  /usr/bin/time -f "$tool no-change peak RSS: %M KB" $cmd >/dev/null
  "$work/delete-all.sh"
done

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def mean(name):
    r = json.load(open(f"{work}/{name}.json"))["results"][0]
    return r["mean"], r["stddev"] or 0.0
for phase in ("create", "noop"):
    (c, cs), (k, ks) = mean(f"capstan-{phase}"), mean(f"kubectl-{phase}")
    print(f"{phase}: capstan {c:.2f} s ± {cs:.2f}, kubectl {k:.2f} s ± {ks:.2f}, "
          f"kubectl/capstan = {k / c:.2f}")
PY
