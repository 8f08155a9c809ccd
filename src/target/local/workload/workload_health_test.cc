// The statuses these controllers write, read by capstan's health module (Argo CD's rules):
// the same Healthy / Progressing / Degraded / Suspended a Kubernetes cluster would show.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "health/health.h"
#include "target/local/workload/internal/stand_in_cluster.h"
#include "target/local/workload/workload.h"

namespace capstan::target::local::workload {
namespace {

using health::HealthStatus;
using testing::LoadManifest;
using testing::PodFate;
using testing::StandInCluster;

std::string Name(HealthStatus status) { return std::string(health::HealthStatusName(status)); }

// The health of one object after every change, without repeats.
class HealthRecorder {
 public:
  HealthRecorder(StandInCluster& cluster, std::string kind, std::string name)
      : kind_(std::move(kind)), name_(std::move(name)) {
    cluster.after_change = [this](const StandInCluster& c) { Record(c); };
  }
  void Record(const StandInCluster& cluster) {
    const Value* live = cluster.Get(kind_, name_);
    if (live == nullptr || live->Find("status") == nullptr) return;
    std::optional<health::Health> now = health::AssessHealth(*live);
    ASSERT_TRUE(now.has_value());
    last = *now;
    std::string status = Name(now->status);
    if (seen.empty() || seen.back() != status) seen.push_back(status);
    messages.push_back(now->message);
  }
  std::vector<std::string> seen;
  std::vector<std::string> messages;
  health::Health last;

 private:
  std::string kind_;
  std::string name_;
};

bool Contains(const std::vector<std::string>& messages, const std::string& wanted) {
  return std::find(messages.begin(), messages.end(), wanted) != messages.end();
}

TEST(WorkloadHealth, DeploymentProgressingThenHealthyThroughARollout) {
  StandInCluster cluster;
  HealthRecorder health(cluster, "Deployment", "web");
  Value deployment = LoadManifest("deployment-web.yaml");
  cluster.Apply(deployment);
  cluster.Rounds(5);
  EXPECT_EQ(health.seen, (std::vector<std::string>{"Progressing", "Healthy"}));

  health.seen.clear();
  deployment["spec"]["template"]["spec"]["containers"].as_array()[0].Set("image", "nginx:1.26");
  cluster.Apply(deployment);
  cluster.Rounds(20);
  EXPECT_EQ(health.seen, (std::vector<std::string>{"Progressing", "Healthy"}));
  EXPECT_TRUE(Contains(health.messages,
                       "Waiting for rollout to finish: observed deployment generation less than "
                       "desired generation"));
  EXPECT_TRUE(
      Contains(health.messages,
               "Waiting for rollout to finish: 2 out of 4 new replicas have been updated..."));
  EXPECT_TRUE(Contains(health.messages,
                       "Waiting for rollout to finish: 1 old replicas are pending termination..."));
  EXPECT_EQ(health.last, (health::Health{HealthStatus::kHealthy, ""}));
}

TEST(WorkloadHealth, DeploymentPastItsDeadlineIsDegraded) {
  StandInCluster cluster;
  Value deployment = LoadManifest("deployment-web.yaml");
  deployment["spec"]["progressDeadlineSeconds"] = 20;
  cluster.fate = [](const Value&) { return PodFate::kNeverReady; };
  HealthRecorder health(cluster, "Deployment", "web");
  cluster.Apply(deployment);
  cluster.Rounds(30);
  EXPECT_EQ(health.seen, (std::vector<std::string>{"Progressing", "Degraded"}));
  EXPECT_EQ(health.last.message, "Deployment \"web\" exceeded its progress deadline");
}

TEST(WorkloadHealth, PausedDeploymentIsSuspended) {
  StandInCluster cluster;
  Value deployment = LoadManifest("deployment-web.yaml");
  cluster.Apply(deployment);
  cluster.Rounds(5);
  HealthRecorder health(cluster, "Deployment", "web");
  deployment["spec"]["paused"] = true;
  cluster.Apply(deployment);
  cluster.Rounds(2);
  EXPECT_EQ(health.last, (health::Health{HealthStatus::kSuspended, "Deployment is paused"}));
}

TEST(WorkloadHealth, ReplicaSetProgressingUntilAvailable) {
  StandInCluster cluster;
  HealthRecorder health(cluster, "ReplicaSet", "api");
  cluster.Apply(LoadManifest("replicaset-api.yaml"));
  cluster.Rounds(4);
  EXPECT_EQ(health.seen, (std::vector<std::string>{"Progressing", "Healthy"}));
  EXPECT_TRUE(Contains(health.messages,
                       "Waiting for rollout to finish: 0 out of 3 new replicas are available..."));
}

TEST(WorkloadHealth, StatefulSetProgressingUntilEveryPodIsReady) {
  StandInCluster cluster;
  HealthRecorder health(cluster, "StatefulSet", "db");
  cluster.Apply(LoadManifest("statefulset-db.yaml"));
  cluster.Rounds(10);
  EXPECT_EQ(health.seen, (std::vector<std::string>{"Progressing", "Healthy"}));
  EXPECT_TRUE(Contains(health.messages, "Waiting for 3 pods to be ready..."));
  std::string revision(cluster.Get("StatefulSet", "db")->StringAt({"status", "updateRevision"}));
  // A cluster's API server would have defaulted updateStrategy.rollingUpdate.partition to 0,
  // and Argo CD's check would then say "partitioned roll out complete: 3 new pods have been
  // updated..."; either way Healthy.
  EXPECT_EQ(health.last.message,
            "statefulset rolling update complete 3 pods at revision " + revision + "...");
}

TEST(WorkloadHealth, JobsCompleteOrFailAsOnKubernetes) {
  {
    StandInCluster cluster;
    cluster.fate = [](const Value&) { return PodFate::kSucceed; };
    HealthRecorder health(cluster, "Job", "migrate");
    cluster.Apply(LoadManifest("job-migrate.yaml"));
    cluster.Rounds(4);
    EXPECT_EQ(health.seen, (std::vector<std::string>{"Progressing", "Healthy"}));
    EXPECT_EQ(health.last.message, "Reached expected number of succeeded pods");
  }
  {
    StandInCluster cluster;
    cluster.fate = [](const Value&) { return PodFate::kFail; };
    HealthRecorder health(cluster, "Job", "migrate");
    Value job = LoadManifest("job-migrate.yaml");
    job["spec"]["backoffLimit"] = 0;
    cluster.Apply(job);
    cluster.Rounds(4);
    EXPECT_EQ(health.seen, (std::vector<std::string>{"Progressing", "Degraded"}));
    EXPECT_EQ(health.last.message, "Job has reached the specified backoff limit");
  }
  {
    StandInCluster cluster;
    HealthRecorder health(cluster, "Job", "migrate");
    Value job = LoadManifest("job-migrate.yaml");
    job["spec"]["suspend"] = true;
    cluster.Apply(job);
    cluster.Rounds(2);
    EXPECT_EQ(health.last, (health::Health{HealthStatus::kSuspended, "Job suspended"}));
  }
}

}  // namespace
}  // namespace capstan::target::local::workload

namespace capstan::target::local::workload {
namespace {

// Once the world matches the spec, a sync changes nothing and asks for nothing: the loop
// can run them as often as it likes (level-triggered).
TEST(Idempotence, SettledWorkloadsGetEmptyActions) {
  StandInCluster cluster;
  cluster.Apply(LoadManifest("deployment-web.yaml"));
  cluster.Apply(LoadManifest("statefulset-db.yaml"));
  cluster.Rounds(12);
  cluster.fate = [](const Value& pod) {
    return pod.At({"metadata", "labels", "job-name"}) ? PodFate::kSucceed : PodFate::kReady;
  };
  cluster.Apply(LoadManifest("job-migrate.yaml"));
  cluster.Rounds(4);
  std::vector<Value> pods = cluster.List("Pod");
  EXPECT_TRUE(ReconcileDeployment(*cluster.Get("Deployment", "web"), cluster.List("ReplicaSet"),
                                  pods, cluster.now())
                  .empty());
  for (const Value& rs : cluster.List("ReplicaSet")) {
    EXPECT_TRUE(ReconcileReplicaSet(rs, pods, cluster.now(), RandomNameSuffix(1)).empty());
  }
  EXPECT_TRUE(ReconcileStatefulSet(*cluster.Get("StatefulSet", "db"), pods,
                                   cluster.List("ControllerRevision"), cluster.now())
                  .empty());
  EXPECT_TRUE(ReconcileJob(*cluster.Get("Job", "migrate"), pods, cluster.now(), RandomNameSuffix(1))
                  .empty());
}

}  // namespace
}  // namespace capstan::target::local::workload
