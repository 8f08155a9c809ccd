// The Rollout's ReplicaSets: the new one (pod-template-hash name, revision annotations),
// scaling with the desired-replicas annotation, scale-down deadlines (scaleDownDelaySeconds,
// abortScaleDownDelaySeconds) and the revision history limit — Argo's rollout/replicaset.go
// and rollout/sync.go.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "core/object.h"
#include "core/time.h"
#include "rollout/reconcile_internal.h"
#include "rollout/release.h"
#include "target/local/workload/internal/objects.h"
#include "target/local/workload/workload.h"

namespace capstan::rollout::internal {

namespace wl = target::local::workload::internal;

namespace {

constexpr int64_t kDefaultScaleDownDelaySeconds = 30;
constexpr int64_t kDefaultAbortScaleDownDelaySeconds = 30;

// Annotations of the Rollout never copied to its ReplicaSets.
bool SkipCopyAnnotation(std::string_view key) {
  return key == "kubectl.kubernetes.io/last-applied-configuration" ||
         key.starts_with("rollout.argoproj.io/") || key.starts_with("notified.notifications.");
}

// copyRolloutAnnotationsToReplicaSet: true when something changed.
bool CopyRolloutAnnotations(const RolloutSpec& spec, Value& rs) {
  bool changed = false;
  Value& annotations = rs["metadata"]["annotations"];
  if (!annotations.is_object()) annotations = Value::MakeObject();
  for (const auto& [key, value] : spec.annotations.as_object()) {
    if (SkipCopyAnnotation(key)) continue;
    const Value* old = annotations.Find(key);
    if (old == nullptr || *old != value) {
      annotations.Set(key, value);
      changed = true;
    }
  }
  return changed;
}

int64_t MaxRevision(const std::vector<const RsState*>& sets) {
  int64_t max = 0;
  for (const RsState* rs : sets) max = std::max(max, rs->revision().value_or(0));
  return max;
}

}  // namespace

std::chrono::seconds RolloutSync::ScaleDownDelay() const {
  std::optional<int64_t> seconds;
  if (spec_.blue_green) {
    seconds = spec_.blue_green->scale_down_delay_seconds.value_or(kDefaultScaleDownDelaySeconds);
  } else if (spec_.canary->traffic_routing) {
    seconds = spec_.canary->scale_down_delay_seconds.value_or(kDefaultScaleDownDelaySeconds);
  }
  return std::chrono::seconds(seconds.value_or(0));
}

std::optional<std::chrono::seconds> RolloutSync::AbortScaleDownDelay() const {
  std::optional<int64_t> set;
  if (spec_.blue_green) {
    set = spec_.blue_green->abort_scale_down_delay_seconds;
  } else if (spec_.canary->traffic_routing) {
    set = spec_.canary->abort_scale_down_delay_seconds;
  } else {
    return std::chrono::seconds(0);  // a canary without a router scales down at once
  }
  if (set.has_value() && *set == 0) return std::nullopt;  // 0: never scale the new one down
  return std::chrono::seconds(set.value_or(kDefaultAbortScaleDownDelaySeconds));
}

void RolloutSync::SetRolloutRevision(const std::string& revision) { revision_ = revision; }

void RolloutSync::CreateNewReplicaSet() {
  std::vector<const RsState*> all = All();
  std::string revision = std::to_string(MaxRevision(all) + 1);
  std::string hash =
      target::local::workload::PodTemplateHash(spec_.pod_template, prev_.collision_count);
  std::string name = fmt::format("{}-{}", spec_.name, hash);
  for (const RsState& rs : rs_) {
    if (rs.name() != name) continue;
    // Taken by a ReplicaSet with another template: a hash collision. Argo bumps
    // status.collisionCount so that the next sync hashes differently.
    prev_.collision_count = prev_.collision_count.value_or(0) + 1;
    return;
  }
  Value pod_template = spec_.pod_template;
  Value& labels = pod_template["metadata"]["labels"];
  if (!labels.is_object()) labels = Value::MakeObject();
  labels.Set(kPodTemplateHashLabel, hash);
  if (std::string tag = ImageTagLabelValue(spec_.pod_template); !tag.empty()) {
    labels.Set(kImageTagLabel, tag);
  }
  Value selector = spec_.selector;
  selector["matchLabels"].Set(kPodTemplateHashLabel, hash);

  Value rs = Value::MakeObject();
  rs["apiVersion"] = "apps/v1";
  rs["kind"] = "ReplicaSet";
  rs["metadata"]["name"] = name;
  rs["metadata"]["namespace"] = spec_.ns;
  rs["metadata"]["labels"] = labels;
  rs["metadata"]["annotations"] = Value::MakeObject();
  rs["metadata"]["ownerReferences"] = Value::Array{wl::ControllerRef(input_)};
  CopyRolloutAnnotations(spec_, rs);
  rs["metadata"]["annotations"].Set(kRevisionAnnotation, revision);
  rs["metadata"]["annotations"].Set(kDesiredReplicasAnnotation, std::to_string(spec_.replicas));
  rs["spec"]["replicas"] = 0;
  if (spec_.min_ready_seconds != 0) rs["spec"]["minReadySeconds"] = spec_.min_ready_seconds;
  rs["spec"]["selector"] = selector;
  rs["spec"]["template"] = pod_template;

  RsState created{rs, rs, true, false, rs_.size()};
  rs_.push_back(std::move(created));
  new_ = rs_.size() - 1;
  bool stable_apart = stable_.has_value();
  std::string role =
      spec_.canary ? (stable_apart ? "canary" : "stable") : (stable_apart ? "preview" : "active");
  SyncEphemeralMetadata(rs_[*new_], RoleMetadata(role));
  rs_[*new_].view = rs_[*new_].object;
  SetRolloutRevision(revision);
  RolloutCondition condition = NewCondition("Progressing", "True", "NewReplicaSetCreated",
                                            fmt::format("Created new replica set \"{}\"", name));
  std::erase_if(prev_.conditions,
                [](const RolloutCondition& c) { return c.type == "Progressing"; });
  prev_.conditions.push_back(condition);
}

void RolloutSync::SyncReplicaSetRevision() {
  RsState& rs = *New();
  std::vector<const RsState*> older;
  for (const RsState& other : rs_) {
    if (&other != &rs) older.push_back(&other);
  }
  int64_t new_revision = MaxRevision(older) + 1;
  bool changed = CopyRolloutAnnotations(spec_, rs.object);
  Value& annotations = rs.object["metadata"]["annotations"];
  const Value* old_text = annotations.Find(kRevisionAnnotation);
  std::optional<int64_t> old_revision = old_text && old_text->is_string()
                                            ? wl::ParseInt(old_text->as_string())
                                            : std::optional<int64_t>(0);
  if (old_revision.has_value() && *old_revision < new_revision) {
    // Rolling back to an old ReplicaSet: it gets the next revision and remembers its old ones.
    if (old_text != nullptr) {
      std::string history(
          rs.object.StringAt({"metadata", "annotations", kRevisionHistoryAnnotation}));
      std::string previous = old_text->as_string();
      annotations.Set(kRevisionHistoryAnnotation,
                      history.empty() ? previous : fmt::format("{},{}", history, previous));
    }
    annotations.Set(kRevisionAnnotation, std::to_string(new_revision));
    changed = true;
  }
  if (wl::IntAt(rs.object, {"spec", "minReadySeconds"}) != spec_.min_ready_seconds) {
    if (spec_.min_ready_seconds == 0) {
      rs.object["spec"].Erase("minReadySeconds");
    } else {
      rs.object["spec"].Set("minReadySeconds", spec_.min_ready_seconds);
    }
    changed = true;
  }
  if (changed) rs.changed = true;
  SetRolloutRevision(
      std::string(rs.object.StringAt({"metadata", "annotations", kRevisionAnnotation})));
  if (prev_.FindCondition("Progressing") == nullptr) {
    prev_.conditions.push_back(
        NewCondition("Progressing", "True", "FoundNewReplicaSet",
                     fmt::format("Found new replica set \"{}\"", rs.name())));
  }
}

bool RolloutSync::ScaleReplicaSet(RsState& rs, int64_t replicas) {
  std::string desired = std::to_string(spec_.replicas);
  std::string_view listed =
      rs.object.StringAt({"metadata", "annotations", kDesiredReplicasAnnotation});
  bool size_changes = rs.replicas() != replicas;
  bool annotation_changes = listed != desired || (spec_.replicas == 0 && rs.HasScaleDownDeadline());
  if (!size_changes && !annotation_changes &&
      wl::IntAt(rs.object, {"spec", "replicas"}, 1) == replicas) {
    return false;
  }
  rs.object["spec"].Set("replicas", replicas);
  rs.object["metadata"]["annotations"].Set(kDesiredReplicasAnnotation, desired);
  if (replicas == 0 && !ShouldDelayScaleDownOnAbort()) {
    rs.object["metadata"]["annotations"].Erase(kScaleDownDeadlineAnnotation);
  }
  rs.changed = true;
  return size_changes;
}

void RolloutSync::AddScaleDownDelay(RsState& rs, std::chrono::seconds delay) {
  if (delay.count() == 0) {
    RemoveScaleDownDelay(rs);
    return;
  }
  TimePoint deadline = now_ + delay;
  rs.object["metadata"]["annotations"].Set(kScaleDownDeadlineAnnotation, FormatRfc3339(deadline));
  rs.changed = true;
  RequeueAt(deadline);
}

void RolloutSync::RemoveScaleDownDelay(RsState& rs) {
  if (!rs.HasScaleDownDeadline()) return;
  rs.object["metadata"]["annotations"].Erase(kScaleDownDeadlineAnnotation);
  rs.changed = true;
}

void RolloutSync::RemoveScaleDownDeadlines() {
  if (New() != nullptr && !ShouldDelayScaleDownOnAbort()) RemoveScaleDownDelay(*New());
  if (StableExistsApart() || (Stable() != nullptr && ShouldDelayScaleDownOnAbort())) {
    RemoveScaleDownDelay(*Stable());
  }
}

bool RolloutSync::ShouldDelayScaleDownOnAbort() const {
  if (!IsAborted() || Stable() == nullptr) return false;
  if (spec_.canary && !spec_.canary->traffic_routing) return false;
  std::optional<std::chrono::seconds> delay = AbortScaleDownDelay();
  if (!delay.has_value()) return false;
  bool explicit_delay = spec_.canary ? spec_.canary->abort_scale_down_delay_seconds.has_value()
                                     : spec_.blue_green->abort_scale_down_delay_seconds.has_value();
  // With dynamicStableScale the canary shrinks as traffic leaves it, unless a delay is set.
  if (spec_.canary && spec_.canary->dynamic_stable_scale && !explicit_delay) return false;
  return true;
}

int64_t RolloutSync::NewReplicaSetReplicas() const {
  if (spec_.blue_green) {
    const RsState* active = nullptr;
    for (const RsState& rs : rs_) {
      if (!prev_.blue_green.active_selector.empty() &&
          rs.hash() == prev_.blue_green.active_selector) {
        active = &rs;
      }
    }
    BlueGreenPreviewInput input;
    input.replicas = spec_.replicas;
    input.preview_replica_count = spec_.blue_green->preview_replica_count;
    input.active_is_new_or_missing = active == nullptr || active == New();
    input.promote_full = prev_.promote_full;
    input.new_is_recorded_current = NewHash() == prev_.current_pod_hash;
    input.paused = spec_.paused || !prev_.pause_conditions.empty();
    input.scale_up_preview_check_point = prev_.blue_green.scale_up_preview_check_point;
    return BlueGreenNewReplicas(input);
  }
  if (!spec_.canary->traffic_routing) return BasicCanaryCounts().canary;
  return TrafficRoutedCounts(next_.canary.weights).canary;
}

bool RolloutSync::ReconcileNewReplicaSet() {
  RsState* rs = New();
  if (rs == nullptr) return false;
  int64_t replicas = NewReplicaSetReplicas();
  if (ShouldDelayScaleDownOnAbort()) {
    if (rs->HasScaleDownDeadline()) {
      std::optional<TimePoint> deadline = rs->ScaleDownDeadline();
      if (deadline.has_value() && *deadline > now_) {
        RequeueAt(*deadline);
        ScaleReplicaSet(*rs, rs->replicas());  // only the desired-replicas annotation
        return false;
      }
      if (deadline.has_value()) replicas = 0;
    } else if (std::optional<std::chrono::seconds> delay = AbortScaleDownDelay()) {
      ScaleReplicaSet(*rs, rs->replicas());
      // The deadline starts once the stable ReplicaSet can take all the traffic back.
      if (Stable()->available() >= spec_.replicas) AddScaleDownDelay(*rs, *delay);
      return false;
    }
  }
  return ScaleReplicaSet(*rs, replicas);
}

bool RolloutSync::ReconcileOtherReplicaSets() {
  std::vector<RsState*> active;
  int64_t pods = 0;
  for (RsState* rs : Others()) {
    if (rs->replicas() > 0) {
      active.push_back(rs);
      pods += rs->replicas();
    }
  }
  if (pods == 0) return false;
  if (spec_.canary) return ScaleDownOldReplicaSetsForCanary(active) > 0;
  return ScaleDownOldReplicaSetsForBlueGreen(active);
}

std::pair<int64_t, int64_t> RolloutSync::ScaleDownDelayHelper(RsState& rs, int64_t annotated,
                                                              int64_t rollout_replicas) {
  int64_t desired = 0;
  std::optional<int64_t> limit_set = spec_.canary
                                         ? spec_.canary->scale_down_delay_revision_limit
                                         : spec_.blue_green->scale_down_delay_revision_limit;
  int64_t limit = limit_set.value_or(std::numeric_limits<int32_t>::max());
  if (!rs.HasScaleDownDeadline() && rs.replicas() > 0) {
    if (annotated < limit) {
      ++annotated;
      desired = rs.replicas();
      AddScaleDownDelay(rs, ScaleDownDelay());
    }
  } else if (rs.HasScaleDownDeadline()) {
    ++annotated;
    if (annotated <= limit) {
      std::optional<TimePoint> deadline = rs.ScaleDownDeadline();
      if (deadline.has_value() && *deadline > now_) {
        RequeueAt(*deadline);
        desired = rollout_replicas;
      }
    }
  }
  return {annotated, desired};
}

bool RolloutSync::IsReplicaSetReferenced(const RsState& rs) const {
  std::string hash = rs.hash();
  if (hash.empty()) return false;
  std::vector<std::string> references = {prev_.stable_rs, prev_.current_pod_hash,
                                         prev_.blue_green.active_selector,
                                         prev_.blue_green.preview_selector};
  if (prev_.canary.weights) {
    references.push_back(prev_.canary.weights->canary.pod_template_hash);
    references.push_back(prev_.canary.weights->stable.pod_template_hash);
  }
  if (std::find(references.begin(), references.end(), hash) != references.end()) return true;
  std::vector<std::string> services =
      spec_.canary
          ? std::vector<std::string>{spec_.canary->canary_service, spec_.canary->stable_service}
          : std::vector<std::string>{spec_.blue_green->active_service,
                                     spec_.blue_green->preview_service};
  for (const std::string& service : services) {
    auto it = selectors_.find(service);
    if (!service.empty() && it != selectors_.end() && it->second == hash) return true;
  }
  return false;
}

void RolloutSync::ReconcileRevisionHistoryLimit() {
  std::vector<RsState*> cleanable;
  for (RsState* rs : Others()) {
    if (!rs->created && !wl::IsTerminating(rs->view)) cleanable.push_back(rs);
  }
  int64_t excess = static_cast<int64_t>(cleanable.size()) - spec_.revision_history_limit;
  if (excess <= 0) return;
  // Oldest first (cleanable keeps rs_'s creation order).
  for (int64_t i = 0; i < excess; ++i) {
    RsState& rs = *cleanable[i];
    int64_t generation = wl::IntAt(rs.view, {"metadata", "generation"});
    int64_t observed = wl::IntAt(rs.view, {"status", "observedGeneration"});
    if (rs.status_replicas() != 0 || rs.replicas() != 0 || generation > observed) continue;
    actions_.remove.push_back(KeyOf(rs.view));
    rs.changed = false;
    std::string hash = rs.hash();
    for (const Value* run : other_runs_) {
      if (!hash.empty() && run->StringAt({"metadata", "labels", kPodTemplateHashLabel}) == hash) {
        actions_.remove.push_back(KeyOf(*run));
      }
    }
  }
}

}  // namespace capstan::rollout::internal
