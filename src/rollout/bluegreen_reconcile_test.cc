// Blue/green releases through the Rollout controller against a stand-in cluster: the preview
// Service and previewReplicaCount, pre-promotion analysis, autoPromotionSeconds, the active
// switch and the old ReplicaSet's scale-down delay; a manual promotion; an analysis failure.
#include <gtest/gtest.h>

#include "rollout/stand_in_cluster.h"
#include "rollout/steering.h"

namespace capstan::rollout {
namespace {

using testing::LoadManifests;
using testing::RolloutCluster;

RolloutStatus Status(const RolloutCluster& cluster, std::string_view name = "web") {
  return ReadRolloutStatus(cluster.Rollout(name));
}

std::string Selector(const RolloutCluster& cluster, std::string_view service) {
  const Value* object = cluster.Get("Service", service);
  return object ? std::string(object->StringAt({"spec", "selector", kPodTemplateHashLabel})) : "";
}

void SetImage(RolloutCluster& cluster, std::string_view name, const std::string& image) {
  Value rollout = cluster.Rollout(name);
  rollout.Erase("status");
  rollout["spec"]["template"]["spec"]["containers"].as_array()[0].Set("image", image);
  cluster.Apply(rollout);
}

bool Healthy(const RolloutCluster& cluster, std::string_view name = "web") {
  RolloutStatus status = Status(cluster, name);
  return status.phase == "Healthy" && status.stable_rs == status.current_pod_hash;
}

TEST(BlueGreenReconcile, PreviewAnalysisThenAutoPromotion) {
  RolloutCluster cluster;
  for (const Value& object : LoadManifests("bluegreen.yaml")) cluster.Apply(object);
  cluster.analysis = [](const Value&) { return std::string("Running"); };
  ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(cluster); }));
  std::string v1 = Status(cluster).stable_rs;
  EXPECT_EQ(Selector(cluster, "web-active"), v1);
  EXPECT_EQ(Selector(cluster, "web-preview"), v1);
  EXPECT_EQ(cluster.Replicas(v1), 3);
  EXPECT_TRUE(cluster.requested_runs.empty());  // no analysis for the first release
  RolloutStatus status = Status(cluster);
  EXPECT_EQ(status.blue_green.active_selector, v1);

  SetImage(cluster, "web", "registry.local:5000/shop/web:v2");
  cluster.Settle();
  std::string v2 = Status(cluster).current_pod_hash;
  ASSERT_NE(v2, v1);
  EXPECT_EQ(Selector(cluster, "web-preview"), v2);  // preview follows the new ReplicaSet at once
  EXPECT_EQ(Selector(cluster, "web-active"), v1);
  EXPECT_EQ(Status(cluster).phase, "Progressing");
  EXPECT_EQ(Status(cluster).message, "more replicas need to be updated");

  // One preview pod; once it is up, pre-promotion analysis starts.
  ASSERT_TRUE(cluster.RunUntil([&] { return !cluster.requested_runs.empty(); }));
  EXPECT_EQ(cluster.Replicas(v2), 1);
  EXPECT_EQ(cluster.ReadyPods(v2), 1);
  status = Status(cluster);
  ASSERT_TRUE(status.blue_green.pre_promotion_analysis_run_status.has_value());
  std::string run = status.blue_green.pre_promotion_analysis_run_status->name;
  EXPECT_EQ(run, "web-" + v2 + "-2-pre");
  EXPECT_EQ(cluster.Get("AnalysisRun", run)->StringAt({"metadata", "labels", kRolloutTypeLabel}),
            "PrePromotion");
  EXPECT_EQ(cluster.requested_runs.back().args,
            (std::vector<std::pair<std::string, std::string>>{{"preview-hash", v2}}));
  cluster.Rounds(5);
  EXPECT_EQ(Selector(cluster, "web-active"), v1);  // not while analysis runs
  EXPECT_TRUE(Status(cluster).pause_conditions.empty());

  // Analysis passes: the controller pauses for autoPromotionSeconds (60 s).
  cluster.analysis = [](const Value&) { return std::string("Successful"); };
  ASSERT_TRUE(cluster.RunUntil([&] { return Status(cluster).phase == "Paused"; }));
  status = Status(cluster);
  EXPECT_EQ(status.message, "BlueGreenPause");
  ASSERT_EQ(status.pause_conditions.size(), 1u);
  EXPECT_EQ(status.pause_conditions[0].reason, "BlueGreenPause");
  EXPECT_EQ(cluster.Replicas(v2), 1);
  cluster.Advance(std::chrono::seconds(30));
  cluster.Rounds(2);
  EXPECT_EQ(Selector(cluster, "web-active"), v1);

  // After 60 s: scale the preview up to every replica, then switch the active Service.
  cluster.Advance(std::chrono::seconds(31));
  ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(cluster); }));
  status = Status(cluster);
  EXPECT_EQ(status.stable_rs, v2);
  EXPECT_EQ(Selector(cluster, "web-active"), v2);
  EXPECT_EQ(status.blue_green.active_selector, v2);
  EXPECT_EQ(cluster.Replicas(v2), 3);
  EXPECT_FALSE(status.blue_green.scale_up_preview_check_point);
  // The old ReplicaSet waits scaleDownDelaySeconds (30 s) for the switch to propagate.
  EXPECT_EQ(cluster.Replicas(v1), 3);
  cluster.Advance(std::chrono::seconds(31));
  cluster.Rounds(2);
  EXPECT_EQ(cluster.Replicas(v1), 0);
  for (const Value& pod : cluster.List("Pod")) {
    if (pod.StringAt({"metadata", "labels", kPodTemplateHashLabel}) == v2) {
      EXPECT_EQ(pod.StringAt({"metadata", "labels", kRoleLabel}), "active");
    }
  }
  EXPECT_TRUE(cluster.errors.empty());
}

TEST(BlueGreenReconcile, ArgoExampleWaitsForPromote) {
  RolloutCluster cluster;
  for (const Value& object : LoadManifests("argo/rollout-bluegreen.yaml")) cluster.Apply(object);
  ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(cluster, "rollout-bluegreen"); }));
  std::string v1 = Status(cluster, "rollout-bluegreen").stable_rs;
  SetImage(cluster, "rollout-bluegreen", "argoproj/rollouts-demo:green");
  ASSERT_TRUE(
      cluster.RunUntil([&] { return Status(cluster, "rollout-bluegreen").phase == "Paused"; }));
  RolloutStatus status = Status(cluster, "rollout-bluegreen");
  std::string v2 = status.current_pod_hash;
  EXPECT_EQ(status.message, "BlueGreenPause");
  EXPECT_EQ(cluster.Replicas(v2), 2);  // no previewReplicaCount: the full stack
  for (const Value& pod : cluster.List("Pod")) {
    std::string_view hash = pod.StringAt({"metadata", "labels", kPodTemplateHashLabel});
    EXPECT_EQ(pod.StringAt({"metadata", "labels", kRoleLabel}), hash == v2 ? "preview" : "active");
  }
  EXPECT_EQ(Selector(cluster, "rollout-bluegreen-preview"), v2);
  EXPECT_EQ(Selector(cluster, "rollout-bluegreen-active"), v1);
  cluster.Advance(std::chrono::hours(1));
  cluster.Rounds(2);
  EXPECT_EQ(Selector(cluster, "rollout-bluegreen-active"), v1);  // autoPromotionEnabled: false

  auto promoted = Promote(cluster.Rollout("rollout-bluegreen"), false);
  ASSERT_TRUE(promoted.ok());
  cluster.Steer(*promoted);
  ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(cluster, "rollout-bluegreen"); }));
  EXPECT_EQ(Selector(cluster, "rollout-bluegreen-active"), v2);
  EXPECT_EQ(Status(cluster, "rollout-bluegreen").stable_rs, v2);
}

TEST(BlueGreenReconcile, FailedPrePromotionAnalysisAborts) {
  RolloutCluster cluster;
  for (const Value& object : LoadManifests("bluegreen.yaml")) cluster.Apply(object);
  ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(cluster); }));
  std::string v1 = Status(cluster).stable_rs;
  SetImage(cluster, "web", "registry.local:5000/shop/web:v2");
  cluster.analysis = [](const Value&) { return std::string("Failed"); };
  ASSERT_TRUE(cluster.RunUntil([&] { return Status(cluster).abort; }));
  cluster.Settle();
  RolloutStatus status = Status(cluster);
  EXPECT_EQ(status.phase, "Degraded");
  EXPECT_EQ(status.message,
            "RolloutAborted: Rollout aborted update to revision 2: Blue/green pre-promotion "
            "analysis phase error/failed");
  EXPECT_EQ(Selector(cluster, "web-active"), v1);  // production never saw v2
  cluster.Advance(std::chrono::seconds(31));
  cluster.Rounds(2);
  EXPECT_EQ(cluster.Replicas(status.current_pod_hash), 0);  // after abortScaleDownDelaySeconds
  EXPECT_EQ(cluster.Replicas(v1), 3);
}

TEST(BlueGreenReconcile, FailedPostPromotionAnalysisSwitchesBack) {
  RolloutCluster cluster;
  for (Value object : LoadManifests("bluegreen.yaml")) {
    if (KindOf(object) == "Rollout") {
      Value& bg = object["spec"]["strategy"]["blueGreen"];
      bg.Erase("prePromotionAnalysis");
      bg.Erase("previewReplicaCount");
      bg.Erase("autoPromotionSeconds");
      bg.Erase("scaleDownDelaySeconds");
      bg["postPromotionAnalysis"] = testing::Yaml("{templates: [{templateName: smoke-test}]}");
    }
    cluster.Apply(object);
  }
  ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(cluster); }));
  std::string v1 = Status(cluster).stable_rs;
  SetImage(cluster, "web", "registry.local:5000/shop/web:v2");
  cluster.analysis = [](const Value&) { return std::string("Running"); };
  ASSERT_TRUE(cluster.RunUntil([&] { return !cluster.requested_runs.empty(); }));
  std::string v2 = Status(cluster).current_pod_hash;
  // Switched, but not stable until post-promotion analysis passes; the old pods stay.
  EXPECT_EQ(Selector(cluster, "web-active"), v2);
  EXPECT_EQ(Status(cluster).stable_rs, v1);
  EXPECT_EQ(Status(cluster).phase, "Progressing");
  EXPECT_EQ(Status(cluster).message, "waiting for analysis to complete");
  EXPECT_EQ(cluster.requested_runs.back().metadata.StringAt({"name"}), "web-" + v2 + "-2-post");
  cluster.Rounds(3);
  EXPECT_EQ(cluster.Replicas(v1), 3);
  cluster.analysis = [](const Value&) { return std::string("Failed"); };
  ASSERT_TRUE(cluster.RunUntil([&] { return Status(cluster).abort; }));
  cluster.Settle();
  EXPECT_EQ(Selector(cluster, "web-active"), v1);  // traffic back on the old stack
  EXPECT_EQ(Status(cluster).phase, "Degraded");
  EXPECT_EQ(Status(cluster).message,
            "RolloutAborted: Rollout aborted update to revision 2: Blue/green post-promotion "
            "analysis phase error/failed");
}

TEST(BlueGreenReconcile, MissingServiceIsAnError) {
  RolloutCluster cluster;
  for (const Value& object : LoadManifests("bluegreen.yaml")) {
    if (KindOf(object) == "Rollout") cluster.Apply(object);
  }
  cluster.Settle();
  ASSERT_FALSE(cluster.errors.empty());
  EXPECT_EQ(cluster.errors[0],
            "argoproj.io/Rollout default/web: spec.strategy.blueGreen.activeService: Service "
            "\"web-active\" not found");
  EXPECT_TRUE(cluster.List("ReplicaSet").empty());
}

}  // namespace
}  // namespace capstan::rollout
