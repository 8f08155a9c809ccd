// workload: the local target's workload controllers — what kube-controller-manager does for
// Deployments, ReplicaSets, StatefulSets and Jobs — as pure functions on Values.
//
// Each Reconcile* function reads one parent object and the children the caller found for it,
// and returns the Actions that move the world one step towards the parent's spec, as the
// Kubernetes controller of that kind would in one sync: children to create, update or
// remove, and the parent's new status. They read no clock (`now` is a parameter), do no I/O
// and keep no state between calls, so calling one again with the world the Actions produced
// is how a rollout advances (the caller's loop is level-triggered, as Kubernetes' is).
// Statuses come out field for field as Kubernetes writes them (names, omitted zeros,
// condition types, reasons and messages), so capstan's health, diff and CLI read them
// unchanged. docs/local-controllers.md lists what each controller supports and the arithmetic.
//
// Thread safety: every function is safe to call concurrently (no shared state; a NameSuffix
// is called only by the call it was passed to).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/object.h"
#include "core/result.h"
#include "core/value.h"

namespace capstan::target::local::workload {

using TimePoint = std::chrono::system_clock::time_point;

// What one reconcile asks the caller to do, in this order: create, update, remove, then write
// `parent` (metadata only) and `status`. Every object is whole (apiVersion, kind, metadata,
// spec); objects this creates carry metadata.name, namespace, labels and a controller owner
// reference ({apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true}) but no
// uid, creationTimestamp or generation: the caller's object store assigns those.
struct Actions {
  std::vector<Value> create;      // new children
  std::vector<Value> update;      // changed children (a ReplicaSet's spec.replicas, ...)
  std::vector<ObjectKey> remove;  // children to delete (pods: terminated gracefully). May
                                  // name the parent itself: a finished Job whose
                                  // ttlSecondsAfterFinished passed goes, dependents with it.
  std::optional<Value> status;    // the parent's new .status, only when it changed
  std::optional<Value> parent;    // the parent with changed metadata (revision annotation);
                                  // its spec is untouched, so its generation must not grow
  std::optional<std::chrono::milliseconds> requeue_after;  // reconcile again by then even if
                                                           // nothing changes (deadlines,
                                                           // minReadySeconds, back-off)
  // Why this parent cannot be run, one sentence each naming the field
  // ("spec.volumeClaimTemplates: not supported by the local target"); shown to the user.
  // A parent with errors gets no other action.
  std::vector<std::string> errors;

  // Whether there is nothing to do.
  bool empty() const;
  // Sets requeue_after to `after` unless an earlier requeue is already asked for.
  void RequeueNoLaterThan(std::chrono::milliseconds after);
};

// The random part of a generated name (metadata.generateName + 5 characters, as the API
// server draws them from "bcdfghjklmnpqrstvwxz2456789"). Called once per new pod; a name
// already taken is drawn again.
using NameSuffix = std::function<std::string()>;

// A NameSuffix drawing from a generator seeded with `seed`: the same seed gives the same
// names (tests), a random seed gives names as unpredictable as Kubernetes'.
NameSuffix RandomNameSuffix(uint64_t seed);

// --- Deployment (apps/v1) → ReplicaSets -----------------------------------------------------

// One sync of Kubernetes' deployment controller. `replica_sets` and `pods` are those in the
// Deployment's namespace (others are ignored): a ReplicaSet is the Deployment's when its
// controller owner reference has the Deployment's uid, a pod when its controller is one of
// those ReplicaSets. Status replicas come from the ReplicaSets' status (written by
// ReconcileReplicaSet). Supports RollingUpdate (maxSurge/maxUnavailable) and Recreate,
// proportional scaling, paused, minReadySeconds, progressDeadlineSeconds,
// revisionHistoryLimit, the revision annotations and hash collisions (status.collisionCount).
// Invalid specs (no selector, a selector that does not match the template labels, both
// maxSurge and maxUnavailable 0, a percent that is not "N%") come back as errors.
Actions ReconcileDeployment(const Value& deployment, const std::vector<Value>& replica_sets,
                            const std::vector<Value>& pods, TimePoint now);

// `kubectl rollout undo`: the Deployment with spec.template (and its annotations, as kubectl
// does) taken from the ReplicaSet of revision `to_revision` (0: the one before the current).
// The caller applies the result; the next ReconcileDeployment rolls it out as a new revision.
// When the template already equals that revision's, the Deployment comes back unchanged
// (kubectl's "skipped rollback"). NotFound names the revision ("deployments "web": unable to
// find specified revision 7 in history"); Invalid when the Deployment is paused.
Result<Value> RollbackDeployment(const Value& deployment, const std::vector<Value>& replica_sets,
                                 int64_t to_revision);

// The arithmetic, exposed for tests and for the rollout module.
//
// ScaledValue resolves an int-or-percent field against `total`: an integer is itself, "N%"
// is N*total/100 rounded up (`round_up`, maxSurge) or down (maxUnavailable). `field` names it
// in the Invalid error for anything else ("spec.strategy.rollingUpdate.maxSurge: invalid value
// \"5\": must be an integer or a percentage").
Result<int64_t> ScaledValue(const Value& int_or_percent, int64_t total, bool round_up,
                            std::string_view field);

struct Fenceposts {
  int64_t max_surge = 0;
  int64_t max_unavailable = 0;
  friend bool operator==(const Fenceposts&, const Fenceposts&) = default;
};

// maxSurge and maxUnavailable of a rolling update of `replicas` (nullptr: the default 25%).
// When both resolve to 0, maxUnavailable becomes 1 (Kubernetes' ResolveFenceposts).
// Examples: 10 replicas, 25%/25% → surge 3, unavailable 2; 1 replica → 1/0; 0/0 → 0/1;
// 4 replicas, 30%/30% → 2/1.
Result<Fenceposts> ResolveFenceposts(const Value* max_surge, const Value* max_unavailable,
                                     int64_t replicas);

// The pod-template-hash of `pod_template` (with status.collisionCount, when set): stable
// across runs and machines, different for any change of the template, spelt as Kubernetes
// spells it (digits of a 32-bit hash mapped onto "bcdfghjklmnpqrstvwxz2456789").
std::string PodTemplateHash(const Value& pod_template, std::optional<int64_t> collision_count);

// --- ReplicaSet (apps/v1) → Pods --------------------------------------------------------------

// One sync of the replica set controller: creates `<rs>-<suffix>` pods from spec.template
// (labels, annotations, spec, namespace, generateName, owner reference) until spec.replicas
// run, or removes the surplus preferring, as Kubernetes' ranking does: unscheduled, then
// Pending < Unknown < Running, not ready, more pods on the same node, ready for less time,
// more restarts, newer. Pods with deletionTimestamp or in phase Succeeded/Failed do not
// count. Status: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas (ready for
// more than minReadySeconds at `now`), observedGeneration — of the pods as this sync leaves
// them (pods it removes no longer count, pods it creates count as not ready). Kubernetes
// reports the pods it started from and corrects that on the next sync, which its pod events
// trigger at once; a loop without those events must not let a Deployment read pods that are
// going as available.
Actions ReconcileReplicaSet(const Value& replica_set, const std::vector<Value>& pods, TimePoint now,
                            const NameSuffix& name_suffix);

// --- StatefulSet (apps/v1) → Pods, ControllerRevisions ------------------------------------------

// One sync of the stateful set controller. Pods are `<sts>-<ordinal>` with labels
// statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index and
// controller-revision-hash, hostname and subdomain (spec.serviceName). OrderedReady creates
// the next ordinal only when all lower ones are Running and Ready (and available after
// minReadySeconds) and removes the highest first, one at a time; Parallel does both at
// once. RollingUpdate replaces, highest ordinal first and one at a time, each pod whose
// revision is not the update revision, down to the partition; OnDelete replaces none.
// Revisions are apps/v1 ControllerRevisions named `<sts>-<hash>`: `revisions` are those in
// the namespace (owned ones are used), and the Actions create the update revision when it
// is new (the caller stores it like any object) and remove those beyond
// revisionHistoryLimit. A set with volumeClaimTemplates gets an error instead: the local
// target has no persistent volumes.
Actions ReconcileStatefulSet(const Value& stateful_set, const std::vector<Value>& pods,
                             const std::vector<Value>& revisions, TimePoint now);

// --- Job (batch/v1) → Pods ------------------------------------------------------------------

// One sync of the job controller: runs `<job>-<suffix>` pods (labels job-name,
// controller-uid and their batch.kubernetes.io/ forms) until spec.completions succeed,
// spec.parallelism at a time; a failed pod (restartPolicy Never) is replaced after the
// back-off (10 s doubling to 10 min); with OnFailure the kubelet restarts containers in place
// and their restarts count towards backoffLimit. The Job fails with BackoffLimitExceeded when
// failures exceed spec.backoffLimit (default 6), DeadlineExceeded after
// activeDeadlineSeconds; spec.suspend stops its pods. Status as Kubernetes 1.31+ writes it:
// startTime, completionTime, active, ready, terminating, succeeded, failed,
// uncountedTerminatedPods {}, and conditions SuccessCriteriaMet+Complete (CompletionsReached)
// or FailureTarget+Failed, Suspended. Finished Jobs keep their pods (and logs) until
// ttlSecondsAfterFinished, when the Job itself is removed. completionMode Indexed and
// podFailurePolicy come back as errors.
Actions ReconcileJob(const Value& job, const std::vector<Value>& pods, TimePoint now,
                     const NameSuffix& name_suffix);

}  // namespace capstan::target::local::workload
