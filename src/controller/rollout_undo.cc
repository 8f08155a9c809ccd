// `capstan rollout undo`: a Deployment back to an earlier ReplicaSet's pod template, as
// `kubectl rollout undo` does, on the Application's destination (a cluster or the local
// target). Git is not changed: with selfHeal the Application puts Git's template back, as
// Argo CD would after any manual change; the audit log records who undid what.
#include <fmt/format.h>

#include "controller/app_controller.h"
#include "controller/app_state.h"
#include "target/local/workload/workload.h"

namespace capstan::controller {

Result<Value> AppController::RolloutUndo(const std::string& app, const std::string& ns,
                                         const std::string& deployment, int64_t to_revision,
                                         const std::string& actor,
                                         const std::string& source_address) {
  auto found = FindApp(app);
  if (!found.ok()) return found.error();
  Application spec;
  {
    std::lock_guard lock((*found)->mu);
    spec = (*found)->spec;
  }
  std::string namespace_ = ns.empty() ? spec.destination.namespace_ : ns;
  if (namespace_.empty()) namespace_ = "default";
  auto target = destinations_.Resolve(spec.destination);
  if (!target.ok()) return target.error();
  ObjectKey key{"apps", "Deployment", namespace_, deployment};
  auto live = (*target)->Get(key, "apps/v1");
  if (!live.ok()) return live.error();
  if (!live->has_value()) {
    return Error::NotFound(
        fmt::format("deployments \"{}\" not found in namespace {}", deployment, namespace_));
  }
  auto replica_sets = (*target)->List({"apps/v1", "ReplicaSet", namespace_, "", ""});
  if (!replica_sets.ok()) return replica_sets.error();
  auto rolled_back =
      target::local::workload::RollbackDeployment(**live, *replica_sets, to_revision);
  if (!rolled_back.ok()) return rolled_back.error();
  // Only what `kubectl rollout undo` changes is applied: the template (and its annotations).
  Value patch = Value::MakeObject();
  patch.Set("apiVersion", "apps/v1");
  patch.Set("kind", "Deployment");
  patch["metadata"].Set("name", deployment);
  patch["metadata"].Set("namespace", namespace_);
  for (const char* field : {"labels", "annotations"}) {
    if (const Value* value = rolled_back->At({"metadata", field}))
      patch["metadata"].Set(field, *value);
  }
  patch["spec"] = *rolled_back->Find("spec");
  auto applied = (*target)->Apply(patch, {.force = true});
  if (!applied.ok()) return applied.error();
  Value details = Value::MakeObject();
  details.Set("namespace", namespace_);
  details.Set("deployment", deployment);
  details.Set("toRevision", to_revision);
  Audit(actor, "rollout-undo", app, details, source_address);
  OnLiveChange(app);
  return *applied;
}

}  // namespace capstan::controller
