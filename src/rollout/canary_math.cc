// The canary and blue/green replica arithmetic (see canary_math.h for the rules and worked
// examples).
#include "rollout/canary_math.h"

#include <algorithm>
#include <cmath>

#include "target/local/workload/workload.h"

namespace capstan::rollout {

namespace {

// Whether replicas*weight/max_weight is exactly halfway between two integers, as when 3
// replicas carry 50%: 1 canary (33%) and 2 (66%) are equally far from it.
bool FloorCeilingTied(int64_t weight, int64_t max_weight, int64_t total) {
  double product =
      static_cast<double>(total) * (static_cast<double>(weight) / static_cast<double>(max_weight));
  double integral = 0;
  return std::modf(product, &integral) == 0.5;
}

double WeightDelta(int64_t weight, int64_t max_weight, int64_t canary, int64_t total) {
  double actual = static_cast<double>(canary * max_weight) / static_cast<double>(total);
  return std::abs(actual - static_cast<double>(weight));
}

int64_t Sum(const std::vector<ReplicaSetSize>& sets) {
  int64_t total = 0;
  for (const ReplicaSetSize& rs : sets) total += rs.replicas;
  return total;
}

// GetReplicasForScaleDown: what a ReplicaSet counts as available when deciding how much
// may go. A set already above its spec counts only its spec (the extra pods are leaving);
// when its availability is ignored, its spec counts whole.
int64_t ReplicasForScaleDown(const std::optional<ReplicaSetSize>& rs, bool ignore_availability) {
  if (!rs.has_value()) return 0;
  if (rs->replicas < rs->available) return rs->replicas;
  return ignore_availability ? rs->replicas : rs->available;
}

// The set being drained (its availability ignored) goes down towards `desired`, by at most
// `scale_down`.
int64_t ScaleDownReplicaCount(const std::optional<ReplicaSetSize>& drain, int64_t desired,
                              int64_t scale_down, int64_t current) {
  if (drain.has_value() && drain->replicas > desired) {
    return std::max(desired, drain->replicas - scale_down);
  }
  return current;
}

// adjustReplicaWithinLimits: takes what exceeds maxSurge off the set whose availability
// counts, gives back what that would cost below minAvailable, and takes the rest off the
// drained set. Returns {drain, adjust}.
std::pair<int64_t, int64_t> AdjustWithinLimits(const std::optional<ReplicaSetSize>& drain,
                                               const std::optional<ReplicaSetSize>& adjust,
                                               int64_t drain_count, int64_t adjust_count,
                                               int64_t max_total, int64_t min_available) {
  int64_t over = std::max<int64_t>(0, adjust_count + drain_count - max_total);
  int64_t available = 0;
  if (drain.has_value()) available += std::min(drain->available, drain_count);
  if (adjust.has_value()) {
    adjust_count -= over;
    available += std::min(adjust->available, adjust_count);
    int64_t lost = std::max<int64_t>(0, adjust->available - adjust_count);
    int64_t needed = std::max<int64_t>(0, min_available - available);
    adjust_count += std::min(lost, needed);
    over = std::max<int64_t>(0, adjust_count + drain_count - max_total);
    drain_count -= over;
  }
  return {drain_count, adjust_count};
}

int64_t MinPods(const TrafficRoutedCanaryInput& input, int64_t count) {
  if (count == 0 || !input.min_pods_per_replica_set.has_value()) return count;
  return std::max(count, std::min(*input.min_pods_per_replica_set, input.replicas));
}

bool AbortDelayKeepsCanary(const CanaryStrategy& canary) {
  // abortScaleDownDelaySeconds: 0 leaves the canary scaled up after an abort.
  return canary.abort_scale_down_delay_seconds.has_value() &&
         *canary.abort_scale_down_delay_seconds == 0;
}

// setCanaryScale in force at the current step (UseSetCanaryScale), or nullptr.
const SetCanaryScale* CurrentCanaryScale(const CanaryStrategy& canary,
                                         const CanaryPosition& position) {
  if (!canary.traffic_routing.has_value()) return nullptr;
  if (position.aborted && !AbortDelayKeepsCanary(canary)) return nullptr;
  int64_t index = position.step_index.value_or(0);
  if (canary.steps.empty() || index >= static_cast<int64_t>(canary.steps.size())) return nullptr;
  for (int64_t i = index; i >= 0; --i) {
    const CanaryStep& step = canary.steps[i];
    if (step.kind != CanaryStep::Kind::kSetCanaryScale) continue;
    if (step.set_canary_scale.match_traffic_weight) return nullptr;
    return &step.set_canary_scale;
  }
  return nullptr;
}

// GetDesiredCanaryWeight while aborting with dynamicStableScale: the largest setWeight
// whose pods are fewer than the canary pods the stable cannot yet replace.
int64_t AbortingDynamicWeight(const RolloutSpec& spec, const CanaryPosition& position,
                              int64_t max_weight) {
  const CanaryStrategy& canary = *spec.canary;
  int64_t expected = spec.replicas - position.stable_rs->available;
  int64_t canary_pods = std::max(expected, position.canary_rs->available);
  bool explicit_delay = canary.abort_scale_down_delay_seconds.has_value() &&
                        *canary.abort_scale_down_delay_seconds > 0;
  // An explicit delay keeps the canary at full size until its deadline, so its size must not
  // hold the weight up (Argo's deadlock fix for aborts with a delay).
  if (explicit_delay) canary_pods = expected;
  for (auto it = canary.steps.rbegin(); it != canary.steps.rend(); ++it) {
    if (it->kind != CanaryStep::Kind::kSetWeight) continue;
    if (TrafficWeightToReplicas(spec.replicas, it->set_weight, max_weight) < canary_pods) {
      return it->set_weight;
    }
  }
  return 0;
}

}  // namespace

int64_t TrafficWeightToReplicas(int64_t replicas, int64_t weight, int64_t max_weight) {
  return static_cast<int64_t>(
      std::ceil(static_cast<double>(weight) * static_cast<double>(replicas) /
                static_cast<double>(max_weight)));
}

CanaryCounts ApproximateWeightedCanaryStableReplicaCounts(int64_t replicas, int64_t weight,
                                                          int64_t max_weight, int64_t max_surge) {
  if (replicas == 0) return {0, 0};
  struct Option {
    int64_t canary;
    int64_t total;
  };
  std::vector<Option> options;
  double exact = static_cast<double>(replicas * weight) / static_cast<double>(max_weight);
  auto ceil_count = static_cast<int64_t>(std::ceil(exact));
  auto floor_count = static_cast<int64_t>(std::floor(exact));
  bool tied = FloorCeilingTied(weight, max_weight, replicas);
  // 0 canary (or stable) pods only for weights 0 and max, or one pod and no surge.
  bool zero_allowed = weight == max_weight || weight == 0 || (replicas == 1 && max_surge == 0);
  if (ceil_count < replicas || zero_allowed) options.push_back({ceil_count, replicas});
  if (!tied && (floor_count != 0 || zero_allowed)) options.push_back({floor_count, replicas});
  if (max_surge > 0) {
    options.push_back({ceil_count, replicas + 1});
    bool surge_tied = FloorCeilingTied(weight, max_weight, replicas + 1);
    if (!surge_tied && (floor_count != 0 || zero_allowed)) {
      options.push_back({floor_count, replicas + 1});
    }
  }
  if (options.empty()) return {0, replicas};
  Option best = options.front();
  double best_delta = WeightDelta(weight, max_weight, best.canary, best.total);
  for (size_t i = 1; i < options.size(); ++i) {
    double delta = WeightDelta(weight, max_weight, options[i].canary, options[i].total);
    if (delta < best_delta) {
      best = options[i];
      best_delta = delta;
    }
  }
  return {best.canary, best.total - best.canary};
}

CanaryCounts CalculateReplicaCountsForBasicCanary(const BasicCanaryInput& in) {
  CanaryCounts desired = ApproximateWeightedCanaryStableReplicaCounts(
      in.replicas, in.desired_weight, in.max_weight, in.max_surge);
  CanaryCounts out;
  if (in.canary.has_value()) out.canary = in.canary->replicas;
  bool scale_stable = in.stable.has_value();
  if (scale_stable) {
    out.stable = in.stable->replicas;
  } else {
    // Nothing to compare against: the new ReplicaSet goes straight to every replica.
    desired = {in.replicas, 0};
  }
  int64_t max_total = in.replicas + in.max_surge;
  int64_t current_total = Sum(in.others) + (in.canary ? in.canary->replicas : 0) +
                          (scale_stable ? in.stable->replicas : 0);
  int64_t scale_up = max_total - current_total;

  if (scale_stable && in.stable->replicas < desired.stable && scale_up > 0) {
    if (in.stable->replicas + scale_up < desired.stable) {
      out.stable = in.stable->replicas + scale_up;
      scale_up = 0;
    } else {
      out.stable = desired.stable;
      scale_up -= desired.stable - in.stable->replicas;
    }
  }
  if (in.canary.has_value() && in.canary->replicas < desired.canary && scale_up > 0) {
    out.canary = std::min(in.canary->replicas + scale_up, desired.canary);
  }
  // Older ReplicaSets go first; the canary and stable wait for them.
  if (Sum(in.others) > 0) return out;

  int64_t min_available = in.replicas - in.max_unavailable;
  bool increasing = !in.canary.has_value() || desired.canary >= in.canary->replicas;
  int64_t countable =
      ReplicasForScaleDown(in.canary, !increasing) + ReplicasForScaleDown(in.stable, increasing);
  if (countable <= min_available) return out;
  int64_t scale_down = countable - min_available;
  if (!increasing) {
    out.canary = ScaleDownReplicaCount(in.canary, desired.canary, scale_down, out.canary);
    std::tie(out.canary, out.stable) =
        AdjustWithinLimits(in.canary, in.stable, out.canary, out.stable, max_total, min_available);
  } else if (scale_stable) {
    out.stable = ScaleDownReplicaCount(in.stable, desired.stable, scale_down, out.stable);
    std::tie(out.stable, out.canary) =
        AdjustWithinLimits(in.stable, in.canary, out.stable, out.canary, max_total, min_available);
  }
  return out;
}

CanaryCounts CalculateReplicaCountsForTrafficRoutedCanary(const TrafficRoutedCanaryInput& in) {
  CanaryCounts out;
  if (in.desired.replicas.has_value()) {
    out.canary = *in.desired.replicas;
  } else {
    out.canary =
        MinPods(in, TrafficWeightToReplicas(in.replicas, in.desired.weight, in.max_weight));
  }
  if (!in.dynamic_stable_scale) {
    out.stable = in.replicas;
    return out;
  }
  // The stable keeps pods for the larger of its desired and its current traffic share; while
  // aborting, the canary keeps pods for the traffic it still has.
  out.stable =
      TrafficWeightToReplicas(in.replicas, in.max_weight - in.desired.weight, in.max_weight);
  if (in.current_weights.has_value()) {
    out.stable = std::max(out.stable, TrafficWeightToReplicas(
                                          in.replicas, in.current_weights->stable, in.max_weight));
    if (in.aborted) {
      out.canary =
          std::max(out.canary,
                   TrafficWeightToReplicas(in.replicas, in.current_weights->canary, in.max_weight));
    }
  }
  return {MinPods(in, out.canary), MinPods(in, out.stable)};
}

int64_t CurrentSetWeight(const CanaryStrategy& canary, const CanaryPosition& position) {
  if (position.aborted) return 0;
  int64_t max_weight = canary.traffic_routing ? canary.traffic_routing->max_traffic_weight : 100;
  int64_t index = position.step_index.value_or(0);
  if (canary.steps.empty() || index >= static_cast<int64_t>(canary.steps.size())) return max_weight;
  for (int64_t i = index; i >= 0; --i) {
    if (canary.steps[i].kind == CanaryStep::Kind::kSetWeight) return canary.steps[i].set_weight;
  }
  return 0;
}

DesiredCanary CanaryReplicasOrWeight(const RolloutSpec& spec, const CanaryPosition& position) {
  const CanaryStrategy& canary = *spec.canary;
  int64_t max_weight = canary.traffic_routing ? canary.traffic_routing->max_traffic_weight : 100;
  if (position.promote_full || position.stable_hash.empty() ||
      position.current_hash == position.stable_hash) {
    return {std::nullopt, max_weight};
  }
  if (const SetCanaryScale* scale = CurrentCanaryScale(canary, position)) {
    if (scale->replicas) return {scale->replicas, 0};
    if (scale->weight) return {std::nullopt, *scale->weight};
  }
  if (position.aborted && canary.dynamic_stable_scale && position.canary_rs && position.stable_rs) {
    return {std::nullopt, AbortingDynamicWeight(spec, position, max_weight)};
  }
  return {std::nullopt, CurrentSetWeight(canary, position)};
}

int64_t CanaryMaxSurge(const RolloutSpec& spec) {
  auto fenceposts = target::local::workload::ResolveFenceposts(
      spec.canary->max_surge.is_null() ? nullptr : &spec.canary->max_surge,
      spec.canary->max_unavailable.is_null() ? nullptr : &spec.canary->max_unavailable,
      spec.replicas);
  return fenceposts.ok() ? fenceposts->max_surge : 0;
}

int64_t RolloutMaxUnavailable(const RolloutSpec& spec) {
  if (spec.replicas == 0) return 0;
  int64_t unavailable = 0;
  if (spec.canary.has_value()) {
    auto fenceposts = target::local::workload::ResolveFenceposts(
        spec.canary->max_surge.is_null() ? nullptr : &spec.canary->max_surge,
        spec.canary->max_unavailable.is_null() ? nullptr : &spec.canary->max_unavailable,
        spec.replicas);
    unavailable = fenceposts.ok() ? fenceposts->max_unavailable : 0;
  } else if (spec.blue_green.has_value()) {
    const Value fallback("25%");
    const Value& field =
        spec.blue_green->max_unavailable.is_null() ? fallback : spec.blue_green->max_unavailable;
    auto scaled = target::local::workload::ScaledValue(field, spec.replicas, false,
                                                       "spec.strategy.blueGreen.maxUnavailable");
    unavailable = scaled.ok() ? *scaled : 0;
  }
  return std::min(unavailable, spec.replicas);
}

int64_t BlueGreenNewReplicas(const BlueGreenPreviewInput& in) {
  if (!in.preview_replica_count.has_value()) return in.replicas;
  // Past the switch, or promoted with --full: every replica.
  if (in.active_is_new_or_missing || in.promote_full) return in.replicas;
  // A new release starts at the preview count.
  if (!in.new_is_recorded_current) return *in.preview_replica_count;
  // Resumed after the pause but not yet switched: scale up before the switch.
  if (!in.paused && in.scale_up_preview_check_point) return in.replicas;
  return *in.preview_replica_count;
}

}  // namespace capstan::rollout
