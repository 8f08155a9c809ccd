// Pausing and aborting: Argo's rollout/pause.go. What a sync adds or removes is collected in
// the PauseContext and applied once, when the status is written.
#include "rollout/reconcile_internal.h"

namespace capstan::rollout::internal {

namespace {
constexpr std::chrono::seconds kRequeueMargin(1);
}  // namespace

bool RolloutSync::IsAborted() const {
  if (pause_.remove_abort) return false;
  return pause_.add_abort || prev_.abort;
}

std::string RolloutSync::HaltProgress() const {
  if (spec_.paused) return "user paused";
  if (prev_.FindPause(kPauseInconclusive) != nullptr) return "inconclusive analysis";
  return "";
}

void RolloutSync::RequeueAt(TimePoint when) {
  // A second past `when`: the checks are "now is after the deadline", and a requeue at the
  // deadline itself would find it not yet passed.
  actions_.RequeueNoLaterThan(
      std::chrono::duration_cast<std::chrono::milliseconds>(when + kRequeueMargin - now_));
}

bool RolloutSync::CompletedCanaryPauseStep(const CanaryStep& step) const {
  const PauseCondition* pause = prev_.FindPause(kPauseCanaryStep);
  // A promote clears the pause condition and leaves controllerPause set.
  if (prev_.controller_pause && pause == nullptr) return true;
  return step.pause_seconds.has_value() && pause != nullptr &&
         now_ > pause->start_time + std::chrono::seconds(*step.pause_seconds);
}

void RolloutSync::CalculatePauseStatus(RolloutStatus& next) const {
  // An abort's time is kept across syncs (a new one each sync would never settle).
  if (pause_.add_abort || (!pause_.remove_abort && prev_.abort)) {
    next.abort = true;
    next.aborted_at = prev_.aborted_at.value_or(now_);
    return;
  }
  next.abort = false;
  next.aborted_at.reset();
  if (pause_.clear) return;
  bool controller_pause = prev_.controller_pause;
  std::vector<PauseCondition> conditions;
  for (const PauseCondition& pause : prev_.pause_conditions) {
    bool removed = false;
    for (const std::string& reason : pause_.remove_reasons)
      removed = removed || reason == pause.reason;
    if (!removed) conditions.push_back(pause);
  }
  for (const std::string& reason : pause_.add_reasons) {
    if (prev_.FindPause(reason) != nullptr) continue;
    bool added = false;
    for (const PauseCondition& pause : conditions) added = added || pause.reason == reason;
    if (added) continue;
    conditions.push_back({reason, now_});
    controller_pause = true;
  }
  if (conditions.empty()) return;
  next.controller_pause = controller_pause;
  next.pause_conditions = std::move(conditions);
}

}  // namespace capstan::rollout::internal
