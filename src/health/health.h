// health: "is this live object working?" — the health of one object, per kind, and of an
// Application as the worst of its objects. Pure functions on Values; no I/O; safe to call
// from any thread.
//
// The statuses, their order and the per-kind rules follow Argo CD (gitops-engine
// pkg/health and argo-cd's resource_customizations), so users moving over see the same
// status and message for the same object. docs/health.md lists every rule.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/object.h"
#include "core/value.h"

namespace capstan::health {

// Ordered best to worst, as Argo CD aggregates them (its healthOrder): an Application is
// as healthy as its least healthy object.
enum class HealthStatus {
  kHealthy,      // working as declared
  kSuspended,    // paused on purpose (a paused Deployment, a suspended Job)
  kProgressing,  // not there yet but may still get there (rollout under way, no IP yet)
  kMissing,      // declared but absent from the target
  kDegraded,     // failed, or cannot get there (crash loop, deadline exceeded, Lost PVC)
  kUnknown,      // the check itself failed (malformed status)
};

// "Healthy", "Suspended", ... as Argo CD spells them.
std::string_view HealthStatusName(HealthStatus status);

// Whether `candidate` is worse than `current` in the order above.
inline bool IsWorse(HealthStatus current, HealthStatus candidate) { return candidate > current; }
inline HealthStatus Worst(HealthStatus a, HealthStatus b) { return IsWorse(a, b) ? b : a; }

struct Health {
  HealthStatus status = HealthStatus::kHealthy;
  // Why, in words a person acts on ("Waiting for rollout to finish: 1 of 3 updated replicas
  // are available..."); may be empty when the status says it all.
  std::string message;

  friend bool operator==(const Health&, const Health&) = default;
};

// The health of one live object, or std::nullopt when capstan has no check for its kind
// (ConfigMap, Secret, RBAC, custom resources...). Like Argo CD, an object without a check
// does not contribute to an Application's health, and a sync wave does not wait for it.
//
// Every object with metadata.deletionTimestamp set is Progressing ("Pending deletion"),
// whatever its kind. Kinds with a check: apps Deployment, StatefulSet, DaemonSet,
// ReplicaSet; core Pod, Service, PersistentVolumeClaim, Namespace; batch Job; autoscaling
// HorizontalPodAutoscaler; networking.k8s.io and extensions Ingress;
// apiextensions.k8s.io CustomResourceDefinition; apiregistration.k8s.io APIService.
// A status that cannot be read (a field of the wrong type) gives kUnknown with a message
// naming the field, never an error.
std::optional<Health> AssessHealth(const Value& live);

// One object's part in an Application's health.
struct ResourceHealth {
  ObjectKey key;
  Health health;
};

struct ApplicationHealth {
  // The worst status of `resources` (Healthy when none has a check); the message names the
  // first object with that status: "apps/Deployment default/web: Waiting for rollout...".
  Health health;
  // Every desired object that has a check or is missing, in the order of `desired`.
  std::vector<ResourceHealth> resources;
};

// The health of an Application from its desired objects and the live objects found for
// them (paired by ObjectKey; live objects not desired are ignored, they are prune
// candidates). A desired object with no live one is Missing. Hooks (objects with an
// `argocd.argoproj.io/hook` or Helm `helm.sh/hook` annotation) are skipped, as Argo CD does:
// they run during a sync and do not describe the running application.
ApplicationHealth AssessApplication(const std::vector<Value>& desired,
                                    const std::vector<Value>& live);

}  // namespace capstan::health
