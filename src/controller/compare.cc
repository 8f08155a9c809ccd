#include "controller/compare.h"

#include <fmt/format.h>

#include <map>

#include "diff/diff.h"
#include "sync/plan.h"
#include "target/target.h"

namespace capstan::controller {

bool IsTrackedBy(std::string_view app, const Value& live) {
  std::string_view id = live.StringAt({"metadata", "annotations", target::kTrackingAnnotation});
  return !id.empty() && id == sync::TrackingId(app, KeyOf(live));
}

bool IsHook(const Value& object) {
  const Value* annotations = object.At({"metadata", "annotations"});
  return annotations != nullptr && (annotations->Find("argocd.argoproj.io/hook") != nullptr ||
                                    annotations->Find("helm.sh/hook") != nullptr);
}

namespace {

ResourceStatus StatusOf(const ObjectKey& key, std::string_view api_version) {
  ResourceStatus status;
  status.group = key.group;
  std::string_view version = api_version.substr(api_version.find('/') + 1);
  status.version = std::string(version);
  status.kind = key.kind;
  status.namespace_ = key.ns;
  status.name = key.name;
  return status;
}

}  // namespace

Result<Comparison> Compare(const Application& app, const std::vector<Manifest>& desired,
                           const std::vector<Value>& live) {
  diff::DiffOptions options = ToDiffOptions(app);
  std::vector<Manifest> compared;
  for (const Manifest& manifest : desired) {
    if (!IsHook(manifest.object)) compared.push_back(manifest);
  }
  std::vector<Manifest> live_manifests;
  for (const Value& object : live) {
    if (!IsHook(object)) live_manifests.push_back(Manifest{object, ""});
  }
  auto set = diff::DiffAll(compared, live_manifests, options);
  if (!set.ok()) return set.error();

  Comparison result;
  std::map<ObjectKey, const Value*> live_by_key;
  for (const Value& object : live) live_by_key[KeyOf(object)] = &object;
  for (const diff::ObjectDiff& object : set->objects) {
    const Value& sample = object.desired.is_null() ? object.live : object.desired;
    ResourceStatus status = StatusOf(object.key, sample.StringAt({"apiVersion"}));
    if (object.change == diff::Change::kRemoved) {
      // Only live: a prune candidate if capstan created it, otherwise not ours to judge.
      auto it = live_by_key.find(object.key);
      const Value* original = it != live_by_key.end() ? it->second : nullptr;
      if (original == nullptr) original = &object.live;
      if (!IsTrackedBy(app.name, *original)) continue;
      status.status = "OutOfSync";
      status.requires_pruning = true;
      // Already being deleted (a prune waiting for its dependents or finalizers): listed,
      // but neither pruned again nor a reason to sync, or self-heal would loop on it.
      if (original->At({"metadata", "deletionTimestamp"}) == nullptr) {
        result.prunable.push_back(*original);
        result.out_of_sync.insert(object.key);
      }
    } else if (object.change == diff::Change::kUnchanged) {
      status.status = "Synced";
    } else {
      status.status = "OutOfSync";
      result.out_of_sync.insert(object.key);
    }
    result.resources.push_back(std::move(status));
  }

  std::vector<Value> desired_objects;
  desired_objects.reserve(compared.size());
  // DiffAll is done with them: move rather than copy (copies are a fifth of a reconcile).
  for (Manifest& manifest : compared) desired_objects.push_back(std::move(manifest.object));
  result.health = health::AssessApplication(desired_objects, live);
  std::map<ObjectKey, const health::Health*> health_by_key;
  for (const health::ResourceHealth& resource : result.health.resources) {
    health_by_key[resource.key] = &resource.health;
  }
  for (ResourceStatus& status : result.resources) {
    ObjectKey key{status.group, status.kind, status.namespace_, status.name};
    auto it = health_by_key.find(key);
    if (it == health_by_key.end()) continue;
    status.health =
        HealthState{std::string(health::HealthStatusName(it->second->status)), it->second->message};
  }
  result.sync_status = result.out_of_sync.empty() ? "Synced" : "OutOfSync";
  return result;
}

}  // namespace capstan::controller
