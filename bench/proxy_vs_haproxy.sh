#!/usr/bin/env bash
# capstan's local proxy against haproxy, both in front of one nginx serving a small file,
# measured with wrk; plus nginx directly, for the cost of the hop itself.
#   bench/proxy_vs_haproxy.sh          (needs nginx, haproxy and wrk: scripts/install-deps.sh)
# Environment: BUILD_DIR (default build, the default preset), DURATION (10s),
# CONNECTIONS (50), THREADS (proxy and haproxy threads, 2), ROUNDS (3: the targets are
# measured in turn this many times and the median is shown, since other work on the machine
# moves single runs a lot), SKIP_BUILD=1 (use the proxy_bench already built in BUILD_DIR).
# Besides requests/s and p99 it prints each proxy's CPU time per request (user + system,
# from /proc), which other load on the machine disturbs much less than throughput.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
build=${BUILD_DIR:-build}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-50}
threads=${THREADS:-2}
rounds=${ROUNDS:-3}

for tool in nginx haproxy wrk; do
  if ! command -v "$tool" >/dev/null && [[ ! -x /usr/sbin/$tool ]]; then
    echo "proxy_vs_haproxy: $tool is not installed (apt-get install nginx-light haproxy wrk)" >&2
    exit 1
  fi
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
haproxy_bin=$(command -v haproxy || echo /usr/sbin/haproxy)

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  if [[ $build == build ]]; then
    cmake --preset default >/dev/null
  else
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAPSTAN_BENCH=ON >/dev/null
  fi
  cmake --build "$build" --target proxy_bench >/dev/null
fi

work=$(mktemp -d)
chmod 755 "$work"  # nginx workers run as an unprivileged user and read html/ from here
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A free port below the ephemeral range, asked of the kernel through a bound socket.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "proxy_vs_haproxy: nothing listens on port $1" >&2
  exit 1
}

upstream_port=$(free_port)
haproxy_port=$(free_port)
capstan_port=$(free_port)

# The upstream: nginx, one worker, a 612-byte page (nginx's own welcome page size).
mkdir -p "$work/nginx/html" "$work/nginx/logs"
head -c 612 /dev/zero | tr '\0' 'x' >"$work/nginx/html/index.html"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx/tmp;
  server {
    listen 127.0.0.1:$upstream_port;
    root $work/nginx/html;
  }
}
CONF
"$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)

cat >"$work/haproxy.cfg" <<CONF
global
  nbthread $threads
  maxconn 4000
defaults
  mode http
  option forwardfor
  http-reuse always
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend web
  bind 127.0.0.1:$haproxy_port
  default_backend upstream
backend upstream
  server nginx 127.0.0.1:$upstream_port
CONF
"$haproxy_bin" -f "$work/haproxy.cfg" -q &
haproxy_pid=$!
pids+=($!)

"$build/bench/proxy_bench" --listen "127.0.0.1:$capstan_port" \
  --upstream "127.0.0.1:$upstream_port" --threads "$threads" >/dev/null &
capstan_pid=$!
pids+=($!)

for port in "$upstream_port" "$haproxy_port" "$capstan_port"; do wait_port "$port"; done

# CPU ticks (user + system) used so far by process $1.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Appends "target requests/s p99-ms cpu-us-per-request" for one wrk run against port $2
# (CPU of process $3, or 0 to skip) to $work/results.
measure() {
  local before=0 after=0
  [[ $3 != 0 ]] && before=$(cpu_ticks "$3")
  wrk -t2 -c"$connections" -d"$duration" --latency "http://127.0.0.1:$2/index.html" >"$work/wrk.txt"
  [[ $3 != 0 ]] && after=$(cpu_ticks "$3")
  python3 - "$work/wrk.txt" "$1" "$((after - before))" "$(getconf CLK_TCK)" >>"$work/results" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
requests = int(re.search(r"(\d+) requests in", text).group(1))
value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M).groups()
scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors:
    sys.exit(f"wrk saw {errors.group(1)} error responses")
cpu_us = int(sys.argv[3]) / int(sys.argv[4]) * 1e6 / requests
print(f"{sys.argv[2]} {rps:.0f} {float(value) * scale:.3f} {cpu_us:.1f}")
PY
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== wrk -t2 -c$connections -d$duration, $threads proxy threads, nginx 1 worker, 612-byte file, median of $rounds rounds"
measure warmup "$upstream_port" 0
: >"$work/results"
for _ in $(seq "$rounds"); do
  measure direct "$upstream_port" 0
  measure haproxy "$haproxy_port" "$haproxy_pid"
  measure capstan "$capstan_port" "$capstan_pid"
done
python3 - "$work/results" "$("$haproxy_bin" -v | head -1 | awk '{print $3}')" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, rps, p99, cpu = line.split()
    rows.setdefault(name, []).append((float(rps), float(p99), float(cpu)))
med = {name: [statistics.median(col) for col in zip(*runs)] for name, runs in rows.items()}
labels = {"direct": "nginx directly", "haproxy": f"haproxy {sys.argv[2]}", "capstan": "capstan proxy"}
print(f"{'target':<28} {'requests/s':>11} {'p99 ms':>8} {'CPU us/request':>15}")
for name in ("direct", "haproxy", "capstan"):
    rps, p99, cpu = med[name]
    cpu_text = "-" if name == "direct" else f"{cpu:.1f}"
    print(f"{labels[name]:<28} {rps:>11.0f} {p99:>8.2f} {cpu_text:>15}")
c, h, d = med["capstan"], med["haproxy"], med["direct"]
print(f"capstan / haproxy requests/s: {c[0] / h[0]:.2f}x; CPU per request: {c[2] / h[2]:.2f}x")
print(f"added p99 over nginx directly: capstan {c[1] - d[1]:+.2f} ms, haproxy {h[1] - d[1]:+.2f} ms")
PY
