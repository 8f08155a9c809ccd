#!/usr/bin/env bash
# A real Kubernetes control plane (v1.20.2: etcd 3.4, kube-apiserver, kube-controller-manager,
# kube-scheduler) for integration tests, plus an optional test stand-in for a kubelet.
#
#   scripts/kube-env.sh build       builds kube-apiserver, kube-controller-manager and
#                                   kube-scheduler from Debian bookworm's `kubernetes` source
#                                   package and extracts etcd from `etcd-server`; cached in
#                                   ${CAPSTAN_KUBE_CACHE:-~/.cache/capstan/kube/v1.20.2}, so a
#                                   second run takes about a second (a cache holding only the
#                                   API server, from an earlier version, is completed).
#   scripts/kube-env.sh start DIR   starts etcd, kube-apiserver, kube-controller-manager and
#                                   kube-scheduler on loopback (free ports), state and logs in
#                                   DIR; ready when /readyz says ok and the `default`
#                                   ServiceAccount has its token (Pods can be created). Writes
#                                   DIR/pids and DIR/pki/ (a CA; the API server's serving
#                                   certificate for 127.0.0.1 and localhost; an admin client
#                                   certificate, CN=admin O=system:masters), and three
#                                   kubeconfigs, all as admin in group system:masters:
#                                     DIR/kubeconfig       token, insecure-skip-tls-verify
#                                     DIR/kubeconfig-ca    token, the CA verifies the server
#                                     DIR/kubeconfig-cert  client certificate and key, the CA
#   scripts/kube-env.sh stop DIR    stops what `start DIR` started.
#
# Environment for `start`:
#   CAPSTAN_KUBE_CONTROLLERS=0      start only etcd and the API server (no controller manager
#                                   or scheduler: Deployments make no Pods); faster and about
#                                   130 MB less memory for tests that need no Pods.
#   CAPSTAN_TEST_KUBELET=PATH       also start this test-kubelet-standin binary (built by
#                                   CMake from tests/support/): it registers the Ready Node
#                                   capstan-node-0 and reports status for the Pods bound to
#                                   it, so Deployments become available and Jobs finish. Unset:
#                                   no node, and Pods stay Pending.
#
# Only Debian packages are used (see docs/decisions/0003-real-apiserver-for-tests.md).
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "${SCRIPT_DIR}/env.sh"

KUBE_VERSION="v1.20.2"
KUBE_CACHE="${CAPSTAN_KUBE_CACHE:-${HOME}/.cache/capstan/kube/${KUBE_VERSION}}"
APISERVER="${KUBE_CACHE}/kube-apiserver"
CONTROLLER_MANAGER="${KUBE_CACHE}/kube-controller-manager"
SCHEDULER="${KUBE_CACHE}/kube-scheduler"
# Built from the one source tree by one make call; a cache from an earlier version of this
# script holds only the API server, and `build` then adds the others.
KUBE_COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler)
ETCD="${KUBE_CACHE}/etcd"
DEBIAN_KEYRING="/usr/share/keyrings/debian-archive-keyring.gpg"
READY_TIMEOUT_SECONDS=60   # /readyz takes about 3 s here; a loaded CI machine is slower
PORT_TRIES=5               # starts on fresh ports when another process took one first
STOP_TIMEOUT_SECONDS=10    # after this, SIGKILL
TEST_NODE_NAME="capstan-node-0"  # the Node the test stand-in for a kubelet registers
CERT_DAYS=30               # test clusters live minutes; a stale DIR should not work for long

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
# shellcheck source-path=SCRIPTDIR source=lib/ports.sh
source "${SCRIPT_DIR}/lib/ports.sh"

# True when every cached binary exists and runs.
cached() {
  local component
  for component in "${KUBE_COMPONENTS[@]}"; do
    [[ -x "${KUBE_CACHE}/${component}" ]] &&
      "${KUBE_CACHE}/${component}" --version >/dev/null 2>&1 || return 1
  done
  [[ -x "${ETCD}" ]] && "${ETCD}" --version >/dev/null 2>&1
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
  printf 'kube-env: building %s %s (about 4 minutes; log in %s)\n' "${KUBE_COMPONENTS[*]}" \
    "${KUBE_VERSION}" "${log}"

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

  local goroot="${root}/usr/lib/go-1.19" what=() component
  [[ -x "${goroot}/bin/go" ]] || die "golang-1.19-go has no ${goroot}/bin/go"
  for component in "${KUBE_COMPONENTS[@]}"; do what+=("cmd/${component}"); done
  (cd "${tree}" && env -u GOPATH GOROOT="${goroot}" PATH="${work}/bin:${goroot}/bin:${PATH}" \
    GOPROXY=off CGO_ENABLED=0 GOCACHE="${work}/gocache" \
    make WHAT="${what[*]}" KUBE_GIT_VERSION="${KUBE_VERSION}" \
    KUBE_BUILD_PLATFORMS=linux/amd64) >>"${log}" 2>&1 ||
    die "make WHAT=\"${what[*]}\" failed (see ${log})"

  local built
  for component in "${KUBE_COMPONENTS[@]}"; do
    built="$(find "${tree}/_output" -type f -name "${component}" -print -quit)"
    [[ -n "${built}" && -x "${built}" ]] || die "the build produced no ${component} (see ${log})"
    install -m 0755 "${built}" "${KUBE_CACHE}/${component}.new"
  done
  install -m 0755 "${root}/usr/bin/etcd" "${ETCD}.new"
  for component in "${KUBE_COMPONENTS[@]}"; do
    mv -f "${KUBE_CACHE}/${component}.new" "${KUBE_CACHE}/${component}"
  done
  mv -f "${ETCD}.new" "${ETCD}"
  cached || die "a built ${KUBE_COMPONENTS[*]} or etcd does not run (see ${log})"
  printf 'kube-env: built %s and %s in %ss\n' "$("${APISERVER}" --version)" \
    "$("${ETCD}" --version | head -n 1)" "${SECONDS}"
}

# ------------------------------------------------------------ start, stop ---

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() { random_listen_port || die "no free TCP port found on 127.0.0.1"; }

# wait_for SECONDS PID LOG CMD...: retries CMD until it succeeds; fails if PID exits. When
# the process exited because its port was taken meanwhile, returns 2 instead (the caller
# starts it again on other ports).
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
    sleep 0.2
  done
}

# issue_cert DIR NAME SUBJECT EXTENSIONS: an RSA key DIR/NAME.key and a certificate
# DIR/NAME.crt for SUBJECT, signed by DIR/ca.key, with the given X.509v3 extension lines.
issue_cert() {
  local pki="$1" name="$2" subject="$3" extensions="$4"
  printf '%s\n' "${extensions}" >"${pki}/${name}.ext"
  openssl req -new -newkey rsa:2048 -nodes -keyout "${pki}/${name}.key" -subj "${subject}" \
    -out "${pki}/${name}.csr" 2>/dev/null
  openssl x509 -req -in "${pki}/${name}.csr" -CA "${pki}/ca.crt" -CAkey "${pki}/ca.key" \
    -set_serial "0x$(openssl rand -hex 8)" -days "${CERT_DAYS}" -sha256 \
    -extfile "${pki}/${name}.ext" -out "${pki}/${name}.crt" 2>/dev/null
  rm -f "${pki}/${name}.csr" "${pki}/${name}.ext"
}

# make_pki DIR: a CA, the API server's serving certificate for 127.0.0.1 and localhost, an
# admin client certificate (CN=admin, O=system:masters) and the service-account signing
# key, all under DIR. The keys are made in parallel: RSA generation is most of the time.
make_pki() {
  local pki="$1"
  mkdir -p "${pki}"
  chmod 0700 "${pki}"
  openssl genrsa -out "${pki}/service-account.key" 2048 2>/dev/null &
  local service_account=$!
  openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "${pki}/ca.key" -out "${pki}/ca.crt" \
    -subj "/CN=capstan-test-ca" -days "${CERT_DAYS}" -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null ||
    die "openssl could not make a CA in ${pki}"
  local leaf_usage="keyUsage=critical,digitalSignature,keyEncipherment"
  issue_cert "${pki}" apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
${leaf_usage}
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost" &
  local serving=$!
  issue_cert "${pki}" admin "/O=system:masters/CN=admin" "basicConstraints=CA:FALSE
${leaf_usage}
extendedKeyUsage=clientAuth" &
  local client=$!
  if ! wait "${serving}" || [[ ! -s "${pki}/apiserver.crt" ]]; then
    die "openssl could not issue the serving certificate in ${pki}"
  fi
  if ! wait "${client}" || [[ ! -s "${pki}/admin.crt" ]]; then
    die "openssl could not issue the admin client certificate in ${pki}"
  fi
  wait "${service_account}" || die "openssl could not make the service-account key in ${pki}"
}

# write_kubeconfig FILE URL CLUSTER-LINES USER-LINES: a kubeconfig with one context; the
# LINES are the YAML fields of the cluster and the user entry, indented by the caller.
write_kubeconfig() {
  local file="$1" url="$2" cluster="$3" user="$4"
  cat >"${file}" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: capstan-test
  cluster:
    server: ${url}
${cluster}
users:
- name: admin
  user:
${user}
contexts:
- name: capstan-test
  context:
    cluster: capstan-test
    user: admin
current-context: capstan-test
EOF
  chmod 0600 "${file}"
}

start() {
  local dir="$1"
  [[ -x "${APISERVER}" && -x "${ETCD}" ]] ||
    die "no kube-apiserver in ${KUBE_CACHE}: run scripts/kube-env.sh build first"
  mkdir -p "${dir}"
  dir="$(cd "${dir}" && pwd)"
  [[ ! -s "${dir}/pids" ]] || die "${dir}/pids exists: run scripts/kube-env.sh stop ${dir} first"

  local etcd_port peer_port api_port token pki="${dir}/pki" etcd_pid try
  token="$(openssl rand -hex 24)"
  # A failed start leaves nothing running.
  # shellcheck disable=SC2064  # expand now: dir is local
  trap "stop '${dir}'" EXIT
  make_pki "${pki}"
  for ((try = 1; ; try++)); do
    etcd_port="$(free_port)"
    peer_port="$(free_port)"
    # Processes get their own session and no terminal or pipe of ours, so they outlive
    # this script and a caller reading our output is not kept waiting.
    setsid "${ETCD}" --name capstan --data-dir "${dir}/etcd" \
      --listen-client-urls "http://127.0.0.1:${etcd_port}" \
      --advertise-client-urls "http://127.0.0.1:${etcd_port}" \
      --listen-peer-urls "http://127.0.0.1:${peer_port}" \
      --initial-advertise-peer-urls "http://127.0.0.1:${peer_port}" \
      --initial-cluster "capstan=http://127.0.0.1:${peer_port}" \
      </dev/null >"${dir}/etcd.log" 2>&1 &
    etcd_pid=$!
    printf 'etcd %s\n' "${etcd_pid}" >"${dir}/pids"
    local rc=0
    wait_for 30 "${etcd_pid}" "${dir}/etcd.log" \
      curl -fsS "http://127.0.0.1:${etcd_port}/health" || rc=$?
    ((rc == 0)) && break
    ((try < PORT_TRIES)) || die "etcd found no free port in ${PORT_TRIES} tries"
    rm -rf "${dir}/etcd"
  done

  printf '%s,admin,admin,"system:masters"\n' "${token}" >"${dir}/tokens.csv"
  chmod 0600 "${dir}/tokens.csv"
  local api_pid url
  for ((try = 1; ; try++)); do
    api_port="$(free_port)"
    setsid "${APISERVER}" --etcd-servers "http://127.0.0.1:${etcd_port}" \
      --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "${api_port}" \
      --endpoint-reconciler-type none \
      --tls-cert-file "${pki}/apiserver.crt" --tls-private-key-file "${pki}/apiserver.key" \
      --client-ca-file "${pki}/ca.crt" \
      --token-auth-file "${dir}/tokens.csv" --authorization-mode RBAC \
      --service-account-issuer https://kubernetes.default.svc.cluster.local \
      --service-account-key-file "${pki}/service-account.key" \
      --service-account-signing-key-file "${pki}/service-account.key" \
      --service-cluster-ip-range 10.96.0.0/24 \
      </dev/null >"${dir}/apiserver.log" 2>&1 &
    api_pid=$!
    printf 'kube-apiserver %s\n' "${api_pid}" >>"${dir}/pids"
    url="https://127.0.0.1:${api_port}"
    rc=0
    wait_for "${READY_TIMEOUT_SECONDS}" "${api_pid}" "${dir}/apiserver.log" \
      curl -fsS --cacert "${pki}/ca.crt" -H "Authorization: Bearer ${token}" "${url}/readyz" ||
      rc=$?
    ((rc == 0)) && break
    ((try < PORT_TRIES)) || die "kube-apiserver found no free port in ${PORT_TRIES} tries"
    sed -i '/^kube-apiserver /d' "${dir}/pids"
  done

  local ca_data cert_data key_data
  ca_data="$(base64 -w0 "${pki}/ca.crt")"
  cert_data="$(base64 -w0 "${pki}/admin.crt")"
  key_data="$(base64 -w0 "${pki}/admin.key")"
  # kubeconfig skips verification, as when the API server signed its own certificate (the
  # existing tests use it); kubeconfig-ca and kubeconfig-cert verify the server by the CA.
  write_kubeconfig "${dir}/kubeconfig" "${url}" "    insecure-skip-tls-verify: true" \
    "    token: ${token}"
  write_kubeconfig "${dir}/kubeconfig-ca" "${url}" \
    "    certificate-authority-data: ${ca_data}" "    token: ${token}"
  write_kubeconfig "${dir}/kubeconfig-cert" "${url}" \
    "    certificate-authority-data: ${ca_data}" \
    "    client-certificate-data: ${cert_data}
    client-key-data: ${key_data}"
  local components="API server"
  if [[ "${CAPSTAN_KUBE_CONTROLLERS:-1}" != 0 ]]; then
    start_controllers "${dir}" "${url}" "${token}"
    components="control plane"
  fi
  if [[ -n "${CAPSTAN_TEST_KUBELET:-}" ]]; then
    start_test_kubelet "${dir}" "${url}" "${token}"
    components="${components} and test node ${TEST_NODE_NAME}"
  fi
  trap - EXIT
  printf 'kube-env: %s ready at %s in %ss; KUBECONFIG=%s\n' "${components}" "${url}" \
    "${SECONDS}" "${dir}/kubeconfig"
}

# api_ok DIR URL TOKEN PATH [PATTERN]: true when GET PATH succeeds (and its body, with all
# spaces and newlines removed, matches the extended regular expression PATTERN).
api_ok() {
  local dir="$1" url="$2" token="$3" path="$4" pattern="${5:-}" body
  body="$(curl -fsS --cacert "${dir}/pki/ca.crt" -H "Authorization: Bearer ${token}" \
    "${url}${path}")" || return 1
  body="${body//[[:space:]]/}"
  [[ -z "${pattern}" ]] || grep -Eq "${pattern}" <<<"${body}"
}

# start_controllers DIR URL TOKEN: kube-controller-manager and kube-scheduler, as admin by
# client certificate, neither serving anything (ports 0) nor electing a leader (one of
# each). Ready when the service-account controllers have given `default` its token secret:
# until then no Pod can be created in it.
start_controllers() {
  local dir="$1" url="$2" token="$3"
  local pki="${dir}/pki"
  [[ -x "${CONTROLLER_MANAGER}" && -x "${SCHEDULER}" ]] ||
    die "no kube-controller-manager or kube-scheduler in ${KUBE_CACHE}: run scripts/kube-env.sh build (or set CAPSTAN_KUBE_CONTROLLERS=0)"
  setsid "${CONTROLLER_MANAGER}" --kubeconfig "${dir}/kubeconfig-cert" \
    --leader-elect=false --port=0 --secure-port=0 --controllers='*' \
    --use-service-account-credentials=false \
    --service-account-private-key-file "${pki}/service-account.key" \
    --root-ca-file "${pki}/ca.crt" \
    --cluster-signing-cert-file "${pki}/ca.crt" --cluster-signing-key-file "${pki}/ca.key" \
    </dev/null >"${dir}/controller-manager.log" 2>&1 &
  local cm_pid=$!
  printf 'kube-controller-manager %s\n' "${cm_pid}" >>"${dir}/pids"
  setsid "${SCHEDULER}" --kubeconfig "${dir}/kubeconfig-cert" \
    --leader-elect=false --port=0 --secure-port=0 \
    </dev/null >"${dir}/scheduler.log" 2>&1 &
  local scheduler_pid=$!
  printf 'kube-scheduler %s\n' "${scheduler_pid}" >>"${dir}/pids"
  wait_for "${READY_TIMEOUT_SECONDS}" "${cm_pid}" "${dir}/controller-manager.log" \
    api_ok "${dir}" "${url}" "${token}" /api/v1/namespaces/default/serviceaccounts/default \
    '"secrets"'
  kill -0 "${scheduler_pid}" 2>/dev/null || {
    tail -n 20 "${dir}/scheduler.log" >&2
    die "kube-scheduler exited while starting (log: ${dir}/scheduler.log)"
  }
}

# start_test_kubelet DIR URL TOKEN: the test stand-in for a kubelet at $CAPSTAN_TEST_KUBELET
# (tests/support, built by CMake), as admin by client certificate; ready when its Node is.
start_test_kubelet() {
  local dir="$1" url="$2" token="$3"
  [[ -x "${CAPSTAN_TEST_KUBELET}" ]] ||
    die "CAPSTAN_TEST_KUBELET=${CAPSTAN_TEST_KUBELET} is not an executable file"
  setsid "${CAPSTAN_TEST_KUBELET}" --kubeconfig "${dir}/kubeconfig-cert" \
    --node-name "${TEST_NODE_NAME}" </dev/null >"${dir}/test-kubelet.log" 2>&1 &
  local pid=$!
  printf 'test-kubelet-standin %s\n' "${pid}" >>"${dir}/pids"
  wait_for "${READY_TIMEOUT_SECONDS}" "${pid}" "${dir}/test-kubelet.log" \
    api_ok "${dir}" "${url}" "${token}" "/api/v1/nodes/${TEST_NODE_NAME}" \
    '"type":"Ready","status":"True"'
}

# end_all PID...: SIGTERM to each, then SIGKILL to those still running after
# STOP_TIMEOUT_SECONDS.
end_all() {
  local pid deadline=$((SECONDS + STOP_TIMEOUT_SECONDS))
  (($# > 0)) || return 0
  kill -TERM "$@" 2>/dev/null || true
  for pid in "$@"; do
    while kill -0 "${pid}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "${pid}" 2>/dev/null || true
  done
}

stop() {
  local dir="$1" name pid clients=() etcd=()
  [[ -f "${dir}/pids" ]] || die "no ${dir}/pids: nothing was started there"
  while read -r name pid; do
    [[ -n "${pid}" ]] || continue
    if [[ "${name}" == etcd ]]; then etcd+=("${pid}"); else clients+=("${pid}"); fi
  done <"${dir}/pids"
  # Everything that talks to etcd (directly or through the API server) ends first, all at
  # once, so none logs connection errors while the others shut down.
  end_all "${clients[@]}"
  end_all "${etcd[@]}"
  rm -f "${dir}/pids"
}

case "${1:-}" in
  build) (($# == 1)) || usage; build ;;
  start) (($# == 2)) || usage; start "$2" ;;
  stop) (($# == 2)) || usage; stop "$2" ;;
  *) usage ;;
esac
