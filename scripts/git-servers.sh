#!/usr/bin/env bash
# Real Git servers on loopback for integration tests: sshd (openssh-server) and lighttpd
# running `git http-backend` over TLS with basic auth. Installs nothing: the programs come
# from scripts/install-deps.sh (openssh-server, lighttpd, lighttpd-mod-openssl, openssl).
#
#   scripts/git-servers.sh start DIR   starts both servers on free loopback ports, state and
#                                      logs in DIR. Bare repositories go in DIR/repos/, and
#                                      the same repository NAME.git is reachable as
#                                        ssh://USER@127.0.0.1:SSH_PORT/DIR/repos/NAME.git
#                                        https://127.0.0.1:HTTPS_PORT/git/NAME.git
#                                      (push too, over both). Writes DIR/servers.env, lines
#                                      NAME=value:
#                                        SSH_PORT SSH_USER SSH_KEY SSH_PUBLIC_KEY
#                                        SSH_KNOWN_HOSTS (a known_hosts file naming sshd's key)
#                                        HTTPS_PORT HTTP_USER HTTP_PASSWORD CA_FILE REPOS
#                                      SSH_USER is the user running the script (sshd can log in
#                                      only as itself when not root); SSH_KEY is a fresh
#                                      ed25519 key without passphrase, the only one sshd takes;
#                                      CA_FILE is a fresh CA that signed the https server's
#                                      certificate for 127.0.0.1 and localhost.
#   scripts/git-servers.sh stop DIR    stops what `start DIR` started.
set -Eeuo pipefail

SSHD=/usr/sbin/sshd
LIGHTTPD=/usr/sbin/lighttpd
HTTP_BACKEND="$(git --exec-path)/git-http-backend"
# Random ports are tried this many times when one turns out to be taken.
PORT_TRIES=8
# Seconds to wait for a server to accept connections.
READY_SECONDS=10
# The certificates live for the test only.
CERT_DAYS=2

die() {
  printf 'git-servers: %s\n' "$*" >&2
  exit 1
}

need() {
  [[ -x "$1" ]] || command -v "$1" >/dev/null || die "$1 not found: run scripts/install-deps.sh ($2)"
}

# shellcheck source-path=SCRIPTDIR source=lib/ports.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/ports.sh"

# wait_port PORT: until something accepts on 127.0.0.1:PORT.
wait_port() {
  local i
  for ((i = 0; i < READY_SECONDS * 10; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

start_ssh() {
  local dir="$1" user="$2"
  ssh-keygen -q -t ed25519 -N '' -C capstan-test-host -f "${dir}/ssh/host_ed25519" >/dev/null
  ssh-keygen -q -t ed25519 -N '' -C capstan-test-client -f "${dir}/ssh/client_ed25519" >/dev/null
  cp "${dir}/ssh/client_ed25519.pub" "${dir}/ssh/authorized_keys"
  # sshd refuses to start as root without its privilege separation folder.
  if ((EUID == 0)); then mkdir -p /run/sshd && chmod 0755 /run/sshd; fi
  local port try
  for ((try = 0; try < PORT_TRIES; try++)); do
    port="$(random_listen_port)"
    cat >"${dir}/ssh/sshd_config" <<EOF
ListenAddress 127.0.0.1:${port}
HostKey ${dir}/ssh/host_ed25519
PidFile ${dir}/ssh/sshd.pid
AuthorizedKeysFile ${dir}/ssh/authorized_keys
AllowUsers ${user}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
PrintMotd no
LogLevel VERBOSE
EOF
    # Without -D sshd binds, then daemonizes: a taken port shows as its exit status.
    if "${SSHD}" -f "${dir}/ssh/sshd_config" -E "${dir}/ssh/sshd.log"; then
      wait_port "${port}" || die "sshd on port ${port} accepts no connection (see ${dir}/ssh/sshd.log)"
      # The line a client's ~/.ssh/known_hosts needs to trust this server.
      printf '[127.0.0.1]:%s %s\n' "${port}" "$(cut -d' ' -f1,2 "${dir}/ssh/host_ed25519.pub")" \
        >"${dir}/ssh/known_hosts"
      printf 'SSH_PORT=%s\nSSH_USER=%s\nSSH_KEY=%s\nSSH_PUBLIC_KEY=%s\nSSH_KNOWN_HOSTS=%s\n' \
        "${port}" "${user}" "${dir}/ssh/client_ed25519" "${dir}/ssh/client_ed25519.pub" \
        "${dir}/ssh/known_hosts" >>"${dir}/servers.env"
      return 0
    fi
  done
  die "sshd did not start (see ${dir}/ssh/sshd.log)"
}

make_certificates() {
  local tls="$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "${CERT_DAYS}" \
    -subj /CN=capstan-test-ca -keyout "${tls}/ca.key" -out "${tls}/ca.pem" 2>>"${tls}/openssl.log"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
    -keyout "${tls}/server.key" -out "${tls}/server.csr" 2>>"${tls}/openssl.log"
  # mbedTLS (libgit2's TLS on Debian) matches the host against DNS names only, so 127.0.0.1
  # is there as a DNS name as well as an IP address.
  printf 'subjectAltName=DNS:127.0.0.1,IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    >"${tls}/server.ext"
  openssl x509 -req -in "${tls}/server.csr" -CA "${tls}/ca.pem" -CAkey "${tls}/ca.key" \
    -CAcreateserial -days "${CERT_DAYS}" -extfile "${tls}/server.ext" \
    -out "${tls}/server.crt" 2>>"${tls}/openssl.log"
  cat "${tls}/server.crt" "${tls}/server.key" >"${tls}/server.pem"
}

start_https() {
  local dir="$1"
  local http="${dir}/https" password
  make_certificates "${http}"
  password="$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  printf 'capstan:%s\n' "${password}" >"${http}/users"
  mkdir -p "${http}/www"
  local port try
  for ((try = 0; try < PORT_TRIES; try++)); do
    port="$(random_listen_port)"
    cat >"${http}/lighttpd.conf" <<EOF
server.modules = ("mod_alias", "mod_setenv", "mod_auth", "mod_authn_file", "mod_cgi", "mod_openssl")
server.bind = "127.0.0.1"
server.port = ${port}
server.document-root = "${http}/www"
server.pid-file = "${http}/lighttpd.pid"
server.errorlog = "${http}/error.log"
ssl.engine = "enable"
ssl.pemfile = "${http}/server.pem"
alias.url = ("/git" => "${HTTP_BACKEND}")
cgi.assign = ("" => "")
setenv.set-environment = ("GIT_PROJECT_ROOT" => "${dir}/repos", "GIT_HTTP_EXPORT_ALL" => "1")
auth.backend = "plain"
auth.backend.plain.userfile = "${http}/users"
auth.require = ("/git" => ("method" => "basic", "realm" => "capstan-test", "require" => "valid-user"))
EOF
    if "${LIGHTTPD}" -f "${http}/lighttpd.conf" 2>>"${http}/start.log"; then
      wait_port "${port}" || die "lighttpd on port ${port} accepts no connection (see ${http}/error.log)"
      printf 'HTTPS_PORT=%s\nHTTP_USER=capstan\nHTTP_PASSWORD=%s\nCA_FILE=%s\n' "${port}" \
        "${password}" "${http}/ca.pem" >>"${dir}/servers.env"
      return 0
    fi
  done
  die "lighttpd did not start (see ${http}/start.log and ${http}/error.log)"
}

stop_pidfile() {
  local pidfile="$1" pid i
  [[ -f "${pidfile}" ]] || return 0
  pid="$(cat "${pidfile}")"
  if [[ -n "${pid}" ]] && kill "${pid}" 2>/dev/null; then
    for ((i = 0; i < 50; i++)); do
      kill -0 "${pid}" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "${pid}" 2>/dev/null || true
  fi
  rm -f "${pidfile}"
}

cmd="${1:-}"
dir="${2:-}"
[[ -n "${cmd}" && -n "${dir}" ]] || die "usage: $0 start|stop DIR"
mkdir -p "${dir}"
dir="$(cd "${dir}" && pwd)"
case "${cmd}" in
  start)
    need "${SSHD}" openssh-server
    need ssh-keygen openssh-client
    need "${LIGHTTPD}" lighttpd
    [[ -f /usr/lib/lighttpd/mod_openssl.so ]] || die "lighttpd's TLS module is missing: run scripts/install-deps.sh (lighttpd-mod-openssl)"
    need openssl openssl
    [[ -x "${HTTP_BACKEND}" ]] || die "git http-backend not found at ${HTTP_BACKEND}"
    mkdir -p "${dir}/repos" "${dir}/ssh" "${dir}/https"
    : >"${dir}/servers.env"
    printf 'REPOS=%s\n' "${dir}/repos" >>"${dir}/servers.env"
    # A half-started pair is stopped again: the caller sees one failure and nothing left.
    started=0
    trap 'if ((started == 0)); then stop_pidfile "${dir}/ssh/sshd.pid"; stop_pidfile "${dir}/https/lighttpd.pid"; fi' EXIT
    start_ssh "${dir}" "$(id -un)"
    start_https "${dir}"
    # shellcheck disable=SC2034  # read by the EXIT trap
    started=1
    ;;
  stop)
    stop_pidfile "${dir}/ssh/sshd.pid"
    stop_pidfile "${dir}/https/lighttpd.pid"
    ;;
  *) die "unknown command ${cmd}: use start or stop" ;;
esac
