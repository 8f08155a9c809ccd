#!/usr/bin/env bash
# Runs clang-tidy (the repo's .clang-tidy: bugprone-*, performance-*) over src/ using the
# compile commands of the default build. Slow (minutes): run on purpose, before a commit.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
cmake --preset default >/dev/null
mapfile -t files < <(git ls-files 'src/*.cc' | grep -v '_fuzz\.cc$')
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p build --quiet 2>/dev/null \
  | tee build/clang-tidy.log
! grep -q 'warning:\|error:' build/clang-tidy.log
