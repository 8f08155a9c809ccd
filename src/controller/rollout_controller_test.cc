// capstan's Rollout controller on the local target's object store and workload controllers
// (a stand-in kubelet in the test marks pods Running and Ready): a canary release behind
// ingress-nginx's canary Ingress goes 20% -> pause{} -> promote -> 60% -> pause 10 s ->
// 100% and becomes the stable, and an abort returns all traffic to stable at once.
#include "controller/rollout_controller.h"

#include <gtest/gtest.h>

#include "controller/rollout_test_fixture.h"

namespace capstan::controller {
namespace {

using RolloutControllerTest = testing::RolloutFixture;
using testing::kRollout;
using testing::Yaml;

TEST_F(RolloutControllerTest, CanaryBehindNginxStepsPausesIsPromotedAndCompletes) {
  ASSERT_TRUE(target_.Apply(Yaml(kRollout), {}).ok());
  Settle();
  EXPECT_EQ(Rollout().StringAt({"status", "phase"}), "Healthy") << EmitYaml(Rollout());
  EXPECT_EQ(objects_->List({"", "Pod", "default", {}}).size(), 4u);
  std::string stable_hash(Rollout().StringAt({"status", "stableRS"}));
  EXPECT_EQ(objects_->Get({"", "Service", "default", "web-stable"})
                ->StringAt({"spec", "selector", "rollouts-pod-template-hash"}),
            stable_hash)
      << "the stable Service selects the stable ReplicaSet";

  Release("v2");
  Settle();
  EXPECT_EQ(Weight(), "20");
  EXPECT_EQ(Rollout().StringAt({"status", "phase"}), "Paused") << EmitYaml(Rollout());
  EXPECT_EQ(Rollout().StringAt({"status", "message"}), "CanaryPauseStep");

  EXPECT_EQ(Steer(RolloutAction::kPromote), "rollout 'web' promoted");
  Settle(10);
  EXPECT_EQ(Weight(), "60") << "promote ends the pause; the next step sets 60%";
  Settle(60);  // the 10 s pause, then full promotion and the scale-down delay
  EXPECT_EQ(Rollout().StringAt({"status", "phase"}), "Healthy") << EmitYaml(Rollout());
  EXPECT_NE(Rollout().StringAt({"status", "stableRS"}), stable_hash) << "v2 is the stable now";
  EXPECT_EQ(Weight(), "0") << "every request on the new stable";
  for (const auto& [name, errors] : rollouts_.Errors()) {
    for (const std::string& error : errors) ADD_FAILURE() << name << ": " << error;
  }
}

TEST_F(RolloutControllerTest, AbortSendsEveryRequestBackToStableAtOnce) {
  ASSERT_TRUE(target_.Apply(Yaml(kRollout), {}).ok());
  Settle();
  Release("v2");
  Settle();
  ASSERT_EQ(Weight(), "20");
  EXPECT_EQ(Steer(RolloutAction::kAbort), "rollout 'web' aborted");
  Settle(2);
  EXPECT_EQ(Weight(), "0");
  EXPECT_EQ(Rollout().StringAt({"status", "phase"}), "Degraded");
  EXPECT_NE(Rollout().StringAt({"status", "message"}).find("RolloutAborted"), std::string::npos);
}

TEST_F(RolloutControllerTest, ASettledRolloutIsNotReconciledUntilSomethingChanges) {
  ASSERT_TRUE(target_.Apply(Yaml(kRollout), {}).ok());
  Settle();
  ASSERT_EQ(Phase(), "Healthy");
  now_ += std::chrono::seconds(1);
  rollouts_.RunPass(now_);
  EXPECT_EQ(rollouts_.LastPass().reconciled, 0u) << "nothing changed: skipped";
  EXPECT_EQ(rollouts_.LastPass().skipped, 1u);

  Release("v2");
  now_ += std::chrono::seconds(1);
  rollouts_.RunPass(now_);
  EXPECT_EQ(rollouts_.LastPass().reconciled, 1u) << "a new template is looked at at once";
  Settle();
  ASSERT_EQ(Weight(), "20");
  ASSERT_EQ(Phase(), "Paused");
  now_ += std::chrono::seconds(1);
  rollouts_.RunPass(now_);
  EXPECT_EQ(rollouts_.LastPass().reconciled, 0u) << "paused without a duration: nothing due";

  now_ += RolloutController::kFullResync;
  rollouts_.RunPass(now_);
  EXPECT_EQ(rollouts_.LastPass().reconciled, 1u) << "every Rollout is looked at each resync";
  EXPECT_EQ(Steer(RolloutAction::kPromote), "rollout 'web' promoted");
  now_ += std::chrono::seconds(1);
  rollouts_.RunPass(now_);
  EXPECT_EQ(rollouts_.LastPass().reconciled, 1u) << "steering is a change";
  Settle(10);
  EXPECT_EQ(Weight(), "60");
  Settle(60);  // the timed pause ends without any object changing: its requeue is due
  EXPECT_EQ(Phase(), "Healthy");
}

}  // namespace
}  // namespace capstan::controller
