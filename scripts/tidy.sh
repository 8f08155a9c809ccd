#!/usr/bin/env bash
# Runs clang-tidy (the repo's .clang-tidy: bugprone-*, performance-*) over the C++ sources and
# fails when it reports any warning or error. Slow (minutes): run on purpose, before a commit.
#   scripts/tidy.sh                         every src/**/*.cc, compile commands of build/
#   scripts/tidy.sh BUILD_DIR               the same with another build directory
#   scripts/tidy.sh BUILD_DIR PATH...       only the .cc files under these paths (src/diff ...)
# BUILD_DIR and PATHs are relative to the repository root.
# The build directory is configured if needed (configuring is enough: no header is generated
# by the build itself). *_fuzz.cc files are checked too; unless the build has CAPSTAN_FUZZ=ON
# they are not in compile_commands.json and clang-tidy borrows a neighbour's flags.
# TIDY_JOBS sets the parallelism (default: nproc). The findings are kept in
# BUILD_DIR/clang-tidy.log.
set -euo pipefail
cd "$(dirname "$0")/.."
build="$(realpath -m "${1:-build}")"
shift || true
paths=("$@")
[ ${#paths[@]} -gt 0 ] || paths=(src)
# shellcheck source=scripts/env.sh
source scripts/env.sh

if [ ! -f "${build}/CMakeCache.txt" ] && [ "${build}" = "$(realpath -m build)" ]; then
  cmake --preset default >/dev/null
elif [ ! -f "${build}/CMakeCache.txt" ]; then
  cmake -S . -B "${build}" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
else
  cmake -S . -B "${build}" >/dev/null  # picks up source files added since the last configure
fi

mapfile -t files < <(git ls-files -- "${paths[@]}" | grep '\.cc$' || true)
if [ ${#files[@]} -eq 0 ]; then
  echo "tidy.sh: no .cc files under ${paths[*]}" >&2
  exit 2
fi
log="${build}/clang-tidy.log"
errors="${build}/clang-tidy.stderr"
start=${SECONDS}
status=0
printf '%s\n' "${files[@]}" |
  xargs -P "${TIDY_JOBS:-$(nproc)}" -n 4 clang-tidy -p "${build}" --quiet >"${log}" 2>"${errors}" ||
  status=$?
cat "${log}"
# clang-tidy prints "N warnings generated." for the checks it suppressed; anything else on
# stderr (an unreadable file, a missing compile command) is a real problem.
grep -v 'warnings\? generated\.$' "${errors}" >&2 || true
# A finding in a header is printed once per file including it: count each location once.
summary="$(grep ': \(warning\|error\): ' "${log}" | sort -u | grep -o '\[[a-z0-9.,-]*\]$' |
  sort | uniq -c | sort -rn || true)"
echo "tidy.sh: ${#files[@]} files in $((SECONDS - start))s, log in ${log}"
if grep -q ': \(warning\|error\): ' "${log}"; then
  echo "tidy.sh: findings per check (each counted once):"
  echo "${summary}"
  exit 1
fi
if [ "${status}" -ne 0 ]; then
  echo "tidy.sh: clang-tidy failed (exit ${status}) without a finding; see above" >&2
  exit 1
fi
echo "tidy.sh: clean"
