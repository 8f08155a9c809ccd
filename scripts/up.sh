#!/usr/bin/env bash
# README's main command: sets this machine up (Debian packages, podman, buildah), builds
# capstan and the demo app, then runs `capstan up` on the demo (examples/demo/local): three
# pods of a demo HTTP service as podman containers behind capstan's proxy, kept equal to a
# local Git repository. Arguments go to `capstan up` (e.g. --detach, --state DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >/dev/null
# shellcheck source=scripts/env.sh
source scripts/env.sh
cmake --preset default >/dev/null
cmake --build --preset default --target capstan capstan-demo-app >/dev/null
exec build/src/cli/capstan up "$@"
