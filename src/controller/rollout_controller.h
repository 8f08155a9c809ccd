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

  // One pass over every target at `now` (tests drive time with it).
  void RunPass(rollout::TimePoint now);

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
  std::unique_ptr<AnalysisMeasurer> measurer_;              // null when measure_workers is 0
  std::thread thread_;
};

}  // namespace capstan::controller
