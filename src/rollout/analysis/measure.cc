// A measurement's verdict from its provider result: Argo's EvaluateResult
// (utils/evaluate/evaluate.go), preceded by the no-data rule.
#include <string>

#include "rollout/analysis/run.h"

namespace capstan::rollout::analysis {
namespace {

bool NilOrEmpty(const Value& value) {
  return value.is_null() || (value.is_array() && value.as_array().empty());
}

// Why a condition could not be evaluated, in Argo's words.
std::string EvalError(std::string_view which, const Expression& condition, const Value& result,
                      const Error& error) {
  std::string prefix =
      "could not evaluate " + std::string(which) + " \"" + condition.text() + "\": ";
  if (NilOrEmpty(result)) {
    return prefix + "metric result is nil or empty: no data returned from the metric provider";
  }
  return prefix + error.message();
}

}  // namespace

Measurement EvaluateMeasurement(const Metric& metric, const ProviderResult& result, TimePoint now) {
  Measurement m;
  m.started_at = result.started_at == TimePoint{} ? now : result.started_at;
  m.finished_at = result.finished_at == TimePoint{} ? now : result.finished_at;
  m.metadata = result.metadata;
  if (!result.error.empty()) {
    m.phase = Phase::kError;
    m.message = result.error;
    return m;
  }
  m.value = result.value;
  if (result.no_data) {
    // Never Successful, whatever the conditions say: a canary without traffic proves
    // nothing. Inconclusive pauses the rollout for a person to look.
    m.phase = Phase::kInconclusive;
    m.message =
        result.no_data_message.empty() ? std::string(kNoDataMessage) : result.no_data_message;
    return m;
  }
  static const Value kNil;
  const Value& value = result.result ? *result.result : kNil;
  bool success = false;
  bool failure = false;
  if (metric.success) {
    auto verdict = metric.success->EvaluateBool(value);
    if (!verdict.ok()) {
      m.phase = Phase::kError;
      m.message = EvalError("successCondition", *metric.success, value, verdict.error());
      return m;
    }
    success = *verdict;
  }
  if (metric.failure) {
    auto verdict = metric.failure->EvaluateBool(value);
    if (!verdict.ok()) {
      m.phase = Phase::kError;
      m.message = EvalError("failureCondition", *metric.failure, value, verdict.error());
      return m;
    }
    failure = *verdict;
  }
  if (!metric.success && !metric.failure) {
    m.phase = Phase::kSuccessful;  // no conditions: any value passes
    return m;
  }
  if (metric.success && !metric.failure) failure = !success;
  if (!metric.success && metric.failure) success = !failure;
  if (failure) {
    m.phase = Phase::kFailed;
  } else if (!success) {
    m.phase = Phase::kInconclusive;  // both conditions set, neither true
  } else {
    m.phase = Phase::kSuccessful;
  }
  return m;
}

}  // namespace capstan::rollout::analysis
