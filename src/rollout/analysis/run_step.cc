// The run's step functions: due measurements (Argo's generateMetricTasks), recording
// results (runMeasurements), the next reconcile time (calculateNextReconcileTime).
#include <algorithm>
#include <future>
#include <string>

#include "rollout/analysis/internal/run_internal.h"

namespace capstan::rollout::analysis {

using internal::FindResult;
using internal::ResolvedRun;

namespace {

// The interval after `last` before the metric is measured again.
Duration NextInterval(const Metric& metric, const Measurement& last) {
  if (last.phase == Phase::kError || !metric.interval) return kErrorRetryInterval;
  return *metric.interval;
}

TimePoint FinishedAt(const Measurement& m) {
  return m.finished_at.value_or(m.started_at.value_or(TimePoint{}));
}

bool IsDue(const AnalysisRun& run, const Metric& metric, TimePoint now) {
  const MetricResult* result = FindMetricResult(run, metric.name);
  if (result != nullptr && IsCompleted(result->phase)) return false;
  if (result == nullptr || result->measurements.empty()) {
    TimePoint started = run.status.started_at.value_or(now);
    return !metric.initial_delay || started + *metric.initial_delay <= now;
  }
  std::optional<int64_t> count = metric.EffectiveCount();
  if (count && result->count >= *count) return false;
  const Measurement& last = result->measurements.back();
  return now >= FinishedAt(last) + NextInterval(metric, last);
}

void Assess(AnalysisRun& run, const ResolvedRun& resolved, TimePoint now) {
  // A metric that just failed stops the others; Argo sees that on the reconcile its own
  // status update triggers, so a second pass here gives the same final state at once.
  for (int pass = 0; pass < 2; ++pass) {
    bool was_terminating = internal::IsTerminating(run);
    auto [phase, message] = internal::AssessRunStatus(run, resolved, now);
    if (phase != run.status.phase) {
      run.status.phase = phase;
      run.status.message = std::move(message);
      if (IsCompleted(phase) && !run.status.completed_at) run.status.completed_at = now;
    }
    if (IsCompleted(run.status.phase) || was_terminating || !internal::IsTerminating(run)) break;
  }
  internal::TrimMeasurements(run, resolved);
}

}  // namespace

const MetricResult* FindMetricResult(const AnalysisRun& run, std::string_view name) {
  for (const MetricResult& result : run.status.metric_results) {
    if (result.name == name) return &result;
  }
  return nullptr;
}

Result<std::vector<DueMeasurement>> DueMeasurements(const AnalysisRun& run, TimePoint now,
                                                    const SecretLookup& secrets) {
  std::vector<DueMeasurement> due;
  if (IsCompleted(run.status.phase)) return due;
  // Secrets are read only when something is due: phases need none of them.
  auto plain = internal::ResolveRun(run, nullptr, nullptr);
  if (!plain.ok()) return std::move(plain).error();
  if (internal::IsTerminating(run)) return due;
  std::vector<size_t> indices;
  for (size_t i = 0; i < plain->metrics.size(); ++i) {
    if (IsDue(run, plain->metrics[i], now)) indices.push_back(i);
  }
  if (indices.empty()) return due;
  bool uses_secrets =
      std::any_of(run.spec.args.begin(), run.spec.args.end(),
                  [](const Argument& arg) { return arg.secret_key_ref.has_value(); });
  std::vector<std::string> secret_values;
  const ResolvedRun* resolved = &*plain;
  Result<ResolvedRun> with_secrets = ResolvedRun{};
  if (uses_secrets) {
    with_secrets = internal::ResolveRun(run, &secrets, &secret_values);
    if (!with_secrets.ok()) return std::move(with_secrets).error();
    resolved = &*with_secrets;
  }
  for (size_t i : indices) {
    due.push_back(DueMeasurement{resolved->metrics[i].name, resolved->metrics[i], secret_values});
  }
  return due;
}

void RecordMeasurements(AnalysisRun& run, const std::vector<DueMeasurement>& due,
                        const std::vector<ProviderResult>& results, TimePoint now) {
  if (IsCompleted(run.status.phase)) return;
  auto resolved = internal::ResolveRun(run, nullptr, nullptr);
  if (!resolved.ok()) {
    FailRun(run, resolved.error(), now);
    return;
  }
  for (size_t i = 0; i < due.size(); ++i) {
    const DueMeasurement& task = due[i];
    ProviderResult missing;
    missing.error = "internal error: no result was recorded for this measurement";
    Measurement m =
        EvaluateMeasurement(task.metric, i < results.size() ? results[i] : missing, now);
    m.message = internal::Redact(std::move(m.message), task.secrets);
    MetricResult* result = FindResult(run, task.metric_name);
    if (result == nullptr) {
      MetricResult created;
      created.name = task.metric_name;
      created.phase = Phase::kRunning;
      auto dry = resolved->dry_run.find(task.metric_name);
      created.dry_run = dry != resolved->dry_run.end() && dry->second;
      if (task.metric.prometheus) {
        created.metadata.emplace_back(
            "ResolvedPrometheusQuery",
            internal::Redact(task.metric.prometheus->query, task.secrets));
      }
      run.status.metric_results.push_back(std::move(created));
      result = &run.status.metric_results.back();
    }
    switch (m.phase) {
      case Phase::kSuccessful:
        ++result->successful;
        ++result->count;
        result->consecutive_error = 0;
        ++result->consecutive_success;
        break;
      case Phase::kFailed:
        ++result->failed;
        ++result->count;
        result->consecutive_error = 0;
        result->consecutive_success = 0;
        break;
      case Phase::kInconclusive:
        ++result->inconclusive;
        ++result->count;
        result->consecutive_error = 0;
        result->consecutive_success = 0;
        break;
      default:
        ++result->error;
        ++result->consecutive_error;
        result->consecutive_success = 0;
        break;
    }
    result->measurements.push_back(std::move(m));
  }
  Assess(run, *resolved, now);
}

void AssessRun(AnalysisRun& run, TimePoint now) { RecordMeasurements(run, {}, {}, now); }

void FailRun(AnalysisRun& run, const Error& error, TimePoint now) {
  run.status.phase = Phase::kError;
  run.status.message = error.message();
  if (!run.status.started_at) run.status.started_at = now;
  if (!run.status.completed_at) run.status.completed_at = now;
}

std::optional<TimePoint> NextReconcileTime(const AnalysisRun& run) {
  if (IsCompleted(run.status.phase)) return std::nullopt;
  auto resolved = internal::ResolveRun(run, nullptr, nullptr);
  if (!resolved.ok()) return std::nullopt;
  std::optional<TimePoint> next;
  auto consider = [&next](TimePoint at) {
    if (!next || at < *next) next = at;
  };
  TimePoint started = run.status.started_at.value_or(TimePoint{});
  for (const Metric& metric : resolved->metrics) {
    const MetricResult* result = FindMetricResult(run, metric.name);
    if (result != nullptr && IsCompleted(result->phase)) continue;
    if (result == nullptr || result->measurements.empty()) {
      consider(metric.initial_delay ? started + *metric.initial_delay : started);
      continue;
    }
    std::optional<int64_t> count = metric.EffectiveCount();
    if (count && result->count >= *count) continue;
    const Measurement& last = result->measurements.back();
    if (last.phase != Phase::kError && !metric.interval) continue;
    consider(FinishedAt(last) + NextInterval(metric, last));
  }
  return next;
}

std::optional<TimePoint> Reconcile(AnalysisRun& run, TimePoint now, MetricProvider& provider,
                                   const SecretLookup& secrets) {
  if (IsCompleted(run.status.phase)) return std::nullopt;
  auto due = DueMeasurements(run, now, secrets);
  if (!due.ok()) {
    FailRun(run, due.error(), now);
    return std::nullopt;
  }
  std::vector<ProviderResult> results(due->size());
  if (due->size() == 1) {
    results[0] = provider.Measure((*due)[0].metric);
  } else if (!due->empty()) {
    // As Argo's goroutines: a slow provider does not delay the other metrics.
    std::vector<std::future<ProviderResult>> pending;
    for (const DueMeasurement& task : *due) {
      pending.push_back(std::async(std::launch::async,
                                   [&provider, &task] { return provider.Measure(task.metric); }));
    }
    for (size_t i = 0; i < pending.size(); ++i) results[i] = pending[i].get();
  }
  // Measurements are stamped on the caller's clock: `now` plus the time the provider took,
  // so that a controller (or a test) driving time itself sees consistent intervals.
  TimePoint recorded = now;
  for (ProviderResult& result : results) {
    Duration took = result.finished_at > result.started_at ? result.finished_at - result.started_at
                                                           : Duration(0);
    result.started_at = now;
    result.finished_at = now + took;
    recorded = std::max(recorded, result.finished_at);
  }
  RecordMeasurements(run, *due, results, recorded);
  return NextReconcileTime(run);
}

}  // namespace capstan::rollout::analysis
