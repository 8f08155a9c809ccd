// capstan's Rollout controller on the local target's object store and workload controllers
// (a stand-in kubelet in the test marks pods Running and Ready): a canary release behind
// ingress-nginx's canary Ingress goes 20% -> pause{} -> promote -> 60% -> pause 10 s ->
// 100% and becomes the stable, and an abort returns all traffic to stable at once.
#include "controller/rollout_controller.h"

#include <gtest/gtest.h>

#include "core/time.h"
#include "core/yaml.h"
#include "rollout/steering.h"
#include "target/local/controllers.h"
#include "target/local/local_target.h"

namespace capstan::controller {
namespace {

using target::local::ObjectStore;

Value Yaml(std::string_view text) { return *ParseYaml(text, "test"); }

class NoMetrics final : public rollout::analysis::MetricProvider {
 public:
  rollout::analysis::ProviderResult Measure(const rollout::analysis::Metric&) override {
    return {};
  }
};

constexpr char kObjects[] = R"(
- {apiVersion: v1, kind: Service, metadata: {name: web-stable, namespace: default},
   spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}}
- {apiVersion: v1, kind: Service, metadata: {name: web-canary, namespace: default},
   spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}}
- apiVersion: networking.k8s.io/v1
  kind: Ingress
  metadata: {name: web, namespace: default}
  spec:
    rules:
    - http:
        paths:
        - {path: /, pathType: Prefix, backend: {service: {name: web-stable, port: {number: 80}}}}
)";

constexpr char kRollout[] = R"(
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: default}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "demo:v1"}]}
  strategy:
    canary:
      canaryService: web-canary
      stableService: web-stable
      trafficRouting: {nginx: {stableIngress: web}}
      steps:
      - setWeight: 20
      - pause: {}
      - setWeight: 60
      - pause: {duration: 10}
)";

class RolloutControllerTest : public testing::Test {
 protected:
  RolloutControllerTest()
      : objects_(std::move(ObjectStore::Open(nullptr)).value()),
        target_(*objects_),
        workloads_(*objects_, [this](const ObjectKey& key) { (void)target_.Delete(key, {}); },
                   std::chrono::seconds(1), {}),
        rollouts_({&target_}, metrics_) {
    const Value objects = Yaml(kObjects);
    for (const Value& object : objects.as_array()) {
      EXPECT_TRUE(target_.Apply(object, {}).ok());
    }
  }

  void Kubelet() {
    for (const Value& pod : objects_->List({"", "Pod", "", {}})) {
      if (pod.At({"metadata", "deletionTimestamp"}) != nullptr) {
        ASSERT_TRUE(objects_->Remove(KeyOf(pod)).ok());
        continue;
      }
      Value status = Yaml("{phase: Running, podIP: 10.88.0.9}");
      status.Set("conditions",
                 Value::Array{Value(Value::Object{
                     {"type", "Ready"},
                     {"status", "True"},
                     {"lastTransitionTime", FormatRfc3339(now_ - std::chrono::seconds(1))}})});
      ASSERT_TRUE(objects_->UpdateStatus(KeyOf(pod), status).ok());
    }
  }

  // Rounds of the Rollout controller, the workload controllers and the kubelet.
  void Settle(int rounds = 15) {
    for (int round = 0; round < rounds; ++round) {
      now_ += std::chrono::seconds(1);
      rollouts_.RunPass(now_);
      for (int pass = 0; pass < 20 && workloads_.RunPass(now_); ++pass) {
      }
      Kubelet();
    }
  }

  Value Rollout() { return *objects_->Get({"argoproj.io", "Rollout", "default", "web"}); }
  std::string Weight() {
    auto canary = objects_->Get({"networking.k8s.io", "Ingress", "default", "web-web-canary"});
    if (!canary) return "no canary Ingress";
    return std::string(
        canary->StringAt({"metadata", "annotations", "nginx.ingress.kubernetes.io/canary-weight"}));
  }
  void Steer(Result<Value> (*action)(const Value&)) {
    auto changed = action(Rollout());
    ASSERT_TRUE(changed.ok()) << changed.error().message();
    target::ApplyOptions status;
    status.status = true;
    ASSERT_TRUE(target_.Apply(*changed, status).ok());
    ASSERT_TRUE(target_.Apply(*changed, {}).ok());
  }

  std::chrono::system_clock::time_point now_ = std::chrono::system_clock::now();
  NoMetrics metrics_;
  std::unique_ptr<ObjectStore> objects_;
  target::local::LocalTarget target_;
  target::local::ControllerManager workloads_;
  RolloutController rollouts_;
};

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

  std::string v2(kRollout);
  v2.replace(v2.find("demo:v1"), 7, "demo:v2");
  ASSERT_TRUE(target_.Apply(Yaml(v2), {}).ok());
  Settle();
  EXPECT_EQ(Weight(), "20");
  EXPECT_EQ(Rollout().StringAt({"status", "phase"}), "Paused") << EmitYaml(Rollout());
  EXPECT_EQ(Rollout().StringAt({"status", "message"}), "CanaryPauseStep");

  Steer([](const Value& rollout) { return rollout::Promote(rollout, false); });
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
  std::string v2(kRollout);
  v2.replace(v2.find("demo:v1"), 7, "demo:v2");
  ASSERT_TRUE(target_.Apply(Yaml(v2), {}).ok());
  Settle();
  ASSERT_EQ(Weight(), "20");
  Steer(rollout::Abort);
  Settle(2);
  EXPECT_EQ(Weight(), "0");
  EXPECT_EQ(Rollout().StringAt({"status", "phase"}), "Degraded");
  EXPECT_NE(Rollout().StringAt({"status", "message"}).find("RolloutAborted"), std::string::npos);
}

}  // namespace
}  // namespace capstan::controller
