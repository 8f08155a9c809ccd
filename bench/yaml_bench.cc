// YAML and JSON codec throughput, in bytes of YAML per second.
//   build/bench/yaml_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include "core/json.h"
#include "core/yaml.h"
#include "corpus.h"

namespace capstan::bench {
namespace {

void BM_ParseYaml(benchmark::State& state) {
  std::string text = ManifestStream(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto docs = ParseYamlStream(text, "bench.yaml");
    benchmark::DoNotOptimize(docs);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseYaml)->Arg(300)->Arg(3000);

void BM_EmitYaml(benchmark::State& state) {
  std::string text = ManifestStream(static_cast<int>(state.range(0)));
  auto docs = ParseYamlStream(text, "bench.yaml");
  std::vector<Value> values;
  for (auto& d : *docs) values.push_back(d.value);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = EmitYamlStream(values);
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_EmitYaml)->Arg(300)->Arg(3000);

void BM_ParseJson(benchmark::State& state) {
  std::string text = ManifestStream(static_cast<int>(state.range(0)));
  auto docs = ParseYamlStream(text, "bench.yaml");
  Value list = Value::MakeArray();
  for (auto& d : *docs) list.as_array().push_back(d.value);
  std::string json = EmitJson(list);
  for (auto _ : state) {
    auto v = ParseJson(json, "bench.json");
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * json.size()));
}
BENCHMARK(BM_ParseJson)->Arg(3000);

}  // namespace
}  // namespace capstan::bench

BENCHMARK_MAIN();
