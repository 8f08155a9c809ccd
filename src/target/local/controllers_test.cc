// The controller loop over a real object store: what the pure workload controllers return is
// applied (children created with uids, scaled, removed), pass after pass, until a Deployment
// is rolled out. A stand-in kubelet in the test marks pods Running and Ready.
#include "target/local/controllers.h"

#include <gtest/gtest.h>

#include "core/time.h"
#include "core/yaml.h"
#include "target/local/local_target.h"

namespace capstan::target::local {
namespace {

Value Yaml(std::string_view text) { return *ParseYaml(text, "test"); }

constexpr char kDeployment[] = R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "demo:v1"}]}
)";

class ControllersTest : public testing::Test {
 protected:
  ControllersTest()
      : objects_(std::move(ObjectStore::Open(nullptr)).value()),
        target_(*objects_),
        controllers_(*objects_, [this](const ObjectKey& key) { (void)target_.Delete(key, {}); },
                     std::chrono::seconds(1), {}) {}

  // What the kubelet would do in one round: every pod runs and is ready; terminating pods
  // are gone.
  void Kubelet() {
    for (const Value& pod : objects_->List({"", "Pod", "", {}})) {
      if (pod.At({"metadata", "deletionTimestamp"}) != nullptr) {
        ASSERT_TRUE(objects_->Remove(KeyOf(pod)).ok());
        continue;
      }
      std::string since = FormatRfc3339(now_ - std::chrono::seconds(1));
      Value status = Yaml("{phase: Running, podIP: 10.88.0.9}");
      status.Set("conditions",
                 Value::Array{Value(Value::Object{
                     {"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", since}})});
      ASSERT_TRUE(objects_->UpdateStatus(KeyOf(pod), status).ok());
    }
  }

  // Passes and kubelet rounds until nothing changes.
  void Settle() {
    for (int round = 0; round < 50; ++round) {
      now_ += std::chrono::seconds(1);
      bool changed = controllers_.RunPass(now_);
      Kubelet();
      if (!changed) return;
    }
    FAIL() << "the controllers never settled";
  }

  std::vector<Value> Pods() { return objects_->List({"", "Pod", "", {}}); }

  std::chrono::system_clock::time_point now_ = std::chrono::system_clock::now();
  std::unique_ptr<ObjectStore> objects_;
  LocalTarget target_;
  ControllerManager controllers_;
};

TEST_F(ControllersTest, ADeploymentRollsOutAndAnUpdateReplacesEveryPod) {
  ASSERT_TRUE(target_.Apply(Yaml(kDeployment), {}).ok());
  Settle();
  auto deployment = objects_->Get({"apps", "Deployment", "default", "web"});
  ASSERT_TRUE(deployment.has_value());
  EXPECT_EQ(deployment->At({"status", "availableReplicas"})->as_int(), 3) << EmitYaml(*deployment);
  ASSERT_EQ(Pods().size(), 3u);
  for (const Value& pod : Pods()) {
    EXPECT_FALSE(pod.StringAt({"metadata", "uid"}).empty()) << "the store gives children uids";
  }

  std::string v2(kDeployment);
  v2.replace(v2.find("demo:v1"), 7, "demo:v2");
  ASSERT_TRUE(target_.Apply(Yaml(v2), {}).ok());
  Settle();
  ASSERT_EQ(Pods().size(), 3u);
  for (const Value& pod : Pods()) {
    EXPECT_EQ(pod.At({"spec", "containers"})->as_array()[0].StringAt({"image"}), "demo:v2");
  }
  EXPECT_EQ(objects_->List({"apps", "ReplicaSet", "default", {}}).size(), 2u)
      << "the old ReplicaSet stays, scaled to 0, for rollout undo";
  deployment = objects_->Get({"apps", "Deployment", "default", "web"});
  EXPECT_EQ(deployment->At({"status", "updatedReplicas"})->as_int(), 3);
}

TEST_F(ControllersTest, DeletingTheDeploymentTakesItsReplicaSetsAndPods) {
  ASSERT_TRUE(target_.Apply(Yaml(kDeployment), {}).ok());
  Settle();
  ASSERT_TRUE(target_.Delete({"apps", "Deployment", "default", "web"}, {}).ok());
  Kubelet();
  EXPECT_TRUE(objects_->List({"apps", "ReplicaSet", "", {}}).empty());
  EXPECT_TRUE(Pods().empty());
}

}  // namespace
}  // namespace capstan::target::local
