#!/usr/bin/env bash
# A tour of the offline commands: sets this machine up, builds capstan,
# then renders, lints and diffs the demo repository in examples/demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >/dev/null
# shellcheck source=scripts/env.sh
source scripts/env.sh
cmake --preset default >/dev/null
cmake --build --preset default --target capstan >/dev/null
capstan=build/src/cli/capstan
demo=examples/demo

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step capstan render $demo/apps/web/overlays/prod
$capstan render $demo/apps/web/overlays/prod

step capstan lint $demo/apps/web/overlays/prod
$capstan lint $demo/apps/web/overlays/prod --fail-on none

step capstan lint $demo/apps/legacy-worker
# A deliberately flawed app: lint names each problem and exits 1 on the error-level one.
$capstan lint $demo/apps/legacy-worker || [ $? -eq 1 ]

step capstan diff $demo/apps/web/overlays/prod $demo/live
# Exit code 1 means "differences found", which is what the demo shows.
$capstan diff $demo/apps/web/overlays/prod $demo/live --color always || [ $? -eq 1 ]
