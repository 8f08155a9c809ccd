// Analysis conditions: evaluations per second of typical successCondition expressions,
// compiled once and evaluated many times (what capstan does), and compiled on every
// evaluation (what Argo Rollouts does with expr-lang); plus a whole measurement verdict
// and reading a Prometheus answer.
//   build-release/bench/analysis_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <string>

#include "core/json.h"
#include "rollout/analysis/expr.h"
#include "rollout/analysis/providers.h"
#include "rollout/analysis/run.h"

namespace capstan::rollout::analysis {
namespace {

const char* const kConditions[] = {
    "result[0] >= 0.95",
    "len(result) > 0 && result[0] < 100",
    "result.ok && result.successPercent >= 0.90",
    "all(result, # < 1000)",
};

Value ResultFor(int64_t condition) {
  switch (condition) {
    case 2:
      return Value(Value::Object{{"ok", true}, {"successPercent", 0.95}});
    case 3: {
      Value::Array samples;
      for (int i = 0; i < 100; ++i) samples.emplace_back(static_cast<double>(i * 7 % 999));
      return Value(std::move(samples));
    }
    default:
      return Value(Value::Array{Value(0.97)});
  }
}

void BM_Evaluate(benchmark::State& state) {
  auto compiled = Expression::Compile(kConditions[state.range(0)]);
  Value result = ResultFor(state.range(0));
  for (auto _ : state) {
    auto verdict = compiled->EvaluateBool(result);
    if (!verdict.ok() || !*verdict) state.SkipWithError("condition did not hold");
    benchmark::DoNotOptimize(verdict);
  }
  state.SetLabel(kConditions[state.range(0)]);
  state.counters["evals/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Evaluate)->DenseRange(0, 3);

// Argo Rollouts compiles the condition for every measurement (utils/evaluate).
void BM_CompileAndEvaluate(benchmark::State& state) {
  Value result = ResultFor(state.range(0));
  for (auto _ : state) {
    auto compiled = Expression::Compile(kConditions[state.range(0)]);
    auto verdict = compiled->EvaluateBool(result);
    benchmark::DoNotOptimize(verdict);
  }
  state.SetLabel(kConditions[state.range(0)]);
  state.counters["evals/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CompileAndEvaluate)->DenseRange(0, 3);

// One measurement's verdict from a provider result: the no-data check and both conditions.
void BM_EvaluateMeasurement(benchmark::State& state) {
  auto metric_value = ParseJson(R"({"name": "success-rate", "successCondition": "result[0] >= 0.95",
      "failureCondition": "result[0] < 0.5", "provider": {"prometheus": {"query": "q"}}})",
                                "bench");
  auto metric = ParseMetric(*metric_value, "metric");
  ProviderResult result;
  result.result = Value(Value::Array{Value(0.97)});
  result.value = "[0.97]";
  TimePoint now = Clock::now();
  for (auto _ : state) {
    Measurement m = EvaluateMeasurement(*metric, result, now);
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_EvaluateMeasurement);

void BM_ParsePrometheusResponse(benchmark::State& state) {
  std::string body =
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"version":"v2"},"value":[1700000000.123,"0.9523809523809523"]}]}})";
  for (auto _ : state) {
    ProviderResult r = ParsePrometheusResponse(200, body);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParsePrometheusResponse);

}  // namespace
}  // namespace capstan::rollout::analysis

BENCHMARK_MAIN();
