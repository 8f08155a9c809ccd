// The stateful set controller's pods (pkg/controller/statefulset stateful_set_control.go
// updateStatefulSet): stable ordinals, ordered or parallel start and stop, rolling update.
#include "target/local/workload/internal/statefulset.h"

#include <fmt/format.h>

#include <algorithm>

#include "target/local/workload/internal/objects.h"

namespace capstan::target::local::workload {

using namespace internal;  // NOLINT(google-build-using-namespace): this file's helpers

namespace {

// One ordinal: the pod that exists for it, or none yet.
struct Slot {
  int64_t ordinal;
  const Value* pod;  // nullptr: not created
};

bool IsRunningAndReady(const Value& pod) { return PodPhase(pod) == "Running" && IsPodReady(pod); }

bool IsHealthy(const Slot& slot) {
  return slot.pod != nullptr && IsRunningAndReady(*slot.pod) && !IsTerminating(*slot.pod);
}

// The ordinal of `<set>-<n>`, or -1 when the name is not one of the set's.
int64_t OrdinalOf(std::string_view set_name, std::string_view pod_name) {
  if (pod_name.size() <= set_name.size() + 1 || pod_name.substr(0, set_name.size()) != set_name ||
      pod_name[set_name.size()] != '-') {
    return -1;
  }
  std::optional<int64_t> ordinal = ParseInt(pod_name.substr(set_name.size() + 1));
  return ordinal.has_value() && *ordinal >= 0 ? *ordinal : -1;
}

std::vector<std::string> Validate(const Value& set) {
  std::vector<std::string> errors;
  std::string key = KeyOf(set).ToString();
  const Value* claims = set.At({"spec", "volumeClaimTemplates"});
  if (claims != nullptr && !claims->empty()) {
    errors.push_back(fmt::format(
        "{}: spec.volumeClaimTemplates: not supported by the local target (it has no "
        "persistent volumes); use a volume of the pod, or deploy to a Kubernetes cluster",
        key));
  }
  const Value* selector = set.At({"spec", "selector"});
  if (selector == nullptr || !selector->is_object() || selector->empty()) {
    errors.push_back(fmt::format("{}: spec.selector: Required value", key));
  } else if (!SelectorMatches(*selector, set.At({"spec", "template", "metadata", "labels"}))) {
    errors.push_back(
        fmt::format("{}: spec.template.metadata.labels: Invalid value: `selector` "
                    "does not match template `labels`",
                    key));
  }
  std::string_view policy = set.StringAt({"spec", "podManagementPolicy"}, "OrderedReady");
  if (policy != "OrderedReady" && policy != "Parallel") {
    errors.push_back(
        fmt::format("{}: spec.podManagementPolicy: Unsupported value: \"{}\": "
                    "supported values: \"OrderedReady\", \"Parallel\"",
                    key, policy));
  }
  std::string_view strategy = set.StringAt({"spec", "updateStrategy", "type"}, "RollingUpdate");
  if (strategy != "RollingUpdate" && strategy != "OnDelete") {
    errors.push_back(
        fmt::format("{}: spec.updateStrategy.type: Unsupported value: \"{}\": "
                    "supported values: \"OnDelete\", \"RollingUpdate\"",
                    key, strategy));
  }
  return errors;
}

class StatefulSetSync {
 public:
  StatefulSetSync(const Value& set, const std::vector<Value>& pods,
                  const std::vector<Value>& revisions, TimePoint now)
      : set_(set), now_(now) {
    std::string_view uid = UidOf(set);
    for (const Value& pod : pods) {
      if (NamespaceOf(pod) == NamespaceOf(set) && IsControlledBy(pod, uid)) owned_.push_back(&pod);
    }
    revisions_ = SyncRevisions(set, revisions, owned_, actions_);
    replicas_ = IntAt(set, {"spec", "replicas"}, 1);
    start_ = IntAt(set, {"spec", "ordinals", "start"});
    min_ready_ = IntAt(set, {"spec", "minReadySeconds"});
    monotonic_ = set.StringAt({"spec", "podManagementPolicy"}) != "Parallel";
    rolling_ = set.StringAt({"spec", "updateStrategy", "type"}, "RollingUpdate") == "RollingUpdate";
  }

  Actions Run() {
    for (int64_t i = 0; i < replicas_; ++i) slots_.push_back({start_ + i, nullptr});
    for (const Value* pod : owned_) {
      int64_t ordinal = OrdinalOf(NameOf(set_), NameOf(*pod));
      if (ordinal < 0) continue;
      if (ordinal >= start_ && ordinal < start_ + replicas_) {
        slots_[ordinal - start_].pod = pod;
      } else {
        condemned_.push_back({ordinal, pod});
      }
    }
    std::sort(condemned_.begin(), condemned_.end(),
              [](const Slot& a, const Slot& b) { return a.ordinal > b.ordinal; });
    Step();
    WriteStatus();
    return std::move(actions_);
  }

 private:
  void Step() {
    if (IsTerminating(set_)) return;
    // Pods of the ordinals in range: create, replace failed ones, wait for each in order.
    for (const Slot& slot : slots_) {
      if (ProcessReplica(slot) && monotonic_) return;
    }
    // Pods above the range, highest first: one at a time, each once all below are healthy.
    const Slot* first_unhealthy = FirstUnhealthy();
    for (const Slot& slot : condemned_) {
      if (ProcessCondemned(slot, first_unhealthy) && monotonic_) return;
    }
    if (!rolling_) return;  // OnDelete: pods are replaced when someone deletes them
    // RollingUpdate: the highest ordinal not at the update revision goes; wait for it to come
    // back healthy before the next. Ordinals below the partition keep their revision.
    int64_t partition = IntAt(set_, {"spec", "updateStrategy", "rollingUpdate", "partition"});
    for (int64_t i = replicas_ - 1; i >= partition && i >= 0; --i) {
      const Slot& slot = slots_[i];
      if (slot.pod == nullptr) return;
      if (RevisionOf(*slot.pod) != revisions_.update.name && !IsTerminating(*slot.pod)) {
        actions_.remove.push_back(KeyOf(*slot.pod));
        deleted_for_update_ = true;
        return;
      }
      if (!IsHealthy(slot)) return;
    }
  }

  // Whether this ordinal blocks the ordinals after it (in OrderedReady).
  bool ProcessReplica(const Slot& slot) {
    if (slot.pod == nullptr) {
      actions_.create.push_back(NewPod(slot.ordinal));
      return true;
    }
    const Value& pod = *slot.pod;
    std::string_view phase = PodPhase(pod);
    if ((phase == "Failed" || phase == "Succeeded") && !IsTerminating(pod)) {
      actions_.remove.push_back(KeyOf(pod));  // recreated once it is gone
      return true;
    }
    if (IsTerminating(pod) || !IsRunningAndReady(pod)) return true;
    if (!IsPodAvailable(pod, min_ready_, now_)) {
      if (auto at = PodAvailableAt(pod, min_ready_, now_)) {
        actions_.RequeueNoLaterThan(std::chrono::ceil<std::chrono::milliseconds>(*at - now_));
      }
      return true;
    }
    return false;
  }

  bool ProcessCondemned(const Slot& slot, const Slot* first_unhealthy) {
    const Value& pod = *slot.pod;
    if (IsTerminating(pod)) return true;
    bool is_first_unhealthy = first_unhealthy != nullptr && first_unhealthy->pod == slot.pod;
    if (monotonic_ && !is_first_unhealthy &&
        (!IsRunningAndReady(pod) || !IsPodAvailable(pod, min_ready_, now_))) {
      return true;
    }
    actions_.remove.push_back(KeyOf(pod));
    return true;
  }

  const Slot* FirstUnhealthy() const {
    for (const Slot& slot : slots_) {
      if (!IsHealthy(slot)) return &slot;
    }
    for (auto it = condemned_.rbegin(); it != condemned_.rend(); ++it) {
      if (!IsHealthy(*it)) return &*it;
    }
    return nullptr;
  }

  std::string_view RevisionOf(const Value& pod) const {
    return pod.StringAt({"metadata", "labels", kRevisionHashLabel});
  }

  // newVersionedStatefulSetPod: ordinals below the partition are made at the current
  // revision, the others at the update revision.
  Value NewPod(int64_t ordinal) const {
    const Value* rolling_update = set_.At({"spec", "updateStrategy", "rollingUpdate"});
    bool at_current = false;
    if (rolling_ && rolling_update != nullptr && !rolling_update->is_null()) {
      at_current = ordinal < start_ + IntAt(*rolling_update, {"partition"});
    } else if (rolling_ && set_.At({"spec", "updateStrategy", "type"}) != nullptr) {
      // An explicit RollingUpdate without rollingUpdate is not defaulted by the API server:
      // Kubernetes then keeps ordinals below status.currentReplicas at the current revision.
      at_current = ordinal < start_ + IntAt(set_, {"status", "currentReplicas"});
    }
    const Revision& revision = at_current ? revisions_.current : revisions_.update;
    Value pod = PodFromTemplate(revision.pod_template, set_);
    std::string name = fmt::format("{}-{}", NameOf(set_), ordinal);
    Value& metadata = pod["metadata"];
    metadata.Set("name", name);
    Value& labels = metadata["labels"];
    labels.Set("statefulset.kubernetes.io/pod-name", name);
    labels.Set("apps.kubernetes.io/pod-index", std::to_string(ordinal));
    labels.Set(kRevisionHashLabel, revision.name);
    pod["spec"].Set("hostname", name);
    std::string_view service = set_.StringAt({"spec", "serviceName"});
    if (!service.empty()) pod["spec"].Set("subdomain", service);
    return pod;
  }

  void WriteStatus() {
    int64_t replicas = 0, ready = 0, available = 0, current = 0, updated = 0;
    auto count = [&](const Slot& slot) {
      if (slot.pod == nullptr) return;
      const Value& pod = *slot.pod;
      ++replicas;
      if (IsRunningAndReady(pod)) {
        ++ready;
        if (IsPodAvailable(pod, min_ready_, now_)) ++available;
      }
      if (!IsTerminating(pod)) {
        if (RevisionOf(pod) == revisions_.current.name) ++current;
        if (RevisionOf(pod) == revisions_.update.name) ++updated;
      }
    };
    for (const Slot& slot : slots_) count(slot);
    for (const Slot& slot : condemned_) count(slot);
    if (deleted_for_update_) --current;
    std::string current_revision = revisions_.current.name;
    // completeRollingUpdate: every pod updated and ready makes the update revision current.
    if (rolling_ && updated == replicas && ready == replicas) {
      current = updated;
      current_revision = revisions_.update.name;
    }
    Value status = Value::MakeObject();
    if (int64_t generation = IntAt(set_, {"metadata", "generation"}); generation != 0) {
      status["observedGeneration"] = generation;
    }
    status["replicas"] = replicas;
    if (ready != 0) status["readyReplicas"] = ready;
    if (current != 0) status["currentReplicas"] = current;
    if (updated != 0) status["updatedReplicas"] = updated;
    status["currentRevision"] = current_revision;
    status["updateRevision"] = revisions_.update.name;
    status["collisionCount"] = revisions_.collision_count;
    status["availableReplicas"] = available;
    if (const Value* conditions = set_.At({"status", "conditions"}))
      status["conditions"] = *conditions;
    const Value* old = set_.Find("status");
    if (old == nullptr || *old != status) actions_.status = std::move(status);
  }

  const Value& set_;
  const TimePoint now_;
  std::vector<const Value*> owned_;
  StatefulSetRevisions revisions_;
  int64_t replicas_ = 1;
  int64_t start_ = 0;
  int64_t min_ready_ = 0;
  bool monotonic_ = true;
  bool rolling_ = true;
  std::vector<Slot> slots_;
  std::vector<Slot> condemned_;  // highest ordinal first
  bool deleted_for_update_ = false;
  Actions actions_;
};

}  // namespace

Actions ReconcileStatefulSet(const Value& stateful_set, const std::vector<Value>& pods,
                             const std::vector<Value>& revisions, TimePoint now) {
  std::vector<std::string> errors = Validate(stateful_set);
  if (!errors.empty()) {
    Actions actions;
    actions.errors = std::move(errors);
    return actions;
  }
  return StatefulSetSync(stateful_set, pods, revisions, now).Run();
}

}  // namespace capstan::target::local::workload
