// Shared by the run's step functions (run_resolve.cc, run_assess.cc, run_step.cc).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "rollout/analysis/run.h"

namespace capstan::rollout::analysis::internal {

// The run's metrics with args substituted, and the dryRun and retention rules applied.
struct ResolvedRun {
  std::vector<Metric> metrics;  // spec order
  std::map<std::string, bool, std::less<>> dry_run;
  std::map<std::string, int64_t, std::less<>> retention;  // metric -> limit (> 0)
};

// Resolves every metric. With `secrets`, secretKeyRef args get their real values (listed in
// `secret_values`); without, a stand-in value, enough to assess phases (as Argo's
// getResolvedMetricsWithoutSecrets). Errors carry Argo's prefixes: "Unable to resolve
// metric arguments: ..." and "Analysis spec invalid: ...".
Result<ResolvedRun> ResolveRun(const AnalysisRun& run, const SecretLookup* secrets,
                               std::vector<std::string>* secret_values);

// A run stops taking measurements when asked to (spec.terminate) or once a metric that is
// not a dry run is Failed, Error or Inconclusive.
bool IsTerminating(const AnalysisRun& run);

MetricResult* FindResult(AnalysisRun& run, std::string_view name);

// One pass of Argo's assessRunStatus: metric phases and messages, summaries, startedAt;
// returns the run's phase and message.
std::pair<Phase, std::string> AssessRunStatus(AnalysisRun& run, const ResolvedRun& resolved,
                                              TimePoint now);

// Trims each metric's measurements to its retention limit (oldest go first).
void TrimMeasurements(AnalysisRun& run, const ResolvedRun& resolved);

// `text` with every non-empty secret replaced by "*****".
std::string Redact(std::string text, const std::vector<std::string>& secrets);

}  // namespace capstan::rollout::analysis::internal
