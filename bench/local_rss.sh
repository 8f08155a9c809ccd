#!/usr/bin/env bash
# capstan's memory and idle CPU with 50 running pods on the local target, and what podman
# itself adds per container (conmon), for context. Figures are in docs/benchmarks.md
# ("Local target").
#
#   bench/local_rss.sh [BUILD_DIR]   (default build; needs capstan and capstan-demo-app built
#                                     there, and podman: scripts/install-deps.sh)
# Environment: APPS (5), REPLICAS (10 per app), SETTLE (seconds of idle measured, 60),
# PROFILE=1 (also `perf record` capstan's threads, not its children, while idle and print
# the top functions).
#
# The workload: APPS automated Applications (destination local), each a Deployment of
# REPLICAS demo pods with the demo's probes (readiness httpGet /ready every 1 s, liveness
# httpGet /healthz every 5 s) and a Service (a proxy listener). `capstan server --local` runs
# with its defaults. Once every Application is Synced and Healthy the script reads
# /proc/PID/status (VmRSS, VmHWM, threads), then leaves everything alone for SETTLE seconds
# and reports capstan's CPU time in that window: its own and that of the podman processes
# it ran and waited for (cutime + cstime), and those podman calls by subcommand. The calls
# are counted by bench/support/podman-log, first in capstan's PATH (it adds a bash start,
# ~1-2 ms of CPU, to every call).
#
# Then, for comparison, capstan is stopped, its pods removed, and the same Deployments are
# started by `podman kube play` (no daemon of its own: only podman's per-container conmon
# stays resident), and the resident memory of both set-ups is shown side by side.
# Everything runs in a private podman storage (scripts/podman-env.sh) removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
build=${1:-build}
apps=${APPS:-5}
replicas=${REPLICAS:-10}
settle=${SETTLE:-60}
pods=$((apps * replicas))
capstan=$PWD/$build/src/cli/capstan
support=$PWD/bench/support
[[ -x $capstan ]] || { echo "no capstan at $capstan: build it first" >&2; exit 2; }
[[ -x $build/examples/demo/app/capstan-demo-app ]] ||
  { echo "no capstan-demo-app in $build: ninja -C $build capstan-demo-app" >&2; exit 2; }

work=$(mktemp -d)
server_pid=
stop_server() {
  if [[ -n $server_pid ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
cleanup() {
  stop_server
  scripts/podman-env.sh teardown "$work/podman" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap "exit 1" INT TERM

eval "$(scripts/podman-env.sh setup "$work/podman")"
export KUBECONFIG=$work/no-kubeconfig  # none: `capstan server --local` runs without a cluster
scripts/demo-image.sh "$build" >/dev/null
mkdir -p "$work/bin"
ln -s "$support/podman-log" "$work/bin/podman"
export CAPSTAN_BENCH_PODMAN_LOG=$work/podman-calls.log

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

repo=$work/repo
mkdir -p "$repo" "$work/apps" "$work/play"
names=()
for i in $(seq 1 "$apps"); do
  name=app-$i
  names+=("$name")
  mkdir -p "$repo/$name"
  # No container port: podman kube play would publish it on the host (see local_ready.sh).
  cat >"$repo/$name/deployment.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $name
  labels: {app: $name}
spec:
  replicas: $replicas
  selector:
    matchLabels: {app: $name}
  template:
    metadata:
      labels: {app: $name}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
        - name: demo
          image: localhost/capstan-demo:v1
          readinessProbe:
            httpGet: {path: /ready, port: 8080}
            periodSeconds: 1
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
            periodSeconds: 5
YAML
  cp "$repo/$name/deployment.yaml" "$work/play/$name.yaml"
  cat >"$repo/$name/service.yaml" <<YAML
apiVersion: v1
kind: Service
metadata: {name: $name}
spec:
  selector: {app: $name}
  ports: [{name: http, port: 80, targetPort: 8080, protocol: TCP}]
YAML
  cat >"$work/apps/$name.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: $name, namespace: argocd}
spec:
  project: default
  source: {repoURL: "file://$repo", targetRevision: main, path: $name}
  destination: {name: local, namespace: $name}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
YAML
done
git -C "$repo" init -q -b main
git -C "$repo" add .
git -C "$repo" -c user.name=bench -c user.email=bench@capstan.invalid commit -qm "$apps apps"

# "conmons KB processes KB": podman's conmon processes of our storage and every process
# below them (the containers': pause, catatonit, demo app), VmRSS summed.
podman_resident() { python3 "$support/local_bench.py" conmons "$work/podman/"; }
status_of() { grep -E "^$2:" "/proc/$1/status" | awk '{print $2}'; }
# CPU ticks of process $1: own (utime + stime) and its waited-for children's (cutime + cstime).
cpu_self() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cpu_children() { awk '{print $16 + $17}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

echo "== capstan server --local with $apps Applications x $replicas replicas = $pods pods"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(podman --version), load $(cut -d' ' -f1-3 /proc/loadavg)"
api_port=$(free_port)
proxy_port=$(free_port)
api=http://127.0.0.1:$api_port
start=$EPOCHREALTIME
PATH=$work/bin:$PATH "$capstan" server --local --no-cluster-apps --apps "$work/apps" \
  --state "$work/state" --listen "127.0.0.1:$api_port" --proxy-listen "127.0.0.1:$proxy_port" \
  >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
python3 "$support/local_bench.py" wait-apps "$api" 600 "${names[@]}" >/dev/null ||
  { tail -20 "$work/server.log" >&2; exit 1; }
healthy=$(python3 -c "print(f'{$EPOCHREALTIME - $start:.1f}')")
running=$(podman ps -q --filter label=io.kubernetes.container.name=demo | wc -l)
[[ $running == "$pods" ]] || { echo "$running of $pods demo containers run" >&2; exit 1; }
echo "all $apps Applications Synced and Healthy $healthy s after start; $running demo containers run"
rss_healthy=$(status_of "$server_pid" VmRSS)
hwm_healthy=$(status_of "$server_pid" VmHWM)
threads=$(status_of "$server_pid" Threads)
echo "capstan when Healthy: VmRSS $rss_healthy KB, VmHWM $hwm_healthy KB, $threads threads"

sleep 5  # the last probes and status writes of the start-up settle
self0=$(cpu_self "$server_pid")
children0=$(cpu_children "$server_pid")
calls0=$(wc -l <"$CAPSTAN_BENCH_PODMAN_LOG")
t0=$EPOCHREALTIME
if [[ ${PROFILE:-0} == 1 ]]; then
  perf record -q --no-inherit -F 999 -o "$work/perf.data" -p "$server_pid" -- sleep "$settle" \
    2>/dev/null &
  perf_pid=$!
fi
# VmRSS every tenth of the window: does it settle or keep growing?
samples=()
for _ in $(seq 1 10); do
  sleep "$(python3 -c "print($settle / 10)")"
  samples+=("$(status_of "$server_pid" VmRSS)")
done
[[ -n ${perf_pid:-} ]] && wait "$perf_pid"
window=$(python3 -c "print($EPOCHREALTIME - $t0)")
self1=$(cpu_self "$server_pid")
children1=$(cpu_children "$server_pid")
rss_idle=$(status_of "$server_pid" VmRSS)
hwm_idle=$(status_of "$server_pid" VmHWM)
read -r conmons conmon_kb processes process_kb <<<"$(podman_resident)"
python3 - "$window" "$((self1 - self0))" "$((children1 - children0))" "$hz" <<'PY'
import sys
window, self_ticks, child_ticks, hz = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s, c = self_ticks / hz, child_ticks / hz
print(f"idle {window:.0f} s: capstan CPU {s:.2f} s ({100 * s / window:.1f}% of a core), "
      f"podman calls it ran {c:.2f} s ({100 * c / window:.1f}%), together {100 * (s + c) / window:.1f}%")
PY
echo "podman calls while idle, per second, by subcommand:"
tail -n +"$((calls0 + 1))" "$CAPSTAN_BENCH_PODMAN_LOG" | awk -v w="$window" '
  { sub(/^[^ ]+ /, ""); split($0, a, " "); key = a[1]; if (a[1] == "pod" || a[1] == "container") key = a[1] " " a[2]; n[key]++; total++ }
  END { for (k in n) printf "  %-20s %6.2f/s\n", k, n[k] / w; printf "  %-20s %6.2f/s\n", "all", total / w }' | sort -k2 -rn
echo "capstan after idling: VmRSS $rss_idle KB, VmHWM $hwm_idle KB; VmRSS during the window (KB): ${samples[*]}"
echo "podman's own per-container processes: $conmons conmon, $conmon_kb KB; $processes container processes (demo apps, pause), $process_kb KB"
if [[ ${PROFILE:-0} == 1 ]]; then
  echo "== where capstan's own idle CPU goes (perf, self time)"
  perf report -q -i "$work/perf.data" --sort dso,symbol 2>/dev/null >"$work/perf.txt" || true
  cut -c1-150 "$work/perf.txt" | head -25
fi
stop_server
podman pod rm --all --force --time 0 >/dev/null

echo "== the same $apps Deployments with podman kube play (no daemon)"
play_start=$EPOCHREALTIME
for file in "$work"/play/*.yaml; do
  podman kube play --network podman "$file" >/dev/null 2>"$work/play.err" || { cat "$work/play.err" >&2; exit 1; }
done
played=$(python3 -c "print(f'{$EPOCHREALTIME - $play_start:.1f}')")
sleep 5
read -r p_conmons p_conmon_kb p_processes p_process_kb <<<"$(podman_resident)"
echo "kube play took $played s; $p_conmons conmon, $p_conmon_kb KB; $p_processes container processes, $p_process_kb KB"
# podman turned each livenessProbe into a healthcheck, which needs systemd timers: there are
# none here, so it checked nothing, and removing the pods logs an error per container.
podman pod rm --all --force --time 0 >/dev/null 2>&1

python3 - "$pods" "$rss_idle" "$hwm_idle" "$conmon_kb" "$process_kb" "$p_conmon_kb" "$p_process_kb" <<'PY'
import sys
pods, rss, hwm, conmon, procs, p_conmon, p_procs = (int(x) for x in sys.argv[1:])
mb = lambda kb: f"{kb / 1024:.1f} MB"
print()
print(f"| resident memory, {pods} running pods | capstan --local | podman kube play |")
print("|---|---|---|")
print(f"| the manager's own process (VmRSS; VmHWM) | {mb(rss)}; {mb(hwm)} | none (no daemon) |")
print(f"| per pod, the manager | {rss / pods / 1024:.2f} MB | - |")
print(f"| conmon, 2 per pod (podman's) | {mb(conmon)} | {mb(p_conmon)} |")
print(f"| container processes (demo app, pause) | {mb(procs)} | {mb(p_procs)} |")
print(f"| total | {mb(rss + conmon + procs)} | {mb(p_conmon + p_procs)} |")
PY
