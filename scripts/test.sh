#!/usr/bin/env bash
# Sets up this machine (scripts/install-deps.sh) and runs every test:
#   0. a real kube-apiserver v1.20.2 and etcd (scripts/kube-env.sh build: about 2-7 minutes
#      on a fresh machine, a second when cached in ~/.cache/capstan/kube)
#   1. formatting check (clang-format)
#   2. build (CMake preset "default", ccache outside the checkout)
#   3. unit and integration tests (ctest; integration tests run the real kustomize, helm,
#      kubectl and kube-apiserver, and fail loudly if one is missing)
#   4. a short libFuzzer run of every fuzz target (scripts/fuzz.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/kube-env.sh build
# shellcheck source=scripts/env.sh
source scripts/env.sh

scripts/check-format.sh
cmake --preset default >/dev/null
cmake --build --preset default
ctest --preset default
scripts/fuzz.sh "${CAPSTAN_FUZZ_SECONDS:-20}"
echo "test.sh: all tests passed"
