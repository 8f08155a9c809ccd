#include <string>

#include "rollout/analysis/internal/fields.h"
#include "rollout/analysis/internal/run_internal.h"
#include "rollout/analysis/internal/spec_parts.h"

namespace capstan::rollout::analysis::internal {
namespace {

// What a secretKeyRef arg holds while phases are assessed without reading the Secret
// (Argo's stand-in).
constexpr std::string_view kSecretStandIn = "temp-for-secret";

}  // namespace

Result<ResolvedRun> ResolveRun(const AnalysisRun& run, const SecretLookup* secrets,
                               std::vector<std::string>* secret_values) {
  std::vector<Argument> args = run.spec.args;
  for (Argument& arg : args) {
    if (!arg.secret_key_ref) continue;
    if (secrets == nullptr || !*secrets) {
      if (secrets != nullptr) {
        return Error::Invalid("Unable to resolve metric arguments: args." + arg.name +
                              " reads Secret " + arg.secret_key_ref->name +
                              ", but no Secret lookup was given");
      }
      arg.value = std::string(kSecretStandIn);
      continue;
    }
    auto value = (*secrets)(*arg.secret_key_ref);
    if (!value.ok()) {
      return Error(value.error().code(), "Unable to resolve metric arguments: args." + arg.name +
                                             ": " + value.error().message());
    }
    if (secret_values != nullptr) secret_values->push_back(*value);
    arg.value = std::move(*value);
  }
  ResolvedRun resolved;
  if (run.spec.metrics.empty())
    return Error::Invalid("Analysis spec invalid: no metrics specified");
  for (size_t i = 0; i < run.spec.metrics.size(); ++i) {
    auto substituted = SubstituteArgs(run.spec.metrics[i], args);
    if (!substituted.ok()) {
      return Error::Invalid("Unable to resolve metric arguments: " + substituted.error().message());
    }
    auto metric = ParseMetric(*substituted, Item("metrics", i));
    if (!metric.ok()) return Error::Invalid("Analysis spec invalid: " + metric.error().message());
    for (const Metric& previous : resolved.metrics) {
      if (previous.name == metric->name) {
        return Error::Invalid("Analysis spec invalid: metrics[" + std::to_string(i) +
                              "]: duplicate name '" + metric->name + "'");
      }
    }
    resolved.metrics.push_back(std::move(*metric));
  }
  for (size_t i = 0; i < run.spec.dry_run.size(); ++i) {
    int matches = 0;
    for (const Metric& metric : resolved.metrics) {
      if (RuleMatches(run.spec.dry_run[i].metric_name, metric.name)) {
        resolved.dry_run[metric.name] = true;
        ++matches;
      }
    }
    if (matches == 0) {
      return Error::Invalid("Analysis spec invalid: dryRun[" + std::to_string(i) +
                            "]: Rule didn't match any metric name(s)");
    }
  }
  for (size_t i = 0; i < run.spec.measurement_retention.size(); ++i) {
    const MeasurementRetention& rule = run.spec.measurement_retention[i];
    int matches = 0;
    for (const Metric& metric : resolved.metrics) {
      if (RuleMatches(rule.metric_name, metric.name)) {
        if (rule.limit > 0) resolved.retention[metric.name] = rule.limit;
        ++matches;
      }
    }
    if (matches == 0) {
      return Error::Invalid("Analysis spec invalid: measurementRetention[" + std::to_string(i) +
                            "]: Rule didn't match any metric name(s)");
    }
  }
  return resolved;
}

bool IsTerminating(const AnalysisRun& run) {
  if (run.spec.terminate) return true;
  for (const MetricResult& result : run.status.metric_results) {
    if (result.dry_run) continue;
    if (result.phase == Phase::kFailed || result.phase == Phase::kError ||
        result.phase == Phase::kInconclusive) {
      return true;
    }
  }
  return false;
}

MetricResult* FindResult(AnalysisRun& run, std::string_view name) {
  for (MetricResult& result : run.status.metric_results) {
    if (result.name == name) return &result;
  }
  return nullptr;
}

std::string Redact(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    size_t at = 0;
    while ((at = text.find(secret, at)) != std::string::npos) {
      text.replace(at, secret.size(), "*****");
      at += 5;
    }
  }
  return text;
}

}  // namespace capstan::rollout::analysis::internal
