// One Deployment sync at a time: the objects and status it writes, proportional scaling,
// hash collisions, and the specs it refuses.
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

Value StoredDeployment() {
  Value d = LoadManifest("deployment-web.yaml");
  d["metadata"]["uid"] = "d-uid";
  d["metadata"]["generation"] = 1;
  d["metadata"]["creationTimestamp"] = FormatRfc3339(kNow);
  return d;
}

TEST(ReconcileDeployment, FirstSyncCreatesTheReplicaSetAsKubernetesDoes) {
  Value d = StoredDeployment();
  Actions actions = ReconcileDeployment(d, {}, {}, kNow);
  ASSERT_TRUE(actions.errors.empty());
  ASSERT_EQ(actions.create.size(), 1u);
  const Value& rs = actions.create[0];
  std::string hash = PodTemplateHash(*d.At({"spec", "template"}), std::nullopt);
  Value want = Yaml(R"(
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-HASH
  namespace: default
  labels: {app: web, pod-template-hash: HASH}
  annotations:
    deployment.kubernetes.io/revision: "1"
    deployment.kubernetes.io/desired-replicas: "4"
    deployment.kubernetes.io/max-replicas: "5"
  ownerReferences:
  - {apiVersion: apps/v1, kind: Deployment, name: web, uid: d-uid, controller: true,
     blockOwnerDeletion: true}
spec:
  replicas: 4
  selector: {matchLabels: {app: web, pod-template-hash: HASH}}
  template:
    metadata:
      labels: {app: web, pod-template-hash: HASH}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports:
        - containerPort: 80
)");
  want["metadata"]["name"] = "web-" + hash;
  want["metadata"]["labels"]["pod-template-hash"] = hash;
  want["spec"]["selector"]["matchLabels"]["pod-template-hash"] = hash;
  want["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] = hash;
  EXPECT_EQ(rs, want);

  ASSERT_TRUE(actions.parent.has_value());
  EXPECT_EQ(
      actions.parent->StringAt({"metadata", "annotations", "deployment.kubernetes.io/revision"}),
      "1");
  EXPECT_EQ(*actions.parent->At({"spec"}), *d.At({"spec"}));
  ASSERT_TRUE(actions.status.has_value());
  std::string now = FormatRfc3339(kNow);
  Value status = Yaml(R"(
observedGeneration: 1
unavailableReplicas: 4
conditions:
- type: Progressing
  status: "True"
  lastUpdateTime: NOW
  lastTransitionTime: NOW
  reason: NewReplicaSetCreated
  message: Created new replica set "RS"
- type: Available
  status: "False"
  lastUpdateTime: NOW
  lastTransitionTime: NOW
  reason: MinimumReplicasUnavailable
  message: Deployment does not have minimum availability.
)");
  for (Value& condition : status["conditions"].as_array()) {
    condition["lastUpdateTime"] = now;
    condition["lastTransitionTime"] = now;
  }
  status["conditions"].as_array()[0]["message"] = "Created new replica set \"web-" + hash + "\"";
  EXPECT_EQ(*actions.status, status);
  // A deadline to watch: 600 s by default.
  ASSERT_TRUE(actions.requeue_after.has_value());
  EXPECT_EQ(*actions.requeue_after, std::chrono::seconds(600));
}

// The Deployment docs' example: 10 replicas, maxSurge 3, maxUnavailable 2, a rollout stuck
// with the old ReplicaSet at 8 and the new one at 5; scaling to 15 adds 3 to the old and 2 to
// the new.
TEST(ReconcileDeployment, ProportionalScalingSpreadsNewReplicasOverActiveReplicaSets) {
  Value d = StoredDeployment();
  d["spec"]["replicas"] = 15;
  d["spec"]["strategy"] =
      Yaml("{type: RollingUpdate, rollingUpdate: {maxSurge: 3, maxUnavailable: 2}}");
  d["status"] = Yaml("{replicas: 13, updatedReplicas: 5, availableReplicas: 8}");
  auto replica_set = [&](const std::string& name, const std::string& image, int64_t replicas,
                         int64_t available, int revision, int64_t created) {
    Value rs = Yaml(R"(
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  namespace: default
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d-uid, controller: true}]
  annotations:
    deployment.kubernetes.io/desired-replicas: "10"
    deployment.kubernetes.io/max-replicas: "13"
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web}]}
)");
    rs["metadata"]["name"] = name;
    rs["metadata"]["uid"] = name + "-uid";
    rs["metadata"]["creationTimestamp"] = FormatRfc3339(kNow + std::chrono::seconds(created));
    rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = std::to_string(revision);
    rs["spec"]["replicas"] = replicas;
    rs["spec"]["template"]["spec"]["containers"].as_array()[0]["image"] = image;
    rs["status"] = Value::MakeObject();
    rs["status"]["replicas"] = replicas;
    rs["status"]["availableReplicas"] = available;
    return rs;
  };
  d["spec"]["template"]["spec"]["containers"] = Yaml("[{name: web, image: 'nginx:sometag'}]");
  std::vector<Value> rss = {replica_set("web-old", "nginx:1.25", 8, 8, 1, 0),
                            replica_set("web-new", "nginx:sometag", 5, 0, 2, 60)};
  Actions actions = ReconcileDeployment(d, rss, {}, kNow + std::chrono::seconds(120));
  ASSERT_TRUE(actions.errors.empty()) << actions.errors.front();
  ASSERT_EQ(actions.update.size(), 2u);
  std::map<std::string, int64_t> sizes;
  for (const Value& rs : actions.update) {
    sizes[std::string(NameOf(rs))] = internal::IntAt(rs, {"spec", "replicas"});
    EXPECT_EQ(rs.StringAt({"metadata", "annotations", "deployment.kubernetes.io/desired-replicas"}),
              "15");
    EXPECT_EQ(rs.StringAt({"metadata", "annotations", "deployment.kubernetes.io/max-replicas"}),
              "18");
  }
  EXPECT_EQ(sizes["web-old"], 11);
  EXPECT_EQ(sizes["web-new"], 7);

  // Scaling down to 5 takes from both too, larger first: allowed 5+3=8 of 13.
  d["spec"]["replicas"] = 5;
  actions = ReconcileDeployment(d, rss, {}, kNow + std::chrono::seconds(120));
  sizes.clear();
  for (const Value& rs : actions.update)
    sizes[std::string(NameOf(rs))] = internal::IntAt(rs, {"spec", "replicas"});
  EXPECT_EQ(sizes["web-old"] + sizes["web-new"], 8);
  EXPECT_EQ(sizes["web-old"], 5);  // 8 + round(8*8/13)-8 = 5
  EXPECT_EQ(sizes["web-new"], 3);  // 5 + round(5*8/13)-5 = 3
}

TEST(ReconcileDeployment, HashCollisionCountsAndRetriesUnderAnotherName) {
  Value d = StoredDeployment();
  std::string hash = PodTemplateHash(*d.At({"spec", "template"}), std::nullopt);
  Value squatter = Yaml("{apiVersion: apps/v1, kind: ReplicaSet, metadata: {namespace: default}}");
  squatter["metadata"]["name"] = "web-" + hash;
  Actions first = ReconcileDeployment(d, {squatter}, {}, kNow);
  EXPECT_TRUE(first.create.empty());
  ASSERT_TRUE(first.status.has_value());
  EXPECT_EQ(internal::IntAt(*first.status, {"collisionCount"}), 1);

  d["status"] = *first.status;
  Actions second = ReconcileDeployment(d, {squatter}, {}, kNow);
  ASSERT_EQ(second.create.size(), 1u);
  EXPECT_EQ(NameOf(second.create[0]), "web-" + PodTemplateHash(*d.At({"spec", "template"}), 1));
  EXPECT_NE(NameOf(second.create[0]), NameOf(squatter));
}

TEST(ReconcileDeployment, RefusesSpecsTheApiServerWouldRefuse) {
  struct Case {
    std::string name;
    std::string patch;  // YAML merged into spec
    std::string error;
  };
  const std::vector<Case> cases = {
      {"selector not matching the template", "{selector: {matchLabels: {app: api}}}",
       "apps/Deployment default/web: spec.template.metadata.labels: Invalid value: `selector` does "
       "not match template `labels`"},
      {"both fenceposts zero",
       "{strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 0, maxUnavailable: '0%'}}}",
       "apps/Deployment default/web: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "
       "may not be 0 when `maxSurge` is 0"},
      {"a percent without %", "{strategy: {rollingUpdate: {maxSurge: '5'}}}",
       "apps/Deployment default/web: spec.strategy.rollingUpdate.maxSurge: invalid value \"5\": "
       "must be an integer or a percentage (\"25%\")"},
      {"rollingUpdate with Recreate", "{strategy: {type: Recreate, rollingUpdate: {maxSurge: 1}}}",
       "apps/Deployment default/web: spec.strategy.rollingUpdate: Forbidden: may not be "
       "specified when strategy `type` is 'Recreate'"},
      {"unknown strategy", "{strategy: {type: BlueGreen}}",
       "apps/Deployment default/web: spec.strategy.type: Unsupported value: \"BlueGreen\": "
       "supported values: \"Recreate\", \"RollingUpdate\""},
      {"deadline not above minReadySeconds", "{minReadySeconds: 30, progressDeadlineSeconds: 30}",
       "apps/Deployment default/web: spec.progressDeadlineSeconds: Invalid value: must be greater "
       "than minReadySeconds"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Value d = StoredDeployment();
    Value patch = Yaml(c.patch);
    for (const auto& [key, value] : patch.as_object()) d["spec"].Set(key, value);
    Actions actions = ReconcileDeployment(d, {}, {}, kNow);
    ASSERT_EQ(actions.errors.size(), 1u);
    EXPECT_EQ(actions.errors[0], c.error);
    EXPECT_TRUE(actions.create.empty());
    EXPECT_FALSE(actions.status.has_value());
  }
  Value no_selector = StoredDeployment();
  no_selector["spec"].Erase("selector");
  EXPECT_EQ(ReconcileDeployment(no_selector, {}, {}, kNow).errors,
            std::vector<std::string>{"apps/Deployment default/web: spec.selector: Required value"});
}

TEST(ReconcileDeployment, IgnoresReplicaSetsItDoesNotControl) {
  Value d = StoredDeployment();
  Value foreign = Yaml(R"(
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-foreign
  namespace: default
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: other, controller: true}]
spec:
  replicas: 3
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.25", ports: [{containerPort: 80}]}]
)");
  Actions actions = ReconcileDeployment(d, {foreign}, {}, kNow);
  ASSERT_EQ(actions.create.size(), 1u);  // its own, though the foreign one has its template
  EXPECT_TRUE(actions.update.empty());
  EXPECT_TRUE(actions.remove.empty());
}

}  // namespace
}  // namespace capstan::target::local::workload
