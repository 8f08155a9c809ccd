// The replica set controller (pkg/controller/replicaset): as many active pods as
// spec.replicas, and the status counting them.
#include <fmt/format.h>

#include <algorithm>

#include "target/local/workload/internal/objects.h"
#include "target/local/workload/internal/pod_ranking.h"

namespace capstan::target::local::workload {

using namespace internal;  // NOLINT(google-build-using-namespace): this file's helpers

namespace {

// Most pods created or removed in one sync (Kubernetes' burstReplicas).
constexpr int64_t kBurstReplicas = 500;

// Whether every label of the pod template is on the pod.
bool FullyLabeled(const Value& pod, const Value* template_labels) {
  if (template_labels == nullptr || !template_labels->is_object()) return true;
  for (const auto& [key, value] : template_labels->as_object()) {
    const Value* label = pod.At({"metadata", "labels", key});
    if (label == nullptr || *label != value) return false;
  }
  return true;
}

}  // namespace

Actions ReconcileReplicaSet(const Value& replica_set, const std::vector<Value>& pods, TimePoint now,
                            const NameSuffix& name_suffix) {
  Actions actions;
  const Value* selector = replica_set.At({"spec", "selector"});
  const Value* template_labels = replica_set.At({"spec", "template", "metadata", "labels"});
  if (selector == nullptr || !selector->is_object() || selector->empty()) {
    actions.errors.push_back(
        fmt::format("{}: spec.selector: Required value", KeyOf(replica_set).ToString()));
    return actions;
  }
  if (!SelectorMatches(*selector, template_labels)) {
    actions.errors.push_back(fmt::format(
        "{}: spec.template.metadata.labels: Invalid value: `selector` does not match template "
        "`labels`",
        KeyOf(replica_set).ToString()));
    return actions;
  }

  std::string_view uid = UidOf(replica_set);
  std::string_view ns = NamespaceOf(replica_set);
  int64_t min_ready = IntAt(replica_set, {"spec", "minReadySeconds"});
  std::vector<const Value*> active;
  std::vector<std::string> taken;
  for (const Value& pod : pods) {
    if (NamespaceOf(pod) != ns) continue;
    taken.emplace_back(NameOf(pod));
    if (IsControlledBy(pod, uid) && IsPodActive(pod)) active.push_back(&pod);
  }

  std::vector<const Value*> removed;
  int64_t diff = IsTerminating(replica_set) ? 0
                                            : static_cast<int64_t>(active.size()) -
                                                  IntAt(replica_set, {"spec", "replicas"}, 1);
  if (diff < 0) {
    const Value& pod_template = *replica_set.At({"spec", "template"});
    for (int64_t i = 0; i < std::min(-diff, kBurstReplicas); ++i) {
      Value pod = PodFromTemplate(pod_template, replica_set);
      pod["metadata"].Set("name",
                          GenerateName(std::string(NameOf(replica_set)) + "-", name_suffix, taken));
      actions.create.push_back(std::move(pod));
    }
  } else if (diff > 0) {
    std::vector<const Value*> doomed = active;
    RankPodsForDeletion(doomed, active);
    for (int64_t i = 0; i < std::min(diff, kBurstReplicas); ++i) {
      actions.remove.push_back(KeyOf(*doomed[i]));
      removed.push_back(doomed[i]);
    }
  }
  // The status counts the pods as this sync leaves them: the ones it removes no longer, the
  // ones it creates already (not ready). Kubernetes counts the pods it started from and
  // corrects that on the next sync, which its pod events trigger at once; the local target's
  // loop has no such events between passes, and a Deployment reading a count of pods that
  // are going would scale its old ReplicaSets down too far.
  std::vector<const Value*> counted;
  for (const Value* pod : active) {
    if (std::find(removed.begin(), removed.end(), pod) == removed.end()) counted.push_back(pod);
  }
  int64_t fully_labeled = 0, ready = 0, available = 0;
  for (const Value* pod : counted) {
    if (FullyLabeled(*pod, template_labels)) ++fully_labeled;
    if (IsPodReady(*pod)) ++ready;
    if (IsPodAvailable(*pod, min_ready, now)) {
      ++available;
    } else if (std::optional<TimePoint> at = PodAvailableAt(*pod, min_ready, now)) {
      actions.RequeueNoLaterThan(std::chrono::ceil<std::chrono::milliseconds>(*at - now));
    }
  }
  int64_t created = static_cast<int64_t>(actions.create.size());
  Value status = Value::MakeObject();
  status["replicas"] = static_cast<int64_t>(counted.size()) + created;
  if (fully_labeled + created != 0) status["fullyLabeledReplicas"] = fully_labeled + created;
  if (ready != 0) status["readyReplicas"] = ready;
  if (available != 0) status["availableReplicas"] = available;
  if (int64_t generation = IntAt(replica_set, {"metadata", "generation"}); generation != 0) {
    status["observedGeneration"] = generation;
  }
  if (const Value* old = replica_set.At({"status", "conditions"}); old && old->is_array()) {
    status["conditions"] = *old;
    RemoveCondition(status, "ReplicaFailure");  // creations and deletions cannot fail here
  }
  const Value* old_status = replica_set.Find("status");
  if (old_status == nullptr || *old_status != status) actions.status = std::move(status);
  return actions;
}

}  // namespace capstan::target::local::workload
