// AnalysisMeasurer: takes AnalysisRuns' measurements off the Rollout controller's thread.
// A Prometheus query can take up to its timeout (30 s by default); measured inline, one slow
// or unreachable metrics server would hold back every other Rollout's steps. The controller
// submits a run's due measurements and goes on; a worker measures them (each metric of the
// run in turn), keeps the results under the run's key and wakes the controller, whose next
// pass records them with RecordMeasurements. One batch per run is in flight at a time.
//
// Thread safety: every method is safe from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "rollout/analysis/providers.h"
#include "rollout/analysis/run.h"

namespace capstan::controller {

class AnalysisMeasurer {
 public:
  // What a worker measured for one run.
  struct Batch {
    std::vector<rollout::analysis::DueMeasurement> due;
    std::vector<rollout::analysis::ProviderResult> results;  // one per due, same order
    rollout::analysis::TimePoint finished_at;
  };

  // `provider` is not owned and must outlive this; `on_done` is called (from a worker) when
  // a batch finished. `workers` threads measure.
  AnalysisMeasurer(rollout::analysis::MetricProvider& provider, int workers,
                   std::function<void()> on_done);
  ~AnalysisMeasurer();  // waits for the measurements in progress
  AnalysisMeasurer(const AnalysisMeasurer&) = delete;
  AnalysisMeasurer& operator=(const AnalysisMeasurer&) = delete;

  // Whether a batch of `key` is queued or being measured.
  bool InFlight(const std::string& key) const;
  // Queues `due` for `key`; ignored when one is in flight already.
  void Submit(const std::string& key, std::vector<rollout::analysis::DueMeasurement> due);
  // The finished batch of `key`, handed over once; nullopt when there is none.
  std::optional<Batch> Take(const std::string& key);

 private:
  void Work();

  rollout::analysis::MetricProvider& provider_;
  const std::function<void()> on_done_;

  mutable std::mutex mu_;
  std::condition_variable work_;
  std::deque<std::string> queue_;                                                  // guarded by mu_
  std::map<std::string, std::vector<rollout::analysis::DueMeasurement>> pending_;  // by mu_
  std::map<std::string, Batch> finished_;                                          // guarded by mu_
  std::map<std::string, bool> busy_;  // queued or running keys; guarded by mu_
  bool stopping_ = false;             // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace capstan::controller
