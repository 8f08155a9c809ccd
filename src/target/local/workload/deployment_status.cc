// The Deployment's status (sync.go calculateStatus), its Progressing condition and progress
// deadline (progress.go), and the revision history clean-up (sync.go cleanupDeployment).
#include <fmt/format.h>

#include <algorithm>

#include "target/local/workload/internal/deployment.h"
#include "target/local/workload/internal/objects.h"

namespace capstan::target::local::workload::internal {

namespace {

constexpr std::chrono::seconds kMinRequeue{1};

void SetCount(Value& status, const char* field, int64_t value) {
  if (value != 0) status[field] = value;  // omitempty, as the Go struct serializes
}

}  // namespace

void SetDeploymentCondition(Value& status, Value condition) {
  const Value* current = FindCondition(status, condition.StringAt({"type"}));
  if (current != nullptr && current->StringAt({"status"}) == condition.StringAt({"status"})) {
    if (current->StringAt({"reason"}) == condition.StringAt({"reason"})) return;
    condition.Set("lastTransitionTime", current->StringAt({"lastTransitionTime"}));
  }
  RemoveCondition(status, condition.StringAt({"type"}));
  Value& conditions = status["conditions"];
  if (!conditions.is_array()) conditions = Value::MakeArray();
  conditions.as_array().push_back(std::move(condition));
}

// Stamps `condition` with now (in the field order the API server returns) and sets it.
void DeploymentSync::SetCondition(Value& status, Value condition) const {
  std::string now = Timestamp(now_);
  Value stamped = Value::MakeObject();
  stamped["type"] = condition.StringAt({"type"});
  stamped["status"] = condition.StringAt({"status"});
  stamped["lastUpdateTime"] = now;
  stamped["lastTransitionTime"] = now;
  if (condition.Contains("reason")) stamped["reason"] = condition.StringAt({"reason"});
  if (condition.Contains("message")) stamped["message"] = condition.StringAt({"message"});
  SetDeploymentCondition(status, std::move(stamped));
}

// Counts summed over the ReplicaSets' status (as listed at the start of the sync, like
// Kubernetes' calculateStatus), and the Available condition:
//   Available = availableReplicas >= replicas - maxUnavailable
Value DeploymentSync::CalculateStatus() const {
  int64_t replicas = 0, ready = 0, available = 0, total = 0;
  for (const ReplicaSetState& rs : rs_) {
    replicas += rs.status_replicas();
    ready += rs.ready();
    available += rs.available();
    total += rs.listed_replicas;
  }
  Value status = Value::MakeObject();
  SetCount(status, "observedGeneration", IntAt(deployment_, {"metadata", "generation"}));
  SetCount(status, "replicas", replicas);
  SetCount(status, "updatedReplicas", NewRs() != nullptr ? NewRs()->status_replicas() : 0);
  SetCount(status, "readyReplicas", ready);
  SetCount(status, "availableReplicas", available);
  SetCount(status, "unavailableReplicas", std::max<int64_t>(0, total - available));
  const Value& current = deployment_.Find("status") ? *deployment_.Find("status") : Value();
  if (const Value* conditions = current.Find("conditions"); conditions && conditions->is_array()) {
    status["conditions"] = *conditions;
  }
  if (const Value* collisions = current.Find("collisionCount"))
    status["collisionCount"] = *collisions;
  if (available >= spec_.replicas - spec_.MaxUnavailable()) {
    SetCondition(status, MakeCondition("Available", "True", "MinimumReplicasAvailable",
                                       "Deployment has minimum availability."));
  } else {
    SetCondition(status, MakeCondition("Available", "False", "MinimumReplicasUnavailable",
                                       "Deployment does not have minimum availability."));
  }
  return status;
}

void DeploymentSync::SyncDeploymentStatus() { deployment_["status"] = CalculateStatus(); }

// All replicas updated and available, no old ones, this generation observed.
bool DeploymentSync::DeploymentComplete(const Value& status) const {
  return IntAt(status, {"updatedReplicas"}) == spec_.replicas &&
         IntAt(status, {"replicas"}) == spec_.replicas &&
         IntAt(status, {"availableReplicas"}) == spec_.replicas &&
         IntAt(status, {"observedGeneration"}) >= IntAt(deployment_, {"metadata", "generation"});
}

// Progress since the last sync: more updated, fewer old, more ready or more available.
bool DeploymentSync::DeploymentProgressing(const Value& new_status) const {
  auto count = [](const Value& status, const char* field) { return IntAt(status, {field}); };
  int64_t old_old = count(input_status_, "replicas") - count(input_status_, "updatedReplicas");
  int64_t new_old = count(new_status, "replicas") - count(new_status, "updatedReplicas");
  return count(new_status, "updatedReplicas") > count(input_status_, "updatedReplicas") ||
         new_old < old_old ||
         count(new_status, "readyReplicas") > count(input_status_, "readyReplicas") ||
         count(new_status, "availableReplicas") > count(input_status_, "availableReplicas");
}

// No progress for progressDeadlineSeconds since the Progressing condition last changed.
bool DeploymentSync::DeploymentTimedOut(const Value& new_status) const {
  if (!spec_.progress_deadline_seconds) return false;
  const Value* condition = FindCondition(new_status, "Progressing");
  if (condition == nullptr) return false;
  std::string_view reason = condition->StringAt({"reason"});
  if (reason == "NewReplicaSetAvailable") return false;
  if (reason == "ProgressDeadlineExceeded") return true;
  std::optional<TimePoint> from = TimeAt(*condition, {"lastUpdateTime"});
  if (!from.has_value()) return false;
  return *from + std::chrono::seconds(*spec_.progress_deadline_seconds) < now_;
}

void DeploymentSync::SyncRolloutStatus() {
  Value new_status = CalculateStatus();
  if (!spec_.progress_deadline_seconds) RemoveCondition(new_status, "Progressing");
  const Value* current = FindCondition(deployment_["status"], "Progressing");
  bool complete_before =
      IntAt(new_status, {"replicas"}) == IntAt(new_status, {"updatedReplicas"}) &&
      current != nullptr && current->StringAt({"reason"}) == "NewReplicaSetAvailable";
  std::string subject = NewRs() != nullptr ? fmt::format("ReplicaSet \"{}\"", NewRs()->name())
                                           : fmt::format("Deployment \"{}\"", NameOf(deployment_));
  if (spec_.progress_deadline_seconds && !complete_before) {
    if (DeploymentComplete(new_status)) {
      SetCondition(new_status, MakeCondition("Progressing", "True", "NewReplicaSetAvailable",
                                             subject + " has successfully progressed."));
    } else if (DeploymentProgressing(new_status)) {
      // Progress refreshes lastUpdateTime even when the reason is the same, so the deadline
      // counts from the last progress.
      std::string now = Timestamp(now_);
      Value condition = Value::MakeObject();
      condition["type"] = "Progressing";
      condition["status"] = "True";
      condition["lastUpdateTime"] = now;
      condition["lastTransitionTime"] = now;
      condition["reason"] = "ReplicaSetUpdated";
      condition["message"] = subject + " is progressing.";
      if (current != nullptr) {
        if (current->StringAt({"status"}) == "True") {
          condition.Set("lastTransitionTime", current->StringAt({"lastTransitionTime"}));
        }
        RemoveCondition(new_status, "Progressing");
      }
      SetDeploymentCondition(new_status, std::move(condition));
    } else if (DeploymentTimedOut(new_status)) {
      SetCondition(new_status, MakeCondition("Progressing", "False", "ProgressDeadlineExceeded",
                                             subject + " has timed out progressing."));
    }
  }

  // A ReplicaSet's ReplicaFailure (the new one's first) becomes the Deployment's.
  const Value* failure = nullptr;
  std::vector<const ReplicaSetState*> order;
  if (NewRs() != nullptr) order.push_back(NewRs());
  for (const ReplicaSetState& rs : rs_) order.push_back(&rs);
  for (const ReplicaSetState* rs : order) {
    const Value* status = rs->object.Find("status");
    if (status != nullptr && (failure = FindCondition(*status, "ReplicaFailure"))) break;
  }
  if (failure != nullptr) {
    Value condition = *failure;
    condition.Set("lastUpdateTime", failure->StringAt({"lastTransitionTime"}));
    SetDeploymentCondition(new_status, std::move(condition));
  } else {
    RemoveCondition(new_status, "ReplicaFailure");
  }
  deployment_["status"] = new_status;
  RequeueStuckDeployment(new_status);
}

// Come back when the progress deadline would pass: lastUpdateTime + progressDeadlineSeconds.
void DeploymentSync::RequeueStuckDeployment(const Value& new_status) {
  if (!spec_.progress_deadline_seconds) return;
  const Value* condition = FindCondition(new_status, "Progressing");
  if (condition == nullptr || DeploymentComplete(new_status) ||
      condition->StringAt({"reason"}) == "ProgressDeadlineExceeded") {
    return;
  }
  std::optional<TimePoint> from = TimeAt(*condition, {"lastUpdateTime"});
  if (!from.has_value()) return;
  auto after = std::chrono::duration_cast<std::chrono::milliseconds>(
      *from + std::chrono::seconds(*spec_.progress_deadline_seconds) - now_);
  actions_.RequeueNoLaterThan(std::max<std::chrono::milliseconds>(after, kMinRequeue));
}

// Keeps revisionHistoryLimit old ReplicaSets: the lowest revisions among those scaled to 0
// (spec and status) and fully observed go first.
void DeploymentSync::CleanupDeployment() {
  if (!spec_.revision_history_limit) return;
  std::vector<size_t> cleanable;
  for (size_t i : OldIndices()) {
    if (!IsTerminating(rs_[i].object) && !rs_[i].created) cleanable.push_back(i);
  }
  int64_t diff = static_cast<int64_t>(cleanable.size()) - *spec_.revision_history_limit;
  if (diff <= 0) return;
  std::sort(cleanable.begin(), cleanable.end(), [&](size_t a, size_t b) {
    std::optional<int64_t> ra = rs_[a].revision();
    std::optional<int64_t> rb = rs_[b].revision();
    if (!ra || !rb || *ra == *rb) return CreatedBefore(rs_[a], rs_[b]);
    return *ra < *rb;
  });
  for (int64_t k = 0; k < diff; ++k) {
    const ReplicaSetState& rs = rs_[cleanable[k]];
    if (rs.status_replicas() != 0 || rs.listed_replicas != 0 ||
        IntAt(rs.object, {"metadata", "generation"}) >
            IntAt(rs.object, {"status", "observedGeneration"})) {
      continue;
    }
    actions_.remove.push_back(KeyOf(rs.object));
  }
}

}  // namespace capstan::target::local::workload::internal
