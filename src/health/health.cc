#include "health/health.h"

#include <map>
#include <set>
#include <string>

#include "health/internal/checks.h"

namespace capstan::health {

namespace {

using Check = Health (*)(const Value&);

// (group, kind) → check. The groups are the ones Argo CD checks; a kind served under
// another group (a custom resource named Deployment) has no check.
const std::map<std::pair<std::string_view, std::string_view>, Check>& Checks() {
  static const auto* checks = new std::map<std::pair<std::string_view, std::string_view>, Check>{
      {{"apps", "Deployment"}, internal::DeploymentHealth},
      {{"apps", "StatefulSet"}, internal::StatefulSetHealth},
      {{"apps", "DaemonSet"}, internal::DaemonSetHealth},
      {{"apps", "ReplicaSet"}, internal::ReplicaSetHealth},
      {{"", "Pod"}, internal::PodHealth},
      {{"", "Service"}, internal::ServiceHealth},
      {{"", "PersistentVolumeClaim"}, internal::PvcHealth},
      {{"", "Namespace"}, internal::NamespaceHealth},
      {{"batch", "Job"}, internal::JobHealth},
      {{"autoscaling", "HorizontalPodAutoscaler"}, internal::HpaHealth},
      {{"networking.k8s.io", "Ingress"}, internal::IngressHealth},
      {{"extensions", "Ingress"}, internal::IngressHealth},
      {{"apiextensions.k8s.io", "CustomResourceDefinition"}, internal::CrdHealth},
      {{"apiregistration.k8s.io", "APIService"}, internal::ApiServiceHealth},
      {{"argoproj.io", "Rollout"}, internal::RolloutHealth},
      {{"argoproj.io", "AnalysisRun"}, internal::AnalysisRunHealth},
  };
  return *checks;
}

bool HasAnnotation(const Value& object, std::string_view name) {
  const Value* value = object.At({"metadata", "annotations", name});
  return value != nullptr && value->is_string();
}

// Mirrors the sync module's hook test (health sits below sync, so it cannot call it):
// an Argo CD hook annotation whose only known type is not "Skip", or a Helm hook other
// than "crd-install".
bool IsHook(const Value& object) {
  if (HasAnnotation(object, "argocd.argoproj.io/hook")) {
    std::string_view text = object.StringAt({"metadata", "annotations", "argocd.argoproj.io/hook"});
    static constexpr std::string_view kKnown[] = {"PreSync", "Sync",      "PostSync",  "SyncFail",
                                                  "Skip",    "PreDelete", "PostDelete"};
    std::set<std::string_view> types;
    while (!text.empty()) {
      size_t comma = text.find(',');
      std::string_view item = text.substr(0, comma);
      text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      for (std::string_view known : kKnown) {
        if (item == known) types.insert(item);
      }
    }
    return !(types.size() == 1 && *types.begin() == "Skip");
  }
  if (HasAnnotation(object, "helm.sh/hook")) {
    return object.StringAt({"metadata", "annotations", "helm.sh/hook"}) != "crd-install";
  }
  return false;
}

}  // namespace

std::string_view HealthStatusName(HealthStatus status) {
  switch (status) {
    case HealthStatus::kHealthy:
      return "Healthy";
    case HealthStatus::kSuspended:
      return "Suspended";
    case HealthStatus::kProgressing:
      return "Progressing";
    case HealthStatus::kMissing:
      return "Missing";
    case HealthStatus::kDegraded:
      return "Degraded";
    case HealthStatus::kUnknown:
      return "Unknown";
  }
  return "Unknown";
}

std::optional<Health> AssessHealth(const Value& live) {
  const Value* deletion = live.At({"metadata", "deletionTimestamp"});
  if (deletion != nullptr && !deletion->is_null()) {
    return Health{HealthStatus::kProgressing, "Pending deletion"};
  }
  std::string_view api_version = live.StringAt({"apiVersion"});
  auto it = Checks().find({GroupOf(api_version), KindOf(live)});
  if (it == Checks().end()) return std::nullopt;
  return it->second(live);
}

ApplicationHealth AssessApplication(const std::vector<Value>& desired,
                                    const std::vector<Value>& live) {
  std::map<ObjectKey, const Value*> live_by_key;
  for (const Value& object : live) live_by_key.emplace(KeyOf(object), &object);

  ApplicationHealth out;
  const ResourceHealth* worst = nullptr;
  for (const Value& object : desired) {
    if (IsHook(object)) continue;
    ObjectKey key = KeyOf(object);
    auto found = live_by_key.find(key);
    std::optional<Health> health;
    if (found == live_by_key.end()) {
      health = Health{HealthStatus::kMissing, ""};
    } else if (!IsHook(*found->second)) {
      health = AssessHealth(*found->second);
    }
    if (!health) continue;
    out.resources.push_back({std::move(key), std::move(*health)});
  }
  for (const ResourceHealth& resource : out.resources) {
    if (worst == nullptr || IsWorse(worst->health.status, resource.health.status)) {
      worst = &resource;
    }
  }
  if (worst != nullptr && worst->health.status != HealthStatus::kHealthy) {
    std::string detail = worst->health.message.empty()
                             ? std::string(HealthStatusName(worst->health.status))
                             : worst->health.message;
    out.health = {worst->health.status, worst->key.ToString() + ": " + detail};
  }
  return out;
}

}  // namespace capstan::health
