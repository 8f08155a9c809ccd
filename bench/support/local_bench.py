#!/usr/bin/env python3
"""Helpers for bench/local_ready.sh and bench/local_rss.sh (the local target's benchmarks).

  local_bench.py wait-http SECONDS URL...      polls every URL (a thread each) until each
                                               answered 200 once; prints when (epoch
                                               seconds) the last one first did
  local_bench.py wait-apps API SECONDS NAME...
                                               polls capstan's API until every NAME is
                                               Synced and Healthy; prints the seconds, or
                                               fails naming the last status seen
  local_bench.py app-status API NAME           one line: sync, health, operation phase
  local_bench.py starts T0 < inspect.json      from `podman inspect` of containers: how many
                                               started, and the first and last StartedAt as
                                               seconds after T0 (epoch seconds)
  local_bench.py median X...                   the median, 2 decimals
  local_bench.py rss PID...                    the summed VmRSS of the PIDs, in KB
  local_bench.py conmons MARKER                the conmon processes with MARKER in their
                                               arguments (a storage path) and every process
                                               below them (the containers'): "conmons KB
                                               processes KB", VmRSS summed

Only the standard library: nothing to install.
"""
import datetime
import json
import os
import re
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request

POLL_SECONDS = 0.05  # a poll of /ready or the API costs well under a millisecond of CPU
REQUEST_TIMEOUT_SECONDS = 1.0
# An address no pod holds yet does not answer at all: retry it this often.
PENDING_TIMEOUT_SECONDS = 0.1


def get(url, timeout=REQUEST_TIMEOUT_SECONDS):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""
    except (urllib.error.URLError, OSError):
        return 0, b""


def wait_http(limit, urls):
    """A thread per URL, so that an address nobody holds yet (its connect hangs until the
    time-out) does not delay the others; prints when the last one first answered 200."""
    start = time.monotonic()
    answered = {}

    def poll(url):
        while time.monotonic() - start < limit:
            if get(url, PENDING_TIMEOUT_SECONDS)[0] == 200:
                answered[url] = time.time()
                return
            time.sleep(POLL_SECONDS)

    threads = [threading.Thread(target=poll, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(answered) < len(urls):
        missing = sorted(set(urls) - set(answered))
        sys.exit(f"wait-http: {len(missing)} of {len(urls)} never answered 200, e.g. {missing[0]}")
    print(f"{max(answered.values()):.6f}")


def app_state(api, name):
    status, body = get(f"{api}/api/v1/applications/{name}")
    if status != 200:
        return f"HTTP {status}", False
    app = json.loads(body).get("status", {})
    sync = app.get("sync", {}).get("status", "?")
    health = app.get("health", {}).get("status", "?")
    phase = app.get("operationState", {}).get("phase", "-")
    return f"{name}: {sync} {health} {phase}", sync == "Synced" and health == "Healthy"


def wait_apps(api, limit, names):
    start = time.monotonic()
    while True:
        states = [app_state(api, name) for name in names]
        if all(done for _, done in states):
            break
        if time.monotonic() - start > limit:
            sys.exit("wait-apps: not all Synced and Healthy: " + "; ".join(s for s, _ in states))
        time.sleep(POLL_SECONDS)
    print(f"{time.monotonic() - start:.3f}")


def parse_time(text):
    # podman: "2026-11-22T07:20:06.077432719Z" or with an offset; keep microseconds.
    match = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text)
    if not match:
        return None
    base, fraction, zone = match.groups()
    zone = "+00:00" if zone == "Z" else zone
    stamp = datetime.datetime.fromisoformat(f"{base}.{(fraction or '0')[:6]:0<6}{zone}")
    return stamp.timestamp()


def starts(t0):
    containers = json.load(sys.stdin)
    times = sorted(
        t for t in (parse_time(c.get("State", {}).get("StartedAt", "")) for c in containers) if t)
    if not times:
        sys.exit("starts: no container has started")
    print(f"{len(times)} {times[0] - t0:.2f} {times[-1] - t0:.2f}")


def rss(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    print(total)


def processes():
    """pid -> (ppid, argv, VmRSS KB) of every process still there."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            ppid, rss_kb = 0, 0
            with open(f"/proc/{entry}/status") as f:
                for line in f:
                    if line.startswith("PPid:"):
                        ppid = int(line.split()[1])
                    elif line.startswith("VmRSS:"):
                        rss_kb = int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            continue
        table[int(entry)] = (ppid, [a.decode(errors="replace") for a in argv if a], rss_kb)
    return table


def conmons(marker):
    table = processes()
    roots = {pid for pid, (_, argv, _) in table.items()
             if argv and os.path.basename(argv[0]) == "conmon" and any(marker in a for a in argv)}
    children = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    below, stack = set(), [c for root in roots for c in children.get(root, [])]
    while stack:
        pid = stack.pop()
        if pid not in below:
            below.add(pid)
            stack.extend(children.get(pid, []))
    print(len(roots), sum(table[p][2] for p in roots), len(below), sum(table[p][2] for p in below))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    command, args = argv[1], argv[2:]
    if command == "wait-http":
        wait_http(float(args[0]), args[1:])
    elif command == "wait-apps":
        wait_apps(args[0], float(args[1]), args[2:])
    elif command == "app-status":
        print(app_state(args[0], args[1])[0])
    elif command == "starts":
        starts(float(args[0]))
    elif command == "median":
        print(f"{statistics.median(float(x) for x in args):.2f}")
    elif command == "rss":
        rss(args)
    elif command == "conmons":
        conmons(args[0])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
