#!/usr/bin/env bash
# A real Kubernetes API server (v1.20.2) and etcd (3.4) for integration tests.
#
#   scripts/kube-env.sh build       builds kube-apiserver from Debian bookworm's `kubernetes`
#                                   source package and extracts etcd from `etcd-server`;
#                                   cached in ${CAPSTAN_KUBE_CACHE:-~/.cache/capstan/kube/v1.20.2},
#                                   so a second run takes about a second.
#   scripts/kube-env.sh start DIR   starts etcd and kube-apiserver on loopback (free ports),
#                                   state in DIR; waits for /readyz; writes DIR/kubeconfig
#                                   (admin token, group system:masters) and DIR/pids.
#   scripts/kube-env.sh stop DIR    stops what `start DIR` started.
#
# Only Debian packages are used (see docs/decisions/0003-real-apiserver-for-tests.md); no
# kubelet, controller manager or scheduler runs, so Pods stay Pending.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "${SCRIPT_DIR}/env.sh"

KUBE_VERSION="v1.20.2"
KUBE_CACHE="${CAPSTAN_KUBE_CACHE:-${HOME}/.cache/capstan/kube/${KUBE_VERSION}}"
APISERVER="${KUBE_CACHE}/kube-apiserver"
ETCD="${KUBE_CACHE}/etcd"
DEBIAN_KEYRING="/usr/share/keyrings/debian-archive-keyring.gpg"
READY_TIMEOUT_SECONDS=60   # /readyz takes about 3 s here; a loaded CI machine is slower
STOP_TIMEOUT_SECONDS=10    # after this, SIGKILL

die() {
  printf 'kube-env: %s\n' "$*" >&2
  exit 1
}

usage() {
  die "usage: scripts/kube-env.sh build | start DIR | stop DIR"
}

# ------------------------------------------------------------------ build ---

# shellcheck source-path=SCRIPTDIR source=lib/debian-mirror.sh
source "${SCRIPT_DIR}/lib/debian-mirror.sh"

# True when both cached binaries exist and run.
cached() {
  [[ -x "${APISERVER}" && -x "${ETCD}" ]] &&
    "${APISERVER}" --version >/dev/null 2>&1 && "${ETCD}" --version >/dev/null 2>&1
}

build() {
  if cached; then
    printf 'kube-env: cached: %s\n' "$("${APISERVER}" --version)"
    return 0
  fi
  mkdir -p "${KUBE_CACHE}"
  # Two concurrent builds would race on the same files; the second waits, then finds both.
  exec 9>"${KUBE_CACHE}/.lock"
  flock -w 1800 9 || die "another build still holds ${KUBE_CACHE}/.lock"
  if cached; then return 0; fi

  local mirror
  mirror="$(debian_mirror bookworm)" ||
    die "no Debian bookworm archive URI found in /etc/apt/sources.list.d/debian.sources (set CAPSTAN_DEBIAN_MIRROR)"
  rm -rf "${KUBE_CACHE}"/work.*
  local work
  work="$(mktemp -d "${KUBE_CACHE}/work.XXXXXX")"
  # shellcheck disable=SC2064  # expand now: work is local
  trap "rm -rf '${work}'" EXIT
  local log="${KUBE_CACHE}/build.log"
  : >"${log}"
  printf 'kube-env: building kube-apiserver %s (about 3 minutes; log in %s)\n' "${KUBE_VERSION}" "${log}"

  # A private apt configuration (own sources, lists and cache) so the machine's apt state is
  # not touched; deb-src is needed for the source package.
  local aptdir="${work}/apt" signed_by=""
  mkdir -p "${aptdir}/lists/partial" "${aptdir}/cache/archives/partial"
  if [[ -r "${DEBIAN_KEYRING}" ]]; then signed_by="[signed-by=${DEBIAN_KEYRING}] "; fi
  printf 'deb %s%s bookworm main\ndeb-src %s%s bookworm main\n' \
    "${signed_by}" "${mirror}" "${signed_by}" "${mirror}" >"${aptdir}/sources.list"
  local apt=(apt-get -q
    -o "Dir::Etc::SourceList=${aptdir}/sources.list"
    -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=${aptdir}/lists"
    -o "Dir::Cache=${aptdir}/cache")
  # As root, apt downloads as user _apt, which cannot enter a private dir under /root.
  if ((EUID == 0)); then apt+=(-o APT::Sandbox::User=root); fi
  "${apt[@]}" --error-on=any update >>"${log}" 2>&1 || die "apt-get update failed (see ${log})"

  mkdir -p "${work}/debs" "${work}/root" "${work}/src"
  (cd "${work}/debs" && "${apt[@]}" download golang-1.19-go golang-1.19-src rsync libpopt0 \
    golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev etcd-server) \
    >>"${log}" 2>&1 || die "apt-get download failed (see ${log})"
  (cd "${work}/src" && "${apt[@]}" source --download-only kubernetes/bookworm) \
    >>"${log}" 2>&1 || die "apt-get source kubernetes/bookworm failed (see ${log})"
  local deb
  # Extract only: no dpkg install, no post-install scripts (etcd-server would start a service).
  for deb in "${work}"/debs/*.deb; do dpkg-deb -x "${deb}" "${work}/root"; done

  local orig=("${work}"/src/kubernetes_*.orig.tar.gz)
  [[ -f "${orig[0]}" ]] || die "apt-get source produced no kubernetes orig tarball"
  mkdir -p "${work}/k8s"
  tar -xzf "${orig[0]}" -C "${work}/k8s" --strip-components=1
  local root="${work}/root" tree="${work}/k8s"
  # The vendored reflect2 1.0.1 faults at run time when built with Go >= 1.18; Debian's
  # reflect2 1.0.2 and json-iterator 1.1.12 are API compatible and fix it.
  local gocode="${root}/usr/share/gocode/src/github.com"
  rm -rf "${tree}/vendor/github.com/modern-go/reflect2" "${tree}/vendor/github.com/json-iterator/go"
  cp -r "${gocode}/modern-go/reflect2" "${tree}/vendor/github.com/modern-go/reflect2"
  cp -r "${gocode}/json-iterator/go" "${tree}/vendor/github.com/json-iterator/go"

  # The build calls rsync, whose libpopt is not installed on a minimal machine.
  mkdir -p "${work}/bin"
  printf '#!/bin/sh\nLD_LIBRARY_PATH=%q exec %q "$@"\n' \
    "${root}/usr/lib/x86_64-linux-gnu" "${root}/usr/bin/rsync" >"${work}/bin/rsync"
  chmod +x "${work}/bin/rsync"

  local goroot="${root}/usr/lib/go-1.19"
  [[ -x "${goroot}/bin/go" ]] || die "golang-1.19-go has no ${goroot}/bin/go"
  (cd "${tree}" && env -u GOPATH GOROOT="${goroot}" PATH="${work}/bin:${goroot}/bin:${PATH}" \
    GOPROXY=off CGO_ENABLED=0 GOCACHE="${work}/gocache" \
    make WHAT=cmd/kube-apiserver KUBE_GIT_VERSION="${KUBE_VERSION}" \
    KUBE_BUILD_PLATFORMS=linux/amd64) >>"${log}" 2>&1 ||
    die "make WHAT=cmd/kube-apiserver failed (see ${log})"

  local built
  built="$(find "${tree}/_output" -type f -name kube-apiserver -print -quit)"
  [[ -n "${built}" && -x "${built}" ]] || die "the build produced no kube-apiserver (see ${log})"
  install -m 0755 "${built}" "${APISERVER}.new"
  install -m 0755 "${root}/usr/bin/etcd" "${ETCD}.new"
  mv -f "${APISERVER}.new" "${APISERVER}"
  mv -f "${ETCD}.new" "${ETCD}"
  cached || die "the built kube-apiserver or etcd does not run (see ${log})"
  printf 'kube-env: built %s and %s in %ss\n' "$("${APISERVER}" --version)" \
    "$("${ETCD}" --version | head -n 1)" "${SECONDS}"
}

# ------------------------------------------------------------ start, stop ---

# A TCP port on 127.0.0.1 that nothing listens on now (another process may still take it
# before we do; start fails loudly then).
free_port() {
  local port
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then
      printf '%s\n' "${port}"
      return 0
    fi
  done
  die "no free TCP port found on 127.0.0.1"
}

# wait_for SECONDS PID LOG CMD...: retries CMD until it succeeds; fails if PID exits.
wait_for() {
  local seconds="$1" pid="$2" log="$3" deadline
  shift 3
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ! kill -0 "${pid}" 2>/dev/null; then
      tail -n 20 "${log}" >&2
      die "process ${pid} exited while starting (log: ${log})"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 20 "${log}" >&2
      die "not ready after ${seconds}s (log: ${log})"
    fi
    sleep 0.2
  done
}

start() {
  local dir="$1"
  [[ -x "${APISERVER}" && -x "${ETCD}" ]] ||
    die "no kube-apiserver in ${KUBE_CACHE}: run scripts/kube-env.sh build first"
  mkdir -p "${dir}"
  dir="$(cd "${dir}" && pwd)"
  [[ ! -s "${dir}/pids" ]] || die "${dir}/pids exists: run scripts/kube-env.sh stop ${dir} first"

  local etcd_port peer_port api_port token
  etcd_port="$(free_port)"
  peer_port="$(free_port)"
  api_port="$(free_port)"
  token="$(openssl rand -hex 24)"

  # Processes get their own session and no terminal or pipe of ours, so they outlive this
  # script and a caller reading our output is not kept waiting.
  setsid "${ETCD}" --name capstan --data-dir "${dir}/etcd" \
    --listen-client-urls "http://127.0.0.1:${etcd_port}" \
    --advertise-client-urls "http://127.0.0.1:${etcd_port}" \
    --listen-peer-urls "http://127.0.0.1:${peer_port}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${peer_port}" \
    --initial-cluster "capstan=http://127.0.0.1:${peer_port}" \
    </dev/null >"${dir}/etcd.log" 2>&1 &
  local etcd_pid=$!
  printf 'etcd %s\n' "${etcd_pid}" >"${dir}/pids"
  # A failed start leaves nothing running.
  # shellcheck disable=SC2064  # expand now: dir is local
  trap "stop '${dir}'" EXIT
  wait_for 30 "${etcd_pid}" "${dir}/etcd.log" curl -fsS "http://127.0.0.1:${etcd_port}/health"

  printf '%s,admin,admin,"system:masters"\n' "${token}" >"${dir}/tokens.csv"
  openssl genrsa -out "${dir}/service-account.key" 2048 2>/dev/null
  setsid "${APISERVER}" --etcd-servers "http://127.0.0.1:${etcd_port}" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "${api_port}" \
    --endpoint-reconciler-type none --cert-dir "${dir}/certs" \
    --token-auth-file "${dir}/tokens.csv" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "${dir}/service-account.key" \
    --service-account-signing-key-file "${dir}/service-account.key" \
    --service-cluster-ip-range 10.96.0.0/24 \
    </dev/null >"${dir}/apiserver.log" 2>&1 &
  local api_pid=$!
  printf 'kube-apiserver %s\n' "${api_pid}" >>"${dir}/pids"
  local url="https://127.0.0.1:${api_port}"
  wait_for "${READY_TIMEOUT_SECONDS}" "${api_pid}" "${dir}/apiserver.log" \
    curl -fsSk -H "Authorization: Bearer ${token}" "${url}/readyz"

  # The serving certificate is self-signed by the API server itself: skip verification.
  cat >"${dir}/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: capstan-test
  cluster:
    server: ${url}
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: ${token}
contexts:
- name: capstan-test
  context:
    cluster: capstan-test
    user: admin
current-context: capstan-test
EOF
  trap - EXIT
  printf 'kube-env: kube-apiserver ready at %s in %ss; KUBECONFIG=%s\n' "${url}" "${SECONDS}" \
    "${dir}/kubeconfig"
}

stop() {
  local dir="$1" name pid pids=()
  [[ -f "${dir}/pids" ]] || die "no ${dir}/pids: nothing was started there"
  # The API server first, so it does not log etcd errors while shutting down.
  while read -r name pid; do
    if [[ -n "${pid}" ]]; then pids=("${pid}" "${pids[@]}"); fi
    : "${name}"
  done <"${dir}/pids"
  for pid in "${pids[@]}"; do
    kill -TERM "${pid}" 2>/dev/null || continue
    local deadline=$((SECONDS + STOP_TIMEOUT_SECONDS))
    while kill -0 "${pid}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "${pid}" 2>/dev/null || true
  done
  rm -f "${dir}/pids"
}

case "${1:-}" in
  build) (($# == 1)) || usage; build ;;
  start) (($# == 2)) || usage; start "$2" ;;
  stop) (($# == 2)) || usage; stop "$2" ;;
  *) usage ;;
esac
