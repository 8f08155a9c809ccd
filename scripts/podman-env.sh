#!/usr/bin/env bash
# A podman environment of capstan's own for the local target and its tests: podman's
# settings, storage and registries in one folder instead of the machine's, and an optional
# image registry on loopback.
#
#   scripts/podman-env.sh setup DIR           writes DIR/containers.conf, DIR/storage.conf
#                                             and DIR/registries.conf and prints the
#                                             `export CONTAINERS_*=...` lines that point
#                                             podman, buildah and skopeo at them:
#                                               eval "$(scripts/podman-env.sh setup DIR)"
#   scripts/podman-env.sh registry start DIR  starts docker-registry on 127.0.0.1:PORT (a
#                                             free port), blobs in DIR/registry/; prints
#                                             127.0.0.1:PORT (also in DIR/registry/address)
#                                             and marks it insecure (plain HTTP) in
#                                             DIR/registries.conf
#   scripts/podman-env.sh registry stop DIR   stops it
#   scripts/podman-env.sh teardown DIR        stops the registry; with private storage also
#                                             removes every pod and container in it and
#                                             unmounts it, so DIR can be deleted
#
# Storage: private (DIR/storage, DIR/run, DIR/tmp) unless CAPSTAN_PODMAN_SHARED_STORAGE=1,
# which keeps images in ${CAPSTAN_PODMAN_CACHE:-~/.cache/capstan/podman} so they survive
# between runs, and per-boot state in ${XDG_RUNTIME_DIR:-/run}/capstan-podman (containers
# there are then shared: tell yours apart by label). Images here are a few MB and build in
# under a second, so tests use private storage.
#
# Two settings are required on this machine (docs/decisions/0009-podman-cli.md): runc
# (crun 1.8 refuses cgroups in hybrid mode) and ulimits root may set.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/ports.sh
source "${SCRIPT_DIR}/lib/ports.sh"

READY_TIMEOUT_SECONDS=20  # docker-registry answers in about 0.1 s
PORT_TRIES=5              # starts on a fresh port when another process took one first
STOP_TIMEOUT_SECONDS=10   # after this, SIGKILL
REMOVE_GRACE_SECONDS=0    # teardown kills containers at once: their state is thrown away
STORAGE_DRIVER="${CAPSTAN_PODMAN_STORAGE_DRIVER:-overlay}"
SHARED_CACHE="${CAPSTAN_PODMAN_CACHE:-${HOME}/.cache/capstan/podman}"

die() {
  printf 'podman-env: %s\n' "$*" >&2
  exit 1
}

usage() {
  die "usage: scripts/podman-env.sh setup DIR | registry start DIR | registry stop DIR | teardown DIR"
}

# require PROGRAM PACKAGE...: dies naming the Debian packages when PROGRAM is missing.
require() {
  local program="$1"
  shift
  command -v "${program}" >/dev/null 2>&1 ||
    [[ -x "/usr/libexec/podman/${program}" ]] ||
    die "${program} not found: install the Debian package(s) $* (scripts/install-deps.sh, or apt-get install $*)"
}

require_podman() {
  require podman podman
  require buildah buildah
  require skopeo skopeo
  require runc runc
  require conmon conmon
  # podman's --init and the pause image of every pod are built from catatonit.
  require catatonit catatonit
  if ! command -v netavark >/dev/null 2>&1 && [[ ! -x /usr/lib/podman/netavark ]] &&
    [[ ! -x /usr/libexec/podman/netavark ]] && [[ ! -x /usr/lib/cni/bridge ]]; then
    die "no container network stack: install the Debian package netavark (or containernetworking-plugins)"
  fi
}

absolute() {
  mkdir -p "$1"
  (cd "$1" && pwd)
}

shared() {
  [[ "${CAPSTAN_PODMAN_SHARED_STORAGE:-0}" == 1 ]]
}

# ------------------------------------------------------------------ setup ---

setup() {
  require_podman
  local dir graphroot runroot tmpdir
  dir="$(absolute "$1")"
  if shared; then
    # Images persist in the cache; per-boot state belongs where a reboot clears it (as
    # podman's own /run/containers), else podman would trust containers that died with it.
    local runbase="${XDG_RUNTIME_DIR:-/run}/capstan-podman"
    mkdir -p "${runbase}" 2>/dev/null || runbase="${SHARED_CACHE}/run-state"
    graphroot="${SHARED_CACHE}/storage"
    runroot="${runbase}/storage"
    tmpdir="${runbase}/libpod"
  else
    graphroot="${dir}/storage"
    runroot="${dir}/run"
    tmpdir="${dir}/tmp"
  fi
  mkdir -p "${graphroot}" "${runroot}" "${tmpdir}"

  # tmp_dir holds podman's per-boot state; a private one keeps a second storage from
  # reading the first one's.
  cat >"${dir}/containers.conf" <<EOF
# Written by scripts/podman-env.sh.
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
tmp_dir = "${tmpdir}"
events_logger = "file"
EOF
  cat >"${dir}/storage.conf" <<EOF
# Written by scripts/podman-env.sh.
[storage]
driver = "${STORAGE_DRIVER}"
graphroot = "${graphroot}"
runroot = "${runroot}"
EOF
  # Short names resolve nowhere: every image is named in full (localhost/..., 127.0.0.1:PORT/...).
  cat >"${dir}/registries.conf" <<EOF
# Written by scripts/podman-env.sh; \`registry start\` adds its address below.
unqualified-search-registries = []
short-name-mode = "disabled"

[[registry]]
location = "127.0.0.1:5000"
insecure = true
EOF
  if [[ -f "${dir}/registry/address" ]]; then
    add_insecure_registry "${dir}" "$(cat "${dir}/registry/address")"
  fi
  printf 'export CONTAINERS_CONF=%q\n' "${dir}/containers.conf"
  printf 'export CONTAINERS_STORAGE_CONF=%q\n' "${dir}/storage.conf"
  printf 'export CONTAINERS_REGISTRIES_CONF=%q\n' "${dir}/registries.conf"
}

add_insecure_registry() {
  local dir="$1" address="$2"
  grep -qF "location = \"${address}\"" "${dir}/registries.conf" 2>/dev/null && return 0
  printf '\n[[registry]]\nlocation = "%s"\ninsecure = true\n' "${address}" >>"${dir}/registries.conf"
}

# ---------------------------------------------------------------- registry ---

# wait_for SECONDS PID LOG CMD...: retries CMD until it succeeds; fails if PID exits. When
# PID exited because its port was taken, returns 2 so the caller tries another port.
wait_for() {
  local seconds="$1" pid="$2" log="$3" deadline
  shift 3
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ! kill -0 "${pid}" 2>/dev/null; then
      if grep -q 'address already in use' "${log}"; then return 2; fi
      tail -n 20 "${log}" >&2
      die "process ${pid} exited while starting (log: ${log})"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 20 "${log}" >&2
      die "not ready after ${seconds}s (log: ${log})"
    fi
    sleep 0.1
  done
}

registry_start() {
  require docker-registry docker-registry
  require curl curl
  local dir reg port pid status
  dir="$(absolute "$1")"
  reg="${dir}/registry"
  mkdir -p "${reg}/data"
  if [[ -s "${reg}/pid" ]] && kill -0 "$(cat "${reg}/pid")" 2>/dev/null; then
    die "a registry already runs for ${dir} (pid $(cat "${reg}/pid")): registry stop ${dir} first"
  fi
  for ((try = 1; ; try++)); do
    port="$(random_listen_port)" || die "no free port on 127.0.0.1"
    cat >"${reg}/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${reg}/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
EOF
    # Its own session and none of our pipes, so it outlives this script and a caller
    # reading our output is not kept waiting.
    setsid docker-registry serve "${reg}/config.yml" </dev/null >"${reg}/log" 2>&1 &
    pid=$!
    printf '%s\n' "${pid}" >"${reg}/pid"
    status=0
    wait_for "${READY_TIMEOUT_SECONDS}" "${pid}" "${reg}/log" \
      curl -sf -o /dev/null "http://127.0.0.1:${port}/v2/" || status=$?
    if ((status == 0)); then break; fi
    ((try < PORT_TRIES)) || die "port race lost ${PORT_TRIES} times (log: ${reg}/log)"
  done
  printf '127.0.0.1:%s\n' "${port}" >"${reg}/address"
  if [[ -f "${dir}/registries.conf" ]]; then add_insecure_registry "${dir}" "127.0.0.1:${port}"; fi
  printf '127.0.0.1:%s\n' "${port}"
}

registry_stop() {
  local dir="$1" pid deadline
  [[ -s "${dir}/registry/pid" ]] || return 0
  pid="$(cat "${dir}/registry/pid")"
  kill -TERM "${pid}" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT_SECONDS))
  while kill -0 "${pid}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  kill -KILL "${pid}" 2>/dev/null || true
  rm -f "${dir}/registry/pid" "${dir}/registry/address"
}

# ---------------------------------------------------------------- teardown ---

teardown() {
  local dir="$1"
  [[ -d "${dir}" ]] || return 0
  dir="$(absolute "${dir}")"
  registry_stop "${dir}"
  if shared || [[ ! -f "${dir}/containers.conf" ]]; then return 0; fi
  export CONTAINERS_CONF="${dir}/containers.conf"
  export CONTAINERS_STORAGE_CONF="${dir}/storage.conf"
  export CONTAINERS_REGISTRIES_CONF="${dir}/registries.conf"
  podman pod rm --all --force --time "${REMOVE_GRACE_SECONDS}" >/dev/null 2>&1 || true
  podman rm --all --force --time "${REMOVE_GRACE_SECONDS}" >/dev/null 2>&1 || true
  # Whatever podman left mounted (its overlay home, a crashed container's layers), deepest first.
  local mounts
  mapfile -t mounts < <(awk -v root="${dir}/" 'index($2, root) == 1 { print $2 }' /proc/mounts |
    sort -r)
  local mount
  for mount in "${mounts[@]}"; do
    umount "${mount}" 2>/dev/null || umount -l "${mount}" 2>/dev/null || true
  done
}

case "${1:-}" in
  setup)
    (($# == 2)) || usage
    setup "$2"
    ;;
  registry)
    (($# == 3)) || usage
    case "$2" in
      start) registry_start "$3" ;;
      stop) registry_stop "$3" ;;
      *) usage ;;
    esac
    ;;
  teardown)
    (($# == 2)) || usage
    teardown "$2"
    ;;
  *) usage ;;
esac
