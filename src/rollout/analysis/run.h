// Running an AnalysisRun: which measurements are due, what a measurement's verdict is, and
// what the metrics' and the run's phases become, as Argo Rollouts' analysis controller
// decides them (analysis/analysis.go). Pure functions on the run's value; the only I/O is
// the MetricProvider the caller passes to Reconcile.
//
// The controller's loop for one run:
//   auto due = DueMeasurements(run, now, secrets);      // 1. what to measure now
//   if (!due.ok()) { FailRun(run, due.error(), now); } // (args or spec invalid: Error)
//   else {
//     results[i] = provider.Measure(due[i].metric);    // 2. measure (I/O, in parallel)
//     RecordMeasurements(run, *due, results, now);     // 3. verdicts, phases, message
//   }
//   run.status.phase ...; NextReconcileTime(run)       // 4. read, save, requeue
// or all of it at once with Reconcile(run, now, provider, secrets).
//
// The rules, with Argo's defaults (failureLimit 0, inconclusiveLimit 0,
// consecutiveErrorLimit 4):
//   measurement  no data (empty vector, NaN) -> Inconclusive, whatever the conditions say;
//                otherwise successCondition / failureCondition as Argo: only success set
//                and false -> Failed; only failure set and false -> Successful; both set and
//                neither true -> Inconclusive; none set -> Successful; a condition that
//                cannot be evaluated -> Error.
//   metric       failed > failureLimit (unless -1) -> Failed; inconclusive >
//                inconclusiveLimit -> Inconclusive; consecutiveError > consecutiveErrorLimit
//                -> Error (later rules win); consecutiveSuccess >= consecutiveSuccessLimit
//                (when > 0) -> Successful; count reached -> Successful (Inconclusive or
//                Failed when a consecutiveSuccessLimit was not met); else Running.
//                Worked example, failureLimit 3, interval 5m, no count: Failed on the 4th
//                failed measurement, 20 minutes in at the earliest.
//   run          Running until every metric completed, or one (not dry-run) is Failed,
//                Error or Inconclusive, which stops the others; then the worst metric by
//                Successful < Running < Pending < Inconclusive < Error < Failed. Dry-run
//                metrics are measured and recorded but never decide the phase.
//   timing       first measurement at startedAt + initialDelay; then every interval after
//                the previous measurement finished; 10 s after an Error.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "rollout/analysis/analysis.h"
#include "rollout/analysis/providers.h"

namespace capstan::rollout::analysis {

// How long after an Error measurement the metric is measured again (Argo's
// DefaultErrorRetryInterval).
inline constexpr std::chrono::seconds kErrorRetryInterval{10};

// Measurements kept per metric when no measurementRetention rule matches it. Argo keeps 10;
// capstan keeps every measurement so that the history of a rollout is complete, bounded
// for the size of the stored object (1,000 five-minute measurements are three days).
inline constexpr size_t kMaxMeasurementsKept = 1000;

// One measurement to take now.
struct DueMeasurement {
  std::string metric_name;
  // The metric with every arg substituted, secrets included: give it to the provider,
  // never log it.
  Metric metric;
  // Secret values used in it, redacted ("*****") from recorded messages.
  std::vector<std::string> secrets;
};

// The measurements due at `now`, in spec order. Nothing is due in a completed run, in a
// terminating one (spec.terminate, or a metric already Failed, Error or Inconclusive), for
// a completed metric, before startedAt + initialDelay (a run not yet started starts at
// `now`), or before the interval since the last measurement has passed.
// Errors (Invalid): an arg cannot be resolved ("Unable to resolve metric arguments: ...")
// or a metric is invalid ("Analysis spec invalid: ..."); pass them to FailRun. `secrets`
// may be empty when no arg uses a secretKeyRef.
Result<std::vector<DueMeasurement>> DueMeasurements(const AnalysisRun& run, TimePoint now,
                                                    const SecretLookup& secrets = {});

// The verdict on one provider result: phase, value, message and times (the provider's,
// or `now` when it gave none). Pure.
Measurement EvaluateMeasurement(const Metric& metric, const ProviderResult& result, TimePoint now);

// Records results[i] as the measurement of due[i], updates the metric's counters as Argo
// does (an Error does not count towards `count`), then re-assesses every metric and the
// run: phases, status.message ("Metric \"success-rate\" assessed Failed due to failed (4) >
// failureLimit (3)"), runSummary, dryRunSummary, startedAt, completedAt, and trims
// measurements to their retention. REQUIRES: results.size() == due.size() (missing results
// are recorded as Errors).
void RecordMeasurements(AnalysisRun& run, const std::vector<DueMeasurement>& due,
                        const std::vector<ProviderResult>& results, TimePoint now);

// Re-assesses phases without new measurements (after setting spec.terminate, or when a
// delay passed). Same as RecordMeasurements with nothing due.
void AssessRun(AnalysisRun& run, TimePoint now);

// Ends a run whose args or metrics are unusable: phase Error, the error as the message.
void FailRun(AnalysisRun& run, const Error& error, TimePoint now);

// When the run next needs attention: the earliest next measurement of its unfinished
// metrics; nullopt when the run is completed or nothing is scheduled.
std::optional<TimePoint> NextReconcileTime(const AnalysisRun& run);

// Steps 1-3 above with `provider`, measuring due metrics in parallel. Measurements are
// stamped `now` (started) and `now` plus the time the provider took (finished), so a
// caller that drives time itself sees consistent intervals. Returns NextReconcileTime. A
// completed run is left unchanged.
std::optional<TimePoint> Reconcile(AnalysisRun& run, TimePoint now, MetricProvider& provider,
                                   const SecretLookup& secrets = {});

// The metric result of `name`, or nullptr.
const MetricResult* FindMetricResult(const AnalysisRun& run, std::string_view name);

}  // namespace capstan::rollout::analysis
