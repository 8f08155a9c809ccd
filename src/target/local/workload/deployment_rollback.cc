// `kubectl rollout undo deployment` (kubectl's DeploymentRollbacker): the template of an
// earlier revision's ReplicaSet back into the Deployment.
#include <fmt/format.h>

#include "target/local/workload/internal/deployment.h"
#include "target/local/workload/internal/objects.h"

namespace capstan::target::local::workload {

using internal::ReplicaSetState;

Result<Value> RollbackDeployment(const Value& deployment, const std::vector<Value>& replica_sets,
                                 int64_t to_revision) {
  std::string name(NameOf(deployment));
  if (internal::BoolAt(deployment, {"spec", "paused"})) {
    return Error::Invalid(fmt::format(
        "deployments \"{}\": you cannot rollback a paused deployment; resume it first with "
        "'kubectl rollout resume' and try again",
        name));
  }
  std::string_view uid = internal::UidOf(deployment);
  const ReplicaSetState* found = nullptr;
  std::vector<ReplicaSetState> owned;
  for (const Value& rs : replica_sets) {
    if (NamespaceOf(rs) == NamespaceOf(deployment) && internal::IsControlledBy(rs, uid)) {
      owned.push_back({rs, 0});
    }
  }
  if (to_revision == 0) {
    // The previous revision: the second highest.
    int64_t latest = -1, previous = -1;
    const ReplicaSetState* latest_rs = nullptr;
    for (const ReplicaSetState& rs : owned) {
      int64_t revision = rs.revision().value_or(0);
      if (revision > latest) {
        previous = latest;
        found = latest_rs;
        latest = revision;
        latest_rs = &rs;
      } else if (revision > previous) {
        previous = revision;
        found = &rs;
      }
    }
    if (found == nullptr) {
      return Error::NotFound(fmt::format("no rollout history found for deployment \"{}\"", name));
    }
    to_revision = previous;
  } else {
    for (const ReplicaSetState& rs : owned) {
      if (rs.revision() == to_revision) found = &rs;
    }
    if (found == nullptr) {
      return Error::NotFound(
          fmt::format("deployments \"{}\": unable to find specified revision {} in history", name,
                      to_revision));
    }
  }

  const Value* rs_template = found->object.At({"spec", "template"});
  const Value* current = deployment.At({"spec", "template"});
  if (rs_template == nullptr) {
    return Error::Invalid(fmt::format("deployments \"{}\": revision {}: {} has no spec.template",
                                      name, to_revision, found->name()));
  }
  if (current != nullptr && internal::TemplatesEqualIgnoringHash(*rs_template, *current)) {
    return deployment;  // kubectl: "skipped rollback (current template already matches ...)"
  }

  Value result = deployment;
  Value restored = *rs_template;
  if (Value* labels = restored.At({"metadata", "labels"}); labels && labels->is_object()) {
    labels->Erase(internal::kPodTemplateHashLabel);
  }
  result["spec"].Set("template", std::move(restored));
  // The Deployment keeps only its controller-owned annotations and takes the revision's.
  Value annotations = Value::MakeObject();
  if (const Value* own = deployment.At({"metadata", "annotations"}); own && own->is_object()) {
    for (const auto& [key, value] : own->as_object()) {
      if (internal::SkipCopyAnnotation(key)) annotations.Set(key, value);
    }
  }
  if (const Value* theirs = found->object.At({"metadata", "annotations"});
      theirs && theirs->is_object()) {
    for (const auto& [key, value] : theirs->as_object()) {
      if (!internal::SkipCopyAnnotation(key)) annotations.Set(key, value);
    }
  }
  if (annotations.empty()) {
    result["metadata"].Erase("annotations");
  } else {
    result["metadata"].Set("annotations", std::move(annotations));
  }
  return result;
}

}  // namespace capstan::target::local::workload
