// The Rollout controller's working state for one sync, split over files by concern as
// Argo's rollout/ package is: reconcile.cc (context and dispatch), replica_sets.cc (creating,
// scaling, scale-down delays, history), ephemeral_metadata.cc (role labels on ReplicaSets and
// pods), canary.cc, canary_traffic.cc (services and the router's weights), bluegreen.cc,
// analysis_runs.cc, pause.cc, status.cc (conditions, phase, progress deadline).
// Not part of the module's interface.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/value.h"
#include "rollout/canary_math.h"
#include "rollout/reconcile.h"
#include "rollout/rollout.h"

namespace capstan::rollout::internal {

// One ReplicaSet of the Rollout during a sync.
struct RsState {
  Value view;    // what decisions read: as listed (or as created, with 0 replicas)
  Value object;  // as it must be written
  bool created = false;
  bool changed = false;
  size_t order = 0;  // position in the caller's list, to break ties

  std::string_view name() const;
  std::string hash() const;  // rollouts-pod-template-hash
  int64_t replicas() const;  // spec.replicas as listed
  int64_t available() const;
  int64_t ready() const;
  int64_t status_replicas() const;
  std::optional<int64_t> revision() const;  // 0 when missing, nullopt when not a number
  bool HasScaleDownDeadline() const;
  std::optional<TimePoint> ScaleDownDeadline() const;
  std::optional<TimePoint> CreatedAt() const;
  ReplicaSetSize Size() const { return {replicas(), available()}; }
};

// Argo's pauseContext: what this sync adds or removes, applied when the status is written.
struct PauseContext {
  std::vector<std::string> add_reasons, remove_reasons;
  bool clear = false;
  bool add_abort = false;
  bool remove_abort = false;
  std::string abort_message;
};

// The AnalysisRuns the Rollout's status names as current.
struct CurrentRuns {
  const Value* step = nullptr;
  const Value* background = nullptr;
  const Value* pre_promotion = nullptr;
  const Value* post_promotion = nullptr;
};

inline constexpr std::string_view kPauseCanaryStep = "CanaryPauseStep";
inline constexpr std::string_view kPauseBlueGreen = "BlueGreenPause";
inline constexpr std::string_view kPauseInconclusive = "InconclusiveAnalysis";

class RolloutSync {
 public:
  RolloutSync(const Value& rollout, RolloutSpec spec, const std::vector<Value>& replica_sets,
              const std::vector<Value>& pods, const std::vector<Value>& analysis_runs,
              const std::vector<Value>& services, TimePoint now);
  RolloutActions Run();

 private:
  // reconcile.cc
  void ClassifyReplicaSets();
  void ClassifyAnalysisRuns();
  Status CheckServices();
  bool IsScalingEvent() const;
  void SyncReplicasOnly();
  void Finish();
  // status.availableReplicas and HPAReplicas over every ReplicaSet of the Rollout.
  void CountAllReplicaSets(RolloutStatus& next) const;
  RsState* New() { return new_ ? &rs_[*new_] : nullptr; }
  RsState* Stable() { return stable_ ? &rs_[*stable_] : nullptr; }
  const RsState* New() const { return new_ ? &rs_[*new_] : nullptr; }
  const RsState* Stable() const { return stable_ ? &rs_[*stable_] : nullptr; }
  bool StableExistsApart() const { return stable_.has_value() && stable_ != new_; }
  std::vector<RsState*> Others();
  std::vector<const RsState*> All() const;
  std::string NewHash() const { return New() ? New()->hash() : ""; }
  std::string StableHash() const { return Stable() ? Stable()->hash() : ""; }

  // replica_sets.cc
  void CreateNewReplicaSet();
  void SyncReplicaSetRevision();
  void SetRolloutRevision(const std::string& revision);
  bool ScaleReplicaSet(RsState& rs, int64_t replicas);  // true when the size changed
  void AddScaleDownDelay(RsState& rs, std::chrono::seconds delay);
  void RemoveScaleDownDelay(RsState& rs);
  void RemoveScaleDownDeadlines();
  bool ShouldDelayScaleDownOnAbort() const;
  bool ReconcileNewReplicaSet();
  int64_t NewReplicaSetReplicas() const;
  bool ReconcileOtherReplicaSets();
  std::pair<int64_t, int64_t> ScaleDownDelayHelper(RsState& rs, int64_t annotated,
                                                   int64_t rollout_replicas);
  bool IsReplicaSetReferenced(const RsState& rs) const;
  void ReconcileRevisionHistoryLimit();
  std::chrono::seconds ScaleDownDelay() const;
  std::optional<std::chrono::seconds> AbortScaleDownDelay() const;

  // ephemeral_metadata.cc
  void ReconcileEphemeralMetadata();
  void SyncEphemeralMetadata(RsState& rs, const std::optional<PodMetadata>& desired);
  std::optional<PodMetadata> RoleMetadata(std::string_view role) const;

  // canary.cc
  void RolloutCanary();
  bool ReconcileCanaryReplicaSets();
  bool ReconcileCanaryStableReplicaSet();
  bool ReconcileCanaryPause();
  int64_t ScaleDownOldReplicaSetsForCanary(std::vector<RsState*> old);
  bool CompletedCurrentCanaryStep() const;
  bool AtDesiredReplicaCountsForCanary() const;
  void SyncRolloutStatusCanary();
  CanaryPosition Position() const;
  CanaryCounts BasicCanaryCounts() const;
  CanaryCounts TrafficRoutedCounts(const std::optional<TrafficWeights>& weights) const;
  bool PodTemplateOrStepsChanged() const;
  bool PodTemplateChanged() const;
  std::string StepHash() const;
  std::optional<int64_t> CurrentStepIndex() const;  // nullopt: no steps
  const CanaryStep* CurrentStep() const;

  // canary_traffic.cc
  bool ReconcileStableAndCanaryService();
  bool EnsureServiceTargets(const std::string& service, const RsState* rs, bool check_available);
  void SwitchServiceSelector(const std::string& service, const std::string& hash);
  void ReconcileTrafficRouting();
  int64_t DesiredWeightOnAbort() const;
  std::vector<HeaderRoute> HeaderRoutes() const;

  // bluegreen.cc
  void RolloutBlueGreen();
  void ReconcileBlueGreenReplicaSets();
  void ReconcileBlueGreenPause();
  void ReconcileActiveService();
  bool ScaleDownOldReplicaSetsForBlueGreen(std::vector<RsState*> old);
  bool IsBlueGreenFastTracked() const;
  bool ReadyForPause() const;
  bool IsSaturated(const RsState* rs) const;
  bool CompletedBlueGreenPause() const;
  bool CompletedPrePromotionAnalysis() const;
  bool CalculateScaleUpPreviewCheckPoint() const;
  void SyncRolloutStatusBlueGreen();

  // analysis_runs.cc
  void ReconcileAnalysisRuns();
  const Value* ReconcileStepAnalysisRun();
  const Value* ReconcileBackgroundAnalysisRun();
  const Value* ReconcilePrePromotionAnalysisRun();
  const Value* ReconcilePostPromotionAnalysisRun();
  void PauseOrAbortForBlueGreen(const Value* run, bool post_promotion);
  // Inconclusive pauses; Failed or Error aborts with "<what> phase error/failed[: message]".
  void ReactToRunPhase(const Value* run, std::string_view what);
  bool NeedsNewAnalysisRun(const Value* current) const;
  const Value* CreateAnalysisRun(const RolloutAnalysis& analysis, const std::string& infix,
                                 Value labels);
  void TerminateAnalysisRun(const Value* run);
  void DeleteOldAnalysisRuns(const std::vector<const Value*>& others);

  // pause.cc
  bool IsAborted() const;
  bool HasAddPause() const { return !pause_.add_reasons.empty(); }
  std::string HaltProgress() const;
  void CalculatePauseStatus(RolloutStatus& next) const;
  bool CompletedCanaryPauseStep(const CanaryStep& step) const;
  void RequeueAt(TimePoint when);

  // status.cc
  RolloutStatus CalculateBaseStatus();
  void ResetRolloutStatus(RolloutStatus& next);
  std::string ShouldFullPromote(const RolloutStatus& next) const;
  void PromoteStable(RolloutStatus& next, const std::string& reason);
  bool IsRollback() const;
  bool IsFastRollback() const;
  bool CheckPausedConditions();
  void PersistRolloutStatus(RolloutStatus next);
  void CalculateRolloutConditions(RolloutStatus& next);
  void EvaluateProgressDeadlineAbort(const RolloutStatus& next);
  bool RolloutHealthy(const RolloutStatus& next) const;
  bool RolloutProgressing(const RolloutStatus& next) const;
  bool RolloutTimedOut(const RolloutStatus& status) const;
  bool IsIndefiniteStep() const;
  bool IsWaitingForReplicaSetScaleDown();
  void RequeueStuckRollout(const RolloutStatus& next);
  RolloutCondition NewCondition(std::string type, std::string status, std::string reason,
                                std::string message) const;
  int64_t Revision() const;  // the Rollout's revision annotation (0 when missing)

  // The Rollout as given, its parsed spec, and its status as this sync sees it (Argo
  // updates c.rollout.Status in a few places before the final write; so does this).
  const Value& input_;
  const RolloutSpec spec_;
  const RolloutStatus input_status_;
  RolloutStatus prev_;
  RolloutStatus next_;  // Argo's c.newStatus: what the strategy fills in before the write
  PauseContext pause_;
  std::vector<RsState> rs_;
  std::optional<size_t> new_, stable_;
  const std::vector<Value>& pods_;
  std::vector<const Value*> runs_;  // the Rollout's AnalysisRuns
  CurrentRuns current_runs_;
  std::vector<const Value*> other_runs_;
  std::vector<std::string> taken_run_names_;
  std::deque<Value> created_runs_;  // runs requested in this sync, as the next one lists them
  std::map<std::string, const Value*> services_;
  std::map<std::string, std::string> selectors_;  // service -> its pod-template-hash selector
  std::string revision_;                          // the Rollout's revision annotation, as set
  const TimePoint now_;
  RolloutActions actions_;
};

// Argo's CalculateRolloutPhase: the phase and message for a status.
std::pair<std::string, std::string> CalculateRolloutPhase(const RolloutSpec& spec,
                                                          const RolloutStatus& status);

// "app=web,tier in (a,b)", as metav1.FormatLabelSelector writes a selector.
std::string FormatLabelSelector(const Value& selector);

}  // namespace capstan::rollout::internal
