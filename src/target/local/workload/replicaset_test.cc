#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/time.h"
#include "target/local/workload/internal/objects.h"
#include "target/local/workload/internal/stand_in_cluster.h"
#include "target/local/workload/workload.h"

namespace capstan::target::local::workload {
namespace {

using testing::LoadManifest;
using testing::Yaml;

const TimePoint kNow = std::chrono::system_clock::from_time_t(1'750'000'000);

std::string Ago(int seconds) { return FormatRfc3339(kNow - std::chrono::seconds(seconds)); }

Value StoredReplicaSet(int64_t replicas) {
  Value rs = LoadManifest("replicaset-api.yaml");
  rs["metadata"]["uid"] = "rs-uid";
  rs["metadata"]["generation"] = 2;
  rs["spec"]["replicas"] = replicas;
  return rs;
}

// A pod of the ReplicaSet: scheduled, running and ready 100 s ago, created 200 s ago, unless
// the test says otherwise.
Value Pod(const std::string& name) {
  Value pod = Yaml(R"(
apiVersion: v1
kind: Pod
metadata:
  namespace: default
  labels: {app: api}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api, uid: rs-uid, controller: true}]
spec: {nodeName: local}
status:
  phase: Running
  conditions: [{type: Ready, status: "True"}]
)");
  pod["metadata"]["name"] = name;
  pod["metadata"]["uid"] = name + "-uid";
  pod["metadata"]["creationTimestamp"] = Ago(200);
  pod["status"]["conditions"].as_array()[0]["lastTransitionTime"] = Ago(100);
  return pod;
}

TEST(ReconcileReplicaSet, CreatesMissingPodsFromTheTemplate) {
  Value rs = StoredReplicaSet(3);
  Actions actions = ReconcileReplicaSet(rs, {Pod("api-bbbbb")}, kNow, RandomNameSuffix(42));
  ASSERT_EQ(actions.create.size(), 2u);
  NameSuffix same = RandomNameSuffix(42);
  for (const Value& pod : actions.create) {
    EXPECT_EQ(NameOf(pod), "api-" + same());
    Value want = Yaml(R"(
apiVersion: v1
kind: Pod
metadata:
  generateName: api-
  namespace: default
  labels: {app: api}
  annotations: {team: core}
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: api, uid: rs-uid, controller: true,
     blockOwnerDeletion: true}
spec:
  containers:
  - {name: api, image: "registry.local/api:2"}
)");
    want["metadata"]["name"] = NameOf(pod);
    EXPECT_EQ(pod, want);
  }
  ASSERT_TRUE(actions.status.has_value());
  EXPECT_EQ(*actions.status, Yaml("{replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 1, "
                                  "availableReplicas: 1, observedGeneration: 2}"));
}

TEST(ReconcileReplicaSet, NamesNeverCollideWithPodsThatExist) {
  Value rs = StoredReplicaSet(2);
  NameSuffix first = RandomNameSuffix(5);
  std::string taken = "api-" + first();
  Actions actions = ReconcileReplicaSet(rs, {[&] {
                                          Value other = Pod(taken);
                                          other["metadata"].Erase("ownerReferences");
                                          return other;
                                        }()},
                                        kNow, RandomNameSuffix(5));
  ASSERT_EQ(actions.create.size(), 2u);
  for (const Value& pod : actions.create) EXPECT_NE(NameOf(pod), taken);
}

// Which pod goes first when there is one too many: Kubernetes' ActivePods ranking.
TEST(ReconcileReplicaSet, RemovesSurplusPodsInKubernetesOrder) {
  struct Case {
    std::string name;
    std::function<void(Value& doomed)> make_worse;  // applied to the pod expected to go
  };
  const std::vector<Case> cases = {
      {"unscheduled before scheduled", [](Value& p) { p["spec"].Erase("nodeName"); }},
      {"pending before running",
       [](Value& p) {
         p["status"]["phase"] = "Pending";
         p["status"]["conditions"].as_array()[0]["status"] = "False";
       }},
      {"unknown before running", [](Value& p) { p["status"]["phase"] = "Unknown"; }},
      {"not ready before ready",
       [](Value& p) { p["status"]["conditions"].as_array()[0]["status"] = "False"; }},
      {"lower deletion cost first",
       [](Value& p) {
         p["metadata"]["annotations"]["controller.kubernetes.io/pod-deletion-cost"] = "-5";
       }},
      {"ready more recently first",
       [](Value& p) { p["status"]["conditions"].as_array()[0]["lastTransitionTime"] = Ago(10); }},
      {"more restarts first",
       [](Value& p) { p["status"]["containerStatuses"] = Yaml("[{name: api, restartCount: 3}]"); }},
      {"newer first", [](Value& p) { p["metadata"]["creationTimestamp"] = Ago(50); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    // The doomed pod sorts last by name, so only the rule can pick it.
    Value keep = Pod("api-aaaaa");
    Value doomed = Pod("api-zzzzz");
    c.make_worse(doomed);
    for (const auto& pods : {std::vector<Value>{keep, doomed}, std::vector<Value>{doomed, keep}}) {
      Actions actions = ReconcileReplicaSet(StoredReplicaSet(1), pods, kNow, RandomNameSuffix(1));
      ASSERT_EQ(actions.remove.size(), 1u);
      EXPECT_EQ(actions.remove[0].name, "api-zzzzz");
      EXPECT_EQ(actions.remove[0].kind, "Pod");
      ASSERT_TRUE(actions.status.has_value());
      EXPECT_EQ(internal::IntAt(*actions.status, {"replicas"}), 1);
    }
  }
}

TEST(ReconcileReplicaSet, PodsBeingDeletedOrFinishedDoNotCount) {
  Value deleting = Pod("api-ccccc");
  deleting["metadata"]["deletionTimestamp"] = Ago(1);
  Value done = Pod("api-ddddd");
  done["status"]["phase"] = "Succeeded";
  Value failed = Pod("api-fffff");
  failed["status"]["phase"] = "Failed";
  Value foreign = Pod("api-ggggg");
  foreign["metadata"]["ownerReferences"].as_array()[0]["uid"] = "someone-else";
  std::vector<Value> pods = {Pod("api-aaaaa"), Pod("api-bbbbb"), deleting, done, failed, foreign};
  Actions actions = ReconcileReplicaSet(StoredReplicaSet(2), pods, kNow, RandomNameSuffix(1));
  EXPECT_TRUE(actions.create.empty());
  EXPECT_TRUE(actions.remove.empty());
  ASSERT_TRUE(actions.status.has_value());
  EXPECT_EQ(*actions.status, Yaml("{replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, "
                                  "availableReplicas: 2, observedGeneration: 2}"));

  // The same status again is not rewritten.
  Value rs = StoredReplicaSet(2);
  rs["status"] = *actions.status;
  EXPECT_TRUE(ReconcileReplicaSet(rs, pods, kNow, RandomNameSuffix(1)).empty());
}

TEST(ReconcileReplicaSet, AvailableOnlyAfterMinReadySeconds) {
  Value rs = StoredReplicaSet(1);
  rs["spec"]["minReadySeconds"] = 30;
  Value pod = Pod("api-aaaaa");
  pod["status"]["conditions"].as_array()[0]["lastTransitionTime"] = Ago(10);
  Actions early = ReconcileReplicaSet(rs, {pod}, kNow, RandomNameSuffix(1));
  ASSERT_TRUE(early.status.has_value());
  EXPECT_EQ(internal::IntAt(*early.status, {"readyReplicas"}), 1);
  EXPECT_EQ(early.status->Find("availableReplicas"), nullptr);
  ASSERT_TRUE(early.requeue_after.has_value());
  EXPECT_GT(*early.requeue_after, std::chrono::seconds(19));
  EXPECT_LE(*early.requeue_after, std::chrono::seconds(21));

  Actions later = ReconcileReplicaSet(rs, {pod}, kNow + *early.requeue_after, RandomNameSuffix(1));
  ASSERT_TRUE(later.status.has_value());
  EXPECT_EQ(internal::IntAt(*later.status, {"availableReplicas"}), 1);
  EXPECT_FALSE(later.requeue_after.has_value());
}

TEST(ReconcileReplicaSet, ADeletedReplicaSetOnlyReportsStatus) {
  Value rs = StoredReplicaSet(3);
  rs["metadata"]["deletionTimestamp"] = Ago(1);
  Actions actions = ReconcileReplicaSet(rs, {}, kNow, RandomNameSuffix(1));
  EXPECT_TRUE(actions.create.empty());
  ASSERT_TRUE(actions.status.has_value());
  EXPECT_EQ(internal::IntAt(*actions.status, {"replicas"}, -1), 0);
}

TEST(ReconcileReplicaSet, RefusesASelectorThatMissesItsTemplate) {
  Value rs = StoredReplicaSet(1);
  rs["spec"]["selector"]["matchLabels"]["app"] = "web";
  Actions actions = ReconcileReplicaSet(rs, {}, kNow, RandomNameSuffix(1));
  ASSERT_EQ(actions.errors.size(), 1u);
  EXPECT_EQ(actions.errors[0],
            "apps/ReplicaSet default/api: spec.template.metadata.labels: Invalid value: `selector` "
            "does not match template `labels`");
  EXPECT_TRUE(actions.create.empty());
}

}  // namespace
}  // namespace capstan::target::local::workload
