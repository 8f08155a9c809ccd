#include <gtest/gtest.h>

#include <set>
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
using testing::Yaml;

bool RunningAndReady(const Value& pod) {
  return internal::PodPhase(pod) == "Running" && internal::IsPodReady(pod);
}

std::string ImageOf(const Value& pod) {
  return std::string(pod.At({"spec", "containers"})->as_array()[0].StringAt({"image"}));
}

std::vector<std::string> PodNames(const StandInCluster& cluster) {
  std::vector<std::string> names;
  for (const Value& pod : cluster.List("Pod")) names.emplace_back(NameOf(pod));
  std::sort(names.begin(), names.end());
  return names;
}

Value WithImage(Value set, const std::string& image) {
  set["spec"]["template"]["spec"]["containers"].as_array()[0].Set("image", image);
  return set;
}

TEST(StatefulSet, OrderedReadyStartsEachPodAfterThePreviousIsReady) {
  StandInCluster cluster;
  std::vector<std::string> violations;
  std::set<std::string> seen;
  cluster.after_change = [&](const StandInCluster& c) {
    std::vector<Value> pods = c.List("Pod");
    for (const Value& pod : pods) {
      std::string name(NameOf(pod));
      if (!seen.insert(name).second) continue;
      int ordinal = name.back() - '0';
      for (const Value& other : pods) {
        int other_ordinal = other.StringAt({"metadata", "name"}).back() - '0';
        if (other_ordinal < ordinal && !RunningAndReady(other)) {
          violations.push_back(name + " created before " + std::string(NameOf(other)) +
                               " was ready");
        }
      }
    }
  };
  cluster.Apply(LoadManifest("statefulset-db.yaml"));
  cluster.Settle();
  EXPECT_EQ(PodNames(cluster), std::vector<std::string>{"db-0"});
  cluster.Rounds(8);
  EXPECT_TRUE(violations.empty()) << violations.front();
  EXPECT_EQ(PodNames(cluster), (std::vector<std::string>{"db-0", "db-1", "db-2"}));

  const Value& set = *cluster.Get("StatefulSet", "db");
  std::string revision(set.StringAt({"status", "updateRevision"}));
  EXPECT_EQ(revision.rfind("db-", 0), 0u);
  Value want_status = Yaml(R"(
observedGeneration: 1
replicas: 3
readyReplicas: 3
currentReplicas: 3
updatedReplicas: 3
collisionCount: 0
availableReplicas: 3
)");
  want_status["currentRevision"] = revision;
  want_status["updateRevision"] = revision;
  EXPECT_EQ(*set.Find("status"), want_status);

  const Value& pod = *cluster.Get("Pod", "db-1");
  EXPECT_EQ(pod.StringAt({"spec", "hostname"}), "db-1");
  EXPECT_EQ(pod.StringAt({"spec", "subdomain"}), "db");
  EXPECT_EQ(pod.StringAt({"metadata", "generateName"}), "db-");
  EXPECT_EQ(pod.StringAt({"metadata", "labels", "statefulset.kubernetes.io/pod-name"}), "db-1");
  EXPECT_EQ(pod.StringAt({"metadata", "labels", "apps.kubernetes.io/pod-index"}), "1");
  EXPECT_EQ(pod.StringAt({"metadata", "labels", "controller-revision-hash"}), revision);
  EXPECT_EQ(pod.StringAt({"metadata", "labels", "app"}), "db");

  std::vector<Value> revisions = cluster.List("ControllerRevision");
  ASSERT_EQ(revisions.size(), 1u);
  EXPECT_EQ(NameOf(revisions[0]), revision);
  EXPECT_EQ(internal::IntAt(revisions[0], {"revision"}), 1);
  EXPECT_EQ(revisions[0].StringAt({"data", "spec", "template", "$patch"}), "replace");
  EXPECT_EQ(revisions[0].StringAt({"metadata", "labels", "controller.kubernetes.io/hash"}),
            revision.substr(3));
}

TEST(StatefulSet, OrderedReadyRemovesTheHighestOrdinalFirstOneAtATime) {
  StandInCluster cluster;
  Value set = LoadManifest("statefulset-db.yaml");
  set["spec"]["replicas"] = 4;
  cluster.Apply(set);
  cluster.Rounds(10);
  ASSERT_EQ(PodNames(cluster).size(), 4u);

  std::vector<std::string> order;
  std::vector<std::string> violations;
  cluster.after_change = [&](const StandInCluster& c) {
    std::vector<Value> pods = c.List("Pod");
    int deleting = 0;
    for (const Value& pod : pods) {
      if (!internal::IsTerminating(pod)) continue;
      ++deleting;
      std::string name(NameOf(pod));
      if (order.empty() || order.back() != name) order.push_back(name);
    }
    if (deleting > 1) violations.push_back("two pods terminating at once");
  };
  set["spec"]["replicas"] = 1;
  cluster.Apply(set);
  cluster.Rounds(8);
  EXPECT_TRUE(violations.empty());
  EXPECT_EQ(order, (std::vector<std::string>{"db-3", "db-2", "db-1"}));
  EXPECT_EQ(PodNames(cluster), std::vector<std::string>{"db-0"});
}

TEST(StatefulSet, ParallelStartsAndStopsAllAtOnce) {
  StandInCluster cluster;
  Value set = LoadManifest("statefulset-db.yaml");
  set["spec"]["podManagementPolicy"] = "Parallel";
  cluster.Apply(set);
  cluster.Settle();
  EXPECT_EQ(PodNames(cluster), (std::vector<std::string>{"db-0", "db-1", "db-2"}));
  cluster.Rounds(3);
  set["spec"]["replicas"] = 0;
  cluster.Apply(set);
  cluster.Settle();
  int deleting = 0;
  for (const Value& pod : cluster.List("Pod")) deleting += internal::IsTerminating(pod) ? 1 : 0;
  EXPECT_EQ(deleting, 3);
}

TEST(StatefulSet, RollingUpdateReplacesFromTheHighestOrdinalWaitingForEach) {
  StandInCluster cluster;
  Value set = LoadManifest("statefulset-db.yaml");
  cluster.Apply(set);
  cluster.Rounds(8);
  std::string old_revision(
      cluster.Get("StatefulSet", "db")->StringAt({"status", "currentRevision"}));

  std::vector<std::string> replaced;  // in the order pods went
  std::vector<std::string> violations;
  cluster.after_change = [&](const StandInCluster& c) {
    int unhealthy = 0;
    std::vector<Value> pods = c.List("Pod");
    for (const Value& pod : pods) {
      if (internal::IsTerminating(pod) || !RunningAndReady(pod)) ++unhealthy;
      if (internal::IsTerminating(pod) &&
          std::find(replaced.begin(), replaced.end(), NameOf(pod)) == replaced.end()) {
        replaced.emplace_back(NameOf(pod));
      }
    }
    unhealthy += 3 - static_cast<int>(pods.size());
    if (unhealthy > 1) violations.push_back("more than one pod down");
  };
  cluster.Apply(WithImage(set, "postgres:17"));
  cluster.Rounds(15);
  cluster.after_change = nullptr;
  EXPECT_TRUE(violations.empty());
  EXPECT_EQ(replaced, (std::vector<std::string>{"db-2", "db-1", "db-0"}));
  for (const Value& pod : cluster.List("Pod")) EXPECT_EQ(ImageOf(pod), "postgres:17");

  const Value& live = *cluster.Get("StatefulSet", "db");
  std::string new_revision(live.StringAt({"status", "updateRevision"}));
  EXPECT_NE(new_revision, old_revision);
  EXPECT_EQ(live.StringAt({"status", "currentRevision"}), new_revision);
  EXPECT_EQ(internal::IntAt(live, {"status", "updatedReplicas"}), 3);
  EXPECT_EQ(internal::IntAt(live, {"status", "currentReplicas"}), 3);
  EXPECT_EQ(cluster.List("ControllerRevision").size(), 2u);

  // Back to the first template: its revision is reused, renumbered 3.
  cluster.Apply(set);
  cluster.Rounds(15);
  EXPECT_EQ(cluster.Get("StatefulSet", "db")->StringAt({"status", "currentRevision"}),
            old_revision);
  int found = 0;
  for (const Value& revision : cluster.List("ControllerRevision")) {
    if (NameOf(revision) != old_revision) continue;
    ++found;
    EXPECT_EQ(internal::IntAt(revision, {"revision"}), 3);
  }
  EXPECT_EQ(found, 1);
}

TEST(StatefulSet, PartitionKeepsLowerOrdinalsAtTheCurrentRevision) {
  StandInCluster cluster;
  Value set = LoadManifest("statefulset-db.yaml");
  cluster.Apply(set);
  cluster.Rounds(8);
  set["spec"]["updateStrategy"] = Yaml("{type: RollingUpdate, rollingUpdate: {partition: 2}}");
  cluster.Apply(WithImage(set, "postgres:17"));
  cluster.Rounds(10);
  EXPECT_EQ(ImageOf(*cluster.Get("Pod", "db-2")), "postgres:17");
  EXPECT_EQ(ImageOf(*cluster.Get("Pod", "db-1")), "postgres:16");
  EXPECT_EQ(ImageOf(*cluster.Get("Pod", "db-0")), "postgres:16");
  const Value& live = *cluster.Get("StatefulSet", "db");
  EXPECT_EQ(internal::IntAt(live, {"status", "updatedReplicas"}), 1);
  EXPECT_EQ(internal::IntAt(live, {"status", "currentReplicas"}), 2);
  EXPECT_NE(live.StringAt({"status", "currentRevision"}),
            live.StringAt({"status", "updateRevision"}));

  // A pod below the partition that is deleted comes back at the current revision.
  cluster.DeletePod("db-0");
  cluster.Rounds(4);
  EXPECT_EQ(ImageOf(*cluster.Get("Pod", "db-0")), "postgres:16");
}

TEST(StatefulSet, FailedPodsAreReplaced) {
  StandInCluster cluster;
  Value set = LoadManifest("statefulset-db.yaml");
  set["spec"]["replicas"] = 1;
  bool fail = true;
  cluster.fate = [&](const Value&) { return fail ? PodFate::kFail : PodFate::kReady; };
  cluster.Apply(set);
  cluster.Rounds(3);
  fail = false;
  cluster.Rounds(5);
  ASSERT_NE(cluster.Get("Pod", "db-0"), nullptr);
  EXPECT_TRUE(RunningAndReady(*cluster.Get("Pod", "db-0")));
}

TEST(StatefulSet, VolumeClaimTemplatesAreReportedNotRun) {
  Value set = LoadManifest("statefulset-db.yaml");
  set["metadata"]["uid"] = "sts-uid";
  set["spec"]["volumeClaimTemplates"] =
      Yaml("[{metadata: {name: data}, spec: {accessModes: [ReadWriteOnce]}}]");
  Actions actions = ReconcileStatefulSet(set, {}, {}, std::chrono::system_clock::now());
  ASSERT_EQ(actions.errors.size(), 1u);
  EXPECT_EQ(actions.errors[0].rfind("apps/StatefulSet default/db: spec.volumeClaimTemplates: not "
                                    "supported by the local target",
                                    0),
            0u)
      << actions.errors[0];
  EXPECT_TRUE(actions.create.empty());
}

}  // namespace
}  // namespace capstan::target::local::workload
