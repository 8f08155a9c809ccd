#!/usr/bin/env bash
# Time from apply to Ready for a 10-pod Deployment on this machine: capstan's local target
# (`capstan server --local`, pods as podman pods) against `podman kube play` of the same
# Deployment YAML, the tool a user would otherwise run on one machine. Figures and how to
# read them are in docs/benchmarks.md ("Local target").
#
#   bench/local_ready.sh [BUILD_DIR]   (default build; needs capstan and capstan-demo-app
#                                       built there, and podman: scripts/install-deps.sh)
# Environment: ROUNDS (3), REPLICAS (10), TIMEOUT (seconds a round may take, 180),
# TRACE=1 (capstan runs podman through bench/support/podman-log, and each capstan round
# prints the podman calls it made from apply to Ready by subcommand; adds ~2 ms of CPU per
# call, so leave it off for the figures).
#
# One Deployment (demo image, readinessProbe httpGet /ready periodSeconds 1, no ports: see
# below), in both tools:
#   capstan  a fresh `capstan server --local` per round (fresh store), an Application with
#            manual sync whose path holds the Deployment; once the server shows it
#            OutOfSync (Git read, compared), the clock starts, `capstan app sync --async`
#            asks for the sync, and the API is polled every 50 ms until the Application is
#            Synced and Healthy. Healthy needs the Deployment's availableReplicas = 10, i.e.
#            capstan's own readiness probe passed in every pod.
#   podman   the clock starts, `podman kube play` runs; it returns once it has created and
#            started every pod, and that is the time taken. Then (not timed) every pod's
#            /ready must answer 200: the demo app listens within milliseconds of its start.
#            podman 4.3 runs no readiness probes (a livenessProbe becomes a healthcheck that
#            needs systemd timers), so "Ready" there means started and answering.
# Both sides also show when the first and the last pod's container started (podman inspect):
# "last start" is the like-for-like figure, all containers running; capstan's "ready" adds
# its first readiness probe (up to periodSeconds later) and the health it reports.
# The rounds alternate between the two, so other load on the machine hits both alike.
# Everything runs in a private podman storage (scripts/podman-env.sh) that is removed at
# the end; both tools use podman's default network "podman".
#
# The Deployment declares no container port: podman 4.3's kube play publishes every
# containerPort on the host (hostPort defaults to containerPort there), so ten replicas
# fail with "bind: address already in use". The probe names port 8080 by number instead.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
build=${1:-build}
rounds=${ROUNDS:-3}
replicas=${REPLICAS:-10}
timeout=${TIMEOUT:-180}
capstan=$PWD/$build/src/cli/capstan
support=$PWD/bench/support/local_bench.py
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
# No kubeconfig: `capstan server --local` then runs without a cluster.
export KUBECONFIG=$work/no-kubeconfig
scripts/demo-image.sh "$build" >/dev/null
mkdir -p "$work/bin"
ln -s "$PWD/bench/support/podman-log" "$work/bin/podman"
export CAPSTAN_BENCH_PODMAN_LOG=$work/podman-calls.log

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
now() { echo "$EPOCHREALTIME"; }
hz=$(getconf CLK_TCK)
# CPU ticks used by process $1 and by the children it waited for (the podman calls).
cpu_ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat"; }
own_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
since() { python3 -c "print(f'{$(now) - $1:.2f}')"; }

deployment=$work/repo/bench/deployment.yaml
mkdir -p "$(dirname "$deployment")" "$work/apps"
cat >"$deployment" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bench
  labels: {app: bench}
spec:
  replicas: $replicas
  selector:
    matchLabels: {app: bench}
  template:
    metadata:
      labels: {app: bench}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
        - name: demo
          image: localhost/capstan-demo:v1
          readinessProbe:
            httpGet: {path: /ready, port: 8080}
            periodSeconds: 1
YAML
git -C "$work/repo" init -q -b main
git -C "$work/repo" add .
git -C "$work/repo" -c user.name=bench -c user.email=bench@capstan.invalid commit -qm bench
cat >"$work/apps/bench.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: bench, namespace: argocd}
spec:
  project: default
  source: {repoURL: "file://$work/repo", targetRevision: main, path: bench}
  destination: {name: local, namespace: bench}
  syncPolicy:
    syncOptions: [CreateNamespace=true]
YAML

# Prints "started first last" (seconds after $2) of the containers matching filter $1.
container_starts() {
  local ids
  mapfile -t ids < <(podman ps -a -q --filter "$1")
  ((${#ids[@]} > 0)) || { echo "0 - -"; return; }
  podman inspect "${ids[@]}" | python3 "$support" starts "$2"
}

remove_pods() {
  podman pod rm --all --force --time 0 >/dev/null
  if [[ -n $(podman ps -a -q) ]]; then echo "containers left behind" >&2; exit 1; fi
}

round_capstan() {
  rm -rf "$work/state"
  local api_port proxy_port api
  api_port=$(free_port)
  proxy_port=$(free_port)
  api=http://127.0.0.1:$api_port
  local path=$PATH
  if [[ ${TRACE:-0} == 1 ]]; then
    path=$work/bin:$PATH
    : >"$CAPSTAN_BENCH_PODMAN_LOG"
  fi
  PATH=$path "$capstan" server --local --no-cluster-apps --apps "$work/apps" --state "$work/state" \
    --listen "127.0.0.1:$api_port" --proxy-listen "127.0.0.1:$proxy_port" \
    >"$work/server.out" 2>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 1 600); do
    [[ $(python3 "$support" app-status "$api" bench 2>/dev/null) == "bench: OutOfSync "* ]] && break
    sleep 0.1
  done
  [[ $(python3 "$support" app-status "$api" bench) == "bench: OutOfSync "* ]] ||
    { echo "capstan server did not load the Application" >&2; tail "$work/server.log" >&2; exit 1; }
  local t0 cpu0 cpu1 own0 own1 ready starts
  cpu0=$(cpu_ticks "$server_pid")
  own0=$(own_ticks "$server_pid")
  t0=$(now)
  "$capstan" app sync bench --async --server "$api" >/dev/null
  python3 "$support" wait-apps "$api" "$timeout" bench >/dev/null
  ready=$(since "$t0")
  cpu1=$(cpu_ticks "$server_pid")
  own1=$(own_ticks "$server_pid")
  starts=$(container_starts label=io.kubernetes.container.name=demo "$t0")
  local cpu own
  cpu=$(python3 -c "print(f'{($cpu1 - $cpu0) / $hz:.2f}')")
  own=$(python3 -c "print(f'{($own1 - $own0) / $hz:.2f}')")
  echo "capstan $ready $starts $cpu $own" >>"$work/results"
  printf '%-8s %6s s  %-16s %6s s   (capstan itself %s s)\n' capstan "$ready" "$starts" "$cpu" "$own"
  if [[ ${TRACE:-0} == 1 ]]; then
    awk -v t0="$t0" -v t1="$(python3 -c "print($t0 + $ready)")" '$1 >= t0 && $1 <= t1 {
        key = $2; if ($2 == "pod" || $2 == "container" || $2 == "image") key = $2 " " $3
        n[key]++; total++ }
      END { printf "  podman calls, apply to Ready: %d:", total
            for (k in n) printf " %s %d,", k, n[k]; print "" }' "$CAPSTAN_BENCH_PODMAN_LOG"
  fi
  stop_server
  remove_pods
}

round_podman() {
  local t0 ready ips urls=()
  t0=$(now)
  /usr/bin/time -f '%U %S' -o "$work/play.time" \
    podman kube play --network podman "$deployment" >"$work/play.out" 2>&1 ||
    { cat "$work/play.out" >&2; exit 1; }
  ready=$(since "$t0")
  local starts cpu
  starts=$(container_starts label=app=bench "$t0")
  cpu=$(awk '{printf "%.2f", $1 + $2}' "$work/play.time")
  # Not timed: every pod answers /ready (the demo app listens within milliseconds of its start).
  mapfile -t ips < <(podman ps -q --filter label=app=bench |
    xargs podman inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}')
  for ip in "${ips[@]}"; do urls+=("http://$ip:8080/ready"); done
  ((${#urls[@]} == replicas)) || { echo "podman runs ${#urls[@]} of $replicas pods" >&2; exit 1; }
  python3 "$support" wait-http 10 "${urls[@]}" >/dev/null
  echo "podman $ready $starts $cpu" >>"$work/results"
  printf '%-8s %6s s  %-16s %6s s\n' podman "$ready" "$starts" "$cpu"
  remove_pods
}

echo "== apply to Ready: a $replicas-pod Deployment, capstan --local vs podman kube play"
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(podman --version), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tool     ready     containers started, first, last  CPU (seconds after apply; CPU: user +"
echo "                   system of capstan and the podman calls it waited for, or of kube play)"
for _ in $(seq 1 "$rounds"); do
  round_podman
  round_capstan
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$work/results" "$replicas" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
def median(tool, column):
    return statistics.median(float(r[column]) for r in rows if r[0] == tool)
c, p = median("capstan", 1), median("podman", 1)
print()
print(f"| {sys.argv[2]}-pod Deployment, median of {sum(r[0] == 'capstan' for r in rows)} | capstan --local | podman kube play | ratio |")
print("|---|---|---|---|")
cl, pl = median("capstan", 4), median("podman", 4)
print(f"| apply to Ready, s (capstan: Synced and Healthy; podman: kube play returned) | {c:.2f} | {p:.2f} | capstan {c / p:.2f}x podman's time |")
print(f"| apply to the last container started, s | {cl:.2f} | {pl:.2f} | capstan {cl / pl:.2f}x |")
print(f"| CPU seconds, apply to Ready (capstan: with the podman calls it ran) | {median('capstan', 5):.2f} | {median('podman', 5):.2f} | capstan {median('capstan', 5) / median('podman', 5):.1f}x |")
print(f"| of which capstan's own process | {median('capstan', 6):.2f} | | |")
PY
