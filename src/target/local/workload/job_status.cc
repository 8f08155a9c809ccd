// The job controller's verdicts and status (job_controller.go: failure conditions,
// ensureJobConditionStatus, the terminal conditions) and the TTL-after-finished controller.
#include <algorithm>

#include "target/local/workload/internal/job.h"
#include "target/local/workload/internal/objects.h"

namespace capstan::target::local::workload::internal {

bool IsConditionTrue(const Value& status, std::string_view type) {
  const Value* condition = FindCondition(status, type);
  return condition != nullptr && condition->StringAt({"status"}) == "True";
}

// BackoffLimitExceeded or DeadlineExceeded, as a FailureTarget condition.
std::optional<Value> JobSync::FailureCondition() {
  if (IsConditionTrue(status_, "FailureTarget")) return *FindCondition(status_, "FailureTarget");
  if (failed_ > backoff_limit_ || PastBackoffLimitOnFailure()) {
    return MakeCondition("FailureTarget", "True", "BackoffLimitExceeded",
                         "Job has reached the specified backoff limit");
  }
  const Value* deadline = job_.At({"spec", "activeDeadlineSeconds"});
  std::optional<TimePoint> start = TimeAt(status_, {"startTime"});
  if (deadline != nullptr && deadline->is_int() && start.has_value() && !suspended_) {
    TimePoint end = *start + std::chrono::seconds(deadline->as_int());
    if (now_ >= end) {
      return MakeCondition("FailureTarget", "True", "DeadlineExceeded",
                           "Job was active longer than specified deadline");
    }
    actions_.RequeueNoLaterThan(std::chrono::ceil<std::chrono::milliseconds>(end - now_));
  }
  return std::nullopt;
}

// restartPolicy OnFailure: container restarts in running pods count as failures.
bool JobSync::PastBackoffLimitOnFailure() const {
  if (job_.StringAt({"spec", "template", "spec", "restartPolicy"}) != "OnFailure") return false;
  int64_t restarts = 0;
  for (const Value* pod : active_) {
    std::string_view phase = PodPhase(*pod);
    if (phase != "Running" && phase != "Pending") continue;
    for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
      const Value* statuses = pod->At({"status", list});
      if (statuses == nullptr || !statuses->is_array()) continue;
      for (const Value& status : statuses->as_array()) restarts += IntAt(status, {"restartCount"});
    }
  }
  return backoff_limit_ == 0 ? restarts > 0 : restarts >= backoff_limit_;
}

// The interim condition (FailureTarget, SuccessCriteriaMet) at once; the terminal one
// (Failed, Complete, with completionTime) once no pod of the Job is still terminating.
void JobSync::Finish(const Value& interim) {
  std::string_view type = interim.StringAt({"type"});
  std::string reason(interim.StringAt({"reason"}));
  std::string message(interim.StringAt({"message"}));
  EnsureCondition(type, "True", reason, message);
  if (terminating_ > 0) return;
  bool success = type == "SuccessCriteriaMet";
  EnsureCondition(success ? "Complete" : "Failed", "True", reason, message);
  if (success && !status_.Contains("completionTime"))
    status_.Set("completionTime", Timestamp(now_));
  ExpireAfterFinished();
}

// ensureJobConditionStatus: sets the condition, or adds it unless it would be False.
bool JobSync::EnsureCondition(std::string_view type, std::string_view status,
                              std::string_view reason, std::string_view message) {
  Value condition = Value::MakeObject();
  condition["type"] = type;
  condition["status"] = status;
  condition["lastProbeTime"] = Timestamp(now_);
  condition["lastTransitionTime"] = Timestamp(now_);
  condition["reason"] = reason;
  condition["message"] = message;
  Value& conditions = status_["conditions"];
  if (!conditions.is_array()) conditions = Value::MakeArray();
  for (Value& existing : conditions.as_array()) {
    if (existing.StringAt({"type"}) != type) continue;
    if (existing.StringAt({"status"}) == status && existing.StringAt({"reason"}) == reason &&
        existing.StringAt({"message"}) == message) {
      return false;
    }
    existing = std::move(condition);
    return true;
  }
  if (status == "False") {
    if (conditions.empty()) status_.Erase("conditions");
    return false;
  }
  conditions.as_array().push_back(std::move(condition));
  return true;
}

// The TTL-after-finished controller: the Job (and its pods) go ttlSecondsAfterFinished after
// it finished.
void JobSync::ExpireAfterFinished() {
  const Value* ttl = job_.At({"spec", "ttlSecondsAfterFinished"});
  if (ttl == nullptr || !ttl->is_int()) return;
  std::optional<TimePoint> finished = TimeAt(status_, {"completionTime"});
  if (!finished) {
    if (const Value* failed = FindCondition(status_, "Failed")) {
      finished = TimeAt(*failed, {"lastTransitionTime"});
    }
  }
  if (!finished) return;
  TimePoint expires = *finished + std::chrono::seconds(ttl->as_int());
  if (now_ >= expires) {
    actions_.remove.push_back(KeyOf(job_));
  } else {
    actions_.RequeueNoLaterThan(std::chrono::ceil<std::chrono::milliseconds>(expires - now_));
  }
}

void JobSync::WriteStatus() {
  int64_t ready = 0;
  for (const Value* pod : active_) {
    bool stopped = std::find(stopped_.begin(), stopped_.end(), pod) != stopped_.end();
    if (!stopped && IsPodReady(*pod)) ++ready;
  }
  auto set_count = [&](const char* field, int64_t value) {
    if (value != 0) {
      status_.Set(field, value);
    } else {
      status_.Erase(field);
    }
  };
  set_count("active", active_count_);
  set_count("succeeded", succeeded_);
  set_count("failed", failed_);
  status_.Set("terminating", terminating_);
  status_.Set("ready", ready);
  if (!status_.Contains("uncountedTerminatedPods")) {
    status_.Set("uncountedTerminatedPods", Value::MakeObject());
  }
  const Value* old = job_.Find("status");
  if (old == nullptr || *old != status_) actions_.status = status_;
}

}  // namespace capstan::target::local::workload::internal
