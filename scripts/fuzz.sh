#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a while.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 20; CI uses the default, run longer on purpose)
# Crashes are written to build-fuzz/artifacts/ and fail the script.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
seconds=${1:-20}
# -O1 with line tables only: fuzzers want speed and readable stack traces, not full debug
# information, which roughly doubles the compile time of this second build in CI.
flags="-O1 -gline-tables-only -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCAPSTAN_FUZZ=ON -DCAPSTAN_BENCH=OFF >/dev/null
# Every *_fuzz.cc beside the code is a target; fuzz/corpus/<name>/ holds its seeds, if any.
mapfile -t targets < <(git ls-files 'src/*_fuzz.cc' | xargs -n1 basename | sed 's/\.cc$//' | sort)
ninja -C build-fuzz "${targets[@]}"
mkdir -p build-fuzz/artifacts
for target in "${targets[@]}"; do
  name=${target%_fuzz}
  work=build-fuzz/corpus/$name
  mkdir -p "$work"
  corpora=("$work")
  [ -d "fuzz/corpus/$name" ] && corpora+=("fuzz/corpus/$name")
  bin=$(find build-fuzz -name "$target" -type f -perm -u+x | head -n 1)
  echo "fuzz: $target for ${seconds}s"
  status=0
  "$bin" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix=build-fuzz/artifacts/ -print_final_stats=1 "${corpora[@]}" \
    >"build-fuzz/$name.log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "build-fuzz/$name.log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 40 "build-fuzz/$name.log" >&2
    echo "fuzz: $target found a failing input (exit $status); see build-fuzz/artifacts/" >&2
    exit 1
  fi
done
