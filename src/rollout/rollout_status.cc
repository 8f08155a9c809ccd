// A Rollout's status as Values, both ways, in Argo's field names and order; and how a
// canary step is shown.
#include <fmt/format.h>

#include "core/time.h"
#include "rollout/rollout.h"

namespace capstan::rollout {

namespace {

int64_t IntOf(const Value& object, std::string_view key) {
  const Value* value = object.Find(key);
  return value != nullptr && value->is_int() ? value->as_int() : 0;
}

std::optional<int64_t> OptionalIntOf(const Value& object, std::string_view key) {
  const Value* value = object.Find(key);
  if (value == nullptr || !value->is_int()) return std::nullopt;
  return value->as_int();
}

bool BoolOf(const Value& object, std::string_view key) {
  const Value* value = object.Find(key);
  return value != nullptr && value->is_bool() && value->as_bool();
}

std::string StringOf(const Value& object, std::string_view key) {
  return std::string(object.StringAt({key}));
}

TimePoint TimeOf(const Value& object, std::string_view key) {
  return ParseRfc3339(object.StringAt({key})).value_or(TimePoint());
}

std::optional<AnalysisRunRef> ReadRunRef(const Value* value) {
  if (value == nullptr || !value->is_object()) return std::nullopt;
  return AnalysisRunRef{StringOf(*value, "name"), StringOf(*value, "status"),
                        StringOf(*value, "message")};
}

WeightDestination ReadDestination(const Value* value) {
  if (value == nullptr || !value->is_object()) return {};
  return {IntOf(*value, "weight"), StringOf(*value, "serviceName"),
          StringOf(*value, "podTemplateHash")};
}

Value WriteRunRef(const AnalysisRunRef& ref) {
  Value out = Value::MakeObject();
  out["name"] = ref.name;
  out["status"] = ref.status;
  if (!ref.message.empty()) out["message"] = ref.message;
  return out;
}

Value WriteDestination(const WeightDestination& destination) {
  Value out = Value::MakeObject();
  out["weight"] = destination.weight;
  if (!destination.service_name.empty()) out["serviceName"] = destination.service_name;
  if (!destination.pod_template_hash.empty()) {
    out["podTemplateHash"] = destination.pod_template_hash;
  }
  return out;
}

void ReadConditions(const Value& status, RolloutStatus& out) {
  if (const Value* pauses = status.Find("pauseConditions");
      pauses != nullptr && pauses->is_array()) {
    for (const Value& pause : pauses->as_array()) {
      out.pause_conditions.push_back({StringOf(pause, "reason"), TimeOf(pause, "startTime")});
    }
  }
  if (const Value* conditions = status.Find("conditions");
      conditions != nullptr && conditions->is_array()) {
    for (const Value& c : conditions->as_array()) {
      out.conditions.push_back({StringOf(c, "type"), StringOf(c, "status"), StringOf(c, "reason"),
                                StringOf(c, "message"), TimeOf(c, "lastUpdateTime"),
                                TimeOf(c, "lastTransitionTime")});
    }
  }
}

void ReadStrategyStatus(const Value& status, RolloutStatus& out) {
  if (const Value* canary = status.Find("canary"); canary != nullptr && canary->is_object()) {
    out.canary.current_step_analysis_run_status =
        ReadRunRef(canary->Find("currentStepAnalysisRunStatus"));
    out.canary.current_background_analysis_run_status =
        ReadRunRef(canary->Find("currentBackgroundAnalysisRunStatus"));
    if (const Value* weights = canary->Find("weights");
        weights != nullptr && weights->is_object()) {
      TrafficWeights read{ReadDestination(weights->Find("canary")),
                          ReadDestination(weights->Find("stable")), std::nullopt};
      if (const Value* verified = weights->Find("verified"); verified && verified->is_bool()) {
        read.verified = verified->as_bool();
      }
      out.canary.weights = read;
    }
  }
  if (const Value* bg = status.Find("blueGreen"); bg != nullptr && bg->is_object()) {
    out.blue_green.preview_selector = StringOf(*bg, "previewSelector");
    out.blue_green.active_selector = StringOf(*bg, "activeSelector");
    out.blue_green.scale_up_preview_check_point = BoolOf(*bg, "scaleUpPreviewCheckPoint");
    out.blue_green.pre_promotion_analysis_run_status =
        ReadRunRef(bg->Find("prePromotionAnalysisRunStatus"));
    out.blue_green.post_promotion_analysis_run_status =
        ReadRunRef(bg->Find("postPromotionAnalysisRunStatus"));
  }
}

Value WriteCanaryStatus(const RolloutStatus::Canary& canary) {
  Value out = Value::MakeObject();
  if (canary.current_step_analysis_run_status) {
    out["currentStepAnalysisRunStatus"] = WriteRunRef(*canary.current_step_analysis_run_status);
  }
  if (canary.current_background_analysis_run_status) {
    out["currentBackgroundAnalysisRunStatus"] =
        WriteRunRef(*canary.current_background_analysis_run_status);
  }
  if (canary.weights) {
    Value weights = Value::MakeObject();
    weights["canary"] = WriteDestination(canary.weights->canary);
    weights["stable"] = WriteDestination(canary.weights->stable);
    if (canary.weights->verified) weights["verified"] = *canary.weights->verified;
    out["weights"] = weights;
  }
  return out;
}

Value WriteBlueGreenStatus(const RolloutStatus::BlueGreen& bg) {
  Value out = Value::MakeObject();
  if (!bg.preview_selector.empty()) out["previewSelector"] = bg.preview_selector;
  if (!bg.active_selector.empty()) out["activeSelector"] = bg.active_selector;
  if (bg.scale_up_preview_check_point) out["scaleUpPreviewCheckPoint"] = true;
  if (bg.pre_promotion_analysis_run_status) {
    out["prePromotionAnalysisRunStatus"] = WriteRunRef(*bg.pre_promotion_analysis_run_status);
  }
  if (bg.post_promotion_analysis_run_status) {
    out["postPromotionAnalysisRunStatus"] = WriteRunRef(*bg.post_promotion_analysis_run_status);
  }
  return out;
}

Value WriteConditions(const std::vector<RolloutCondition>& conditions) {
  Value out = Value::MakeArray();
  for (const RolloutCondition& c : conditions) {
    Value condition = Value::MakeObject();
    condition["type"] = c.type;
    condition["status"] = c.status;
    condition["lastUpdateTime"] = FormatRfc3339(c.last_update_time);
    condition["lastTransitionTime"] = FormatRfc3339(c.last_transition_time);
    condition["reason"] = c.reason;
    condition["message"] = c.message;
    out.as_array().push_back(std::move(condition));
  }
  return out;
}

}  // namespace

const RolloutCondition* RolloutStatus::FindCondition(std::string_view type) const {
  for (const RolloutCondition& condition : conditions) {
    if (condition.type == type) return &condition;
  }
  return nullptr;
}

const PauseCondition* RolloutStatus::FindPause(std::string_view reason) const {
  for (const PauseCondition& pause : pause_conditions) {
    if (pause.reason == reason) return &pause;
  }
  return nullptr;
}

RolloutStatus ReadRolloutStatus(const Value& rollout) {
  RolloutStatus out;
  const Value* status = rollout.Find("status");
  if (status == nullptr || !status->is_object()) return out;
  out.abort = BoolOf(*status, "abort");
  out.controller_pause = BoolOf(*status, "controllerPause");
  if (const Value* at = status->Find("abortedAt"); at != nullptr && at->is_string()) {
    out.aborted_at = ParseRfc3339(at->as_string());
  }
  out.current_pod_hash = StringOf(*status, "currentPodHash");
  out.current_step_hash = StringOf(*status, "currentStepHash");
  out.replicas = IntOf(*status, "replicas");
  out.updated_replicas = IntOf(*status, "updatedReplicas");
  out.ready_replicas = IntOf(*status, "readyReplicas");
  out.available_replicas = IntOf(*status, "availableReplicas");
  out.current_step_index = OptionalIntOf(*status, "currentStepIndex");
  out.collision_count = OptionalIntOf(*status, "collisionCount");
  out.observed_generation = StringOf(*status, "observedGeneration");
  out.hpa_replicas = IntOf(*status, "HPAReplicas");
  out.selector = StringOf(*status, "selector");
  out.stable_rs = StringOf(*status, "stableRS");
  out.promote_full = BoolOf(*status, "promoteFull");
  out.phase = StringOf(*status, "phase");
  out.message = StringOf(*status, "message");
  ReadConditions(*status, out);
  ReadStrategyStatus(*status, out);
  return out;
}

Value WriteRolloutStatus(const RolloutStatus& status) {
  Value out = Value::MakeObject();
  if (status.abort) out["abort"] = true;
  if (!status.pause_conditions.empty()) {
    Value pauses = Value::MakeArray();
    for (const PauseCondition& pause : status.pause_conditions) {
      Value entry = Value::MakeObject();
      entry["reason"] = pause.reason;
      entry["startTime"] = FormatRfc3339(pause.start_time);
      pauses.as_array().push_back(std::move(entry));
    }
    out["pauseConditions"] = std::move(pauses);
  }
  if (status.controller_pause) out["controllerPause"] = true;
  if (status.aborted_at) out["abortedAt"] = FormatRfc3339(*status.aborted_at);
  if (!status.current_pod_hash.empty()) out["currentPodHash"] = status.current_pod_hash;
  if (!status.current_step_hash.empty()) out["currentStepHash"] = status.current_step_hash;
  if (status.replicas != 0) out["replicas"] = status.replicas;
  if (status.updated_replicas != 0) out["updatedReplicas"] = status.updated_replicas;
  if (status.ready_replicas != 0) out["readyReplicas"] = status.ready_replicas;
  if (status.available_replicas != 0) out["availableReplicas"] = status.available_replicas;
  if (status.current_step_index) out["currentStepIndex"] = *status.current_step_index;
  if (status.collision_count) out["collisionCount"] = *status.collision_count;
  if (!status.observed_generation.empty()) out["observedGeneration"] = status.observed_generation;
  if (!status.conditions.empty()) out["conditions"] = WriteConditions(status.conditions);
  out["canary"] = WriteCanaryStatus(status.canary);
  out["blueGreen"] = WriteBlueGreenStatus(status.blue_green);
  if (status.hpa_replicas != 0) out["HPAReplicas"] = status.hpa_replicas;
  if (!status.selector.empty()) out["selector"] = status.selector;
  if (!status.stable_rs.empty()) out["stableRS"] = status.stable_rs;
  if (status.promote_full) out["promoteFull"] = true;
  if (!status.phase.empty()) out["phase"] = status.phase;
  if (!status.message.empty()) out["message"] = status.message;
  return out;
}

std::string CanaryStep::Describe() const {
  switch (kind) {
    case Kind::kSetWeight:
      return fmt::format("setWeight: {}", set_weight);
    case Kind::kPause:
      return pause_seconds ? fmt::format("pause: {}", pause_as_written) : "pause";
    case Kind::kAnalysis:
      return "analysis";
    case Kind::kSetCanaryScale:
      if (set_canary_scale.weight) {
        return fmt::format("setCanaryScale{{weight: {}}}", *set_canary_scale.weight);
      }
      if (set_canary_scale.match_traffic_weight) return "setCanaryScale{matchTrafficWeight: true}";
      return fmt::format("setCanaryScale{{replicas: {}}}", set_canary_scale.replicas.value_or(0));
    case Kind::kSetHeaderRoute:
      return fmt::format("setHeaderRoute: {}", set_header_route.name);
  }
  return "invalid";
}

}  // namespace capstan::rollout
