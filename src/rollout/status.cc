// The Rollout's status as Argo's controller writes it: base counts, promotion of the stable
// ReplicaSet, conditions (Progressing, Available, Paused, Completed, Healthy) with Argo's
// reasons and messages, the progress deadline, and the phase and message of
// CalculateRolloutPhase (utils/rollout/rolloututil.go, utils/conditions, rollout/sync.go).
#include <fmt/format.h>

#include <algorithm>

#include "core/time.h"
#include "rollout/reconcile_internal.h"
#include "target/local/workload/internal/objects.h"

namespace capstan::rollout::internal {

namespace wl = target::local::workload::internal;

namespace {

constexpr std::string_view kAborted = "RolloutAborted";
constexpr std::string_view kPausedReason = "RolloutPaused";
constexpr std::string_view kTimedOut = "ProgressDeadlineExceeded";
constexpr std::string_view kPausedMessage = "Rollout is paused";

const RolloutCondition* Find(const RolloutStatus& status, std::string_view type) {
  return status.FindCondition(type);
}

void Remove(RolloutStatus& status, std::string_view type) {
  std::erase_if(status.conditions, [&](const RolloutCondition& c) { return c.type == type; });
}

// SetRolloutCondition: no change when one of that type has the same status and reason; the
// transition time is kept when only the reason changes. True when something changed.
bool Set(RolloutStatus& status, RolloutCondition condition) {
  const RolloutCondition* current = Find(status, condition.type);
  if (current != nullptr && current->status == condition.status &&
      current->reason == condition.reason) {
    return false;
  }
  if (current != nullptr && current->status == condition.status) {
    condition.last_transition_time = current->last_transition_time;
  }
  Remove(status, condition.type);
  status.conditions.push_back(std::move(condition));
  return true;
}

bool Completed(const RolloutStatus& status) {
  return !status.stable_rs.empty() && status.stable_rs == status.current_pod_hash;
}

}  // namespace

// CalculateRolloutPhase: Degraded for an invalid spec, an abort or a missed deadline; Paused
// when paused; otherwise Progressing with what is left to do, or Healthy.
std::pair<std::string, std::string> CalculateRolloutPhase(const RolloutSpec& spec,
                                                          const RolloutStatus& status) {
  for (const RolloutCondition& c : status.conditions) {
    if (c.type == "InvalidSpec") return {"Degraded", "InvalidSpec: " + c.message};
    if (c.reason == kAborted || c.reason == kTimedOut) {
      return {"Degraded", fmt::format("{}: {}", c.reason, c.message)};
    }
  }
  if (spec.paused) return {"Paused", "manually paused"};
  if (!status.pause_conditions.empty()) return {"Paused", status.pause_conditions.front().reason};
  if (status.updated_replicas < spec.replicas) {
    return {"Progressing", "more replicas need to be updated"};
  }
  if (status.available_replicas < status.updated_replicas) {
    return {"Progressing", "updated replicas are still becoming available"};
  }
  bool promoted = !status.stable_rs.empty() && status.stable_rs == status.current_pod_hash;
  if (spec.blue_green) {
    if (status.blue_green.active_selector.empty() ||
        status.blue_green.active_selector != status.current_pod_hash) {
      return {"Progressing", "active service cutover pending"};
    }
    if (!promoted) {
      const auto& post = status.blue_green.post_promotion_analysis_run_status;
      bool post_done = post && (post->status == "Successful" || post->status == "Failed" ||
                                post->status == "Error" || post->status == "Inconclusive");
      if (spec.blue_green->post_promotion_analysis && !post_done) {
        return {"Progressing", "waiting for analysis to complete"};
      }
      return {"Progressing", "waiting for post-promotion verification to complete"};
    }
  } else if (spec.canary) {
    if (!spec.canary->traffic_routing && status.replicas > status.updated_replicas) {
      return {"Progressing", "old replicas are pending termination"};
    }
    if (!promoted) return {"Progressing", "waiting for all steps to complete"};
  }
  return {"Healthy", ""};
}

RolloutCondition RolloutSync::NewCondition(std::string type, std::string status, std::string reason,
                                           std::string message) const {
  return {std::move(type), std::move(status), std::move(reason), std::move(message), now_, now_};
}

int64_t RolloutSync::Revision() const { return wl::ParseInt(revision_).value_or(0); }

RolloutStatus RolloutSync::CalculateBaseStatus() {
  Remove(prev_, "InvalidSpec");  // the spec parsed: whatever was invalid is fixed
  RolloutStatus next = next_;
  next.current_pod_hash = NewHash();
  next.replicas = 0;
  next.ready_replicas = 0;
  for (const RsState& rs : rs_) {
    next.replicas += rs.status_replicas();
    next.ready_replicas += rs.ready();
  }
  next.updated_replicas = New() ? New()->status_replicas() : 0;
  next.collision_count = prev_.collision_count;
  next.conditions = prev_.conditions;
  // Argo compares with a stable hash that is not set yet at this point: the flag survives
  // until the promotion clears it.
  next.promote_full = !next.current_pod_hash.empty() && prev_.promote_full;
  return next;
}

void RolloutSync::ResetRolloutStatus(RolloutStatus& next) {
  pause_.clear = true;
  pause_.remove_abort = true;
  next.promote_full = false;
  next.blue_green.pre_promotion_analysis_run_status.reset();
  next.blue_green.post_promotion_analysis_run_status.reset();
  next.blue_green.scale_up_preview_check_point = false;
  next.canary.current_step_analysis_run_status.reset();
  next.canary.current_background_analysis_run_status.reset();
  next.current_step_index.reset();
  if (spec_.canary && !spec_.canary->steps.empty()) next.current_step_index = 0;
}

bool RolloutSync::IsRollback() const {
  const RsState* created = New();
  const RsState* stable = Stable();
  if (created == nullptr || stable == nullptr) return false;
  if (prev_.stable_rs == created->hash()) return true;
  auto a = created->CreatedAt();
  auto b = stable->CreatedAt();
  return a && b && *a < *b;
}

bool RolloutSync::IsFastRollback() const {
  if (!IsRollback()) return false;
  bool within_delay = false;
  if (spec_.blue_green && New() != nullptr) {
    std::optional<TimePoint> deadline = ParseRfc3339(
        New()->view.StringAt({"metadata", "annotations", kScaleDownDeadlineAnnotation}));
    within_delay = deadline.has_value() && *deadline > now_;
  }
  return within_delay || prev_.stable_rs == NewHash();
}

std::string RolloutSync::ShouldFullPromote(const RolloutStatus& next) const {
  if (Stable() == nullptr) return "Initial deploy";
  if (spec_.canary) {
    if (IsAborted()) return "";
    const RsState* created = New();
    if (created == nullptr ||
        (created->available() < spec_.replicas &&
         !(created->replicas() == spec_.replicas && created->available() == spec_.replicas))) {
      return "";
    }
    if (prev_.promote_full) return "Full promotion requested";
    if (IsFastRollback()) return "Fast rollback";
    auto steps = static_cast<int64_t>(spec_.canary->steps.size());
    if (steps == 0 || prev_.current_step_index == steps) {
      return fmt::format("Completed all {} canary steps", steps);
    }
    return "";
  }
  if (next.blue_green.active_selector.empty()) return "Initial deploy";
  if (next.blue_green.active_selector != next.current_pod_hash) return "";
  if (prev_.promote_full) return "Full promotion requested";
  if (IsFastRollback()) return "Fast rollback";
  if (IsAborted()) return "";
  if (spec_.blue_green->post_promotion_analysis) {
    const Value* post = current_runs_.post_promotion;
    if (post == nullptr || post->StringAt({"status", "phase"}) != "Successful") return "";
  }
  return "Completed blue-green update";
}

void RolloutSync::PromoteStable(RolloutStatus& next, const std::string& reason) {
  (void)reason;  // Argo puts it in an event ("Rollout completed update to revision 2 ...")
  pause_.clear = true;
  pause_.remove_abort = true;
  next.promote_full = false;
  next.blue_green.scale_up_preview_check_point = false;
  if (spec_.canary) {
    auto steps = static_cast<int64_t>(spec_.canary->steps.size());
    next.current_step_index = steps > 0 ? std::optional<int64_t>(steps) : std::nullopt;
  }
  if (next.stable_rs != next.current_pod_hash) next.stable_rs = next.current_pod_hash;
}

bool RolloutSync::CheckPausedConditions() {
  if (std::to_string(spec_.generation) != prev_.observed_generation) return false;
  const RolloutCondition* progressing = Find(prev_, "Progressing");
  bool progressing_paused = progressing != nullptr && progressing->reason == kPausedReason;
  bool paused = !prev_.pause_conditions.empty() || spec_.paused;
  bool abort_condition = progressing != nullptr && progressing->reason == kAborted;
  std::vector<RolloutCondition> updates;
  if (paused != progressing_paused && !abort_condition && !Completed(prev_)) {
    updates.push_back(
        paused ? NewCondition("Progressing", "Unknown", std::string(kPausedReason),
                              std::string(kPausedMessage))
               : NewCondition("Progressing", "Unknown", "RolloutResumed", "Rollout is resumed"));
  }
  if (!prev_.abort && abort_condition) {
    updates.push_back(
        NewCondition("Progressing", "Unknown", "RolloutRetry", "Retrying Rollout after abort"));
  }
  const RolloutCondition* paused_condition = Find(prev_, "Paused");
  bool paused_true = paused_condition != nullptr && paused_condition->status == "True";
  if (paused != paused_true && !abort_condition) {
    updates.push_back(NewCondition("Paused", paused ? "True" : "False", std::string(kPausedReason),
                                   std::string(kPausedMessage)));
  }
  if (updates.empty()) return false;
  RolloutStatus status = prev_;
  for (RolloutCondition& condition : updates) Set(status, std::move(condition));
  status.observed_generation = std::to_string(spec_.generation);
  std::tie(status.phase, status.message) = CalculateRolloutPhase(spec_, status);
  Value written = WriteRolloutStatus(status);
  const Value* listed = input_.Find("status");
  if (listed == nullptr || *listed != written) actions_.status = std::move(written);
  return true;
}

bool RolloutSync::RolloutHealthy(const RolloutStatus& next) const {
  bool completed = true;
  if (spec_.blue_green) {
    bool active = next.blue_green.active_selector == next.current_pod_hash;
    bool preview = spec_.blue_green->preview_service.empty() ||
                   next.blue_green.preview_selector == next.current_pod_hash;
    completed = active && preview;
  } else {
    auto steps = static_cast<int64_t>(spec_.canary->steps.size());
    bool all_steps = !(steps > 0 && next.current_step_index) || *next.current_step_index == steps;
    completed = all_steps && Completed(next) && next.replicas == spec_.replicas;
  }
  return next.updated_replicas == spec_.replicas && next.available_replicas == spec_.replicas &&
         prev_.observed_generation == std::to_string(spec_.generation) && completed;
}

bool RolloutSync::RolloutProgressing(const RolloutStatus& next) const {
  bool strategy = false;
  if (spec_.blue_green) {
    strategy = prev_.blue_green.active_selector != next.blue_green.active_selector ||
               prev_.blue_green.preview_selector != next.blue_green.preview_selector;
  } else {
    bool step = next.current_step_index && prev_.current_step_index &&
                *next.current_step_index != *prev_.current_step_index;
    strategy = next.stable_rs != prev_.stable_rs || step ||
               next.current_step_hash != prev_.current_step_hash;
  }
  return next.updated_replicas != prev_.updated_replicas ||
         next.replicas - next.updated_replicas < prev_.replicas - prev_.updated_replicas ||
         next.ready_replicas > prev_.ready_replicas ||
         next.available_replicas > prev_.available_replicas || strategy;
}

bool RolloutSync::RolloutTimedOut(const RolloutStatus& status) const {
  const RolloutCondition* condition = Find(status, "Progressing");
  if (condition == nullptr || condition->reason == kAborted || condition->reason == kPausedReason) {
    return false;
  }
  if (condition->reason == kTimedOut) return true;
  return condition->last_update_time + std::chrono::seconds(spec_.progress_deadline_seconds) < now_;
}

bool RolloutSync::IsIndefiniteStep() const {
  if (spec_.canary) {
    const CanaryStep* step = CurrentStep();
    if (step != nullptr &&
        (step->kind == CanaryStep::Kind::kAnalysis || step->kind == CanaryStep::Kind::kPause)) {
      return true;
    }
  }
  const RolloutCondition* paused = Find(prev_, "Paused");
  return paused != nullptr && paused->status == "True";
}

bool RolloutSync::IsWaitingForReplicaSetScaleDown() {
  for (RsState* rs : Others()) {
    if (rs->HasScaleDownDeadline()) return true;
  }
  return false;
}

void RolloutSync::EvaluateProgressDeadlineAbort(const RolloutStatus& next) {
  if (!spec_.progress_deadline_abort || IsAborted() || Completed(next)) return;
  if (RolloutProgressing(next)) return;
  if (IsIndefiniteStep() || IsWaitingForReplicaSetScaleDown()) return;
  if (!RolloutTimedOut(prev_)) return;
  pause_.add_abort = true;
  pause_.abort_message =
      New() ? fmt::format("ReplicaSet \"{}\" has timed out progressing.", New()->name())
            : fmt::format("Rollout \"{}\" has timed out progressing.", spec_.name);
}

void RolloutSync::CalculateRolloutConditions(RolloutStatus& next) {
  bool paused = !next.pause_conditions.empty() || spec_.paused;
  bool aborted = IsAborted();
  bool became_unhealthy = false;
  if (!paused && RolloutHealthy(next)) {
    Set(next, NewCondition("Healthy", "True", "RolloutHealthy", "Rollout is healthy"));
  } else if (Find(prev_, "Healthy") != nullptr) {
    became_unhealthy =
        Set(next, NewCondition("Healthy", "False", "RolloutHealthy", "Rollout is not healthy"));
  }
  if (aborted) {
    std::string message = fmt::format("Rollout aborted update to revision {}", Revision());
    if (!pause_.abort_message.empty()) message += ": " + pause_.abort_message;
    Set(next, NewCondition("Progressing", "False", std::string(kAborted), message));
  }
  const RolloutCondition* current = Find(prev_, "Progressing");
  std::string name = New() ? std::string(New()->name()) : "";
  if (!aborted) {
    if (RolloutHealthy(next)) {
      Set(next, NewCondition("Progressing", "True", "NewReplicaSetAvailable",
                             fmt::format("ReplicaSet \"{}\" has successfully progressed.", name)));
    } else if (RolloutProgressing(next) || became_unhealthy) {
      bool not_available = next.stable_rs == next.current_pod_hash && became_unhealthy;
      RolloutCondition condition =
          not_available ? NewCondition("Progressing", "True", "ReplicaSetNotAvailable",
                                       "Rollout does not have minimum availability")
                        : NewCondition("Progressing", "True", "ReplicaSetUpdated",
                                       fmt::format("ReplicaSet \"{}\" is progressing.", name));
      // Progress renews lastUpdateTime (the deadline's clock) even with the same reason.
      if (current != nullptr && current->status == "True") {
        condition.last_transition_time = current->last_transition_time;
      }
      Remove(next, "Progressing");
      next.conditions.push_back(std::move(condition));
    } else if (!IsIndefiniteStep() && !IsWaitingForReplicaSetScaleDown() && RolloutTimedOut(next)) {
      Set(next, NewCondition("Progressing", "False", std::string(kTimedOut),
                             fmt::format("ReplicaSet \"{}\" has timed out progressing.", name)));
    }
  }
  bool available = false;
  if (spec_.blue_green) {
    for (const RsState& rs : rs_) {
      if (!next.blue_green.active_selector.empty() &&
          rs.hash() == next.blue_green.active_selector) {
        available = IsSaturated(&rs);
      }
    }
  } else {
    int64_t total = 0;
    for (const RsState& rs : rs_) total += rs.available();
    available = total >= spec_.replicas;
  }
  Set(next, available ? NewCondition("Available", "True", "AvailableReason",
                                     "Rollout has minimum availability")
                      : NewCondition("Available", "False", "AvailableReason",
                                     "Rollout does not have minimum availability"));
  Set(next, Completed(next)
                ? NewCondition("Completed", "True", "RolloutCompleted", "RolloutCompleted")
                : NewCondition("Completed", "False", "RolloutCompleted", "RolloutCompleted"));
}

void RolloutSync::RequeueStuckRollout(const RolloutStatus& next) {
  const RolloutCondition* current = Find(prev_, "Progressing");
  if (current == nullptr) return;
  bool paused = !prev_.pause_conditions.empty() || spec_.paused;
  if (RolloutHealthy(next) || current->reason == kTimedOut || paused || prev_.abort ||
      IsIndefiniteStep()) {
    return;
  }
  RequeueAt(current->last_update_time + std::chrono::seconds(spec_.progress_deadline_seconds));
}

void RolloutSync::PersistRolloutStatus(RolloutStatus next) {
  next.observed_generation = std::to_string(spec_.generation);
  EvaluateProgressDeadlineAbort(next);
  CalculatePauseStatus(next);
  CalculateRolloutConditions(next);
  std::tie(next.phase, next.message) = CalculateRolloutPhase(spec_, next);
  Value written = WriteRolloutStatus(next);
  const Value* listed = input_.Find("status");
  if (listed == nullptr || *listed != written) actions_.status = std::move(written);
  RequeueStuckRollout(next);
}

}  // namespace capstan::rollout::internal
