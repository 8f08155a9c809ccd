// Whole rollouts, round after round: the Deployment and ReplicaSet controllers against the
// stand-in cluster and kubelet, checking after every change what a user would watch.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "target/local/workload/internal/objects.h"
#include "target/local/workload/internal/stand_in_cluster.h"
#include "target/local/workload/workload.h"

namespace capstan::target::local::workload {
namespace {

using testing::LoadManifest;
using testing::PodFate;
using testing::StandInCluster;

std::string ImageOf(const Value& pod) {
  const Value* containers = pod.At({"spec", "containers"});
  return containers && containers->is_array() && !containers->empty()
             ? std::string(containers->as_array()[0].StringAt({"image"}))
             : "";
}

struct PodCounts {
  int total = 0;       // not being deleted
  int ready = 0;       // ready and not being deleted
  int with_image = 0;  // not being deleted, with the image asked about
  int any = 0;         // every pod, being deleted or not
};

PodCounts CountPods(const StandInCluster& cluster, const std::string& image = "") {
  PodCounts counts;
  for (const Value& pod : cluster.List("Pod")) {
    ++counts.any;
    if (internal::IsTerminating(pod)) continue;
    ++counts.total;
    if (internal::IsPodReady(pod)) ++counts.ready;
    if (ImageOf(pod) == image) ++counts.with_image;
  }
  return counts;
}

const Value* ReplicaSetWithImage(const StandInCluster& cluster, const std::string& image,
                                 std::vector<Value>& storage) {
  storage = cluster.List("ReplicaSet");
  for (const Value& rs : storage) {
    const Value* containers = rs.At({"spec", "template", "spec", "containers"});
    if (containers && containers->as_array()[0].StringAt({"image"}) == image) return &rs;
  }
  return nullptr;
}

Value WithImage(Value deployment, const std::string& image) {
  deployment["spec"]["template"]["spec"]["containers"].as_array()[0].Set("image", image);
  return deployment;
}

const Value* Condition(const Value& object, std::string_view type) {
  const Value* status = object.Find("status");
  return status ? internal::FindCondition(*status, type) : nullptr;
}

TEST(DeploymentRollout, RollingUpdateStaysWithinSurgeAndUnavailableToTheEnd) {
  StandInCluster cluster;
  Value deployment = LoadManifest("deployment-web.yaml");  // 4 replicas, 25%/25%: 1 and 1
  cluster.Apply(deployment);
  cluster.Rounds(4);
  ASSERT_EQ(CountPods(cluster, "nginx:1.25").ready, 4);
  EXPECT_EQ(cluster.Get("Deployment", "web")
                ->StringAt({"metadata", "annotations", "deployment.kubernetes.io/revision"}),
            "1");

  int checks = 0;
  std::vector<std::string> violations;
  cluster.after_change = [&](const StandInCluster& c) {
    PodCounts counts = CountPods(c);
    ++checks;
    if (counts.total > 5) violations.push_back("pods " + std::to_string(counts.total) + " > 5");
    if (counts.ready < 3) violations.push_back("ready " + std::to_string(counts.ready) + " < 3");
  };
  cluster.Apply(WithImage(deployment, "nginx:1.26"));
  std::vector<std::string> trace;
  for (int round = 0; round < 20; ++round) {
    cluster.Rounds(1);
    PodCounts v1 = CountPods(cluster, "nginx:1.25");
    PodCounts v2 = CountPods(cluster, "nginx:1.26");
    trace.push_back("v1 " + std::to_string(v1.with_image) + " v2 " + std::to_string(v2.with_image) +
                    " ready " + std::to_string(v2.ready));
  }
  cluster.after_change = nullptr;
  std::string joined;
  for (const std::string& line : trace) joined += line + "\n";
  EXPECT_GT(checks, 20);
  EXPECT_TRUE(violations.empty()) << violations.front() << "\n" << joined;

  PodCounts end = CountPods(cluster, "nginx:1.26");
  EXPECT_EQ(end.with_image, 4) << joined;
  EXPECT_EQ(end.ready, 4);
  EXPECT_EQ(end.any, 4);
  std::vector<Value> storage;
  const Value* old_rs = ReplicaSetWithImage(cluster, "nginx:1.25", storage);
  ASSERT_NE(old_rs, nullptr);
  EXPECT_EQ(internal::IntAt(*old_rs, {"spec", "replicas"}), 0);
  EXPECT_EQ(old_rs->StringAt({"metadata", "annotations", "deployment.kubernetes.io/revision"}),
            "1");
  const Value* new_rs = ReplicaSetWithImage(cluster, "nginx:1.26", storage);
  ASSERT_NE(new_rs, nullptr);
  EXPECT_EQ(new_rs->StringAt({"metadata", "annotations", "deployment.kubernetes.io/revision"}),
            "2");

  const Value& live = *cluster.Get("Deployment", "web");
  EXPECT_EQ(live.StringAt({"metadata", "annotations", "deployment.kubernetes.io/revision"}), "2");
  const Value* progressing = Condition(live, "Progressing");
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(progressing->StringAt({"status"}), "True");
  EXPECT_EQ(progressing->StringAt({"reason"}), "NewReplicaSetAvailable");
  EXPECT_EQ(progressing->StringAt({"message"}),
            "ReplicaSet \"" + std::string(NameOf(*new_rs)) + "\" has successfully progressed.");
  const Value* available = Condition(live, "Available");
  ASSERT_NE(available, nullptr);
  EXPECT_EQ(available->StringAt({"reason"}), "MinimumReplicasAvailable");
  EXPECT_EQ(internal::IntAt(live, {"status", "replicas"}), 4);
  EXPECT_EQ(internal::IntAt(live, {"status", "updatedReplicas"}), 4);
  EXPECT_EQ(internal::IntAt(live, {"status", "availableReplicas"}), 4);
  EXPECT_EQ(live.At({"status", "unavailableReplicas"}), nullptr);  // omitted when 0
  EXPECT_EQ(internal::IntAt(live, {"status", "observedGeneration"}), 2);
  EXPECT_TRUE(cluster.errors.empty()) << cluster.errors.front();
}

TEST(DeploymentRollout, RecreateRemovesEveryOldPodBeforeTheFirstNewOne) {
  StandInCluster cluster;
  Value deployment = LoadManifest("deployment-web.yaml");
  deployment["spec"]["strategy"]["type"] = "Recreate";
  cluster.Apply(deployment);
  cluster.Rounds(4);
  ASSERT_EQ(CountPods(cluster, "nginx:1.25").ready, 4);

  std::vector<std::string> violations;
  bool saw_none = false;
  cluster.after_change = [&](const StandInCluster& c) {
    int old_pods = 0, new_pods = 0;
    for (const Value& pod : c.List("Pod")) (ImageOf(pod) == "nginx:1.25" ? old_pods : new_pods)++;
    if (old_pods > 0 && new_pods > 0) violations.push_back("old and new pods at once");
    if (old_pods == 0 && new_pods == 0) saw_none = true;
  };
  cluster.Apply(WithImage(deployment, "nginx:1.26"));
  cluster.Rounds(10);
  cluster.after_change = nullptr;
  EXPECT_TRUE(violations.empty());
  EXPECT_TRUE(saw_none);  // the downtime Recreate promises
  EXPECT_EQ(CountPods(cluster, "nginx:1.26").ready, 4);
  const Value* progressing = Condition(*cluster.Get("Deployment", "web"), "Progressing");
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(progressing->StringAt({"reason"}), "NewReplicaSetAvailable");
}

TEST(DeploymentRollout, ProgressDeadlineExceededWhenNewPodsNeverBecomeReady) {
  StandInCluster cluster;
  Value deployment = LoadManifest("deployment-web.yaml");
  deployment["spec"]["progressDeadlineSeconds"] = 30;
  cluster.Apply(deployment);
  cluster.Rounds(4);
  cluster.fate = [](const Value& pod) {
    return ImageOf(pod) == "nginx:broken" ? PodFate::kNeverReady : PodFate::kReady;
  };
  cluster.Apply(WithImage(deployment, "nginx:broken"));
  cluster.Rounds(3);
  const Value* progressing = Condition(*cluster.Get("Deployment", "web"), "Progressing");
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(progressing->StringAt({"reason"}), "ReplicaSetUpdated");
  // Stuck: the controller asks to come back when the deadline would pass.
  Actions stuck = ReconcileDeployment(*cluster.Get("Deployment", "web"), cluster.List("ReplicaSet"),
                                      cluster.List("Pod"), cluster.now());
  ASSERT_TRUE(stuck.requeue_after.has_value());
  EXPECT_GT(*stuck.requeue_after, std::chrono::seconds(20));
  EXPECT_LE(*stuck.requeue_after, std::chrono::seconds(30));

  cluster.Advance(std::chrono::seconds(40));
  cluster.Rounds(1);
  std::vector<Value> storage;
  const Value* new_rs = ReplicaSetWithImage(cluster, "nginx:broken", storage);
  ASSERT_NE(new_rs, nullptr);
  progressing = Condition(*cluster.Get("Deployment", "web"), "Progressing");
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(progressing->StringAt({"status"}), "False");
  EXPECT_EQ(progressing->StringAt({"reason"}), "ProgressDeadlineExceeded");
  EXPECT_EQ(progressing->StringAt({"message"}),
            "ReplicaSet \"" + std::string(NameOf(*new_rs)) + "\" has timed out progressing.");
  // The old pods keep serving: 3 of 4 (maxUnavailable 1).
  EXPECT_EQ(CountPods(cluster, "nginx:1.25").ready, 3);
}

TEST(DeploymentRollout, PausedDeploymentDoesNotRollOutUntilResumed) {
  StandInCluster cluster;
  Value deployment = LoadManifest("deployment-web.yaml");
  cluster.Apply(deployment);
  cluster.Rounds(4);
  Value paused = WithImage(deployment, "nginx:1.26");
  paused["spec"]["paused"] = true;
  cluster.Apply(paused);
  cluster.Rounds(5);
  EXPECT_EQ(cluster.List("ReplicaSet").size(), 1u);
  EXPECT_EQ(CountPods(cluster, "nginx:1.25").ready, 4);
  const Value* progressing = Condition(*cluster.Get("Deployment", "web"), "Progressing");
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(progressing->StringAt({"status"}), "Unknown");
  EXPECT_EQ(progressing->StringAt({"reason"}), "DeploymentPaused");
  EXPECT_EQ(progressing->StringAt({"message"}), "Deployment is paused");

  // Scaling a paused Deployment still scales.
  paused["spec"]["replicas"] = 5;
  cluster.Apply(paused);
  cluster.Rounds(3);
  EXPECT_EQ(CountPods(cluster, "nginx:1.25").ready, 5);

  Value resumed = paused;
  resumed["spec"]["paused"] = false;
  cluster.Apply(resumed);
  cluster.Rounds(1);
  progressing = Condition(*cluster.Get("Deployment", "web"), "Progressing");
  ASSERT_NE(progressing, nullptr);
  EXPECT_NE(progressing->StringAt({"reason"}), "DeploymentPaused");
  cluster.Rounds(20);
  EXPECT_EQ(CountPods(cluster, "nginx:1.26").ready, 5);
  EXPECT_EQ(CountPods(cluster).total, 5);
}

TEST(DeploymentRollout, RollbackToRevisionOneReusesItsReplicaSetAsRevisionThree) {
  StandInCluster cluster;
  Value deployment = LoadManifest("deployment-web.yaml");
  cluster.Apply(deployment);
  cluster.Rounds(4);
  cluster.Apply(WithImage(deployment, "nginx:1.26"));
  cluster.Rounds(20);
  ASSERT_EQ(CountPods(cluster, "nginx:1.26").ready, 4);

  Result<Value> missing =
      RollbackDeployment(*cluster.Get("Deployment", "web"), cluster.List("ReplicaSet"), 7);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message(),
            "deployments \"web\": unable to find specified revision 7 in history");

  Result<Value> undo =
      RollbackDeployment(*cluster.Get("Deployment", "web"), cluster.List("ReplicaSet"), 1);
  ASSERT_TRUE(undo.ok()) << undo.error().message();
  EXPECT_EQ(ImageOf(Value(*undo->At({"spec", "template"}))), "nginx:1.25");
  EXPECT_EQ(undo->At({"spec", "template", "metadata", "labels", "pod-template-hash"}), nullptr);
  std::vector<Value> storage;
  std::string v1_name(NameOf(*ReplicaSetWithImage(cluster, "nginx:1.25", storage)));
  cluster.Apply(*undo);
  cluster.Rounds(20);

  EXPECT_EQ(CountPods(cluster, "nginx:1.25").ready, 4);
  EXPECT_EQ(cluster.List("ReplicaSet").size(), 2u);  // no third ReplicaSet: revision 1's again
  const Value* v1 = ReplicaSetWithImage(cluster, "nginx:1.25", storage);
  ASSERT_NE(v1, nullptr);
  EXPECT_EQ(NameOf(*v1), v1_name);
  EXPECT_EQ(v1->StringAt({"metadata", "annotations", "deployment.kubernetes.io/revision"}), "3");
  EXPECT_EQ(v1->StringAt({"metadata", "annotations", "deployment.kubernetes.io/revision-history"}),
            "1");
  EXPECT_EQ(cluster.Get("Deployment", "web")
                ->StringAt({"metadata", "annotations", "deployment.kubernetes.io/revision"}),
            "3");

  // Undo with no revision goes back to the previous one (2, nginx:1.26).
  Result<Value> previous =
      RollbackDeployment(*cluster.Get("Deployment", "web"), cluster.List("ReplicaSet"), 0);
  ASSERT_TRUE(previous.ok());
  EXPECT_EQ(ImageOf(Value(*previous->At({"spec", "template"}))), "nginx:1.26");
  // Rolling back to the revision already running changes nothing.
  Result<Value> same =
      RollbackDeployment(*cluster.Get("Deployment", "web"), cluster.List("ReplicaSet"), 3);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, *cluster.Get("Deployment", "web"));
}

TEST(DeploymentRollout, RevisionHistoryLimitKeepsTheNewestOldReplicaSets) {
  StandInCluster cluster;
  Value deployment = LoadManifest("deployment-web.yaml");
  deployment["spec"]["revisionHistoryLimit"] = 2;
  deployment["spec"]["replicas"] = 1;
  for (int version = 1; version <= 5; ++version) {
    cluster.Apply(WithImage(deployment, "nginx:1." + std::to_string(20 + version)));
    cluster.Rounds(10);
  }
  cluster.Rounds(2);
  std::vector<std::string> revisions;
  for (const Value& rs : cluster.List("ReplicaSet")) {
    revisions.emplace_back(
        rs.StringAt({"metadata", "annotations", "deployment.kubernetes.io/revision"}));
  }
  EXPECT_EQ(revisions, (std::vector<std::string>{"3", "4", "5"}));
  EXPECT_EQ(CountPods(cluster, "nginx:1.25").ready, 1);
}

// A new template while the previous rollout is half done ("rollover"): the half-done
// ReplicaSet is scaled down like the old one, and only the newest ends up running.
TEST(DeploymentRollout, RolloverToAThirdTemplateMidRollout) {
  StandInCluster cluster;
  Value deployment = LoadManifest("deployment-web.yaml");
  deployment["spec"]["replicas"] = 6;
  cluster.Apply(deployment);
  cluster.Rounds(4);
  // v2 never becomes ready, so its rollout stalls half way.
  cluster.fate = [](const Value& pod) {
    return ImageOf(pod) == "nginx:1.26" ? PodFate::kNeverReady : PodFate::kReady;
  };
  cluster.Apply(WithImage(deployment, "nginx:1.26"));
  cluster.Rounds(3);
  ASSERT_GT(CountPods(cluster, "nginx:1.26").with_image, 0);

  std::vector<std::string> violations;
  cluster.after_change = [&](const StandInCluster& c) {
    PodCounts counts = CountPods(c);
    // 6 replicas, 25%: maxSurge 2, maxUnavailable 1. The stalled v2 pods were never
    // available, so the floor of 5 ready pods holds throughout.
    if (counts.total > 8) violations.push_back("pods " + std::to_string(counts.total) + " > 8");
    if (counts.ready < 5) violations.push_back("ready " + std::to_string(counts.ready) + " < 5");
  };
  cluster.Apply(WithImage(deployment, "nginx:1.27"));
  cluster.Rounds(25);
  cluster.after_change = nullptr;
  EXPECT_TRUE(violations.empty()) << violations.front();
  EXPECT_EQ(CountPods(cluster, "nginx:1.27").ready, 6);
  EXPECT_EQ(CountPods(cluster).any, 6);
  std::vector<Value> storage;
  EXPECT_EQ(
      internal::IntAt(*ReplicaSetWithImage(cluster, "nginx:1.26", storage), {"spec", "replicas"}),
      0);
  EXPECT_EQ(cluster.Get("Deployment", "web")
                ->StringAt({"metadata", "annotations", "deployment.kubernetes.io/revision"}),
            "3");
}

// Scaling in the middle of a rollout keeps both ReplicaSets' shares and finishes at the new
// size.
TEST(DeploymentRollout, ScalingMidRolloutFinishesAtTheNewSize) {
  StandInCluster cluster;
  Value deployment = LoadManifest("deployment-web.yaml");
  deployment["spec"]["replicas"] = 10;
  deployment["spec"]["strategy"] =
      testing::Yaml("{type: RollingUpdate, rollingUpdate: {maxSurge: 3, maxUnavailable: 2}}");
  cluster.Apply(deployment);
  cluster.Rounds(4);
  bool broken = true;
  cluster.fate = [&](const Value& pod) {
    return broken && ImageOf(pod) == "nginx:1.26" ? PodFate::kNeverReady : PodFate::kReady;
  };
  Value v2 = WithImage(deployment, "nginx:1.26");
  cluster.Apply(v2);
  cluster.Rounds(3);
  // Stalled as in the Kubernetes docs: old 8, new 5.
  std::vector<Value> storage;
  EXPECT_EQ(
      internal::IntAt(*ReplicaSetWithImage(cluster, "nginx:1.25", storage), {"spec", "replicas"}),
      8);
  EXPECT_EQ(
      internal::IntAt(*ReplicaSetWithImage(cluster, "nginx:1.26", storage), {"spec", "replicas"}),
      5);
  v2["spec"]["replicas"] = 15;
  cluster.Apply(v2);
  cluster.Settle();
  EXPECT_EQ(
      internal::IntAt(*ReplicaSetWithImage(cluster, "nginx:1.25", storage), {"spec", "replicas"}),
      11);
  EXPECT_EQ(
      internal::IntAt(*ReplicaSetWithImage(cluster, "nginx:1.26", storage), {"spec", "replicas"}),
      7);
  broken = false;
  // The kubelet stand-in leaves never-ready pods not ready; replace them as a user would.
  for (const Value& pod : cluster.List("Pod")) {
    if (ImageOf(pod) == "nginx:1.26") cluster.DeletePod(NameOf(pod));
  }
  cluster.Rounds(30);
  EXPECT_EQ(CountPods(cluster, "nginx:1.26").ready, 15);
  EXPECT_EQ(CountPods(cluster).any, 15);
}

}  // namespace
}  // namespace capstan::target::local::workload
