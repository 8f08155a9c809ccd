// Steering a Rollout as `capstan rollout pause|resume|promote|abort|retry|undo` does, on the
// local target's store with capstan's Rollout controller running: each action changes what
// a user would see (weights, phase, the stable version), and `get`'s summary says where the
// release is.
#include "controller/rollout_steering.h"

#include <gtest/gtest.h>

#include "controller/rollout_test_fixture.h"

namespace capstan::controller {
namespace {

using testing::kRollout;
using testing::Yaml;

class RolloutSteering : public testing::RolloutFixture {
 protected:
  // v1 released and Healthy, then v2 released and paused at its first pause (20%).
  void SetUp() override {
    ASSERT_TRUE(target_.Apply(Yaml(kRollout), {}).ok());
    Settle();
    ASSERT_EQ(Phase(), "Healthy");
    v1_ = std::string(Rollout().StringAt({"status", "stableRS"}));
    Release("v2");
    Settle();
    ASSERT_EQ(Weight(), "20");
    ASSERT_EQ(Phase(), "Paused");
    v2_ = std::string(Rollout().StringAt({"status", "currentPodHash"}));
  }

  Value Summary() {
    auto view = DescribeRollout(target_, "default", "web");
    EXPECT_TRUE(view.ok()) << view.error().message();
    return view.ok() ? *view->Find("summary") : Value();
  }
  std::string Image() {
    Value rollout = Rollout();
    const Value* containers = rollout.At({"spec", "template", "spec", "containers"});
    return std::string(containers->as_array()[0].StringAt({"image"}));
  }

  std::string v1_, v2_;
};

TEST_F(RolloutSteering, GetShowsTheStepWeightsAndBothVersions) {
  Value summary = Summary();
  EXPECT_EQ(summary.StringAt({"strategy"}), "Canary");
  EXPECT_EQ(summary.StringAt({"phase"}), "Paused");
  EXPECT_EQ(summary.StringAt({"message"}), "CanaryPauseStep");
  EXPECT_EQ(summary.Find("step")->as_int(), 1);
  EXPECT_EQ(summary.Find("steps")->as_int(), 4);
  EXPECT_EQ(summary.Find("setWeight")->as_int(), 20);
  EXPECT_EQ(summary.Find("actualWeight")->as_int(), 20);
  const Value& revisions = *summary.Find("revisions");
  ASSERT_EQ(revisions.size(), 2u);
  EXPECT_EQ(revisions.as_array()[0].StringAt({"role"}), "canary");
  EXPECT_EQ(revisions.as_array()[0].StringAt({"podTemplateHash"}), v2_);
  EXPECT_EQ(revisions.as_array()[0].Find("images")->as_array()[0].as_string(), "demo:v2");
  EXPECT_EQ(revisions.as_array()[0].Find("revision")->as_int(), 2);
  EXPECT_EQ(revisions.as_array()[1].StringAt({"role"}), "stable");
  EXPECT_EQ(revisions.as_array()[1].Find("images")->as_array()[0].as_string(), "demo:v1");
  EXPECT_EQ(revisions.as_array()[1].Find("available")->as_int(), 4);
}

TEST_F(RolloutSteering, PauseHoldsATimedPauseUntilResumed) {
  EXPECT_EQ(Steer(RolloutAction::kPromote), "rollout 'web' promoted");
  ASSERT_TRUE(SettleUntil([&] { return Weight() == "60"; }));  // in the 10 s pause
  EXPECT_EQ(Steer(RolloutAction::kPause), "rollout 'web' paused");
  Settle(30);
  EXPECT_EQ(Weight(), "60") << "a paused Rollout does not move on when its timed pause ends";
  EXPECT_EQ(Phase(), "Paused");
  EXPECT_EQ(Rollout().StringAt({"status", "stableRS"}), v1_);
  EXPECT_EQ(Steer(RolloutAction::kResume), "rollout 'web' resumed");
  Settle(60);
  EXPECT_EQ(Phase(), "Healthy");
  EXPECT_EQ(Rollout().StringAt({"status", "stableRS"}), v2_);
}

TEST_F(RolloutSteering, PromoteFullSkipsEveryRemainingStep) {
  EXPECT_EQ(Steer(RolloutAction::kPromote, {.full = true}), "rollout 'web' fully promoted");
  Settle(40);
  EXPECT_EQ(Phase(), "Healthy");
  EXPECT_EQ(Rollout().StringAt({"status", "stableRS"}), v2_);
  EXPECT_EQ(Weight(), "0");
  EXPECT_EQ(Summary().Find("actualWeight")->as_int(), 100);
}

TEST_F(RolloutSteering, AbortIsDegradedUntilRetryStartsTheReleaseAgain) {
  EXPECT_EQ(Steer(RolloutAction::kAbort), "rollout 'web' aborted");
  Settle(3);
  EXPECT_EQ(Weight(), "0");
  EXPECT_EQ(Phase(), "Degraded");
  Settle(60);
  EXPECT_EQ(Phase(), "Degraded") << "an abort stays until a retry or a new release";
  EXPECT_EQ(Steer(RolloutAction::kRetry), "rollout 'web' retried");
  EXPECT_TRUE(SettleUntil([&] { return Phase() == "Paused"; }));
  EXPECT_EQ(Weight(), "20");
  EXPECT_EQ(Rollout().StringAt({"status", "message"}), "CanaryPauseStep");
}

TEST_F(RolloutSteering, UndoAfterAReleaseGoesBackToThePreviousTemplate) {
  Steer(RolloutAction::kPromote, {.full = true});
  Settle(40);
  ASSERT_EQ(Rollout().StringAt({"status", "stableRS"}), v2_);
  EXPECT_EQ(Steer(RolloutAction::kUndo), "rollout 'web' undo");
  EXPECT_EQ(Image(), "demo:v1");
  Settle(5);
  EXPECT_EQ(Rollout().StringAt({"status", "currentPodHash"}), v1_)
      << "the old ReplicaSet is used again, as a new revision";
  EXPECT_EQ(Weight(), "20") << "and released through the steps";
  EXPECT_EQ(Summary().Find("revisions")->as_array()[0].Find("revision")->as_int(), 3);
}

TEST_F(RolloutSteering, UndoToARevisionThatDoesNotExistSaysSo) {
  auto undone = SteerRollout(target_, "default", "web", RolloutAction::kUndo, {.to_revision = 7});
  ASSERT_FALSE(undone.ok());
  EXPECT_EQ(undone.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(undone.error().message().find("revision 7"), std::string::npos)
      << undone.error().message();
  EXPECT_EQ(Image(), "demo:v2") << "nothing changed";
}

TEST_F(RolloutSteering, AnUnknownRolloutIsNotFound) {
  auto steered = SteerRollout(target_, "default", "api", RolloutAction::kPromote, {});
  ASSERT_FALSE(steered.ok());
  EXPECT_EQ(steered.error().message(),
            "rollouts.argoproj.io \"api\" not found in namespace default");
}

TEST_F(RolloutSteering, HistoryHasEveryStepWithBothVersions) {
  Steer(RolloutAction::kPromote);
  Settle(60);
  ASSERT_EQ(Phase(), "Healthy");
  auto steps = history_.Steps(target_, "default", "web", 100);
  ASSERT_TRUE(steps.ok()) << steps.error().message();
  std::vector<Value> oldest_first(steps->Find("items")->as_array().rbegin(),
                                  steps->Find("items")->as_array().rend());
  std::string weights;  // each weight once, as it changed
  for (const Value& step : oldest_first) {
    std::string weight = std::to_string(step.Find("weight")->as_int()) + " ";
    if (weights.size() < weight.size() ||
        weights.compare(weights.size() - weight.size(), weight.size(), weight) != 0) {
      weights += weight;
    }
  }
  // v1's first release ends at 100; v2 goes 20, 60 (after the promote), 100.
  EXPECT_EQ(weights.substr(weights.size() - 10), "20 60 100 ") << weights << "\n"
                                                               << EmitYaml(*steps);
  const Value* paused = nullptr;
  for (const Value& step : oldest_first) {
    if (step.StringAt({"phase"}) == "Paused" && paused == nullptr) paused = &step;
  }
  ASSERT_NE(paused, nullptr) << "the pause is in the history";
  EXPECT_EQ(paused->StringAt({"message"}), "CanaryPauseStep");
  EXPECT_EQ(paused->StringAt({"stable", "podTemplateHash"}), v1_);
  EXPECT_EQ(paused->StringAt({"stable", "text"}).find("revision 1"), 0u)
      << paused->StringAt({"stable", "text"});
  EXPECT_EQ(paused->StringAt({"new", "podTemplateHash"}), v2_);
  EXPECT_EQ(paused->At({"new", "images"})->as_array()[0].as_string(), "demo:v2");
  EXPECT_EQ(paused->At({"new", "revision"})->as_int(), 2);
  const Value& last = oldest_first.back();
  EXPECT_EQ(last.StringAt({"phase"}), "Healthy");
  EXPECT_EQ(last.StringAt({"stable", "podTemplateHash"}), v2_) << EmitYaml(last);
  EXPECT_NE(last.StringAt({"change"}).find("stable is " + v2_), std::string::npos)
      << last.StringAt({"change"});
}

TEST(RolloutActionNames, RoundTrip) {
  for (RolloutAction action :
       {RolloutAction::kPromote, RolloutAction::kAbort, RolloutAction::kRetry,
        RolloutAction::kPause, RolloutAction::kResume, RolloutAction::kUndo}) {
    EXPECT_EQ(ParseRolloutAction(RolloutActionName(action)), action);
  }
  EXPECT_FALSE(ParseRolloutAction("restart").has_value());
}

}  // namespace
}  // namespace capstan::controller
