// The canary strategy: Argo's rollout/canary.go — the sync's named steps, replica counts per
// step, pause steps, when a step is complete, and the status it leaves.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "rollout/reconcile_internal.h"
#include "target/local/workload/internal/objects.h"

namespace capstan::rollout::internal {

namespace wl = target::local::workload::internal;

std::optional<int64_t> RolloutSync::CurrentStepIndex() const {
  if (!spec_.canary || spec_.canary->steps.empty()) return std::nullopt;
  return prev_.current_step_index.value_or(0);
}

const CanaryStep* RolloutSync::CurrentStep() const {
  std::optional<int64_t> index = CurrentStepIndex();
  if (!index || *index >= static_cast<int64_t>(spec_.canary->steps.size()) || *index < 0) {
    return nullptr;
  }
  return &spec_.canary->steps[*index];
}

std::string RolloutSync::StepHash() const {
  if (!spec_.canary) return "";
  return wl::ShortHash(spec_.canary->steps_as_written);
}

bool RolloutSync::PodTemplateChanged() const {
  return !prev_.current_pod_hash.empty() && prev_.current_pod_hash != NewHash();
}

bool RolloutSync::PodTemplateOrStepsChanged() const {
  return prev_.current_step_hash.empty() || prev_.current_step_hash != StepHash() ||
         PodTemplateChanged();
}

CanaryPosition RolloutSync::Position() const {
  CanaryPosition position;
  position.step_index = prev_.current_step_index;
  position.aborted = prev_.abort;
  position.promote_full = prev_.promote_full;
  position.stable_hash = prev_.stable_rs;
  position.current_hash = prev_.current_pod_hash;
  if (New() != nullptr && Stable() != nullptr) {
    position.canary_rs = New()->Size();
    position.stable_rs = Stable()->Size();
  }
  return position;
}

CanaryCounts RolloutSync::BasicCanaryCounts() const {
  BasicCanaryInput input;
  input.replicas = spec_.replicas;
  input.desired_weight = CanaryReplicasOrWeight(spec_, Position()).weight;
  input.max_surge = CanaryMaxSurge(spec_);
  input.max_unavailable = RolloutMaxUnavailable(spec_);
  if (New() != nullptr) input.canary = New()->Size();
  if (StableExistsApart()) input.stable = Stable()->Size();
  for (size_t i = 0; i < rs_.size(); ++i) {
    if (i != new_ && i != stable_) input.others.push_back(rs_[i].Size());
  }
  return CalculateReplicaCountsForBasicCanary(input);
}

CanaryCounts RolloutSync::TrafficRoutedCounts(const std::optional<TrafficWeights>& weights) const {
  TrafficRoutedCanaryInput input;
  input.replicas = spec_.replicas;
  input.desired = CanaryReplicasOrWeight(spec_, Position());
  input.max_weight = spec_.canary->traffic_routing->max_traffic_weight;
  input.dynamic_stable_scale = spec_.canary->dynamic_stable_scale;
  input.min_pods_per_replica_set = spec_.canary->min_pods_per_replica_set;
  if (weights) input.current_weights = CanaryCounts{weights->canary.weight, weights->stable.weight};
  input.aborted = prev_.abort;
  return CalculateReplicaCountsForTrafficRoutedCanary(input);
}

bool RolloutSync::AtDesiredReplicaCountsForCanary() const {
  bool routed = spec_.canary->traffic_routing.has_value();
  CanaryCounts desired = routed ? TrafficRoutedCounts(next_.canary.weights) : BasicCanaryCounts();
  const RsState* canary = New();
  // All desired canary pods exist and are available.
  if (canary == nullptr || canary->replicas() != desired.canary ||
      canary->available() != desired.canary) {
    return false;
  }
  if (!routed || !spec_.canary->dynamic_stable_scale) {
    const RsState* stable = Stable();
    if (stable == nullptr || stable->replicas() != desired.stable ||
        stable->status_replicas() != desired.stable) {
      return false;
    }
  }
  if (!routed) {
    // Without a router every pod serves traffic: older ReplicaSets must be gone.
    for (size_t i = 0; i < rs_.size(); ++i) {
      if (i != new_ && i != stable_ && rs_[i].available() != 0) return false;
    }
  }
  return true;
}

bool RolloutSync::ReconcileCanaryStableReplicaSet() {
  if (!StableExistsApart()) return false;
  int64_t stable = spec_.canary->traffic_routing
                       // The weights as listed, not as just set: the stable scales down in a
                       // later sync, after the router has moved traffic off it.
                       ? TrafficRoutedCounts(prev_.canary.weights).stable
                       : BasicCanaryCounts().stable;
  return ScaleReplicaSet(*Stable(), stable);
}

bool RolloutSync::ReconcileCanaryReplicaSets() {
  if (!HaltProgress().empty()) return false;
  RemoveScaleDownDeadlines();
  if (ReconcileCanaryStableReplicaSet()) return true;
  if (ReconcileNewReplicaSet()) return true;
  return ReconcileOtherReplicaSets();
}

bool RolloutSync::ReconcileCanaryPause() {
  if (spec_.paused || prev_.promote_full) return false;
  const CanaryStep* step = CurrentStep();
  if (step == nullptr || step->kind != CanaryStep::Kind::kPause) return false;
  const PauseCondition* pause = prev_.FindPause(kPauseCanaryStep);
  if (pause == nullptr) {
    // No pause condition: either the controller has not paused yet, or a promote cleared it
    // (controllerPause stays set until the step completes).
    if (!prev_.controller_pause) pause_.add_reasons.emplace_back(kPauseCanaryStep);
    return true;
  }
  if (step->pause_seconds)
    RequeueAt(pause->start_time + std::chrono::seconds(*step->pause_seconds));
  return true;
}

int64_t RolloutSync::ScaleDownOldReplicaSetsForCanary(std::vector<RsState*> old) {
  // Unhealthy replicas first, so that they cannot block the release
  // (kubernetes/kubernetes#16737).
  std::map<const RsState*, int64_t> replicas;
  int64_t total = 0;
  for (RsState* rs : old) {
    replicas[rs] = rs->replicas();
    if (rs->replicas() == 0 || rs->replicas() == rs->available()) continue;
    total += rs->replicas() - rs->available();
    ScaleReplicaSet(*rs, rs->available());
    replicas[rs] = rs->available();
  }
  int64_t available = 0;
  for (const RsState& rs : rs_) available += rs.available();
  int64_t max_scale_down = available - (spec_.replicas - RolloutMaxUnavailable(spec_));
  if (max_scale_down <= 0) return 0;
  // Newest revision first.
  std::stable_sort(old.begin(), old.end(), [](const RsState* a, const RsState* b) {
    return a->revision().value_or(0) > b->revision().value_or(0);
  });
  bool routed = spec_.canary->traffic_routing.has_value();
  bool fully_promoted = prev_.stable_rs == prev_.current_pod_hash;
  int64_t annotated = 0;
  for (RsState* rs : old) {
    if (routed && IsReplicaSetReferenced(*rs)) continue;  // interrupted update: still in use
    if (max_scale_down <= 0) break;
    int64_t current = replicas[rs];
    if (current == 0) continue;
    int64_t desired = 0;
    if (!routed) {
      // Without a router the old pods serve traffic: scale down as availability allows.
      if (current > max_scale_down) desired = current - max_scale_down;
    } else if (fully_promoted || rs->HasScaleDownDeadline()) {
      // The previous stable: at once with dynamicStableScale, else after scaleDownDelaySeconds.
      if (!spec_.canary->dynamic_stable_scale) {
        std::tie(annotated, desired) = ScaleDownDelayHelper(*rs, annotated, current);
      }
    }
    // Otherwise an intermediate release (v2 replaced by v3 mid-update): no traffic, goes now.
    if (current == desired) continue;
    ScaleReplicaSet(*rs, desired);
    max_scale_down -= current - desired;
    total += current - desired;
  }
  return total;
}

bool RolloutSync::CompletedCurrentCanaryStep() const {
  if (spec_.paused) return false;
  const CanaryStep* step = CurrentStep();
  if (step == nullptr) return false;
  switch (step->kind) {
    case CanaryStep::Kind::kPause:
      return CompletedCanaryPauseStep(*step);
    case CanaryStep::Kind::kSetCanaryScale:
      return AtDesiredReplicaCountsForCanary();
    case CanaryStep::Kind::kSetWeight:
      if (!AtDesiredReplicaCountsForCanary()) return false;
      return !(next_.canary.weights && next_.canary.weights->verified == false);
    case CanaryStep::Kind::kAnalysis:
      return current_runs_.step != nullptr &&
             current_runs_.step->StringAt({"status", "phase"}) == "Successful";
    case CanaryStep::Kind::kSetHeaderRoute:
      return true;
  }
  return false;
}

void RolloutSync::SyncRolloutStatusCanary() {
  RolloutStatus next = CalculateBaseStatus();
  CountAllReplicaSets(next);
  next.selector = FormatLabelSelector(spec_.selector);
  std::optional<int64_t> index = CurrentStepIndex();
  next.stable_rs = prev_.stable_rs;
  next.current_step_hash = StepHash();
  auto step_count = static_cast<int64_t>(spec_.canary->steps.size());

  if (PodTemplateOrStepsChanged()) {
    ResetRolloutStatus(next);
    // Back to the stable ReplicaSet (an undo, or the old template re-applied): skip the steps.
    if (step_count > 0 && prev_.stable_rs == NewHash()) next.current_step_index = step_count;
    PersistRolloutStatus(std::move(next));
    return;
  }
  if (prev_.promote_full) {
    pause_.clear = true;
    pause_.remove_abort = true;
    if (step_count > 0) index = step_count;
  }
  if (std::string reason = ShouldFullPromote(next); !reason.empty()) {
    PromoteStable(next, reason);
    PersistRolloutStatus(std::move(next));
    return;
  }
  if (IsAborted()) {
    if (step_count > 0)
      next.current_step_index = next.stable_rs == next.current_pod_hash ? step_count : 0;
    PersistRolloutStatus(std::move(next));
    return;
  }
  if (CompletedCurrentCanaryStep()) {
    ++*index;
    next.canary.current_step_analysis_run_status.reset();
    pause_.remove_reasons.emplace_back(kPauseCanaryStep);
  }
  next.current_step_index = index;
  PersistRolloutStatus(std::move(next));
}

void RolloutSync::RolloutCanary() {
  if (PodTemplateOrStepsChanged()) {
    SyncRolloutStatusCanary();
    return;
  }
  ReconcileEphemeralMetadata();
  ReconcileRevisionHistoryLimit();
  ReconcileStableAndCanaryService();
  ReconcileTrafficRouting();
  ReconcileAnalysisRuns();
  if (HasAddPause()) {  // an inconclusive analysis
    SyncRolloutStatusCanary();
    return;
  }
  if (ReconcileCanaryReplicaSets() || ReconcileCanaryPause()) {
    SyncRolloutStatusCanary();
    return;
  }
  SyncRolloutStatusCanary();
}

}  // namespace capstan::rollout::internal
