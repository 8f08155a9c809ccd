// The deployment controller's sync (pkg/controller/deployment syncDeployment) and its new
// ReplicaSet: finding it, keeping its revision annotations, creating it.
#include "target/local/workload/internal/deployment.h"

#include <fmt/format.h>

#include <algorithm>

#include "target/local/workload/internal/objects.h"

namespace capstan::target::local::workload {

using internal::DeploymentSpec;
using internal::DeploymentSync;

Actions ReconcileDeployment(const Value& deployment, const std::vector<Value>& replica_sets,
                            const std::vector<Value>& pods, TimePoint now) {
  Result<DeploymentSpec> spec = internal::ReadDeploymentSpec(deployment);
  if (!spec.ok()) {
    Actions actions;
    actions.errors.push_back(spec.error().message());
    return actions;
  }
  return DeploymentSync(deployment, *spec, replica_sets, pods, now).Run();
}

namespace internal {

DeploymentSync::DeploymentSync(const Value& deployment, DeploymentSpec spec,
                               const std::vector<Value>& replica_sets,
                               const std::vector<Value>& pods, TimePoint now)
    : input_(deployment),
      deployment_(deployment),
      input_status_(deployment.Find("status") != nullptr ? *deployment.Find("status")
                                                         : Value::MakeObject()),
      spec_(spec),
      all_replica_sets_(replica_sets),
      now_(now) {
  if (!deployment_["status"].is_object()) deployment_["status"] = Value::MakeObject();
  std::string_view uid = UidOf(deployment);
  std::string_view ns = NamespaceOf(deployment);
  std::vector<std::string_view> owned_uids;
  for (const Value& rs : replica_sets) {
    if (NamespaceOf(rs) != ns || !IsControlledBy(rs, uid)) continue;
    rs_.push_back({rs, IntAt(rs, {"spec", "replicas"}, 1)});
    owned_uids.push_back(UidOf(rs));
  }
  std::sort(rs_.begin(), rs_.end(), CreatedBefore);
  for (const Value& pod : pods) {
    std::string_view controller = ControllerUid(pod);
    if (NamespaceOf(pod) == ns && !controller.empty() &&
        std::find(owned_uids.begin(), owned_uids.end(), controller) != owned_uids.end()) {
      pods_.push_back(&pod);
    }
  }
  // FindNewReplicaSet: the oldest whose template is the Deployment's.
  const Value& pod_template = deployment.At({"spec", "template"}) != nullptr
                                  ? *deployment.At({"spec", "template"})
                                  : Value::MakeObject();
  for (size_t i = 0; i < rs_.size(); ++i) {
    const Value* rs_template = rs_[i].object.At({"spec", "template"});
    if (rs_template != nullptr && TemplatesEqualIgnoringHash(*rs_template, pod_template)) {
      new_rs_ = i;
      break;
    }
  }
}

ReplicaSetState* DeploymentSync::NewRs() { return new_rs_ ? &rs_[*new_rs_] : nullptr; }
const ReplicaSetState* DeploymentSync::NewRs() const { return new_rs_ ? &rs_[*new_rs_] : nullptr; }

std::vector<size_t> DeploymentSync::OldIndices() const {
  std::vector<size_t> old;
  for (size_t i = 0; i < rs_.size(); ++i) {
    if (!new_rs_ || i != *new_rs_) old.push_back(i);
  }
  return old;
}

std::vector<size_t> DeploymentSync::ActiveIndices(const std::vector<size_t>& indices) const {
  std::vector<size_t> active;
  for (size_t i : indices) {
    if (rs_[i].replicas() > 0) active.push_back(i);
  }
  return active;
}

Actions DeploymentSync::Run() {
  SyncNewReplicaSetRevision();
  if (IsTerminating(deployment_)) {
    SyncDeploymentStatus();  // syncStatusOnly
  } else {
    CheckPausedConditions();
    if (spec_.paused || IsScalingEvent()) {
      SyncScaling();
    } else if (spec_.rolling) {
      RolloutRolling();
    } else {
      RolloutRecreate();
    }
  }

  for (ReplicaSetState& rs : rs_) {
    if (rs.created) {
      actions_.create.push_back(rs.object);
    } else if (rs.changed) {
      actions_.update.push_back(rs.object);
    }
  }
  // The only metadata a sync changes is the revision annotation; the status is written once.
  auto annotations_of = [](const Value& object) {
    const Value* annotations = object.At({"metadata", "annotations"});
    return annotations != nullptr && annotations->is_object() ? *annotations : Value::MakeObject();
  };
  if (annotations_of(deployment_) != annotations_of(input_)) {
    Value parent = deployment_;
    parent.Set("status", input_status_);
    actions_.parent = std::move(parent);
  }
  if (deployment_["status"] != input_status_) actions_.status = deployment_["status"];
  return std::move(actions_);
}

// getNewReplicaSet for an existing new ReplicaSet: its annotations follow the Deployment's
// and its revision is past every old one; the Deployment then records that revision.
void DeploymentSync::SyncNewReplicaSetRevision() {
  ReplicaSetState* rs = NewRs();
  if (rs == nullptr) return;
  int64_t max_old = 0;
  for (size_t i : OldIndices()) max_old = std::max(max_old, rs_[i].revision().value_or(0));
  bool changed = false;
  SetReplicaSetAnnotations(*rs, std::to_string(max_old + 1), true, changed);
  int64_t min_ready = IntAt(rs->object, {"spec", "minReadySeconds"});
  if (changed || min_ready != spec_.min_ready_seconds) {
    if (spec_.min_ready_seconds != 0) {
      rs->object["spec"].Set("minReadySeconds", spec_.min_ready_seconds);
    } else {
      rs->object["spec"].Erase("minReadySeconds");
    }
    rs->changed = true;
    return;  // the Deployment's revision follows on the next sync, as in Kubernetes
  }
  std::string revision(rs->object.StringAt({"metadata", "annotations", kRevisionAnnotation}));
  Value& annotations = deployment_["metadata"]["annotations"];
  if (!annotations.is_object() || annotations.StringAt({kRevisionAnnotation}) != revision ||
      !annotations.Contains(kRevisionAnnotation)) {
    annotations.Set(kRevisionAnnotation, revision);
  }
  Value& status = deployment_["status"];
  if (spec_.progress_deadline_seconds && FindCondition(status, "Progressing") == nullptr) {
    SetCondition(status, MakeCondition("Progressing", "True", "FoundNewReplicaSet",
                                       fmt::format("Found new replica set \"{}\"", rs->name())));
  }
}

// SetNewReplicaSetAnnotations: copy the Deployment's annotations, raise the revision (keeping
// the ones it had in revision-history when rolling back to it), and on creation the replicas
// annotations.
void DeploymentSync::SetReplicaSetAnnotations(ReplicaSetState& rs, const std::string& revision,
                                              bool exists, bool& changed) const {
  Value& annotations = rs.object["metadata"]["annotations"];
  if (!annotations.is_object()) annotations = Value::MakeObject();
  if (const Value* own = deployment_.At({"metadata", "annotations"}); own && own->is_object()) {
    for (const auto& [key, value] : own->as_object()) {
      if (SkipCopyAnnotation(key)) continue;
      const Value* current = annotations.Find(key);
      if (current != nullptr && *current == value) continue;
      annotations.Set(key, value);
      changed = true;
    }
  }
  std::optional<int64_t> old_revision = rs.revision();
  if (!old_revision.has_value()) return;  // not a number: left alone, as Kubernetes does
  int64_t new_revision = std::stoll(revision);
  if (*old_revision < new_revision) {
    bool had_revision = annotations.Contains(kRevisionAnnotation);
    std::string previous(annotations.StringAt({kRevisionAnnotation}));
    annotations.Set(kRevisionAnnotation, revision);
    changed = true;
    if (had_revision) {
      std::string history(annotations.StringAt({kRevisionHistoryAnnotation}));
      annotations.Set(kRevisionHistoryAnnotation,
                      history.empty() ? previous : history + "," + previous);
    }
  }
  if (!exists) {
    annotations.Set(kDesiredReplicasAnnotation, std::to_string(spec_.replicas));
    annotations.Set(kMaxReplicasAnnotation, std::to_string(spec_.replicas + spec_.MaxSurge()));
    changed = true;
  }
}

// getNewReplicaSet's creation: `<deployment>-<hash>`, labelled and selected by
// pod-template-hash, sized by NewRSNewReplicas. A ReplicaSet of that name that is not this
// template's is a hash collision: status.collisionCount grows and the next sync tries again.
bool DeploymentSync::CreateNewReplicaSet() {
  if (NewRs() != nullptr) return true;
  Value& status = deployment_["status"];
  std::optional<int64_t> collisions;
  if (const Value* count = status.Find("collisionCount"); count && count->is_int()) {
    collisions = count->as_int();
  }
  const Value& pod_template = *deployment_.At({"spec", "template"});
  std::string hash = PodTemplateHash(pod_template, collisions);
  std::string name = fmt::format("{}-{}", NameOf(deployment_), hash);
  for (const Value& existing : all_replica_sets_) {
    if (NameOf(existing) == name && NamespaceOf(existing) == NamespaceOf(deployment_)) {
      status.Set("collisionCount", collisions.value_or(0) + 1);
      stopped_ = true;
      actions_.RequeueNoLaterThan(std::chrono::milliseconds(0));
      return false;
    }
  }

  ReplicaSetState rs{Value::MakeObject(), 0};
  Value& object = rs.object;
  object["apiVersion"] = "apps/v1";
  object["kind"] = "ReplicaSet";
  Value& metadata = object["metadata"];
  metadata["name"] = name;
  if (!NamespaceOf(deployment_).empty()) metadata["namespace"] = NamespaceOf(deployment_);
  Value rs_template = pod_template;
  rs_template["metadata"]["labels"].Set(kPodTemplateHashLabel, hash);
  metadata["labels"] = rs_template["metadata"]["labels"];
  metadata["annotations"] = Value::MakeObject();
  metadata["ownerReferences"] = Value::Array{ControllerRef(deployment_)};
  Value& spec = object["spec"];
  spec["replicas"] = 0;
  if (spec_.min_ready_seconds != 0) spec["minReadySeconds"] = spec_.min_ready_seconds;
  spec["selector"] = *deployment_.At({"spec", "selector"});
  spec["selector"]["matchLabels"].Set(kPodTemplateHashLabel, hash);
  spec["template"] = rs_template;

  int64_t max_old = 0;
  for (size_t i : OldIndices()) max_old = std::max(max_old, rs_[i].revision().value_or(0));
  std::string revision = std::to_string(max_old + 1);
  rs.created = true;
  rs_.push_back(std::move(rs));
  new_rs_ = rs_.size() - 1;
  ReplicaSetState& created = rs_.back();
  int64_t replicas = spec_.replicas;  // Recreate: all at once
  if (spec_.rolling) {
    int64_t current = 0;
    for (const ReplicaSetState& each : rs_) current += each.replicas();
    int64_t max_total = spec_.replicas + spec_.MaxSurge();
    replicas = current >= max_total ? 0 : std::min(max_total - current, spec_.replicas);
  }
  created.object["spec"].Set("replicas", replicas);
  created.listed_replicas = replicas;
  bool ignored = false;
  SetReplicaSetAnnotations(created, revision, false, ignored);

  Value& annotations = deployment_["metadata"]["annotations"];
  if (annotations.StringAt({kRevisionAnnotation}) != revision) {
    annotations.Set(kRevisionAnnotation, revision);
  }
  if (spec_.progress_deadline_seconds) {
    SetCondition(status, MakeCondition("Progressing", "True", "NewReplicaSetCreated",
                                       fmt::format("Created new replica set \"{}\"", name)));
  }
  return true;
}

void DeploymentSync::CheckPausedConditions() {
  if (!spec_.progress_deadline_seconds) return;
  Value& status = deployment_["status"];
  const Value* progressing = FindCondition(status, "Progressing");
  std::string_view reason = progressing ? progressing->StringAt({"reason"}) : "";
  if (reason == "ProgressDeadlineExceeded") return;
  bool paused_condition = reason == "DeploymentPaused";
  if (spec_.paused && !paused_condition) {
    SetCondition(status, MakeCondition("Progressing", "Unknown", "DeploymentPaused",
                                       "Deployment is paused"));
  } else if (!spec_.paused && paused_condition) {
    SetCondition(status, MakeCondition("Progressing", "Unknown", "DeploymentResumed",
                                       "Deployment is resumed"));
  }
}

// A scaling event: an active ReplicaSet was sized for another spec.replicas.
bool DeploymentSync::IsScalingEvent() const {
  for (size_t i = 0; i < rs_.size(); ++i) {
    if (rs_[i].replicas() <= 0) continue;
    std::optional<int64_t> desired = IntAnnotation(rs_[i].object, kDesiredReplicasAnnotation);
    if (desired.has_value() && *desired != spec_.replicas) return true;
  }
  return false;
}

}  // namespace internal
}  // namespace capstan::target::local::workload
