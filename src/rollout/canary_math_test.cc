// The replica and weight arithmetic against the cases of Argo Rollouts' own tables
// (utils/replicaset/canary_test.go) and the rules of Kubernetes' fenceposts.
#include "rollout/canary_math.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

// The case tables below list only the fields a case needs; the rest keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace capstan::rollout {
namespace {

TEST(TrafficWeightToReplicas, RoundsUp) {
  EXPECT_EQ(TrafficWeightToReplicas(10, 0, 100), 0);
  EXPECT_EQ(TrafficWeightToReplicas(10, 20, 100), 2);
  EXPECT_EQ(TrafficWeightToReplicas(10, 25, 100), 3);
  EXPECT_EQ(TrafficWeightToReplicas(10, 33, 100), 4);
  EXPECT_EQ(TrafficWeightToReplicas(10, 99, 100), 10);
  EXPECT_EQ(TrafficWeightToReplicas(10, 100, 100), 10);
  EXPECT_EQ(TrafficWeightToReplicas(23, 100000000, 100000000), 23);
}

struct ApproximateCase {
  int64_t replicas, weight, max_surge, canary, stable;
};

TEST(ApproximateWeightedCanaryStableReplicaCounts, ArgoTable) {
  const ApproximateCase cases[] = {
      {0, 0, 0, 0, 0},   {0, 50, 0, 0, 0},  {0, 100, 0, 0, 0},   {0, 0, 1, 0, 0},
      {0, 50, 1, 0, 0},  {0, 100, 1, 0, 0}, {1, 0, 0, 0, 1},     {1, 1, 0, 0, 1},
      {1, 49, 0, 0, 1},  {1, 50, 0, 1, 0},  {1, 99, 0, 1, 0},    {1, 100, 0, 1, 0},
      {1, 0, 1, 0, 1},   {1, 1, 1, 1, 1},   {1, 49, 1, 1, 1},    {1, 50, 1, 1, 1},
      {1, 99, 1, 1, 1},  {1, 100, 1, 1, 0}, {2, 0, 0, 0, 2},     {2, 1, 0, 1, 1},
      {2, 50, 0, 1, 1},  {2, 99, 0, 1, 1},  {2, 100, 0, 2, 0},   {2, 0, 1, 0, 2},
      {2, 1, 1, 1, 2},   {2, 50, 1, 1, 1},  {2, 99, 1, 2, 1},    {2, 100, 1, 2, 0},
      {3, 10, 0, 1, 2},  {3, 25, 0, 1, 2},  {3, 33, 0, 1, 2},    {3, 34, 0, 1, 2},
      {3, 49, 0, 1, 2},  {3, 50, 0, 2, 1},  {3, 10, 1, 1, 3},    {3, 25, 1, 1, 3},
      {3, 33, 1, 1, 2},  {3, 34, 1, 1, 2},  {3, 49, 1, 2, 2},    {3, 50, 1, 2, 2},
      {10, 0, 1, 0, 10}, {10, 1, 0, 1, 9},  {10, 14, 0, 1, 9},   {10, 15, 0, 2, 8},
      {10, 16, 0, 2, 8}, {10, 99, 0, 9, 1}, {10, 100, 1, 10, 0}, {10, 1, 1, 1, 10},
      {10, 18, 1, 2, 9}, {10, 19, 1, 2, 9}, {10, 20, 1, 2, 8},   {10, 23, 1, 2, 8},
      {10, 24, 1, 3, 8}, {10, 25, 1, 3, 8}, {10, 99, 1, 10, 1},
  };
  for (const ApproximateCase& c : cases) {
    SCOPED_TRACE(fmt::format("replicas {} weight {} surge {}", c.replicas, c.weight, c.max_surge));
    CanaryCounts counts =
        ApproximateWeightedCanaryStableReplicaCounts(c.replicas, c.weight, 100, c.max_surge);
    EXPECT_EQ(counts.canary, c.canary);
    EXPECT_EQ(counts.stable, c.stable);
  }
}

TEST(ApproximateWeightedCanaryStableReplicaCounts, AtLeastOneCanaryPodForWeights1To99) {
  for (int64_t replicas = 2; replicas <= 20; ++replicas) {
    for (int64_t weight = 1; weight <= 99; ++weight) {
      for (int64_t surge : {0, 1}) {
        // Argo's one exception, kept: see TieAtTheTopWithoutSurgeGivesNoCanary.
        bool top_tie = surge == 0 && replicas * weight % 100 == 50 &&
                       (replicas * weight + 50) / 100 == replicas;
        if (top_tie) continue;
        CanaryCounts counts =
            ApproximateWeightedCanaryStableReplicaCounts(replicas, weight, 100, surge);
        SCOPED_TRACE(fmt::format("replicas {} weight {} surge {}", replicas, weight, surge));
        EXPECT_GE(counts.canary, 1);
        EXPECT_GE(counts.stable, 1);
        EXPECT_LE(counts.canary + counts.stable, replicas + surge);
      }
    }
  }
}

TEST(ApproximateWeightedCanaryStableReplicaCounts, TieAtTheTopWithoutSurgeGivesNoCanary) {
  // 2 replicas at 75%: 1.5 canary pods. Rounding up would leave no stable pod, down is a tie
  // Argo breaks upwards, and without surge there is no third pod: Argo falls through to "0
  // canary, every pod stable" (its code says "should not get here"). capstan does the same,
  // so that a Rollout moved between the two controllers runs the same pods.
  EXPECT_EQ(ApproximateWeightedCanaryStableReplicaCounts(2, 75, 100, 0), (CanaryCounts{0, 2}));
  EXPECT_EQ(ApproximateWeightedCanaryStableReplicaCounts(10, 95, 100, 0), (CanaryCounts{0, 10}));
  EXPECT_EQ(ApproximateWeightedCanaryStableReplicaCounts(2, 75, 100, 1), (CanaryCounts{2, 1}));
}

// One row of Argo's TestCalculateReplicaCountsForCanary: a Rollout at a single step
// (setWeight, optionally with setCanaryScale), stable "stable" and canary "canary".
struct CanaryCase {
  const char* name;
  int64_t replicas;
  int64_t set_weight;
  Value max_surge, max_unavailable;
  int64_t stable_spec, stable_available, canary_spec, canary_available;
  int64_t expected_stable, expected_canary;
  bool promote_full = false;
  std::optional<ReplicaSetSize> older;
  std::optional<SetCanaryScale> set_canary_scale;
  bool traffic_routing = false;
  std::optional<int64_t> abort_scale_down_delay;
  bool aborted = false;
  std::optional<int64_t> min_pods;
};

SetCanaryScale Scale(std::optional<int64_t> replicas, std::optional<int64_t> weight, bool match) {
  return {weight, replicas, match};
}

CanaryCounts Compute(const CanaryCase& c) {
  RolloutSpec spec;
  spec.replicas = c.replicas;
  CanaryStrategy canary;
  canary.max_surge = c.max_surge;
  canary.max_unavailable = c.max_unavailable;
  canary.abort_scale_down_delay_seconds = c.abort_scale_down_delay;
  canary.min_pods_per_replica_set = c.min_pods;
  if (c.traffic_routing) canary.traffic_routing = TrafficRouting{};
  CanaryPosition position{0, c.aborted, c.promote_full, "stable", "canary", {}, {}};
  if (c.set_canary_scale) {
    CanaryStep scale;
    scale.kind = CanaryStep::Kind::kSetCanaryScale;
    scale.set_canary_scale = *c.set_canary_scale;
    canary.steps.push_back(scale);
    position.step_index = 1;
  }
  CanaryStep weight;
  weight.set_weight = c.set_weight;
  canary.steps.push_back(weight);
  spec.canary = canary;
  DesiredCanary desired = CanaryReplicasOrWeight(spec, position);
  if (c.traffic_routing) {
    TrafficRoutedCanaryInput input;
    input.replicas = c.replicas;
    input.desired = desired;
    input.min_pods_per_replica_set = c.min_pods;
    input.aborted = c.aborted;
    return CalculateReplicaCountsForTrafficRoutedCanary(input);
  }
  BasicCanaryInput input;
  input.replicas = c.replicas;
  input.desired_weight = desired.weight;
  input.max_surge = CanaryMaxSurge(spec);
  input.max_unavailable = RolloutMaxUnavailable(spec);
  input.canary = ReplicaSetSize{c.canary_spec, c.canary_available};
  input.stable = ReplicaSetSize{c.stable_spec, c.stable_available};
  if (c.older) input.others.push_back(*c.older);
  return CalculateReplicaCountsForBasicCanary(input);
}

TEST(CalculateReplicaCountsForCanary, ArgoTable) {
  const Value pct20("20%"), pct0("0%");
  const CanaryCase cases[] = {
      {"Do not add extra RSs in scaleDownCount when .Spec.Replica < AvailableReplicas", 10, 100, 3,
       0, 7, 8, 6, 3, 7, 6},
      {"Use max surge int to scale up canary", 10, 20, 2, 0, 10, 10, 0, 0, 10, 2},
      {"Use max surge percentage to scale up canary", 10, 20, pct20, 0, 10, 10, 0, 0, 10, 2},
      {"Scale down extra stable replicas", 10, 20, pct20, 0, 10, 10, 2, 2, 8, 2},
      {"Do not go past max surge", 10, 30, 2, 0, 10, 10, 0, 0, 10, 2},
      {"Use max unavailable int to scale down stableRS", 10, 20, 0, 2, 10, 10, 0, 0, 8, 0},
      {"Use max surge percentage to scale down stableRS", 10, 20, 0, pct20, 10, 10, 0, 0, 8, 0},
      {"Do not go past max unavailable", 10, 30, 0, 2, 10, 10, 0, 0, 8, 0},
      {"Use Max Surge and Max Unavailable", 10, 50, 2, 1, 10, 10, 0, 0, 9, 2},
      {"Scale canaryRS to zero on setWeight of 0%", 10, 0, 1, 1, 10, 10, 1, 1, 10, 0},
      {"Scale stable to zero on setWeight of 100%", 10, 100, 1, 1, 1, 1, 10, 10, 0, 10},
      {"Do not scale canaryRS down to zero on non-zero weight", 1, 20, 1, 0, 1, 1, 0, 0, 1, 1},
      {"Do not scale canaryRS down to zero on non-100 weight", 1, 90, 1, 0, 1, 1, 0, 0, 1, 1},
      {"Scale canaryRS to zero on <50 weight without surge", 1, 49, 0, 1, 1, 1, 0, 0, 1, 0},
      {"Scale stableRS down to zero on >=50 weight without surge", 1, 51, 0, 1, 1, 1, 0, 0, 0, 0},
      {"Scale canaryRS to one on >=50 weight without surge and stable replicas", 1, 51, 0, 1, 0, 0,
       0, 0, 0, 1},
      {"Scale up Stable before canaryRS", 10, 30, 1, 0, 1, 1, 0, 0, 7, 1, false,
       ReplicaSetSize{3, 3}},
      {"Scale down canaryRS and stable", 10, 30, 0, 3, 8, 5, 4, 4, 7, 3},
      {"Scale down stable and canary available", 10, 100, 1, 0, 10, 2, 10, 8, 2, 9},
      {"Do not scale down canaryRS or stable when older RS count >= scaleDownCount", 10, 30, 0, 1,
       8, 6, 4, 2, 8, 4, false, ReplicaSetSize{3, 3}},
      {"Do not round past maxSurge with uneven setWeight divisor", 10, 5, 0, 1, 10, 10, 0, 0, 9, 0},
      {"Do not round past maxSurge with uneven setWeight divisor (part 2)", 10, 5, 0, 1, 9, 9, 0, 0,
       9, 1},
      {"Use maxUnavailable of 1 when percentage of maxUnavailable and maxSurge result in 0 "
       "replicas",
       10, 10, pct0, pct0, 10, 10, 0, 0, 9, 0},
      {"For canary replicas, use setCanaryScale.replicas when specified along with trafficRouting",
       1, 100, 0, 0, 1, 1, 0, 0, 1, 9, false, std::nullopt, Scale(9, std::nullopt, false), true},
      {"Use setCanaryScale.weight for canary replicas when specified with trafficRouting", 4, 100,
       0, 0, 4, 4, 0, 0, 4, 8, false, std::nullopt, Scale(std::nullopt, 200, false), true},
      {"Ignore setCanaryScale replicas/weight when matchTrafficWeight is true", 10, 20, pct20, 0,
       10, 10, 0, 0, 10, 2, false, std::nullopt, Scale(9, 100, true), true},
      {"Ignore setCanaryScale when trafficRouting is missing and use setWeight for replicas", 10,
       20, pct20, 0, 10, 10, 0, 0, 10, 2, false, std::nullopt, Scale(9, 100, false), false},
      {"honor maxSurge during scale up when stableRS unavailable", 4, 100, 1, 0, 4, 1, 0, 0, 4, 1},
      {"scale down to maxunavailable without exceeding maxSurge", 3, 99, 0, 2, 3, 3, 0, 0, 1, 0},
      {"scale down to maxunavailable without exceeding maxSurge (part 2)", 3, 99, 0, 2, 1, 1, 0, 0,
       1, 2},
      {"honor maxUnavailable during scale down stableRS unavailable", 4, 100, 1, 0, 4, 1, 1, 1, 3,
       1},
      {"honor maxUnavailable when aborting or reducing weight part 1", 4, 0, 1, 0, 0, 0, 4, 4, 1,
       4},
      {"honor maxUnavailable when aborting or reducing weight part 2", 4, 0, 1, 0, 1, 0, 4, 4, 1,
       4},
      {"honor maxUnavailable when aborting or reducing weight part 3", 4, 0, 1, 0, 1, 1, 4, 4, 1,
       3},
      {"promote full does not consider weight", 4, 1, 4, 4, 4, 4, 0, 0, 0, 4, true},
      {"promote full still honors maxSurge/maxUnavailable", 4, 1, 3, 0, 4, 4, 0, 0, 4, 3, true},
      {"aborted with abortScaleDownDelaySeconds:0 and setCanaryScale", 1, 0, 0, 0, 1, 1, 1, 1, 1, 1,
       false, std::nullopt, Scale(1, std::nullopt, false), true, 0, true},
      {"aborted with abortScaleDownDelaySeconds>0 and setCanaryScale", 1, 0, 0, 0, 1, 1, 1, 1, 1, 0,
       false, std::nullopt, Scale(1, std::nullopt, false), true, 30, true},
      {"Honor MinPodsPerReplicaSet when using trafficRouting and starting canary", 10, 5, 0, 0, 10,
       10, 0, 0, 10, 2, false, std::nullopt, std::nullopt, true, std::nullopt, false, 2},
      {"Cap MinPodsPerReplicaSet when it exceeds rollout replicas with trafficRouting", 1, 100, 0,
       0, 1, 1, 0, 0, 1, 1, true, std::nullopt, std::nullopt, true, std::nullopt, false, 2},
  };
  for (const CanaryCase& c : cases) {
    SCOPED_TRACE(c.name);
    CanaryCounts counts = Compute(c);
    EXPECT_EQ(counts.canary, c.expected_canary) << "canary";
    EXPECT_EQ(counts.stable, c.expected_stable) << "stable";
  }
}

TEST(CalculateReplicaCountsForCanary, NewReplicaSetWithoutStableGetsEveryReplica) {
  // Argo's TestCalculateReplicaCountsForCanaryStableRSdEdgeCases.
  BasicCanaryInput input;
  input.replicas = 10;
  input.desired_weight = 10;
  input.max_unavailable = 1;
  input.canary = ReplicaSetSize{9, 9};
  EXPECT_EQ(CalculateReplicaCountsForBasicCanary(input), (CanaryCounts{10, 0}));
}

struct DynamicCase {
  const char* name;
  bool aborted;
  int64_t canary_weight, stable_weight;
  std::optional<ReplicaSetSize> canary_rs, stable_rs;
  int64_t expected_canary, expected_stable;
  bool with_step = false;  // a single setWeight: 60 step
  int64_t desired_weight = 20;
};

TEST(CalculateReplicaCountsForTrafficRoutedCanary, DynamicStableScaleArgoTable) {
  // Argo's TestCalculateReplicaCountsForCanaryTrafficRoutingDynamicScale: 10 replicas.
  const DynamicCase cases[] = {
      {"Should scale stable replica up depending on next expected canary downscale step, if abort "
       "is true",
       true, 60, 40, ReplicaSetSize{6, 6}, ReplicaSetSize{4, 4}, 6, 8, true},
      {"Should scale stable replica up depending on available canary replicas", true, 60, 40,
       ReplicaSetSize{1, 1}, ReplicaSetSize{4, 4}, 6, 8, true},
      {"Should scale stable replica up depending on available stable replicas", true, 60, 40,
       ReplicaSetSize{2, 2}, ReplicaSetSize{8, 4}, 6, 8, true},
      {"Should scale stable up as if canaries are scaled down to 0", true, 60, 40, std::nullopt,
       std::nullopt, 6, 10, true},
      {"Should scale down stable", false, 10, 90, std::nullopt, std::nullopt, 1, 9, false, 10},
      {"Should take max of desired canary (20) > actual (10)", false, 10, 90, std::nullopt,
       std::nullopt, 2, 9},
      {"Should leave canary scaled up if there is still traffic to it on abort", true, 20, 80,
       std::nullopt, std::nullopt, 2, 10},
      {"Should reduce canary when there is less traffic to it on abort", true, 10, 90, std::nullopt,
       std::nullopt, 1, 10},
  };
  for (const DynamicCase& c : cases) {
    SCOPED_TRACE(c.name);
    RolloutSpec spec;
    spec.replicas = 10;
    CanaryStrategy canary;
    canary.traffic_routing = TrafficRouting{};
    canary.dynamic_stable_scale = true;
    CanaryStep first;
    first.set_weight = c.desired_weight;
    canary.steps.push_back(first);
    if (c.with_step) {
      CanaryStep second;
      second.set_weight = 60;
      canary.steps.push_back(second);
    }
    spec.canary = canary;
    CanaryPosition position{0, c.aborted, false, "stable", "canary", c.canary_rs, c.stable_rs};
    if (c.canary_rs) position.canary_rs->available = c.canary_rs->replicas;
    TrafficRoutedCanaryInput input;
    input.replicas = 10;
    input.desired = CanaryReplicasOrWeight(spec, position);
    input.dynamic_stable_scale = true;
    input.current_weights = CanaryCounts{c.canary_weight, c.stable_weight};
    input.aborted = c.aborted;
    CanaryCounts counts = CalculateReplicaCountsForTrafficRoutedCanary(input);
    EXPECT_EQ(counts.canary, c.expected_canary) << "canary";
    EXPECT_EQ(counts.stable, c.expected_stable) << "stable";
  }
}

TEST(CanaryReplicasOrWeight, ArgoCases) {
  RolloutSpec spec;
  CanaryStrategy canary;
  canary.traffic_routing = TrafficRouting{};
  CanaryStep weight;
  weight.set_weight = 10;
  CanaryStep scale;
  scale.kind = CanaryStep::Kind::kSetCanaryScale;
  scale.set_canary_scale.weight = 20;
  canary.steps = {weight, scale};
  spec.canary = canary;

  CanaryPosition full{std::nullopt, false, true, "", "", {}, {}};
  EXPECT_EQ(CanaryReplicasOrWeight(spec, full).weight, 100);
  CanaryPosition at_scale{1, false, false, "stable-rs", "", {}, {}};
  EXPECT_EQ(CanaryReplicasOrWeight(spec, at_scale).weight, 20);
  EXPECT_FALSE(CanaryReplicasOrWeight(spec, at_scale).replicas.has_value());
  spec.canary->steps[1].set_canary_scale = {std::nullopt, 5, false};
  EXPECT_EQ(CanaryReplicasOrWeight(spec, at_scale).replicas, 5);
  CanaryPosition first{0, false, false, "stable-rs", "new", {}, {}};
  EXPECT_EQ(CanaryReplicasOrWeight(spec, first).weight, 10);
  CanaryPosition past_the_end{2, false, false, "stable-rs", "new", {}, {}};
  EXPECT_EQ(CanaryReplicasOrWeight(spec, past_the_end).weight, 100);
  CanaryPosition aborted{1, true, false, "stable-rs", "new", {}, {}};
  EXPECT_EQ(CanaryReplicasOrWeight(spec, aborted).weight, 0);
}

TEST(Fenceposts, RoundSurgeUpAndUnavailableDown) {
  RolloutSpec spec;
  spec.replicas = 10;
  spec.canary = CanaryStrategy{};
  EXPECT_EQ(CanaryMaxSurge(spec), 3);         // 25% of 10 rounds up
  EXPECT_EQ(RolloutMaxUnavailable(spec), 2);  // and down
  spec.replicas = 1;
  EXPECT_EQ(CanaryMaxSurge(spec), 1);
  EXPECT_EQ(RolloutMaxUnavailable(spec), 0);
  spec.canary->max_surge = Value("0%");
  spec.canary->max_unavailable = Value("0%");
  EXPECT_EQ(RolloutMaxUnavailable(spec), 1);  // both 0: one may be unavailable
  spec.replicas = 0;
  EXPECT_EQ(RolloutMaxUnavailable(spec), 0);
  spec.replicas = 4;
  spec.canary->max_unavailable = Value(10);
  EXPECT_EQ(RolloutMaxUnavailable(spec), 4);  // capped at replicas
}

TEST(BlueGreenNewReplicas, PreviewReplicaCount) {
  BlueGreenPreviewInput input;
  input.replicas = 5;
  EXPECT_EQ(BlueGreenNewReplicas(input), 5);  // no previewReplicaCount
  input.preview_replica_count = 1;
  EXPECT_EQ(BlueGreenNewReplicas(input), 1);  // a new release
  input.new_is_recorded_current = true;
  input.paused = true;
  input.scale_up_preview_check_point = true;
  EXPECT_EQ(BlueGreenNewReplicas(input), 1);  // still paused
  input.paused = false;
  EXPECT_EQ(BlueGreenNewReplicas(input), 5);  // resumed: scale up before the switch
  input.scale_up_preview_check_point = false;
  input.promote_full = true;
  EXPECT_EQ(BlueGreenNewReplicas(input), 5);
  input.promote_full = false;
  input.active_is_new_or_missing = true;
  EXPECT_EQ(BlueGreenNewReplicas(input), 5);
}

}  // namespace
}  // namespace capstan::rollout
