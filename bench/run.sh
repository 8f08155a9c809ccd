#!/usr/bin/env bash
# Runs capstan's benchmarks side by side with the tools users would otherwise run, in one
# go, and prints the figures recorded in docs/benchmarks.md.
#   bench/run.sh            (needs scripts/install-deps.sh; builds the default preset)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
cmake --preset default >/dev/null
cmake --build --preset default --target capstan yaml_bench >/dev/null
capstan=$PWD/build/src/cli/capstan
data=$PWD/build/bench-data
mkdir -p "$data"

echo "== machine"
nproc; grep -m1 'model name' /proc/cpuinfo || true
kustomize version 2>/dev/null | head -1 || true

echo "== render: capstan render vs kustomize build (whole process)"
bench/gen_monorepo.sh "$data/monorepo" 100
overlays=(examples/demo/apps/web/overlays/prod "$data/monorepo/overlays/prod")
for overlay in "${overlays[@]}"; do
  # Equal output first: a fast wrong answer is worth nothing.
  kustomize build "$overlay" >"$data/kustomize.yaml"
  "$capstan" render "$overlay" >"$data/capstan.yaml"
  if ! "$capstan" diff "$data/kustomize.yaml" "$data/capstan.yaml" --no-defaults >/dev/null; then
    echo "render output differs from kustomize for $overlay" >&2
    exit 1
  fi
  objects=$(grep -c '^kind:' "$data/capstan.yaml")
  echo "-- $overlay ($objects objects, equal output)"
  hyperfine --warmup 2 --min-runs 10 -N --export-json "$data/render.json" \
    "$capstan render $overlay" "kustomize build $overlay" | grep -E 'Time|±|faster|capstan|kustomize'
done

echo "== lint: objects per second"
mkdir -p "$data/lint"
for env in dev staging prod; do kustomize build "$data/monorepo/overlays/$env" >"$data/lint/$env.yaml"; done
objects=$(cat "$data"/lint/*.yaml | grep -c '^kind:')
hyperfine --warmup 1 --min-runs 5 -N -i --export-json "$data/lint.json" \
  "$capstan lint $data/lint --format json" | grep -E 'Time'
mean=$(python3 -c "import json;print(json.load(open('$data/lint.json'))['results'][0]['mean'])")
python3 -c "print(f'lint: $objects objects in {float($mean)*1000:.1f} ms = {$objects/float($mean):,.0f} objects/s')"

echo "== YAML and JSON codec throughput"
build/bench/yaml_bench --benchmark_min_time=0.5 2>/dev/null | grep -E '^BM_'

echo "== peak memory (max RSS)"
/usr/bin/time -f "capstan render monorepo prod: %M KB" "$capstan" render "$data/monorepo/overlays/prod" >/dev/null
/usr/bin/time -f "kustomize build monorepo prod: %M KB" kustomize build "$data/monorepo/overlays/prod" >/dev/null
