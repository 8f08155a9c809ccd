// The measurement and run semantics, case by case from Argo Rollouts' documentation
// (docs/features/analysis.md) and its controller (analysis/analysis.go).
#include "rollout/analysis/run.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/time.h"
#include "core/yaml.h"
#include "rollout/analysis/providers.h"

namespace capstan::rollout::analysis {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const TimePoint kT0 = *ParseRfc3339("2021-02-10T00:15:26Z");

Value Yaml(std::string_view text) {
  auto value = ParseYaml(text, "test.yaml");
  EXPECT_TRUE(value.ok()) << (value.ok() ? "" : value.error().message());
  return value.ok() ? *value : Value();
}

// A run of the metrics in `metrics_yaml` (a YAML list).
AnalysisRun RunOf(std::string_view metrics_yaml) {
  AnalysisRun run;
  run.metadata.Set("name", "run");
  Value metrics = Yaml(metrics_yaml);
  for (const Value& metric : metrics.as_array()) run.spec.metrics.push_back(metric);
  return run;
}

// A Prometheus vector of one sample.
ProviderResult Vector(double value) {
  ProviderResult r;
  r.result = Value(Value::Array{Value(value)});
  r.value = "[" + FormatPrometheusFloat(value) + "]";
  return r;
}

ProviderResult Scalar(double value) {
  ProviderResult r;
  r.result = Value(value);
  r.value = FormatPrometheusFloat(value);
  return r;
}

ProviderResult Errored(std::string message) {
  ProviderResult r;
  r.error = std::move(message);
  return r;
}

// Measures every metric due at `now` with the result given for its name (an error when
// none is given) and returns the names measured.
std::vector<std::string> Step(AnalysisRun& run, TimePoint now,
                              const std::map<std::string, ProviderResult>& results) {
  auto due = DueMeasurements(run, now);
  EXPECT_TRUE(due.ok()) << (due.ok() ? "" : due.error().message());
  if (!due.ok()) return {};
  std::vector<ProviderResult> taken;
  std::vector<std::string> names;
  for (const DueMeasurement& task : *due) {
    names.push_back(task.metric_name);
    auto found = results.find(task.metric_name);
    ProviderResult r = found != results.end() ? found->second : Errored("no result scripted");
    r.started_at = now;
    r.finished_at = now;
    taken.push_back(r);
  }
  RecordMeasurements(run, *due, taken, now);
  return names;
}

const MetricResult& Result(const AnalysisRun& run, std::string_view name) {
  const MetricResult* result = FindMetricResult(run, name);
  EXPECT_NE(result, nullptr) << name;
  static const MetricResult kNone;
  return result != nullptr ? *result : kNone;
}

Metric MetricOf(std::string_view yaml) {
  auto metric = ParseMetric(Yaml(yaml), "metric");
  EXPECT_TRUE(metric.ok()) << (metric.ok() ? "" : metric.error().message());
  return metric.ok() ? *metric : Metric();
}

struct MeasurementCase {
  std::string name;
  std::string conditions;  // YAML lines of successCondition / failureCondition
  ProviderResult result;
  Phase want;
  std::string message = {};  // start of the message, when there is one
};

// Argo's "Handling Metric Results" examples and EvaluateResult's four cases.
TEST(EvaluateMeasurement, ConditionsAsArgo) {
  ProviderResult nan_scalar = Scalar(std::nan(""));
  ProviderResult no_data;
  no_data.result = Value(Value::Array{});
  no_data.value = "[]";
  no_data.no_data = true;
  no_data.no_data_message = std::string(kNoDataMessage);
  ProviderResult web_ok;
  web_ok.result = Yaml("{ok: true, successPercent: 0.95}");
  const std::vector<MeasurementCase> cases = {
      {"success only, true", "successCondition: result[0] >= 0.95", Vector(0.99),
       Phase::kSuccessful},
      {"success only, false: Failed", "successCondition: result[0] >= 0.95", Vector(0.5),
       Phase::kFailed},
      {"failure only, false: Successful", "failureCondition: result[0] >= 10", Vector(3),
       Phase::kSuccessful},
      {"failure only, true", "failureCondition: result[0] >= 10", Vector(12), Phase::kFailed},
      {"both, neither true: Inconclusive",
       "successCondition: result[0] >= 0.90\nfailureCondition: result[0] < 0.50", Vector(0.7),
       Phase::kInconclusive},
      {"both, success", "successCondition: result[0] >= 0.90\nfailureCondition: result[0] < 0.50",
       Vector(0.95), Phase::kSuccessful},
      {"both true: failure wins", "successCondition: 'true'\nfailureCondition: 'true'", Vector(1),
       Phase::kFailed},
      {"no conditions: Successful", "", Vector(0.1), Phase::kSuccessful},
      {"NaN handled by the condition", "successCondition: isNaN(result) || result >= 0.95",
       nan_scalar, Phase::kSuccessful},
      {"NaN with both conditions",
       "successCondition: result >= 0.95\nfailureCondition: result < 0.95", nan_scalar,
       Phase::kInconclusive},
      {"NaN with success only", "successCondition: result >= 0.95", nan_scalar, Phase::kFailed},
      {"+Inf passes >=", "successCondition: result >= 0.95", Scalar(INFINITY), Phase::kSuccessful},
      {"+Inf caught by isInf", "failureCondition: isInf(result)", Scalar(INFINITY), Phase::kFailed},
      {"web map", "successCondition: result.ok && result.successPercent >= 0.90", web_ok,
       Phase::kSuccessful},
      {"condition error", "successCondition: result.ok", Vector(1), Phase::kError,
       "could not evaluate successCondition \"result.ok\": column 7: cannot fetch ok from array"},
      {"not a bool", "successCondition: result[0]", Vector(1), Phase::kError,
       "could not evaluate successCondition \"result[0]\": expected bool, but got float"},
      {"provider error", "successCondition: result[0] >= 0.95", Errored("connection refused"),
       Phase::kError, "connection refused"},
      // capstan's rule: no data is Inconclusive even where Argo's condition would pass it.
      {"no data, condition would pass", "successCondition: len(result) == 0 || result[0] >= 0.95",
       no_data, Phase::kInconclusive,
       "no data: the query returned no values (is the canary getting traffic?)"},
      {"no data, condition would fail", "successCondition: len(result) > 0 && result[0] >= 0.95",
       no_data, Phase::kInconclusive, "no data:"},
  };
  for (const MeasurementCase& c : cases) {
    SCOPED_TRACE(c.name);
    Metric metric = MetricOf("name: m\n" + c.conditions + "\nprovider: {prometheus: {query: q}}\n");
    Measurement m = EvaluateMeasurement(metric, c.result, kT0);
    EXPECT_EQ(PhaseName(m.phase), PhaseName(c.want));
    EXPECT_EQ(m.message.substr(0, c.message.size()), c.message) << m.message;
    EXPECT_EQ(m.started_at, kT0);
    EXPECT_EQ(m.finished_at, kT0);
  }
}

TEST(EvaluateMeasurement, ErrorOnEmptyResultSaysNoData) {
  Metric metric = MetricOf(
      "name: m\nsuccessCondition: result[0] >= 0.95\nprovider: {web: {url: 'http://x'}}\n");
  ProviderResult empty;
  empty.result = Value(Value::Array{});
  Measurement m = EvaluateMeasurement(metric, empty, kT0);
  EXPECT_EQ(m.phase, Phase::kError);
  EXPECT_EQ(m.message,
            "could not evaluate successCondition \"result[0] >= 0.95\": metric result is nil or "
            "empty: no data returned from the metric provider");
}

TEST(AnalysisRunSteps, DefaultFailureLimitFailsOnTheFirstFailure) {
  AnalysisRun run = RunOf(R"([{name: success-rate, successCondition: "result[0] >= 0.95",
                              provider: {prometheus: {query: q}}}])");
  EXPECT_EQ(Step(run, kT0, {{"success-rate", Vector(0.5)}}),
            std::vector<std::string>{"success-rate"});
  EXPECT_EQ(run.status.phase, Phase::kFailed);
  EXPECT_EQ(run.status.message,
            "Metric \"success-rate\" assessed Failed due to failed (1) > failureLimit (0)");
  const MetricResult& r = Result(run, "success-rate");
  EXPECT_EQ(r.phase, Phase::kFailed);
  EXPECT_EQ(r.count, 1);
  EXPECT_EQ(r.failed, 1);
  ASSERT_EQ(r.measurements.size(), 1u);
  EXPECT_EQ(r.measurements[0].value, "[0.5]");
  EXPECT_EQ(r.measurements[0].phase, Phase::kFailed);
  EXPECT_EQ(run.status.started_at, kT0);
  EXPECT_EQ(run.status.completed_at, kT0);
  EXPECT_EQ(run.status.run_summary.count, 1);
  EXPECT_EQ(run.status.run_summary.failed, 1);
  EXPECT_FALSE(NextReconcileTime(run).has_value());
  EXPECT_TRUE(DueMeasurements(run, kT0 + minutes(10))->empty());
}

TEST(AnalysisRunSteps, SingleMeasurementSuccess) {
  AnalysisRun run = RunOf(R"([{name: m, successCondition: "result[0] >= 0.95",
                              provider: {prometheus: {query: q}}}])");
  Step(run, kT0, {{"m", Vector(0.99)}});
  EXPECT_EQ(run.status.phase, Phase::kSuccessful);
  EXPECT_EQ(run.status.message, "");
  EXPECT_EQ(Result(run, "m").successful, 1);
  EXPECT_EQ(Result(run, "m").metadata.at(0).first, "ResolvedPrometheusQuery");
}

// docs: "If the metric is measured to be less than 95%, and there are three such
// measurements, the analysis is considered Failed" (failureLimit: 3 fails on the 4th).
TEST(AnalysisRunSteps, FailureLimitThreeEveryFiveMinutes) {
  AnalysisRun run =
      RunOf(R"([{name: success-rate, interval: 5m, successCondition: "result[0] >= 0.95",
                              failureLimit: 3, provider: {prometheus: {query: q}}}])");
  TimePoint now = kT0;
  for (int i = 1; i <= 3; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(Step(run, now, {{"success-rate", Vector(0.5)}}).size(), 1u);
    EXPECT_EQ(run.status.phase, Phase::kRunning);
    EXPECT_EQ(Result(run, "success-rate").failed, i);
    EXPECT_EQ(NextReconcileTime(run), now + minutes(5));
    EXPECT_TRUE(Step(run, now + minutes(4), {}).empty()) << "not due before the interval";
    now += minutes(5);
  }
  Step(run, now, {{"success-rate", Vector(0.5)}});
  EXPECT_EQ(run.status.phase, Phase::kFailed);
  EXPECT_EQ(run.status.message,
            "Metric \"success-rate\" assessed Failed due to failed (4) > failureLimit (3)");
  EXPECT_EQ(run.status.completed_at, kT0 + minutes(15));
}

TEST(AnalysisRunSteps, FailuresBelowTheLimitStillSucceedAtCount) {
  AnalysisRun run = RunOf(R"([{name: m, interval: 60s, count: 5, failureLimit: 2,
                              successCondition: "result[0] >= 0.95", provider: {prometheus: {query: q}}}])");
  const double values[] = {0.5, 0.99, 0.5, 0.99, 0.99};
  TimePoint now = kT0;
  for (double v : values) {
    EXPECT_EQ(run.status.phase == Phase::kPending || run.status.phase == Phase::kRunning, true);
    Step(run, now, {{"m", Vector(v)}});
    now += seconds(60);
  }
  EXPECT_EQ(run.status.phase, Phase::kSuccessful);
  EXPECT_EQ(Result(run, "m").count, 5);
  EXPECT_EQ(Result(run, "m").failed, 2);
  EXPECT_EQ(run.status.run_summary.successful, 1);
}

TEST(AnalysisRunSteps, InconclusiveLimit) {
  const char* metrics = R"([{name: m, interval: 1m, inconclusiveLimit: 1,
      successCondition: "result[0] >= 0.90", failureCondition: "result[0] < 0.50",
      provider: {prometheus: {query: q}}}])";
  AnalysisRun run = RunOf(metrics);
  Step(run, kT0, {{"m", Vector(0.7)}});
  EXPECT_EQ(run.status.phase, Phase::kRunning);
  Step(run, kT0 + minutes(1), {{"m", Vector(0.7)}});
  EXPECT_EQ(run.status.phase, Phase::kInconclusive);
  EXPECT_EQ(run.status.message,
            "Metric \"m\" assessed Inconclusive due to inconclusive (2) > inconclusiveLimit (1)");
}

TEST(AnalysisRunSteps, ConsecutiveErrorsEndInErrorAndRetryAfterTenSeconds) {
  AnalysisRun run = RunOf(R"([{name: m, interval: 5m, successCondition: "result[0] >= 0.95",
                              provider: {prometheus: {query: q}}}])");
  TimePoint now = kT0;
  // An error, then a success: the error count restarts.
  Step(run, now, {{"m", Errored("prometheus query failed: connection refused")}});
  EXPECT_EQ(run.status.phase, Phase::kRunning);
  EXPECT_EQ(NextReconcileTime(run), now + seconds(10)) << "errors are retried after 10 s";
  now += seconds(10);
  Step(run, now, {{"m", Vector(0.99)}});
  EXPECT_EQ(Result(run, "m").consecutive_error, 0);
  EXPECT_EQ(Result(run, "m").error, 1);
  EXPECT_EQ(NextReconcileTime(run), now + minutes(5));
  now += minutes(5);
  for (int i = 1; i <= 4; ++i) {
    Step(run, now, {{"m", Errored("prometheus query failed: connection refused")}});
    EXPECT_EQ(run.status.phase, Phase::kRunning) << i;
    now += seconds(10);
  }
  Step(run, now, {{"m", Errored("prometheus query failed: connection refused")}});
  EXPECT_EQ(run.status.phase, Phase::kError);
  EXPECT_EQ(Result(run, "m").consecutive_error, 5);
  EXPECT_EQ(Result(run, "m").count, 1) << "errors do not count";
  EXPECT_EQ(run.status.message,
            "Metric \"m\" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4): "
            "\"Error Message: prometheus query failed: connection refused\"");
}

TEST(AnalysisRunSteps, ConsecutiveErrorLimitZero) {
  AnalysisRun run =
      RunOf(R"([{name: m, consecutiveErrorLimit: 0, provider: {prometheus: {query: q}}}])");
  Step(run, kT0, {{"m", Errored("boom")}});
  EXPECT_EQ(run.status.phase, Phase::kError);
}

TEST(AnalysisRunSteps, NoDataIsInconclusiveAndPauses) {
  AnalysisRun run = RunOf(R"([{name: success-rate, interval: 1m,
                              successCondition: "len(result) == 0 || result[0] >= 0.95",
                              provider: {prometheus: {query: q}}}])");
  ProviderResult empty;
  empty.result = Value(Value::Array{});
  empty.value = "[]";
  empty.no_data = true;
  empty.no_data_message = std::string(kNoDataMessage);
  Step(run, kT0, {{"success-rate", empty}});
  EXPECT_EQ(run.status.phase, Phase::kInconclusive);
  EXPECT_EQ(Result(run, "success-rate").measurements.at(0).message,
            "no data: the query returned no values (is the canary getting traffic?)");
  EXPECT_EQ(
      run.status.message,
      "Metric \"success-rate\" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit "
      "(0): \"Error Message: no data: the query returned no values (is the canary getting "
      "traffic?)\"");
}

TEST(AnalysisRunSteps, CountAndConsecutiveSuccessLimit) {
  // Both applicable: count reached without 2 consecutive successes -> Inconclusive.
  AnalysisRun run =
      RunOf(R"([{name: m, interval: 1m, count: 3, failureLimit: 1, consecutiveSuccessLimit: 2,
                              successCondition: "result[0] > 0", provider: {prometheus: {query: q}}}])");
  Step(run, kT0, {{"m", Vector(1)}});
  Step(run, kT0 + minutes(1), {{"m", Vector(0)}});
  Step(run, kT0 + minutes(2), {{"m", Vector(1)}});
  EXPECT_EQ(run.status.phase, Phase::kInconclusive);

  // Only consecutiveSuccessLimit: keep measuring until 2 successes in a row.
  run = RunOf(R"([{name: m, interval: 1m, failureLimit: -1, consecutiveSuccessLimit: 2,
                   successCondition: "result[0] > 0", provider: {prometheus: {query: q}}}])");
  Step(run, kT0, {{"m", Vector(0)}});
  Step(run, kT0 + minutes(1), {{"m", Vector(0)}});
  Step(run, kT0 + minutes(2), {{"m", Vector(1)}});
  EXPECT_EQ(run.status.phase, Phase::kRunning);
  Step(run, kT0 + minutes(3), {{"m", Vector(1)}});
  EXPECT_EQ(run.status.phase, Phase::kSuccessful);
}

TEST(AnalysisRunSteps, WorstMetricDecidesAndAFailureStopsTheOthers) {
  AnalysisRun run = RunOf(R"([
    {name: a, interval: 1m, successCondition: "result[0] > 0", provider: {prometheus: {query: a}}},
    {name: b, successCondition: "result[0] > 0", failureCondition: "result[0] < 0", provider: {prometheus: {query: b}}}])");
  Step(run, kT0, {{"a", Vector(1)}, {"b", Vector(0)}});  // b is Inconclusive
  EXPECT_EQ(Result(run, "b").phase, Phase::kInconclusive);
  // a has no count and would run until stopped; b's verdict stops it at once.
  EXPECT_EQ(Result(run, "a").phase, Phase::kSuccessful);
  EXPECT_EQ(run.status.phase, Phase::kInconclusive);
  EXPECT_TRUE(DueMeasurements(run, kT0 + minutes(5))->empty());

  run = RunOf(R"([
    {name: a, successCondition: "result[0] > 0", failureCondition: "result[0] < 0", provider: {prometheus: {query: a}}},
    {name: b, successCondition: "result[0] > 0", provider: {prometheus: {query: b}}}])");
  Step(run, kT0, {{"a", Vector(0)}, {"b", Vector(-1)}});
  EXPECT_EQ(run.status.phase, Phase::kFailed) << "Failed is worse than Inconclusive";
}

TEST(AnalysisRunSteps, DryRunMetricsNeverDecide) {
  AnalysisRun run = RunOf(R"([
    {name: total-5xx-errors, failureCondition: "result[0] >= 10", provider: {prometheus: {query: a}}},
    {name: total-4xx-errors, failureCondition: "result[0] >= 10", provider: {prometheus: {query: b}}}])");
  run.spec.dry_run = {DryRun{"total-5xx-errors"}};
  Step(run, kT0, {{"total-5xx-errors", Vector(50)}, {"total-4xx-errors", Vector(1)}});
  EXPECT_EQ(run.status.phase, Phase::kSuccessful);
  const MetricResult& dry = Result(run, "total-5xx-errors");
  EXPECT_TRUE(dry.dry_run);
  EXPECT_EQ(dry.phase, Phase::kFailed);
  EXPECT_EQ(dry.message, "Metric assessed Failed due to failed (1) > failureLimit (0)");
  ASSERT_TRUE(run.status.dry_run_summary.has_value());
  EXPECT_EQ(run.status.dry_run_summary->count, 1);
  EXPECT_EQ(run.status.dry_run_summary->failed, 1);
  EXPECT_EQ(run.status.run_summary.count, 1);
  EXPECT_EQ(run.status.run_summary.successful, 1);

  AnalysisRun unmatched = RunOf(R"([{name: m, provider: {prometheus: {query: q}}}])");
  unmatched.spec.dry_run = {DryRun{"no-such-metric"}};
  auto due = DueMeasurements(unmatched, kT0);
  ASSERT_FALSE(due.ok());
  EXPECT_EQ(due.error().message(),
            "Analysis spec invalid: dryRun[0]: Rule didn't match any metric name(s)");
}

TEST(AnalysisRunSteps, InitialDelay) {
  AnalysisRun run = RunOf(R"([{name: m, initialDelay: 5m, successCondition: "result[0] >= 0.90",
                              provider: {prometheus: {query: q}}}])");
  EXPECT_TRUE(Step(run, kT0, {}).empty());
  EXPECT_EQ(run.status.phase, Phase::kRunning);
  EXPECT_EQ(run.status.started_at, kT0);
  EXPECT_EQ(NextReconcileTime(run), kT0 + minutes(5));
  EXPECT_TRUE(Step(run, kT0 + minutes(4), {}).empty());
  EXPECT_EQ(Step(run, kT0 + minutes(5), {{"m", Vector(0.95)}}).size(), 1u);
  EXPECT_EQ(run.status.phase, Phase::kSuccessful);
}

TEST(AnalysisRunSteps, TerminateEndsABackgroundRunSuccessfully) {
  AnalysisRun run = RunOf(R"([{name: m, interval: 5m, successCondition: "result[0] >= 0.95",
                              failureLimit: 3, provider: {prometheus: {query: q}}}])");
  Step(run, kT0, {{"m", Vector(0.99)}});
  Step(run, kT0 + minutes(5), {{"m", Vector(0.5)}});
  EXPECT_EQ(run.status.phase, Phase::kRunning);
  run.spec.terminate = true;
  AssessRun(run, kT0 + minutes(7));
  EXPECT_EQ(run.status.phase, Phase::kSuccessful);
  EXPECT_EQ(run.status.message, "Run Terminated");
  EXPECT_EQ(run.status.completed_at, kT0 + minutes(7));
}

TEST(AnalysisRunSteps, EveryMeasurementIsKeptUnlessRetentionLimitsIt) {
  const char* metrics = R"([{name: m, interval: 1m, successCondition: "result[0] >= 0.95",
                            provider: {prometheus: {query: q}}}])";
  AnalysisRun run = RunOf(metrics);
  for (int i = 0; i < 15; ++i) Step(run, kT0 + minutes(i), {{"m", Vector(0.99)}});
  EXPECT_EQ(Result(run, "m").measurements.size(), 15u) << "Argo would keep 10";
  EXPECT_EQ(Result(run, "m").count, 15);

  run = RunOf(R"([{name: m, interval: 1m, successCondition: "result[0] >= 0.5",
                   provider: {prometheus: {query: q}}}])");
  run.spec.measurement_retention = {MeasurementRetention{".*", 3}};
  for (int i = 1; i <= 5; ++i) Step(run, kT0 + minutes(i), {{"m", Vector(i)}});
  const MetricResult& r = Result(run, "m");
  ASSERT_EQ(r.measurements.size(), 3u);
  EXPECT_EQ(r.measurements.back().value, "[5]");
  EXPECT_EQ(r.measurements.front().value, "[3]");
  EXPECT_EQ(r.count, 5);
}

TEST(AnalysisRunSteps, UnresolvedArgsEndTheRunInError) {
  AnalysisRun run =
      RunOf(R"([{name: m, provider: {prometheus: {query: "up{job='{{args.job}}'}"}}}])");
  auto due = DueMeasurements(run, kT0);
  ASSERT_FALSE(due.ok());
  EXPECT_EQ(due.error().message(),
            "Unable to resolve metric arguments: failed to resolve {{args.job}}");
  FailRun(run, due.error(), kT0);
  EXPECT_EQ(run.status.phase, Phase::kError);
  EXPECT_EQ(run.status.completed_at, kT0);

  run = RunOf(
      R"([{name: m, interval: "{{args.interval}}", count: 2, provider: {prometheus: {query: q}}}])");
  Argument arg;
  arg.name = "interval";
  arg.value = "soon";
  run.spec.args = {arg};
  due = DueMeasurements(run, kT0);
  ASSERT_FALSE(due.ok());
  EXPECT_EQ(due.error().message(),
            "Analysis spec invalid: metrics[0].interval: invalid interval string: invalid duration "
            "\"soon\"");
}

// Answers from a script, in turn; thread-safe as the interface requires.
class ScriptedProvider : public MetricProvider {
 public:
  explicit ScriptedProvider(std::vector<ProviderResult> script) : script_(std::move(script)) {}
  ProviderResult Measure(const Metric& metric) override {
    std::lock_guard<std::mutex> lock(mu_);
    seen.push_back(metric);
    return script_.at(next_++ % script_.size());
  }
  std::vector<Metric> seen;

 private:
  std::mutex mu_;
  std::vector<ProviderResult> script_;
  size_t next_ = 0;
};

TEST(Reconcile, SecretsReachTheProviderButNotTheMessages) {
  AnalysisRun run = RunOf(R"([{name: web, successCondition: "result == true",
      provider: {web: {url: "http://metrics.example/check?token={{args.api-token}}",
                       headers: [{key: Authorization, value: "Bearer {{ args.api-token }}"}]}}}])");
  Argument token;
  token.name = "api-token";
  token.secret_key_ref = SecretKeyRef{"token-secret", "apiToken"};
  run.spec.args = {token};
  SecretLookup secrets = [](const SecretKeyRef& ref) -> capstan::Result<std::string> {
    if (ref.name == "token-secret" && ref.key == "apiToken") return std::string("s3cr3t");
    return Error::NotFound("no such secret");
  };
  ScriptedProvider provider({Errored("GET http://metrics.example/check?token=s3cr3t: HTTP 500")});
  auto next = Reconcile(run, kT0, provider, secrets);
  ASSERT_EQ(provider.seen.size(), 1u);
  EXPECT_EQ(provider.seen[0].web->headers[0].value, "Bearer s3cr3t");
  const MetricResult& r = Result(run, "web");
  EXPECT_EQ(r.measurements.at(0).message, "GET http://metrics.example/check?token=*****: HTTP 500");
  EXPECT_EQ(next, kT0 + seconds(10));

  // Without a lookup, a secret arg cannot be measured: the run errors.
  AnalysisRun no_lookup =
      RunOf(R"([{name: web, provider: {web: {url: "http://x/{{args.api-token}}"}}}])");
  no_lookup.spec.args = {token};
  Reconcile(no_lookup, kT0, provider);
  EXPECT_EQ(no_lookup.status.phase, Phase::kError);
  EXPECT_EQ(no_lookup.status.message,
            "Unable to resolve metric arguments: args.api-token reads Secret token-secret, but no "
            "Secret lookup was given");
}

TEST(Reconcile, MeasuresSeveralMetricsAndSurvivesARoundTrip) {
  AnalysisRun run = RunOf(R"([
    {name: a, interval: 1m, count: 2, successCondition: "result[0] >= 0.95", provider: {prometheus: {query: a}}},
    {name: b, interval: 1m, count: 2, successCondition: "result[0] >= 0.95", provider: {prometheus: {query: b}}}])");
  ScriptedProvider provider({Vector(0.99)});
  auto next = Reconcile(run, kT0, provider);
  EXPECT_EQ(provider.seen.size(), 2u);
  EXPECT_EQ(next, kT0 + minutes(1));
  // The controller stores the run between steps.
  auto stored = ParseAnalysisRun(AnalysisRunToValue(run), "stored");
  ASSERT_TRUE(stored.ok()) << stored.error().message();
  run = *stored;
  next = Reconcile(run, kT0 + minutes(1), provider);
  EXPECT_EQ(run.status.phase, Phase::kSuccessful);
  EXPECT_FALSE(next.has_value());
  EXPECT_EQ(Reconcile(run, kT0 + minutes(2), provider), std::nullopt) << "a finished run stays";
  EXPECT_EQ(provider.seen.size(), 4u);
}

}  // namespace
}  // namespace capstan::rollout::analysis
