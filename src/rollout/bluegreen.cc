// The blue/green strategy: Argo's rollout/bluegreen.go — the preview Service on the new
// ReplicaSet, previewReplicaCount, the pause before promotion (autoPromotionSeconds or a
// promote), the active Service switch, and the old ReplicaSet's scale-down delay.
#include <algorithm>

#include "rollout/reconcile_internal.h"
#include "target/local/workload/internal/objects.h"

namespace capstan::rollout::internal {

namespace wl = target::local::workload::internal;

bool RolloutSync::ReadyForPause() const {
  const RsState* rs = New();
  int64_t replicas = NewReplicaSetReplicas();
  return rs != nullptr && rs->replicas() == replicas && rs->available() == replicas;
}

bool RolloutSync::IsSaturated(const RsState* rs) const {
  if (rs == nullptr) return false;
  std::optional<int64_t> desired =
      wl::ParseInt(rs->view.StringAt({"metadata", "annotations", kDesiredReplicasAnnotation}));
  return desired.has_value() && rs->replicas() == spec_.replicas && *desired == spec_.replicas &&
         rs->available() == spec_.replicas;
}

bool RolloutSync::IsBlueGreenFastTracked() const {
  if (IsFastRollback() || prev_.promote_full) return true;
  const std::string& active = selectors_.at(spec_.blue_green->active_service);
  return active.empty() || active == NewHash();
}

bool RolloutSync::CompletedPrePromotionAnalysis() const {
  if (!spec_.blue_green->pre_promotion_analysis) return true;
  return current_runs_.pre_promotion != nullptr &&
         current_runs_.pre_promotion->StringAt({"status", "phase"}) == "Successful";
}

bool RolloutSync::CompletedBlueGreenPause() const {
  const BlueGreenStrategy& bg = *spec_.blue_green;
  const PauseCondition* pause = prev_.FindPause(kPauseBlueGreen);
  if (HasAddPause()) return false;  // paused in this very sync
  if (prev_.blue_green.scale_up_preview_check_point) return true;
  if (bg.auto_promotion_enabled) {
    if (bg.auto_promotion_seconds == 0) return true;
    if (pause == nullptr) return false;  // never paused yet
    return now_ > pause->start_time + std::chrono::seconds(bg.auto_promotion_seconds);
  }
  // Manual promotion: a promote clears the pause condition and leaves controllerPause set.
  return prev_.controller_pause && pause == nullptr;
}

void RolloutSync::ReconcileBlueGreenPause() {
  const BlueGreenStrategy& bg = *spec_.blue_green;
  if (prev_.abort || !ReadyForPause() || !HaltProgress().empty()) return;
  bool controller_manages_pause = !bg.auto_promotion_enabled || bg.auto_promotion_seconds > 0;
  if (IsBlueGreenFastTracked() || selectors_.at(bg.active_service) == NewHash() ||
      prev_.blue_green.scale_up_preview_check_point || !controller_manages_pause) {
    pause_.remove_reasons.emplace_back(kPauseBlueGreen);
    return;
  }
  if (!CompletedPrePromotionAnalysis()) return;
  const PauseCondition* pause = prev_.FindPause(kPauseBlueGreen);
  if (pause != nullptr) {
    if (!CompletedBlueGreenPause()) {
      if (bg.auto_promotion_seconds > 0) {
        RequeueAt(pause->start_time + std::chrono::seconds(bg.auto_promotion_seconds));
      }
    } else {
      pause_.remove_reasons.emplace_back(kPauseBlueGreen);
    }
  } else if (!prev_.controller_pause) {
    pause_.add_reasons.emplace_back(kPauseBlueGreen);
  }
}

void RolloutSync::ReconcileActiveService() {
  if (!HaltProgress().empty() || !ReadyForPause() || !IsSaturated(New())) return;
  const std::string& service = spec_.blue_green->active_service;
  std::string hash = selectors_.at(service);
  if (IsBlueGreenFastTracked()) hash = NewHash();
  if (CompletedBlueGreenPause() && CompletedPrePromotionAnalysis()) hash = NewHash();
  if (prev_.abort) hash = prev_.stable_rs;
  SwitchServiceSelector(service, hash);
}

bool RolloutSync::ScaleDownOldReplicaSetsForBlueGreen(std::vector<RsState*> old) {
  const BlueGreenStrategy& bg = *spec_.blue_green;
  if (prev_.FindPause(kPauseInconclusive) != nullptr) return false;
  if (bg.post_promotion_analysis && !bg.scale_down_delay_seconds) {
    // Without a delay the old pods wait for post-promotion analysis, to take traffic back.
    const Value* post = current_runs_.post_promotion;
    std::string hash = NewHash();
    bool skip = prev_.stable_rs == hash || prev_.blue_green.active_selector != hash ||
                (post == nullptr && !IsSaturated(New()));
    if (!skip && (post == nullptr || post->StringAt({"status", "phase"}) != "Successful")) {
      return false;
    }
  }
  std::stable_sort(old.begin(), old.end(), [](const RsState* a, const RsState* b) {
    return a->revision().value_or(0) > b->revision().value_or(0);
  });
  bool scaled = false;
  int64_t annotated = 0;
  for (RsState* rs : old) {
    if (IsReplicaSetReferenced(*rs) || rs->replicas() == 0) continue;
    int64_t desired = 0;
    std::tie(annotated, desired) = ScaleDownDelayHelper(*rs, annotated, spec_.replicas);
    if (rs->replicas() == desired) continue;
    ScaleReplicaSet(*rs, desired);
    scaled = true;
  }
  return scaled;
}

void RolloutSync::ReconcileBlueGreenReplicaSets() {
  RemoveScaleDownDeadlines();
  if (Stable() != nullptr) ScaleReplicaSet(*Stable(), spec_.replicas);
  ReconcileNewReplicaSet();
  ReconcileOtherReplicaSets();
  ReconcileRevisionHistoryLimit();
}

bool RolloutSync::CalculateScaleUpPreviewCheckPoint() const {
  if (!spec_.blue_green->preview_replica_count) return false;
  if (prev_.blue_green.scale_up_preview_check_point) return true;
  if (!CompletedPrePromotionAnalysis() || !CompletedBlueGreenPause()) return false;
  return *spec_.blue_green->preview_replica_count == New()->available();
}

void RolloutSync::SyncRolloutStatusBlueGreen() {
  RolloutStatus next = CalculateBaseStatus();
  next.stable_rs = prev_.stable_rs;
  if (PodTemplateChanged()) ResetRolloutStatus(next);
  if (prev_.promote_full) {
    pause_.clear = true;
    pause_.remove_abort = true;
  }
  const BlueGreenStrategy& bg = *spec_.blue_green;
  next.blue_green.preview_selector =
      bg.preview_service.empty() ? "" : selectors_[bg.preview_service];
  next.blue_green.active_selector = selectors_[bg.active_service];
  if (std::string reason = ShouldFullPromote(next); !reason.empty()) {
    PromoteStable(next, reason);
  } else {
    next.blue_green.scale_up_preview_check_point = CalculateScaleUpPreviewCheckPoint();
  }
  const RsState* active = nullptr;
  for (const RsState& rs : rs_) {
    if (!next.blue_green.active_selector.empty() && rs.hash() == next.blue_green.active_selector) {
      active = &rs;
    }
  }
  if (active != nullptr) {
    next.hpa_replicas = active->status_replicas();
    next.selector = FormatLabelSelector(*active->view.At({"spec", "selector"}));
    next.available_replicas = active->available();
    next.ready_replicas = active->ready();
  } else {
    CountAllReplicaSets(next);
    next.selector = FormatLabelSelector(spec_.selector);
  }
  PersistRolloutStatus(std::move(next));
}

void RolloutSync::RolloutBlueGreen() {
  const BlueGreenStrategy& bg = *spec_.blue_green;
  if (!bg.preview_service.empty() && HaltProgress().empty()) {
    SwitchServiceSelector(bg.preview_service, NewHash());
  }
  if (PodTemplateChanged()) {
    SyncRolloutStatusBlueGreen();
    return;
  }
  ReconcileBlueGreenReplicaSets();
  ReconcileBlueGreenPause();
  ReconcileActiveService();
  ReconcileAnalysisRuns();
  ReconcileEphemeralMetadata();
  SyncRolloutStatusBlueGreen();
}

}  // namespace capstan::rollout::internal
