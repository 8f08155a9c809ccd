// canary_math: how many pods the canary and the stable ReplicaSets get, as Argo Rollouts
// computes it (utils/replicaset/canary.go), and blue/green's preview count. Pure integer
// arithmetic on small structs, so that every case of Argo's tables is one line of a test.
//
// Weights are in [0, max_weight] (max_weight is trafficRouting.maxTrafficWeight, 100 by
// default). Fenceposts (maxSurge, maxUnavailable) are resolved against spec.replicas as
// Kubernetes does: a percentage of maxSurge rounds up, of maxUnavailable down, and when both
// come out 0 maxUnavailable becomes 1.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rollout/rollout.h"

namespace capstan::rollout {

struct CanaryCounts {
  int64_t canary = 0;
  int64_t stable = 0;
  friend bool operator==(const CanaryCounts&, const CanaryCounts&) = default;
};

// One ReplicaSet as the arithmetic sees it: spec.replicas and status.availableReplicas.
struct ReplicaSetSize {
  int64_t replicas = 0;
  int64_t available = 0;
};

// ceil(weight * replicas / max_weight): the pods that carry `weight` of the traffic.
// Examples (max 100): 10 replicas at 20 → 2, at 25 → 3, at 33 → 4, at 99 → 10.
int64_t TrafficWeightToReplicas(int64_t replicas, int64_t weight, int64_t max_weight);

// Without a traffic router the weight is carried by pod counts. The canary count is the floor
// or the ceiling of replicas*weight/max_weight, over a total of `replicas`, or `replicas + 1`
// when max_surge > 0; the candidate whose real share is nearest the weight wins (a .5 tie
// takes the larger canary). For a weight of 1–99 neither side is ever 0 when there are two
// or more pods in all (surge included). Examples: 10 replicas, weight 10 → 1 canary, 9
// stable; 10 at 15 → 2/8; 3 at 50 → 2/1 (a tie); 1 at 1 with surge 1 → 1/1; 1 at 49 without
// surge → 0/1.
CanaryCounts ApproximateWeightedCanaryStableReplicaCounts(int64_t replicas, int64_t weight,
                                                          int64_t max_weight, int64_t max_surge);

// CalculateReplicaCountsForBasicCanary (no traffic router): the counts to scale the canary
// and stable ReplicaSets to *now*, stepping towards the approximation above within
// maxSurge and maxUnavailable. Scale-ups go to stable first, then the canary, within
// `replicas + max_surge` pods in all; scale-downs wait while other (older) ReplicaSets still
// have pods, and keep `replicas - max_unavailable` available (the canary's availability is
// ignored while its weight grows, the stable's while it shrinks). Examples: replicas 10,
// weight 10, surge 1, unavailable 1, stable 10/10 → canary 1, stable 9; weight 30, surge 3,
// unavailable 0 → canary 3, stable 10; weight 30, surge 0, unavailable 5 → canary 0, stable 7.
struct BasicCanaryInput {
  int64_t replicas = 1;        // spec.replicas
  int64_t desired_weight = 0;  // CanaryReplicasOrWeight(...).weight
  int64_t max_weight = 100;
  int64_t max_surge = 0;                 // resolved
  int64_t max_unavailable = 0;           // resolved, capped at replicas
  std::optional<ReplicaSetSize> canary;  // the new ReplicaSet (nullopt: not created yet)
  std::optional<ReplicaSetSize> stable;  // nullopt: none, or the new one is the stable one
  std::vector<ReplicaSetSize> others;    // every other ReplicaSet of the Rollout
};
CanaryCounts CalculateReplicaCountsForBasicCanary(const BasicCanaryInput& input);

// What the canary should run: a replica count set by setCanaryScale{replicas}, else a weight.
struct DesiredCanary {
  std::optional<int64_t> replicas;
  int64_t weight = 0;
};

// CalculateReplicaCountsForTrafficRoutedCanary: the canary gets
// ceil(weight*replicas/max_weight) pods (or setCanaryScale's count, at least
// minPodsPerReplicaSet), the stable keeps all `replicas` — unless dynamicStableScale, when
// the stable gets the larger of its desired and its current traffic share (and, while
// aborting, the canary keeps pods for the traffic it still has). Examples: replicas 10,
// weight 10 → canary 1, stable 10; dynamicStableScale, weight 10, current stable weight 90 →
// canary 1, stable 9.
struct TrafficRoutedCanaryInput {
  int64_t replicas = 1;
  DesiredCanary desired;
  int64_t max_weight = 100;
  bool dynamic_stable_scale = false;
  std::optional<int64_t> min_pods_per_replica_set;
  std::optional<CanaryCounts> current_weights;  // status.canary.weights (canary, stable weight)
  bool aborted = false;                         // status.abort
};
CanaryCounts CalculateReplicaCountsForTrafficRoutedCanary(const TrafficRoutedCanaryInput& input);

// --- What the canary should run at the Rollout's current step ------------------------------

// The parts of a Rollout's status the weight depends on.
struct CanaryPosition {
  std::optional<int64_t> step_index;  // status.currentStepIndex (nullopt: 0)
  bool aborted = false;
  bool promote_full = false;
  std::string stable_hash;   // status.stableRS
  std::string current_hash;  // status.currentPodHash
  // The new and stable ReplicaSets, when both exist (abort with dynamicStableScale).
  std::optional<ReplicaSetSize> canary_rs, stable_rs;
};

// The weight of the last setWeight at or before the current step: 0 when aborted or none
// yet, max_weight past the last step.
int64_t CurrentSetWeight(const CanaryStrategy& canary, const CanaryPosition& position);

// GetCanaryReplicasOrWeight: max_weight when there is nothing to compare (no stable yet, the
// new ReplicaSet is the stable one, or promote --full); setCanaryScale's replicas or weight
// when a step set one (traffic routing only; dropped on abort unless
// abortScaleDownDelaySeconds is 0); otherwise the current setWeight. When aborting with
// dynamicStableScale, the weight walks back down the setWeight steps as the stable gains
// available pods, so that the stable is not asked for every pod at once.
DesiredCanary CanaryReplicasOrWeight(const RolloutSpec& spec, const CanaryPosition& position);

// Kubernetes' fenceposts for a canary Rollout (maxSurge/maxUnavailable, default 25%).
// REQUIRES: spec.canary (fields validated by ParseRollout).
int64_t CanaryMaxSurge(const RolloutSpec& spec);
// maxUnavailable, capped at spec.replicas (0 when there are no replicas); for blue/green
// only its own maxUnavailable counts.
int64_t RolloutMaxUnavailable(const RolloutSpec& spec);

// --- blue/green --------------------------------------------------------------------------

// NewRSNewReplicas for blue/green: previewReplicaCount while the new ReplicaSet waits for
// promotion, every replica once the active Service selects it, on promote --full, or after
// the pause when scaleUpPreviewCheckPoint is set.
struct BlueGreenPreviewInput {
  int64_t replicas = 1;
  std::optional<int64_t> preview_replica_count;
  bool active_is_new_or_missing = false;  // no active ReplicaSet, or it is the new one
  bool promote_full = false;
  bool new_is_recorded_current = false;  // new ReplicaSet's hash == status.currentPodHash
  bool paused = false;                   // spec.paused or any pause condition
  bool scale_up_preview_check_point = false;
};
int64_t BlueGreenNewReplicas(const BlueGreenPreviewInput& input);

}  // namespace capstan::rollout
