// Role metadata on ReplicaSets and their pods: canaryMetadata/stableMetadata (blue/green:
// previewMetadata/activeMetadata) and capstan's role label, injected into the pod template
// and straight onto running pods, and taken off again when the role changes — Argo's
// rollout/ephemeralmetadata.go. What was injected is remembered in the ReplicaSet's
// rollout.argoproj.io/ephemeral-metadata annotation, so that labels put there by others are
// never removed.
#include "core/json.h"
#include "rollout/reconcile_internal.h"
#include "target/local/workload/internal/objects.h"

namespace capstan::rollout::internal {

namespace wl = target::local::workload::internal;

namespace {

std::optional<PodMetadata> ParseInjected(const Value& rs) {
  std::string_view text = rs.StringAt({"metadata", "annotations", kEphemeralMetadataAnnotation});
  if (text.empty()) return std::nullopt;
  auto parsed = ParseJson(text, "ephemeral-metadata");
  if (!parsed.ok() || !parsed->is_object()) return std::nullopt;
  PodMetadata out;
  if (const Value* labels = parsed->Find("labels"); labels && labels->is_object())
    out.labels = *labels;
  if (const Value* annotations = parsed->Find("annotations");
      annotations && annotations->is_object()) {
    out.annotations = *annotations;
  }
  return out;
}

std::string Serialize(const PodMetadata& metadata) {
  Value out = Value::MakeObject();
  if (!metadata.labels.empty()) out["labels"] = metadata.labels;
  if (!metadata.annotations.empty()) out["annotations"] = metadata.annotations;
  return EmitCanonicalJson(out);
}

// Sets `desired` into `map` and removes what `existing` injected that `desired` no longer has.
bool SyncMap(Value& map, const Value* existing, const Value* desired) {
  bool modified = false;
  if (desired != nullptr) {
    for (const auto& [key, value] : desired->as_object()) {
      if (!map.is_object()) map = Value::MakeObject();
      const Value* old = map.Find(key);
      if (old == nullptr || *old != value) {
        map.Set(key, value);
        modified = true;
      }
    }
  }
  if (existing != nullptr && map.is_object()) {
    for (const auto& [key, value] : existing->as_object()) {
      if (desired != nullptr && desired->Contains(key)) continue;
      if (map.Erase(key)) modified = true;
    }
  }
  return modified;
}

// SyncEphemeralPodMetadata over an object's metadata (a pod template's or a pod's).
bool SyncMetadata(Value& metadata, const std::optional<PodMetadata>& existing,
                  const std::optional<PodMetadata>& desired) {
  bool labels = SyncMap(metadata["labels"], existing ? &existing->labels : nullptr,
                        desired ? &desired->labels : nullptr);
  bool annotations = SyncMap(metadata["annotations"], existing ? &existing->annotations : nullptr,
                             desired ? &desired->annotations : nullptr);
  if (metadata["annotations"].empty()) metadata.Erase("annotations");
  if (metadata["labels"].empty()) metadata.Erase("labels");
  return labels || annotations;
}

}  // namespace

std::optional<PodMetadata> RolloutSync::RoleMetadata(std::string_view role) const {
  std::optional<PodMetadata> user;
  if (spec_.canary) {
    user = role == "canary" ? spec_.canary->canary_metadata : spec_.canary->stable_metadata;
  } else {
    user =
        role == "preview" ? spec_.blue_green->preview_metadata : spec_.blue_green->active_metadata;
  }
  PodMetadata out = user.value_or(PodMetadata{});
  out.labels.Set(kRoleLabel, std::string(role));
  return out;
}

void RolloutSync::SyncEphemeralMetadata(RsState& rs, const std::optional<PodMetadata>& desired) {
  std::optional<PodMetadata> existing = ParseInjected(rs.object);
  Value& metadata = rs.object["spec"]["template"]["metadata"];
  if (SyncMetadata(metadata, existing, desired)) {
    if (desired.has_value()) {
      rs.object["metadata"]["annotations"].Set(kEphemeralMetadataAnnotation, Serialize(*desired));
    } else {
      rs.object["metadata"]["annotations"].Erase(kEphemeralMetadataAnnotation);
    }
    rs.changed = true;
  }
  if (rs.created || rs.replicas() == 0) return;
  std::string_view uid = wl::UidOf(rs.view);
  for (const Value& pod : pods_) {
    if (!wl::IsControlledBy(pod, uid) || wl::IsTerminating(pod)) continue;
    Value updated = pod;
    if (SyncMetadata(updated["metadata"], existing, desired)) actions_.update.push_back(updated);
  }
}

void RolloutSync::ReconcileEphemeralMetadata() {
  bool fully_rolled_out = prev_.stable_rs.empty() || prev_.stable_rs == NewHash();
  std::string new_role = spec_.canary ? "canary" : "preview";
  std::string stable_role = spec_.canary ? "stable" : "active";
  if (fully_rolled_out) {
    SyncEphemeralMetadata(*New(), RoleMetadata(stable_role));
  } else {
    SyncEphemeralMetadata(*New(), RoleMetadata(new_role));
    if (StableExistsApart()) SyncEphemeralMetadata(*Stable(), RoleMetadata(stable_role));
  }
  for (RsState* rs : Others()) SyncEphemeralMetadata(*rs, std::nullopt);
}

}  // namespace capstan::rollout::internal
