# shellcheck shell=bash
# Environment shared by capstan's scripts: `source scripts/env.sh`.
#
# This file is sourced, never executed, so it deliberately does not run
# `set -euo pipefail`: that would change the options of the caller's shell
# (an interactive shell would exit on its first failing command). It is
# written to be safe under `set -u` callers.

# Per-user cache for the pinned test tools (kubectl, helm, helm4, kustomize)
# that scripts/install-deps.sh installs; outside the checkout so that a clean
# clone or `git clean` does not throw them away.
: "${CAPSTAN_TOOLS:=${HOME}/.cache/capstan/tools}"
export CAPSTAN_TOOLS

# Our bin/ must come first: some machines have an unrelated (older or newer)
# kubectl/helm in /usr/bin, and the tests must run the pinned versions.
# Remove any earlier occurrence first so re-sourcing keeps PATH short and
# still moves our bin/ to the front.
_capstan_bin="${CAPSTAN_TOOLS}/bin"
_capstan_path=":${PATH:-}:"
while [[ "${_capstan_path}" == *":${_capstan_bin}:"* ]]; do
  _capstan_path="${_capstan_path//":${_capstan_bin}:"/:}"
done
_capstan_path="${_capstan_path#:}"
_capstan_path="${_capstan_path%:}"
export PATH="${_capstan_bin}${_capstan_path:+:${_capstan_path}}"
unset _capstan_bin _capstan_path

# Compiler cache shared by all checkouts of the project (worktrees, CI
# re-runs): a cold C++20 build is slow, a ccache hit is nearly free. An
# explicitly set CCACHE_DIR (e.g. a CI cache mount) is respected.
: "${CCACHE_DIR:=${HOME}/.cache/capstan/ccache}"
export CCACHE_DIR
# CMake (>= 3.17) reads this environment variable as the default for
# CMAKE_CXX_COMPILER_LAUNCHER when a build directory is first configured.
export CMAKE_CXX_COMPILER_LAUNCHER=ccache
