// A Rollout's life beyond one release: the progress deadline (Degraded, or an abort with
// progressDeadlineAbort), scaling without a release, dynamicStableScale, full promotion,
// pausing by hand, the revision history limit, and an invalid spec.
#include <gtest/gtest.h>

#include "rollout/stand_in_cluster.h"
#include "rollout/steering.h"

namespace capstan::rollout {
namespace {

using target::local::workload::testing::PodFate;
using testing::LoadManifests;
using testing::RolloutCluster;

class Lifecycle : public ::testing::Test {
 protected:
  void Start(const std::string& file, const std::function<void(Value&)>& edit = {}) {
    for (Value object : LoadManifests(file)) {
      if (KindOf(object) == "Rollout" && edit) edit(object);
      cluster.Apply(object);
    }
    ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(); }));
    v1 = Status().stable_rs;
  }

  void Edit(const std::function<void(Value&)>& edit) {
    Value rollout = cluster.Rollout("web");
    rollout.Erase("status");
    edit(rollout);
    cluster.Apply(rollout);
  }

  void SetImage(const std::string& image) {
    Edit([&](Value& r) {
      r["spec"]["template"]["spec"]["containers"].as_array()[0].Set("image", image);
    });
  }

  RolloutStatus Status() const { return ReadRolloutStatus(cluster.Rollout("web")); }
  bool Healthy() const {
    RolloutStatus status = Status();
    return status.phase == "Healthy" && status.stable_rs == status.current_pod_hash;
  }

  RolloutCluster cluster;
  std::string v1;
};

void NeverReadyV2(RolloutCluster& cluster) {
  cluster.base().fate = [](const Value& pod) {
    const Value& containers = *pod.At({"spec", "containers"});
    bool v2 = containers.as_array()[0].StringAt({"image"}).ends_with(":v2");
    return v2 ? PodFate::kNeverReady : PodFate::kReady;
  };
}

TEST_F(Lifecycle, ProgressDeadlineDegradesTheRollout) {
  Start("canary.yaml", [](Value& r) { r["spec"]["progressDeadlineSeconds"] = 60; });
  NeverReadyV2(cluster);
  SetImage("registry.local:5000/shop/web:v2");
  cluster.Rounds(5);
  EXPECT_EQ(Status().phase, "Progressing");
  ASSERT_TRUE(cluster.last_requeue.has_value());  // woken at the deadline
  EXPECT_LE(*cluster.last_requeue, std::chrono::seconds(61));
  cluster.Advance(std::chrono::seconds(60));
  cluster.Rounds(2);
  RolloutStatus status = Status();
  EXPECT_EQ(status.phase, "Degraded");
  EXPECT_EQ(status.message, "ProgressDeadlineExceeded: ReplicaSet \"web-" +
                                status.current_pod_hash + "\" has timed out progressing.");
  EXPECT_FALSE(status.abort);
}

TEST_F(Lifecycle, ProgressDeadlineAbort) {
  Start("canary.yaml", [](Value& r) {
    r["spec"]["progressDeadlineSeconds"] = 60;
    r["spec"]["progressDeadlineAbort"] = true;
  });
  NeverReadyV2(cluster);
  SetImage("registry.local:5000/shop/web:v2");
  cluster.Rounds(5);
  cluster.Advance(std::chrono::seconds(60));
  ASSERT_TRUE(cluster.RunUntil([&] { return Status().abort; }, 10));
  cluster.Rounds(3);
  RolloutStatus status = Status();
  EXPECT_EQ(status.phase, "Degraded");
  EXPECT_EQ(status.message,
            "RolloutAborted: Rollout aborted update to revision 2: ReplicaSet \"web-" +
                status.current_pod_hash + "\" has timed out progressing.");
  // Without a router the canary goes at once and the stable is whole again.
  EXPECT_EQ(cluster.Replicas(status.current_pod_hash), 0);
  EXPECT_EQ(cluster.Replicas(v1), 10);
}

TEST_F(Lifecycle, ScalingIsNotARelease) {
  Start("canary.yaml");
  Edit([](Value& r) { r["spec"]["replicas"] = 4; });
  ASSERT_TRUE(cluster.RunUntil([&] { return cluster.ReadyPods(v1) == 4 && Healthy(); }));
  EXPECT_EQ(cluster.Replicas(v1), 4);
  EXPECT_EQ(cluster.List("ReplicaSet").size(), 1u);
  EXPECT_EQ(Status().current_pod_hash, v1);
  EXPECT_EQ(cluster.List("ReplicaSet")[0].StringAt(
                {"metadata", "annotations", kDesiredReplicasAnnotation}),
            "4");
}

TEST_F(Lifecycle, DynamicStableScaleShrinksTheStable) {
  Start("canary-nginx.yaml",
        [](Value& r) { r["spec"]["strategy"]["canary"]["dynamicStableScale"] = true; });
  SetImage("registry.local:5000/shop/web:v2");
  cluster.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(cluster.RunUntil([&] { return Status().current_step_index == 3; }));
  std::string v2 = Status().current_pod_hash;
  cluster.Rounds(3);
  EXPECT_EQ(cluster.traffic->canary_weight, 50);
  EXPECT_EQ(cluster.Replicas(v2), 5);
  EXPECT_EQ(cluster.Replicas(v1), 5);  // the stable follows its traffic share
  cluster.Steer(*Promote(cluster.Rollout("web"), false));
  ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(); }));
  cluster.Rounds(2);
  EXPECT_EQ(cluster.Replicas(v1), 0);  // at once, no scale-down delay
}

TEST_F(Lifecycle, PromoteFullSkipsEveryStep) {
  Start("canary.yaml");
  SetImage("registry.local:5000/shop/web:v2");
  ASSERT_TRUE(cluster.RunUntil([&] { return Status().current_step_index == 1; }));
  auto full = Promote(cluster.Rollout("web"), true);
  ASSERT_TRUE(full.ok());
  EXPECT_TRUE(ReadRolloutStatus(*full).promote_full);
  cluster.Steer(*full);
  ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(); }, 40));
  EXPECT_FALSE(Status().promote_full);
  EXPECT_EQ(Status().current_step_index, 4);
}

TEST_F(Lifecycle, PauseByHandHoldsEverything) {
  Start("canary.yaml");
  SetImage("registry.local:5000/shop/web:v2");
  cluster.Rounds(1);
  cluster.Steer(*Pause(cluster.Rollout("web")));
  cluster.Rounds(1);
  std::string v2 = Status().current_pod_hash;
  int64_t canary = cluster.Replicas(v2);
  cluster.Advance(std::chrono::minutes(5));
  cluster.Rounds(5);
  EXPECT_EQ(cluster.Replicas(v2), canary);
  EXPECT_EQ(Status().phase, "Paused");
  EXPECT_EQ(Status().message, "manually paused");
  cluster.Steer(*Resume(cluster.Rollout("web")));
  ASSERT_TRUE(cluster.RunUntil([&] { return Status().current_step_index == 1; }));
}

TEST_F(Lifecycle, RevisionHistoryLimitKeepsThreeOldReplicaSets) {
  Start("canary.yaml");
  for (int version = 2; version <= 6; ++version) {
    SetImage("registry.local:5000/shop/web:v" + std::to_string(version));
    cluster.Rounds(1);
    cluster.Steer(*Promote(cluster.Rollout("web"), true));
    ASSERT_TRUE(cluster.RunUntil([&] { return Healthy(); }, 60)) << version;
  }
  cluster.Rounds(2);
  EXPECT_EQ(cluster.List("ReplicaSet").size(), 4u);  // the current one and 3 old
  EXPECT_EQ(cluster.Rollout("web").StringAt({"metadata", "annotations", kRevisionAnnotation}), "6");
}

TEST_F(Lifecycle, InvalidSpecIsDegraded) {
  Start("canary.yaml");
  Edit([](Value& r) {
    r["spec"]["strategy"]["canary"]["steps"].as_array()[1]["pause"]["duration"] = "1d";
  });
  cluster.Settle();
  RolloutStatus status = Status();
  EXPECT_EQ(status.phase, "Degraded");
  EXPECT_EQ(status.message,
            "InvalidSpec: spec.strategy.canary.steps[1].pause.duration: invalid duration "
            "\"1d\": use seconds (30) or a Go duration (\"30s\", \"5m\", \"1h\")");
  ASSERT_NE(status.FindCondition("InvalidSpec"), nullptr);
  ASSERT_FALSE(cluster.errors.empty());
  // Fixed: the condition goes.
  Edit([](Value& r) {
    r["spec"]["strategy"]["canary"]["steps"].as_array()[1]["pause"]["duration"] = "30s";
  });
  cluster.Settle();
  EXPECT_EQ(Status().FindCondition("InvalidSpec"), nullptr);
  EXPECT_EQ(Status().phase, "Healthy");
}

}  // namespace
}  // namespace capstan::rollout
