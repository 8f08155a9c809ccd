// Canary releases run through the Rollout controller against a stand-in cluster (the real
// ReplicaSet controller, a stand-in kubelet): weights, replica counts and status at every
// step, with and without a traffic router.
#include <gtest/gtest.h>

#include "rollout/release.h"
#include "rollout/stand_in_cluster.h"
#include "rollout/steering.h"

namespace capstan::rollout {
namespace {

using testing::LoadManifests;
using testing::RolloutCluster;

void Load(RolloutCluster& cluster, const std::string& file) {
  for (const Value& object : LoadManifests(file)) cluster.Apply(object);
}

// `kubectl set image`: a new pod template, so a new release.
void SetImage(RolloutCluster& cluster, const std::string& image) {
  Value rollout = cluster.Rollout("web");
  rollout.Erase("status");
  rollout["spec"]["template"]["spec"]["containers"].as_array()[0].Set("image", image);
  cluster.Apply(rollout);
}

RolloutStatus Status(const RolloutCluster& cluster) {
  return ReadRolloutStatus(cluster.Rollout("web"));
}

std::optional<int64_t> StepIndex(const RolloutCluster& cluster) {
  return Status(cluster).current_step_index;
}

bool Healthy(const RolloutCluster& cluster) {
  RolloutStatus status = Status(cluster);
  return status.phase == "Healthy" && !status.stable_rs.empty() &&
         status.stable_rs == status.current_pod_hash;
}

TEST(CanaryReconcile, FirstReleaseGoesStraightToAllReplicas) {
  RolloutCluster cluster;
  Load(cluster, "canary.yaml");
  ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(cluster); }));
  RolloutStatus status = Status(cluster);
  EXPECT_EQ(cluster.ReadyPods(status.stable_rs), 10);
  EXPECT_EQ(status.current_step_index, 4);  // no steps for the first release
  EXPECT_EQ(status.replicas, 10);
  EXPECT_EQ(status.available_replicas, 10);
  EXPECT_EQ(status.selector, "app=web");
  EXPECT_EQ(status.message, "");
  ASSERT_NE(status.FindCondition("Healthy"), nullptr);
  EXPECT_EQ(status.FindCondition("Healthy")->status, "True");
  EXPECT_EQ(status.FindCondition("Completed")->status, "True");
  EXPECT_EQ(status.FindCondition("Available")->status, "True");
  EXPECT_EQ(status.FindCondition("Progressing")->reason, "NewReplicaSetAvailable");
  Value rollout = cluster.Rollout("web");
  EXPECT_EQ(rollout.StringAt({"metadata", "annotations", kRevisionAnnotation}), "1");

  // Release identity on the ReplicaSet and its pods.
  std::vector<Value> sets = cluster.List("ReplicaSet");
  ASSERT_EQ(sets.size(), 1u);
  const Value& rs = sets[0];
  EXPECT_EQ(NameOf(rs), "web-" + status.stable_rs);
  EXPECT_EQ(rs.StringAt({"metadata", "labels", kImageTagLabel}), "v1");
  EXPECT_EQ(rs.StringAt({"metadata", "annotations", kRevisionAnnotation}), "1");
  ReleaseIdentity id = ReleaseId(rollout, rs);
  EXPECT_EQ(id.ToString(),
            "revision 1 (" + status.stable_rs + "), app 1.0.0, images web:v1, stable");
  for (const Value& pod : cluster.List("Pod")) {
    EXPECT_EQ(pod.StringAt({"metadata", "labels", kRoleLabel}), "stable");
    EXPECT_EQ(pod.StringAt({"metadata", "labels", kImageTagLabel}), "v1");
  }

  // A settled Rollout gets nothing to do.
  RolloutActions again = ReconcileRollout(rollout, cluster.List("ReplicaSet"), cluster.List("Pod"),
                                          {}, {}, cluster.now());
  EXPECT_TRUE(again.empty()) << (again.status ? EmitYaml(*again.status) : "");
}

TEST(CanaryReconcile, WithoutRouterStepsPausesAndPromote) {
  RolloutCluster cluster;
  Load(cluster, "canary.yaml");
  ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(cluster); }));
  std::string v1 = Status(cluster).stable_rs;

  SetImage(cluster, "registry.local:5000/shop/web:v2");
  cluster.Settle();
  RolloutStatus status = Status(cluster);
  std::string v2 = status.current_pod_hash;
  ASSERT_NE(v2, v1);
  EXPECT_EQ(status.stable_rs, v1);
  EXPECT_EQ(status.phase, "Progressing");
  EXPECT_EQ(status.message, "more replicas need to be updated");

  // setWeight: 10 → 1 canary pod of 10; then the 30 s pause.
  ASSERT_TRUE(cluster.RunUntil([&] { return StepIndex(cluster) == 1; }));
  status = Status(cluster);
  EXPECT_EQ(cluster.Replicas(v2), 1);
  EXPECT_EQ(cluster.Replicas(v1), 9);
  EXPECT_EQ(cluster.ReadyPods(v2), 1);
  EXPECT_EQ(status.phase, "Paused");
  EXPECT_EQ(status.message, "CanaryPauseStep");
  ASSERT_EQ(status.pause_conditions.size(), 1u);
  EXPECT_EQ(status.pause_conditions[0].reason, "CanaryPauseStep");
  EXPECT_TRUE(status.controller_pause);
  EXPECT_EQ(status.updated_replicas, 1);
  ASSERT_TRUE(cluster.last_requeue.has_value());
  EXPECT_LE(*cluster.last_requeue, std::chrono::seconds(31));  // just past the 30 s
  EXPECT_FALSE(cluster.traffic.has_value());  // no router: the weight is in pod counts

  // Still paused after 20 s; done after 30 s: setWeight 50 → 5 and 5.
  cluster.Advance(std::chrono::seconds(20));
  cluster.Settle();
  EXPECT_EQ(StepIndex(cluster), 1);
  cluster.Advance(std::chrono::seconds(11));
  ASSERT_TRUE(cluster.RunUntil([&] { return StepIndex(cluster) == 3; }));
  status = Status(cluster);
  EXPECT_EQ(cluster.Replicas(v2), 5);
  EXPECT_EQ(cluster.Replicas(v1), 5);
  EXPECT_EQ(cluster.ReadyPods(v2), 5);
  EXPECT_EQ(status.phase, "Paused");
  EXPECT_EQ(status.message, "CanaryPauseStep");

  // pause: {} waits for a promote, however long.
  cluster.Advance(std::chrono::hours(2));
  cluster.Rounds(3);
  EXPECT_EQ(StepIndex(cluster), 3);
  EXPECT_EQ(Status(cluster).phase, "Paused");

  auto promoted = Promote(cluster.Rollout("web"), false);
  ASSERT_TRUE(promoted.ok());
  cluster.Steer(*promoted);
  EXPECT_EQ(RolloutPhase(cluster.Rollout("web")),
            (std::pair<std::string, std::string>{"Progressing", "waiting for rollout to unpause"}));
  ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(cluster); }));
  status = Status(cluster);
  EXPECT_EQ(status.stable_rs, v2);
  EXPECT_EQ(status.current_step_index, 4);
  EXPECT_EQ(cluster.Replicas(v2), 10);
  EXPECT_EQ(cluster.Replicas(v1), 0);  // no router: old pods go as soon as they may
  EXPECT_TRUE(status.pause_conditions.empty());
  EXPECT_FALSE(status.controller_pause);
  for (const Value& pod : cluster.List("Pod")) {
    if (pod.StringAt({"metadata", "labels", kPodTemplateHashLabel}) == v2) {
      EXPECT_EQ(pod.StringAt({"metadata", "labels", kRoleLabel}), "stable");
    }
  }
  EXPECT_EQ(cluster.Rollout("web").StringAt({"metadata", "annotations", kRevisionAnnotation}), "2");
  EXPECT_TRUE(cluster.errors.empty());
}

TEST(CanaryReconcile, WithNginxRouterWeightsMoveWithTheSteps) {
  RolloutCluster cluster;
  Load(cluster, "canary-nginx.yaml");
  ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(cluster); }));
  std::string v1 = Status(cluster).stable_rs;
  EXPECT_EQ(
      cluster.Get("Service", "web-stable")->StringAt({"spec", "selector", kPodTemplateHashLabel}),
      v1);
  EXPECT_EQ(
      cluster.Get("Service", "web-canary")->StringAt({"spec", "selector", kPodTemplateHashLabel}),
      v1);
  ASSERT_TRUE(cluster.traffic.has_value());
  EXPECT_EQ(cluster.traffic->canary_weight, 0);

  SetImage(cluster, "registry.local:5000/shop/web:v2");
  ASSERT_TRUE(cluster.RunUntil([&] { return StepIndex(cluster) == 1; }));
  RolloutStatus status = Status(cluster);
  std::string v2 = status.current_pod_hash;
  EXPECT_EQ(cluster.Replicas(v2), 1);   // ceil(10% of 10)
  EXPECT_EQ(cluster.Replicas(v1), 10);  // the stable keeps every pod
  ASSERT_TRUE(status.canary.weights.has_value());
  EXPECT_EQ(status.canary.weights->canary.weight, 10);
  EXPECT_EQ(status.canary.weights->canary.pod_template_hash, v2);
  EXPECT_EQ(status.canary.weights->canary.service_name, "web-canary");
  EXPECT_EQ(status.canary.weights->stable.weight, 90);
  EXPECT_EQ(status.canary.weights->stable.pod_template_hash, v1);
  EXPECT_EQ(cluster.traffic->canary_weight, 10);
  EXPECT_EQ(cluster.traffic->canary_hash, v2);
  EXPECT_EQ(cluster.traffic->stable_hash, v1);
  EXPECT_EQ(
      cluster.Get("Service", "web-canary")->StringAt({"spec", "selector", kPodTemplateHashLabel}),
      v2);
  EXPECT_EQ(
      cluster.Get("Service", "web-stable")->StringAt({"spec", "selector", kPodTemplateHashLabel}),
      v1);
  for (const Value& pod : cluster.List("Pod")) {
    std::string_view hash = pod.StringAt({"metadata", "labels", kPodTemplateHashLabel});
    EXPECT_EQ(pod.StringAt({"metadata", "labels", "role"}), hash == v2 ? "canary" : "stable");
    EXPECT_EQ(pod.StringAt({"metadata", "labels", kRoleLabel}), hash == v2 ? "canary" : "stable");
  }

  cluster.Advance(std::chrono::seconds(31));
  ASSERT_TRUE(cluster.RunUntil([&] { return StepIndex(cluster) == 3; }));
  EXPECT_EQ(cluster.Replicas(v2), 5);
  EXPECT_EQ(cluster.Replicas(v1), 10);
  EXPECT_EQ(cluster.traffic->canary_weight, 50);
  EXPECT_EQ(Status(cluster).phase, "Paused");

  auto promoted = Promote(cluster.Rollout("web"), false);
  ASSERT_TRUE(promoted.ok());
  cluster.Steer(*promoted);
  ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(cluster); }));
  status = Status(cluster);
  EXPECT_EQ(status.stable_rs, v2);
  EXPECT_EQ(cluster.traffic->canary_weight, 0);  // all on stable, which is now v2
  EXPECT_EQ(cluster.traffic->stable_hash, v2);
  EXPECT_EQ(
      cluster.Get("Service", "web-stable")->StringAt({"spec", "selector", kPodTemplateHashLabel}),
      v2);
  // The old stable keeps its pods for scaleDownDelaySeconds (30 s), then goes.
  EXPECT_EQ(cluster.Replicas(v1), 10);
  cluster.Advance(std::chrono::seconds(31));
  cluster.Rounds(2);
  EXPECT_EQ(cluster.Replicas(v1), 0);
  EXPECT_TRUE(cluster.errors.empty());
}

TEST(CanaryReconcile, MetadataOnlyChangeStartsNoRelease) {
  RolloutCluster cluster;
  Load(cluster, "canary.yaml");
  ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(cluster); }));
  RolloutStatus before = Status(cluster);
  Value rollout = cluster.Rollout("web");
  rollout.Erase("status");
  rollout["metadata"]["labels"]["team"] = "shop";
  rollout["metadata"]["annotations"]["note"] = "relabelled";
  cluster.Apply(rollout);
  cluster.Rounds(3);
  RolloutStatus after = Status(cluster);
  EXPECT_EQ(after.current_pod_hash, before.current_pod_hash);
  EXPECT_EQ(after.stable_rs, before.stable_rs);
  EXPECT_EQ(after.phase, "Healthy");
  EXPECT_EQ(cluster.List("ReplicaSet").size(), 1u);
  EXPECT_EQ(cluster.Rollout("web").StringAt({"metadata", "annotations", kRevisionAnnotation}), "1");
}

TEST(CanaryReconcile, UndoGoesBackToStableWithoutSteps) {
  RolloutCluster cluster;
  Load(cluster, "canary.yaml");
  ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(cluster); }));
  std::string v1 = Status(cluster).stable_rs;
  SetImage(cluster, "registry.local:5000/shop/web:v2");
  ASSERT_TRUE(cluster.RunUntil([&] { return StepIndex(cluster) == 1; }));

  auto undone = Undo(cluster.Rollout("web"), cluster.List("ReplicaSet"), 0);
  ASSERT_TRUE(undone.ok()) << undone.error().message();
  cluster.Steer(*undone);
  ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(cluster); }));
  RolloutStatus status = Status(cluster);
  EXPECT_EQ(status.stable_rs, v1);
  EXPECT_EQ(status.current_pod_hash, v1);
  EXPECT_EQ(cluster.Replicas(v1), 10);
  EXPECT_EQ(cluster.Rollout("web").StringAt({"metadata", "annotations", kRevisionAnnotation}), "3");
}

}  // namespace
}  // namespace capstan::rollout
