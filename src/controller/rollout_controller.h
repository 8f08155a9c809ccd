// RolloutController: capstan as Argo Rollouts' controller, on every destination it deploys
// to (Kubernetes clusters and the local target) through the Target interface. Each pass
// lists the Rollouts of each target, runs rollout::ReconcileRollout on each with its
// ReplicaSets, pods, AnalysisRuns and Services, and applies what it returns: ReplicaSets
// created and scaled, Service selectors switched, the traffic router set (ingress-nginx's
// canary Ingress, which the local proxy also reads, or an HTTPRoute's weights), AnalysisRuns
// started and stopped, the Rollout's status written. Then it runs the due measurements of
// every AnalysisRun (rollout/analysis) and writes their results.
//
// Everything it writes is applied as target::kRolloutsFieldManager, so a sync from Git never
// takes back a selector or a scale the controller set. Level-triggered: a pass can be
// interrupted and re-run; a Rollout's state is all in its objects.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "controller/analysis_measurer.h"
#include "rollout/analysis/providers.h"
#include "rollout/reconcile.h"
#include "target/target.h"

namespace capstan::controller {

class ReleaseHistory;

struct RolloutControllerOptions {
  // How often every Rollout and AnalysisRun is looked at without being woken. Default 1 s:
  // pauses and analysis intervals are measured in seconds.
  std::chrono::milliseconds resync{1000};
  // Where each step of each release is recorded (release_history.h); not owned, may be null.
  ReleaseHistory* history = nullptr;
  // Threads taking AnalysisRun measurements (analysis_measurer.h), so a slow metrics server
  // never delays a pass. 0: measured inline during RunPass (tests that drive time).
  int measure_workers = 4;
};

class RolloutController {
 public:
  // Targets and provider are not owned and must outlive the controller.
  RolloutController(std::vector<target::Target*> targets,
                    rollout::analysis::MetricProvider& provider,
                    RolloutControllerOptions options = {});
  ~RolloutController();  // Stop()

  void Start();
  void Stop();
  void Wake();

  // One pass over every target at `now` (tests drive time with it). One at a time: not
  // while Start()ed. A Rollout that is settled, whose objects have not changed since its
  // last reconcile and whose timers (pauses, delays, deadlines) are not due is skipped;
  // every Rollout is reconciled at least every kFullResync.
  void RunPass(rollout::TimePoint now);
  static constexpr std::chrono::seconds kFullResync{30};

  // How many Rollouts the last pass reconciled and skipped (for tests and benchmarks).
  struct PassCounts {
    size_t reconciled = 0;
    size_t skipped = 0;
  };
  PassCounts LastPass() const { return last_pass_; }

  // Errors of the last pass per Rollout ("argoproj.io/Rollout ns/name": [...]).
  std::map<std::string, std::vector<std::string>> Errors() const;

 private:
  void Loop();
  void ReconcileTarget(target::Target& target, rollout::TimePoint now);
  void ReconcileRollouts(target::Target& target, const std::vector<Value>& rollouts,
                         rollout::TimePoint now);
  std::vector<std::string> ApplyActions(target::Target& target, const Value& rollout,
                                        const rollout::RolloutActions& actions);
  std::vector<std::string> ApplyTraffic(target::Target& target, const Value& rollout,
                                        const rollout::TrafficState& traffic);
  std::vector<std::string> StartAnalysisRun(target::Target& target, const Value& rollout,
                                            const rollout::AnalysisRunRequest& request);
  void RunAnalyses(target::Target& target, rollout::TimePoint now);

  const std::vector<target::Target*> targets_;
  rollout::analysis::MetricProvider& provider_;
  const RolloutControllerOptions options_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool dirty_ = false;                                      // guarded by mu_
  bool stopping_ = false;                                   // guarded by mu_
  std::map<std::string, std::vector<std::string>> errors_;  // guarded by mu_
  // What the last reconcile of each Rollout saw and asked for, so that a settled Rollout
  // whose objects did not change and whose timers are not due is not reconciled again (as
  // Argo's controller waits for an informer event or a requeue). Touched only by RunPass,
  // which runs one at a time.
  struct LastReconcile {
    std::string inputs;    // resourceVersions of the Rollout and of its namespace's objects
    bool settled = false;  // it asked for nothing and reported no error
    std::optional<rollout::TimePoint> due;  // its requeue_after
    rollout::TimePoint at;
  };
  bool CanSkip(const std::string& key, const std::string& inputs, rollout::TimePoint now) const;
  std::map<std::string, LastReconcile> last_;
  PassCounts last_pass_;  // touched only by RunPass

  std::unique_ptr<AnalysisMeasurer> measurer_;  // null when measure_workers is 0
  std::thread thread_;
};

}  // namespace capstan::controller
