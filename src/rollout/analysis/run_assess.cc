// The verdicts of metrics and of the run, as Argo's assessRunStatus, assessMetricStatus
// and assessMetricFailureInconclusiveOrError (analysis/analysis.go).
#include <string>

#include "rollout/analysis/internal/run_internal.h"

namespace capstan::rollout::analysis::internal {
namespace {

struct Verdict {
  std::optional<Phase> phase;  // Failed, Inconclusive or Error when a limit is passed
  std::string message;         // "failed (4) > failureLimit (3)"
};

// Later rules win, as in Argo: an Error outranks an Inconclusive outranks a Failed here.
Verdict FailureInconclusiveOrError(const Metric& metric, const MetricResult& result) {
  Verdict verdict;
  if (metric.failure_limit >= 0 && result.failed > metric.failure_limit) {
    verdict.phase = Phase::kFailed;
    verdict.message = "failed (" + std::to_string(result.failed) + ") > failureLimit (" +
                      std::to_string(metric.failure_limit) + ")";
  }
  if (result.inconclusive > metric.inconclusive_limit) {
    verdict.phase = Phase::kInconclusive;
    verdict.message = "inconclusive (" + std::to_string(result.inconclusive) +
                      ") > inconclusiveLimit (" + std::to_string(metric.inconclusive_limit) + ")";
  }
  if (result.consecutive_error > metric.consecutive_error_limit) {
    verdict.phase = Phase::kError;
    verdict.message = "consecutiveErrors (" + std::to_string(result.consecutive_error) +
                      ") > consecutiveErrorLimit (" +
                      std::to_string(metric.consecutive_error_limit) + ")";
  }
  return verdict;
}

Phase AssessMetric(const Metric& metric, const MetricResult& result, bool terminating) {
  if (IsCompleted(result.phase)) return result.phase;
  if (result.measurements.empty()) return terminating ? Phase::kSuccessful : Phase::kPending;
  if (!IsCompleted(result.measurements.back().phase)) return Phase::kRunning;
  Verdict verdict = FailureInconclusiveOrError(metric, result);
  if (verdict.phase) return *verdict.phase;
  bool success_applicable = metric.consecutive_success_limit > 0;
  if (success_applicable && result.consecutive_success >= metric.consecutive_success_limit) {
    return Phase::kSuccessful;
  }
  std::optional<int64_t> count = metric.EffectiveCount();
  if (count && result.count >= *count) {
    // failureLimit and consecutiveSuccessLimit were checked above and not reached.
    bool failure_applicable = metric.failure_limit >= 0;
    if (failure_applicable && success_applicable) return Phase::kInconclusive;
    if (success_applicable) return Phase::kFailed;
    return Phase::kSuccessful;
  }
  // A metric without a count runs until the run is stopped.
  return terminating ? Phase::kSuccessful : Phase::kRunning;
}

void Count(RunSummary& summary, std::optional<Phase> phase) {
  switch (phase.value_or(Phase::kSuccessful)) {
    case Phase::kError:
      ++summary.error;
      break;
    case Phase::kFailed:
      ++summary.failed;
      break;
    case Phase::kInconclusive:
      ++summary.inconclusive;
      break;
    default:
      ++summary.successful;
      break;
  }
}

}  // namespace

std::pair<Phase, std::string> AssessRunStatus(AnalysisRun& run, const ResolvedRun& resolved,
                                              TimePoint now) {
  bool terminating = IsTerminating(run);
  if (!run.status.started_at) run.status.started_at = now;
  std::optional<Phase> worst;
  std::string worst_message = run.spec.terminate ? "Run Terminated" : "";
  bool everything_completed = true;
  RunSummary summary;
  RunSummary dry_summary;

  for (const Metric& metric : resolved.metrics) {
    auto dry = resolved.dry_run.find(metric.name);
    bool dry_run = dry != resolved.dry_run.end() && dry->second;
    ++(dry_run ? dry_summary : summary).count;
    MetricResult* result = FindResult(run, metric.name);
    if (result == nullptr) {  // not started yet (an initialDelay)
      everything_completed = false;
      continue;
    }
    Phase phase = AssessMetric(metric, *result, terminating);
    if (result->phase != phase) {
      if (!result->measurements.empty()) result->message = result->measurements.back().message;
      result->phase = phase;
    }
    if (!IsCompleted(phase)) {
      everything_completed = false;
      continue;
    }
    Verdict verdict = FailureInconclusiveOrError(metric, *result);
    if (!dry_run) {
      if (!worst || static_cast<int>(phase) > static_cast<int>(*worst)) {
        worst = phase;
        if (!verdict.message.empty()) {
          worst_message = "Metric \"" + metric.name + "\" assessed " +
                          std::string(PhaseName(phase)) + " due to " + verdict.message;
          if (!result->message.empty())
            worst_message += ": \"Error Message: " + result->message + "\"";
        }
      }
      Count(summary, verdict.phase);
    } else {
      if (!worst) worst = Phase::kSuccessful;
      if (!verdict.message.empty()) {
        result->message =
            "Metric assessed " + std::string(PhaseName(phase)) + " due to " + verdict.message;
      }
      Count(dry_summary, verdict.phase);
    }
  }
  run.status.run_summary = summary;
  run.status.dry_run_summary = dry_summary;
  while (!worst_message.empty() && worst_message.back() == ' ') worst_message.pop_back();
  if (terminating) return {worst.value_or(Phase::kSuccessful), worst_message};
  if (!everything_completed || !worst) return {Phase::kRunning, ""};
  return {*worst, worst_message};
}

void TrimMeasurements(AnalysisRun& run, const ResolvedRun& resolved) {
  for (MetricResult& result : run.status.metric_results) {
    auto rule = resolved.retention.find(result.name);
    size_t limit =
        rule != resolved.retention.end() ? static_cast<size_t>(rule->second) : kMaxMeasurementsKept;
    if (result.measurements.size() > limit) {
      result.measurements.erase(result.measurements.begin(),
                                result.measurements.end() - static_cast<ptrdiff_t>(limit));
    }
  }
}

}  // namespace capstan::rollout::analysis::internal
