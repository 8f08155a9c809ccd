// Analysis in a canary release: a step analysis that fails aborts at once (weight 0,
// Degraded with Argo's message), an inconclusive or errored one pauses, a retry starts again; the
// background analysis starts at its startingStep.
#include <gtest/gtest.h>

#include "rollout/stand_in_cluster.h"
#include "rollout/steering.h"

namespace capstan::rollout {
namespace {

using testing::LoadManifests;
using testing::RolloutCluster;

class AnalysisReconcile : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const Value& object : LoadManifests("canary-analysis.yaml")) cluster.Apply(object);
    ASSERT_TRUE(cluster.RunUntil([&] { return Status().phase == "Healthy"; }));
    v1 = Status().stable_rs;
    Value rollout = cluster.Rollout("web");
    rollout.Erase("status");
    rollout["spec"]["template"]["spec"]["containers"].as_array()[0].Set("image", "web:v2");
    cluster.Apply(rollout);
    cluster.Settle();
    v2 = Status().current_pod_hash;
  }

  RolloutStatus Status() const { return ReadRolloutStatus(cluster.Rollout("web")); }

  // The phase the stand-in analysis controller gives each kind of run.
  void Phases(const std::string& step, const std::string& background) {
    cluster.analysis = [step, background](const Value& run) {
      std::string_view type = run.StringAt({"metadata", "labels", kRolloutTypeLabel});
      return type == "Step" ? step : background;
    };
  }

  RolloutCluster cluster;
  std::string v1, v2;
};

TEST_F(AnalysisReconcile, SuccessfulStepAnalysisMovesOn) {
  Phases("Running", "Running");
  ASSERT_TRUE(cluster.RunUntil([&] { return Status().current_step_index == 1; }));
  cluster.Rounds(2);
  RolloutStatus status = Status();
  ASSERT_TRUE(status.canary.current_step_analysis_run_status.has_value());
  std::string name = status.canary.current_step_analysis_run_status->name;
  EXPECT_EQ(name, "web-" + v2 + "-2-1");
  const Value* run = cluster.Get("AnalysisRun", name);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->StringAt({"metadata", "labels", kRolloutTypeLabel}), "Step");
  EXPECT_EQ(run->StringAt({"metadata", "labels", kStepIndexLabel}), "1");
  EXPECT_EQ(run->StringAt({"metadata", "labels", kPodTemplateHashLabel}), v2);
  EXPECT_EQ(run->StringAt({"metadata", "labels", "app"}), "web");
  EXPECT_EQ(run->StringAt({"metadata", "annotations", kRevisionAnnotation}), "2");
  ASSERT_FALSE(cluster.requested_runs.empty());
  const AnalysisRunRequest& request = cluster.requested_runs.back();
  ASSERT_EQ(request.templates.size(), 1u);
  EXPECT_EQ(request.templates[0].template_name, "success-rate");
  EXPECT_EQ(request.args, (std::vector<std::pair<std::string, std::string>>{{"canary-hash", v2},
                                                                            {"rollout", "web"}}));
  EXPECT_EQ(status.current_step_index, 1);  // waits on the run
  EXPECT_EQ(status.phase, "Progressing");
  EXPECT_EQ(status.message, "more replicas need to be updated");

  Phases("Successful", "Running");
  ASSERT_TRUE(cluster.RunUntil([&] { return Status().current_step_index == 3; }));
  status = Status();
  EXPECT_FALSE(status.canary.current_step_analysis_run_status.has_value());
  // Background analysis from step 2 on, named without a step.
  ASSERT_TRUE(status.canary.current_background_analysis_run_status.has_value());
  std::string background = status.canary.current_background_analysis_run_status->name;
  EXPECT_EQ(background, "web-" + v2 + "-2");
  EXPECT_EQ(
      cluster.Get("AnalysisRun", background)->StringAt({"metadata", "labels", kRolloutTypeLabel}),
      "Background");

  cluster.Advance(std::chrono::seconds(61));
  ASSERT_TRUE(cluster.RunUntil([&] { return Status().phase == "Healthy"; }));
  // Promotion stops the background run.
  const Value* stopped = cluster.Get("AnalysisRun", background);
  ASSERT_NE(stopped, nullptr);
  EXPECT_EQ(stopped->StringAt({"status", "message"}), "Run Terminated");
}

TEST_F(AnalysisReconcile, FailedStepAnalysisAbortsAndRetryStartsAgain) {
  Phases("Running", "Running");
  ASSERT_TRUE(cluster.RunUntil([&] { return Status().current_step_index == 1; }));
  cluster.Rounds(2);
  ASSERT_TRUE(cluster.traffic.has_value());
  EXPECT_EQ(cluster.traffic->canary_weight, 25);

  Phases("Failed", "Running");
  ASSERT_TRUE(cluster.RunUntil([&] { return Status().abort; }));
  cluster.Settle();
  RolloutStatus status = Status();
  // All traffic back to stable at once.
  EXPECT_EQ(cluster.traffic->canary_weight, 0);
  EXPECT_TRUE(cluster.traffic->header_routes.empty());
  EXPECT_EQ(status.canary.weights->stable.weight, 100);
  EXPECT_EQ(status.phase, "Degraded");
  EXPECT_EQ(status.message,
            "RolloutAborted: Rollout aborted update to revision 2: Step-based analysis phase "
            "error/failed");
  EXPECT_EQ(status.current_step_index, 0);
  EXPECT_TRUE(status.aborted_at.has_value());
  EXPECT_EQ(
      cluster.Get("Service", "web-canary")->StringAt({"spec", "selector", kPodTemplateHashLabel}),
      v1);
  // The canary keeps its pod for abortScaleDownDelaySeconds (30 s), then goes.
  EXPECT_EQ(cluster.Replicas(v2), 1);
  cluster.Advance(std::chrono::seconds(31));
  cluster.Rounds(2);
  EXPECT_EQ(cluster.Replicas(v2), 0);
  EXPECT_EQ(Status().phase, "Degraded");  // until a retry or a new release

  auto retried = Retry(cluster.Rollout("web"));
  ASSERT_TRUE(retried.ok());
  Phases("Running", "Running");
  cluster.Steer(*retried);
  ASSERT_TRUE(cluster.RunUntil([&] { return Status().current_step_index == 1; }));
  cluster.Rounds(2);
  status = Status();
  EXPECT_FALSE(status.abort);
  EXPECT_EQ(status.phase, "Progressing");
  EXPECT_EQ(cluster.Replicas(v2), 1);
  ASSERT_TRUE(status.canary.current_step_analysis_run_status.has_value());
  // The failed run keeps its name; the new one is counted up.
  EXPECT_EQ(status.canary.current_step_analysis_run_status->name, "web-" + v2 + "-2-1.1");
  Phases("Successful", "Running");
  cluster.Advance(std::chrono::seconds(61));
  ASSERT_TRUE(cluster.RunUntil([&] { return Status().phase == "Healthy"; }));
  EXPECT_EQ(Status().stable_rs, v2);
}

// An Inconclusive run pauses the release, and so does an Error one (its measurements could
// not be taken: Argo aborts here, capstan waits for a person; decision 0011).
class UnjudgedAnalysis : public AnalysisReconcile,
                         public ::testing::WithParamInterface<const char*> {};

TEST_P(UnjudgedAnalysis, PausesUntilPromoted) {
  Phases(GetParam(), "Running");
  ASSERT_TRUE(cluster.RunUntil([&] { return Status().phase == "Paused"; }));
  RolloutStatus status = Status();
  EXPECT_EQ(status.message, "InconclusiveAnalysis");
  ASSERT_EQ(status.pause_conditions.size(), 1u);
  EXPECT_EQ(status.pause_conditions[0].reason, "InconclusiveAnalysis");
  EXPECT_EQ(status.current_step_index, 1);
  EXPECT_FALSE(status.abort);
  EXPECT_EQ(cluster.traffic->canary_weight, 25);  // neither promoted nor sent back
  cluster.Advance(std::chrono::minutes(30));
  cluster.Rounds(2);
  EXPECT_EQ(Status().phase, "Paused");  // not promoted on its own
  EXPECT_EQ(Status().current_step_index, 1);

  // promote skips the inconclusive step.
  auto promoted = Promote(cluster.Rollout("web"), false);
  ASSERT_TRUE(promoted.ok());
  EXPECT_EQ(ReadRolloutStatus(*promoted).current_step_index, 2);
  cluster.Steer(*promoted);
  ASSERT_TRUE(cluster.RunUntil([&] { return Status().current_step_index == 3; }));
  EXPECT_EQ(cluster.traffic->canary_weight, 50);
}

INSTANTIATE_TEST_SUITE_P(RunPhases, UnjudgedAnalysis, ::testing::Values("Inconclusive", "Error"));

TEST_F(AnalysisReconcile, FailedBackgroundAnalysisAborts) {
  Phases("Successful", "Failed");
  ASSERT_TRUE(cluster.RunUntil([&] { return Status().abort; }));
  cluster.Settle();
  RolloutStatus status = Status();
  EXPECT_EQ(status.phase, "Degraded");
  EXPECT_EQ(status.message,
            "RolloutAborted: Rollout aborted update to revision 2: Background analysis phase "
            "error/failed");
  EXPECT_EQ(cluster.traffic->canary_weight, 0);
}

TEST_F(AnalysisReconcile, AbortByHandReturnsTrafficAtOnce) {
  Phases("Successful", "Running");
  ASSERT_TRUE(cluster.RunUntil([&] { return Status().current_step_index == 3; }));
  EXPECT_EQ(cluster.traffic->canary_weight, 50);
  auto aborted = Abort(cluster.Rollout("web"));
  ASSERT_TRUE(aborted.ok());
  cluster.Steer(*aborted);
  cluster.Settle();
  EXPECT_EQ(cluster.traffic->canary_weight, 0);
  EXPECT_EQ(Status().phase, "Degraded");
  EXPECT_EQ(Status().message, "RolloutAborted: Rollout aborted update to revision 2");
  // A new release clears the abort.
  Value rollout = cluster.Rollout("web");
  rollout.Erase("status");
  rollout["spec"]["template"]["spec"]["containers"].as_array()[0].Set("image", "web:v3");
  cluster.Apply(rollout);
  cluster.Rounds(2);
  EXPECT_FALSE(Status().abort);
  EXPECT_NE(Status().phase, "Degraded");
}

}  // namespace
}  // namespace capstan::rollout
