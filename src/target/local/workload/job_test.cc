#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/time.h"
#include "target/local/workload/internal/objects.h"
#include "target/local/workload/internal/stand_in_cluster.h"
#include "target/local/workload/workload.h"

namespace capstan::target::local::workload {
namespace {

using testing::LoadManifest;
using testing::PodFate;
using testing::StandInCluster;
using testing::Yaml;

int ActivePods(const StandInCluster& cluster) {
  int active = 0;
  for (const Value& pod : cluster.List("Pod")) active += internal::IsPodActive(pod) ? 1 : 0;
  return active;
}

std::vector<std::string> ConditionTypes(const Value& job) {
  std::vector<std::string> types;
  if (const Value* conditions = job.At({"status", "conditions"})) {
    for (const Value& condition : conditions->as_array()) {
      types.emplace_back(condition.StringAt({"type"}));
    }
  }
  return types;
}

TEST(Job, OneCompletionByDefault) {
  StandInCluster cluster;
  cluster.fate = [](const Value&) { return PodFate::kSucceed; };
  const TimePoint start = cluster.now();
  cluster.Apply(LoadManifest("job-migrate.yaml"));
  cluster.Settle();
  std::vector<Value> pods = cluster.List("Pod");
  ASSERT_EQ(pods.size(), 1u);
  const Value& job = *cluster.Get("Job", "migrate");
  std::string uid(internal::UidOf(job));
  EXPECT_EQ(pods[0].StringAt({"metadata", "generateName"}), "migrate-");
  EXPECT_EQ(NameOf(pods[0]).size(), std::string("migrate-").size() + 5);
  for (const auto& [label, value] : std::vector<std::pair<std::string, std::string>>{
           {"job-name", "migrate"},
           {"controller-uid", uid},
           {"batch.kubernetes.io/job-name", "migrate"},
           {"batch.kubernetes.io/controller-uid", uid}}) {
    EXPECT_EQ(pods[0].StringAt({"metadata", "labels", label}), value) << label;
  }
  Value running_status = Yaml("{active: 1, terminating: 0, ready: 0, uncountedTerminatedPods: {}}");
  running_status["startTime"] = FormatRfc3339(start);
  EXPECT_EQ(*job.Find("status"), running_status);

  cluster.Rounds(3);
  const Value& done = *cluster.Get("Job", "migrate");
  std::string finished = done.StringAt({"status", "completionTime"}).data();
  ASSERT_FALSE(finished.empty());
  Value want = Yaml(R"(
startTime: START
completionTime: END
succeeded: 1
terminating: 0
ready: 0
uncountedTerminatedPods: {}
conditions:
- type: SuccessCriteriaMet
  status: "True"
  lastProbeTime: END
  lastTransitionTime: END
  reason: CompletionsReached
  message: Reached expected number of succeeded pods
- type: Complete
  status: "True"
  lastProbeTime: END
  lastTransitionTime: END
  reason: CompletionsReached
  message: Reached expected number of succeeded pods
)");
  want["startTime"] = FormatRfc3339(start);
  want["completionTime"] = finished;
  for (Value& condition : want["conditions"].as_array()) {
    condition["lastProbeTime"] = finished;
    condition["lastTransitionTime"] = finished;
  }
  EXPECT_EQ(*done.Find("status"), want);
  // The finished pod stays (its logs with it).
  ASSERT_EQ(cluster.List("Pod").size(), 1u);
  EXPECT_EQ(internal::PodPhase(cluster.List("Pod")[0]), "Succeeded");
}

TEST(Job, CompletionsRunParallelismAtATime) {
  StandInCluster cluster;
  cluster.fate = [](const Value&) { return PodFate::kSucceed; };
  Value job = LoadManifest("job-migrate.yaml");
  job["spec"]["completions"] = 5;
  job["spec"]["parallelism"] = 2;
  int most = 0;
  cluster.after_change = [&](const StandInCluster& c) { most = std::max(most, ActivePods(c)); };
  cluster.Apply(job);
  cluster.Rounds(15);
  EXPECT_EQ(most, 2);
  const Value& live = *cluster.Get("Job", "migrate");
  EXPECT_EQ(internal::IntAt(live, {"status", "succeeded"}), 5);
  EXPECT_EQ(cluster.List("Pod").size(), 5u);
  EXPECT_EQ(ConditionTypes(live), (std::vector<std::string>{"SuccessCriteriaMet", "Complete"}));
}

TEST(Job, BackoffLimitFailsTheJobAfterBackedOffRetries) {
  StandInCluster cluster;
  cluster.fate = [](const Value&) { return PodFate::kFail; };
  Value job = LoadManifest("job-migrate.yaml");
  job["spec"]["backoffLimit"] = 2;
  std::vector<TimePoint> created;
  size_t known = 0;
  cluster.after_change = [&](const StandInCluster& c) {
    size_t pods = c.List("Pod").size();
    for (; known < pods; ++known) created.push_back(c.now());
  };
  cluster.Apply(job);
  cluster.Rounds(60);
  ASSERT_EQ(created.size(), 3u);  // the first try and two retries: failures 3 > 2
  // Each retry waits 10 s, then 20 s, after the failure (which comes 2 rounds after creation).
  EXPECT_GE(created[1] - created[0], std::chrono::seconds(12));
  EXPECT_LE(created[1] - created[0], std::chrono::seconds(13));
  EXPECT_GE(created[2] - created[1], std::chrono::seconds(22));
  EXPECT_LE(created[2] - created[1], std::chrono::seconds(23));

  const Value& live = *cluster.Get("Job", "migrate");
  EXPECT_EQ(internal::IntAt(live, {"status", "failed"}), 3);
  EXPECT_EQ(live.At({"status", "completionTime"}), nullptr);
  EXPECT_EQ(ConditionTypes(live), (std::vector<std::string>{"FailureTarget", "Failed"}));
  const Value* failed = internal::FindCondition(*live.Find("status"), "Failed");
  EXPECT_EQ(failed->StringAt({"reason"}), "BackoffLimitExceeded");
  EXPECT_EQ(failed->StringAt({"message"}), "Job has reached the specified backoff limit");
  EXPECT_EQ(cluster.List("Pod").size(), 3u);  // failed pods are kept for their logs
}

TEST(Job, ActiveDeadlineStopsThePodsAndFailsTheJob) {
  StandInCluster cluster;
  cluster.fate = [](const Value&) { return PodFate::kNeverReady; };  // runs forever
  Value job = LoadManifest("job-migrate.yaml");
  job["spec"]["activeDeadlineSeconds"] = 30;
  cluster.Apply(job);
  cluster.Settle();
  ASSERT_TRUE(cluster.last_requeue.has_value());
  EXPECT_EQ(*cluster.last_requeue, std::chrono::seconds(30));
  cluster.Rounds(5);
  cluster.Advance(std::chrono::seconds(30));
  cluster.Settle();
  const Value* live = cluster.Get("Job", "migrate");
  EXPECT_EQ(ConditionTypes(*live), std::vector<std::string>{"FailureTarget"});  // pod stopping
  EXPECT_EQ(internal::IntAt(*live, {"status", "terminating"}), 1);
  cluster.Rounds(2);
  live = cluster.Get("Job", "migrate");
  EXPECT_EQ(ConditionTypes(*live), (std::vector<std::string>{"FailureTarget", "Failed"}));
  const Value* failed = internal::FindCondition(*live->Find("status"), "Failed");
  EXPECT_EQ(failed->StringAt({"reason"}), "DeadlineExceeded");
  EXPECT_EQ(failed->StringAt({"message"}), "Job was active longer than specified deadline");
  EXPECT_EQ(internal::IntAt(*live, {"status", "failed"}), 1);
  EXPECT_EQ(internal::IntAt(*live, {"status", "active"}), 0);
}

TEST(Job, OnFailureCountsContainerRestartsTowardsTheBackoffLimit) {
  StandInCluster cluster;
  cluster.fate = [](const Value&) { return PodFate::kCrashLoop; };
  Value job = LoadManifest("job-migrate.yaml");
  job["spec"]["backoffLimit"] = 3;
  job["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure";
  std::set<std::string> pods;
  cluster.after_change = [&](const StandInCluster& c) {
    for (const Value& pod : c.List("Pod")) pods.emplace(NameOf(pod));
  };
  cluster.Apply(job);
  cluster.Rounds(10);
  const Value& live = *cluster.Get("Job", "migrate");
  const Value* failed = internal::FindCondition(*live.Find("status"), "Failed");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->StringAt({"reason"}), "BackoffLimitExceeded");
  EXPECT_EQ(pods.size(), 1u);                // restarted in place, never replaced
  EXPECT_TRUE(cluster.List("Pod").empty());  // and stopped when the Job failed
}

TEST(Job, TtlAfterFinishedRemovesTheJobAndItsPods) {
  StandInCluster cluster;
  cluster.fate = [](const Value&) { return PodFate::kSucceed; };
  Value job = LoadManifest("job-migrate.yaml");
  job["spec"]["ttlSecondsAfterFinished"] = 60;
  cluster.Apply(job);
  cluster.Rounds(4);
  ASSERT_NE(cluster.Get("Job", "migrate"), nullptr);
  ASSERT_TRUE(cluster.last_requeue.has_value());
  EXPECT_LE(*cluster.last_requeue, std::chrono::seconds(60));
  cluster.Advance(std::chrono::seconds(60));
  cluster.Settle();
  EXPECT_EQ(cluster.Get("Job", "migrate"), nullptr);
  cluster.KubeletStep();
  EXPECT_TRUE(cluster.List("Pod").empty());
}

TEST(Job, SuspendedJobsRunNoPodsUntilResumed) {
  StandInCluster cluster;
  cluster.fate = [](const Value&) { return PodFate::kSucceed; };
  Value job = LoadManifest("job-migrate.yaml");
  job["spec"]["suspend"] = true;
  cluster.Apply(job);
  cluster.Rounds(3);
  EXPECT_TRUE(cluster.List("Pod").empty());
  const Value* live = cluster.Get("Job", "migrate");
  EXPECT_EQ(live->At({"status", "startTime"}), nullptr);
  const Value* suspended = internal::FindCondition(*live->Find("status"), "Suspended");
  ASSERT_NE(suspended, nullptr);
  EXPECT_EQ(suspended->StringAt({"reason"}), "JobSuspended");
  EXPECT_EQ(suspended->StringAt({"message"}), "Job suspended");

  job["spec"]["suspend"] = false;
  cluster.Apply(job);
  cluster.Settle();
  live = cluster.Get("Job", "migrate");
  suspended = internal::FindCondition(*live->Find("status"), "Suspended");
  ASSERT_NE(suspended, nullptr);
  EXPECT_EQ(suspended->StringAt({"status"}), "False");
  EXPECT_EQ(suspended->StringAt({"reason"}), "JobResumed");
  EXPECT_NE(live->At({"status", "startTime"}), nullptr);
  cluster.Rounds(4);
  EXPECT_EQ(internal::IntAt(*cluster.Get("Job", "migrate"), {"status", "succeeded"}), 1);
}

TEST(Job, RefusesWhatTheLocalTargetCannotRun) {
  Value job = LoadManifest("job-migrate.yaml");
  job["metadata"]["uid"] = "job-uid";
  job["spec"]["template"]["spec"]["restartPolicy"] = "Always";
  job["spec"]["completionMode"] = "Indexed";
  Actions actions = ReconcileJob(job, {}, std::chrono::system_clock::now(), RandomNameSuffix(1));
  EXPECT_EQ(actions.errors,
            (std::vector<std::string>{
                "batch/Job default/migrate: spec.template.spec.restartPolicy: Unsupported value: "
                "\"Always\": supported values: \"OnFailure\", \"Never\"",
                "batch/Job default/migrate: spec.completionMode: Indexed Jobs are not supported "
                "by the local target"}));
  EXPECT_TRUE(actions.create.empty());
}

}  // namespace
}  // namespace capstan::target::local::workload
