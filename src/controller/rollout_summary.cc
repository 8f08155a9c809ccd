// RolloutSummary: what `kubectl argo rollouts get` shows, as data — the step and weights,
// replica counts, each revision with its release identity (rollout/release.h) and role, and
// every analysis measurement with its value.
#include <algorithm>
#include <cmath>

#include "controller/rollout_steering.h"
#include "rollout/release.h"
#include "rollout/rollout.h"
#include "target/local/workload/internal/objects.h"

namespace capstan::controller {
namespace {

namespace wl = target::local::workload::internal;

// The weight of the last setWeight at or before `step` (Argo's GetCurrentSetWeight): 0 before
// any, 100 once every step is done.
int64_t SetWeight(const Value& steps, int64_t step) {
  if (!steps.is_array() || step >= static_cast<int64_t>(steps.size())) return 100;
  int64_t weight = 0;
  for (int64_t i = 0; i <= step && i < static_cast<int64_t>(steps.size()); ++i) {
    const Value& candidate = steps.as_array()[static_cast<size_t>(i)];
    if (const Value* set = candidate.Find("setWeight"); set != nullptr && set->is_int()) {
      weight = set->as_int();
    }
  }
  return weight;
}

Value Images(const rollout::ReleaseIdentity& release) {
  Value images = Value::MakeArray();
  for (const rollout::ImageVersion& image : release.images) {
    images.as_array().emplace_back(image.image);
  }
  return images;
}

Value Revision(const Value& rollout, const Value& replica_set) {
  rollout::ReleaseIdentity release = rollout::ReleaseId(rollout, replica_set);
  Value out = Value::MakeObject();
  out.Set("revision", release.revision);
  out.Set("podTemplateHash", release.pod_template_hash);
  out.Set("role", release.role);
  out.Set("appVersion", release.app_version);
  out.Set("images", Images(release));
  out.Set("replicas", wl::IntAt(replica_set, {"spec", "replicas"}));
  out.Set("ready", wl::IntAt(replica_set, {"status", "readyReplicas"}));
  out.Set("available", wl::IntAt(replica_set, {"status", "availableReplicas"}));
  return out;
}

Value Measurements(const Value& metric_result) {
  Value out = Value::MakeArray();
  const Value* measurements = metric_result.Find("measurements");
  if (measurements == nullptr || !measurements->is_array()) return out;
  for (const Value& measurement : measurements->as_array()) {
    Value item = Value::MakeObject();
    item.Set("phase", measurement.StringAt({"phase"}));
    item.Set("value", measurement.StringAt({"value"}));
    item.Set("finishedAt", measurement.StringAt({"finishedAt"}));
    if (std::string_view message = measurement.StringAt({"message"}); !message.empty()) {
      item.Set("message", message);
    }
    out.as_array().push_back(std::move(item));
  }
  return out;
}

Value AnalysisRunSummary(const Value& run) {
  Value out = Value::MakeObject();
  out.Set("name", NameOf(run));
  out.Set("phase", run.StringAt({"status", "phase"}, "Pending"));
  out.Set("message", run.StringAt({"status", "message"}));
  Value& metrics = out["metrics"] = Value::MakeArray();
  if (const Value* results = run.At({"status", "metricResults"}); results && results->is_array()) {
    for (const Value& result : results->as_array()) {
      Value metric = Value::MakeObject();
      metric.Set("name", result.StringAt({"name"}));
      metric.Set("phase", result.StringAt({"phase"}));
      metric.Set("measurements", Measurements(result));
      metrics.as_array().push_back(std::move(metric));
    }
  }
  return out;
}

// Newest first, by creation time then name (names carry revision numbers).
std::vector<const Value*> NewestFirst(const std::vector<Value>& objects) {
  std::vector<const Value*> sorted;
  sorted.reserve(objects.size());
  for (const Value& object : objects) sorted.push_back(&object);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Value* a, const Value* b) {
    auto key = [](const Value* object) {
      return std::pair(object->StringAt({"metadata", "creationTimestamp"}), NameOf(*object));
    };
    return key(a) > key(b);
  });
  return sorted;
}

int64_t RevisionOf(const Value& replica_set) {
  return wl::IntAnnotation(replica_set, rollout::kRevisionAnnotation).value_or(0);
}

}  // namespace

Value RolloutSummary(const Value& rollout, const std::vector<Value>& replica_sets,
                     const std::vector<Value>& analysis_runs) {
  rollout::RolloutStatus status = rollout::ReadRolloutStatus(rollout);
  Value out = Value::MakeObject();
  out.Set("name", NameOf(rollout));
  out.Set("namespace", NamespaceOf(rollout));
  const Value* canary = rollout.At({"spec", "strategy", "canary"});
  out.Set("strategy", canary != nullptr ? "Canary" : "BlueGreen");
  out.Set("phase", status.phase.empty() ? "Progressing" : status.phase);
  out.Set("message", status.message);
  if (canary != nullptr) {
    const Value* steps = canary->Find("steps");
    int64_t count = steps != nullptr && steps->is_array() ? static_cast<int64_t>(steps->size()) : 0;
    int64_t step = status.current_step_index.value_or(count);
    out.Set("step", step);
    out.Set("steps", count);
    bool released = !status.stable_rs.empty() && status.stable_rs == status.current_pod_hash;
    int64_t set_weight = released ? 100 : SetWeight(steps ? *steps : Value(), step);
    out.Set("setWeight", set_weight);
    int64_t actual = set_weight;
    if (status.canary.weights) {
      actual = status.canary.weights->canary.weight;
      if (released) actual = 100;
    } else if (status.available_replicas > 0) {
      int64_t canary_available = 0;
      for (const Value& rs : replica_sets) {
        if (rs.StringAt({"metadata", "labels", rollout::kPodTemplateHashLabel}) ==
            status.current_pod_hash) {
          canary_available = wl::IntAt(rs, {"status", "availableReplicas"});
        }
      }
      actual = static_cast<int64_t>(std::lround(100.0 * static_cast<double>(canary_available) /
                                                static_cast<double>(status.available_replicas)));
    }
    out.Set("actualWeight", actual);
  } else {
    out.Set("activeSelector", status.blue_green.active_selector);
    out.Set("previewSelector", status.blue_green.preview_selector);
  }
  Value& replicas = out["replicas"];
  replicas.Set("desired", wl::IntAt(rollout, {"spec", "replicas"}, 1));
  replicas.Set("current", status.replicas);
  replicas.Set("updated", status.updated_replicas);
  replicas.Set("ready", status.ready_replicas);
  replicas.Set("available", status.available_replicas);

  std::vector<const Value*> sets;
  sets.reserve(replica_sets.size());
  for (const Value& rs : replica_sets) sets.push_back(&rs);
  std::stable_sort(sets.begin(), sets.end(),
                   [](const Value* a, const Value* b) { return RevisionOf(*a) > RevisionOf(*b); });
  Value& revisions = out["revisions"] = Value::MakeArray();
  for (const Value* rs : sets) revisions.as_array().push_back(Revision(rollout, *rs));
  Value& runs = out["analysisRuns"] = Value::MakeArray();
  for (const Value* run : NewestFirst(analysis_runs)) {
    runs.as_array().push_back(AnalysisRunSummary(*run));
  }
  return out;
}

}  // namespace capstan::controller
