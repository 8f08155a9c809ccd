#!/usr/bin/env bash
# Builds the demo service's images, PREFIX:v1 and PREFIX:v2 (default PREFIX
# localhost/capstan-demo), with buildah: FROM scratch plus the static binary
# BUILD_DIR/examples/demo/app/capstan-demo-app at /demo-app; v1 and v2 are the same binary,
# started with --version=v1 or --version=v2.
#
#   scripts/demo-image.sh BUILD_DIR|BINARY [PREFIX] [--push REGISTRY]
#
# Images go into the storage that CONTAINERS_STORAGE_CONF names, so run it after
#   eval "$(scripts/podman-env.sh setup DIR)"
# Idempotent and quick: an image labelled with the binary's sha256 is kept as it is (a
# rebuild of both takes about 0.5 s). --push REGISTRY (e.g. 127.0.0.1:PORT from
# `scripts/podman-env.sh registry start`) also copies both to REGISTRY/capstan-demo:v1 and :v2
# over plain HTTP. Prints the names of the images it made or kept, one per line.
set -Eeuo pipefail

DIGEST_LABEL="capstan.dev/demo-app-sha256"
VERSIONS=(v1 v2)
APP_PORT=8080

die() {
  printf 'demo-image: %s\n' "$*" >&2
  exit 1
}

usage() {
  die "usage: scripts/demo-image.sh BUILD_DIR|BINARY [PREFIX] [--push REGISTRY]"
}

build_dir=""
prefix="localhost/capstan-demo"
push=""
positional=0
while (($# > 0)); do
  case "$1" in
    --push)
      (($# >= 2)) || usage
      push="$2"
      shift 2
      ;;
    --push=*)
      push="${1#--push=}"
      shift
      ;;
    -*) usage ;;
    *)
      case "${positional}" in
        0) build_dir="$1" ;;
        1) prefix="$1" ;;
        *) usage ;;
      esac
      positional=$((positional + 1))
      shift
      ;;
  esac
done
[[ -n "${build_dir}" ]] || usage

for program in buildah podman; do
  command -v "${program}" >/dev/null 2>&1 ||
    die "${program} not found: install the Debian package ${program} (scripts/install-deps.sh)"
done
[[ -n "${CONTAINERS_STORAGE_CONF:-}" ]] ||
  die "CONTAINERS_STORAGE_CONF is not set: run eval \"\$(scripts/podman-env.sh setup DIR)\" first"
if [[ -f "${build_dir}" ]]; then
  binary="${build_dir}"  # the binary itself
else
  binary="${build_dir}/examples/demo/app/capstan-demo-app"
fi
[[ -x "${binary}" ]] || die "${binary} not found: build the target capstan-demo-app"

digest="$(sha256sum "${binary}" | cut -d' ' -f1)"

# current IMAGE: true when IMAGE exists and was built from this binary.
current() {
  local label
  label="$(podman image inspect --format "{{index .Labels \"${DIGEST_LABEL}\"}}" "$1" 2>/dev/null)" ||
    return 1
  [[ "${label}" == "${digest}" ]]
}

build() {
  local image="$1" version="$2" container
  container="$(buildah from scratch)"
  # shellcheck disable=SC2064  # expand now: container is local
  trap "buildah rm '${container}' >/dev/null 2>&1 || true" RETURN
  buildah copy --quiet --chmod 0755 "${container}" "${binary}" /demo-app >/dev/null
  buildah config --entrypoint "[\"/demo-app\", \"--version=${version}\"]" --cmd '' \
    --port "${APP_PORT}" --workingdir / \
    --label "${DIGEST_LABEL}=${digest}" \
    --label "org.opencontainers.image.title=capstan-demo" \
    --label "org.opencontainers.image.version=${version}" \
    "${container}"
  buildah commit --quiet --rm "${container}" "${image}" >/dev/null
}

for version in "${VERSIONS[@]}"; do
  image="${prefix}:${version}"
  if ! current "${image}"; then
    build "${image}" "${version}" || die "buildah could not build ${image}"
  fi
  printf '%s\n' "${image}"
done

if [[ -n "${push}" ]]; then
  command -v skopeo >/dev/null 2>&1 ||
    die "skopeo not found: install the Debian package skopeo (scripts/install-deps.sh)"
  name="${prefix##*/}"
  for version in "${VERSIONS[@]}"; do
    # skopeo ignores registries.conf's insecure entries, hence --dest-tls-verify=false.
    skopeo copy --quiet --dest-tls-verify=false \
      "containers-storage:${prefix}:${version}" "docker://${push}/${name}:${version}" ||
      die "skopeo could not push ${prefix}:${version} to ${push}"
    printf '%s\n' "${push}/${name}:${version}"
  done
fi
