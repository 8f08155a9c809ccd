// The test fixture of the Rollout controller's tests: the local target's object store and
// workload controllers, a stand-in kubelet that marks every pod Running and Ready at once,
// and capstan's RolloutController over them recording release history in a SQLite store,
// with time driven by the test.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "controller/release_history.h"
#include "controller/rollout_controller.h"
#include "controller/rollout_steering.h"
#include "core/time.h"
#include "core/yaml.h"
#include "store/internal/testing.h"
#include "store/store.h"
#include "target/local/controllers.h"
#include "target/local/local_target.h"

namespace capstan::controller::testing {

using target::local::ObjectStore;

inline Value Yaml(std::string_view text) { return *ParseYaml(text, "test"); }

// Analysis is not used by these Rollouts.
class NoMetrics final : public rollout::analysis::MetricProvider {
 public:
  rollout::analysis::ProviderResult Measure(const rollout::analysis::Metric&) override {
    return {};
  }
};

inline constexpr char kObjects[] = R"(
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

inline constexpr char kRollout[] = R"(
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

class RolloutFixture : public ::testing::Test {
 protected:
  RolloutFixture()
      : objects_(std::move(ObjectStore::Open(nullptr)).value()),
        target_(*objects_),
        workloads_(*objects_, [this](const ObjectKey& key) { (void)target_.Delete(key, {}); },
                   std::chrono::seconds(1), {}),
        store_(std::move(store::Store::Open(state_.path() / "capstan.db")).value()),
        history_(*store_),
        rollouts_({&target_}, metrics_, {.history = &history_}) {
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
      if (pod.StringAt({"status", "phase"}) == "Running") continue;  // as a kubelet: once
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

  // Settles one round at a time until `done` (at most `rounds`); returns whether it was.
  template <typename Predicate>
  bool SettleUntil(Predicate done, int rounds = 30) {
    for (int round = 0; round < rounds && !done(); ++round) Settle(1);
    return done();
  }

  Value Rollout() { return *objects_->Get({"argoproj.io", "Rollout", "default", "web"}); }
  std::string Weight() {
    auto canary = objects_->Get({"networking.k8s.io", "Ingress", "default", "web-web-canary"});
    if (!canary) return "no canary Ingress";
    return std::string(
        canary->StringAt({"metadata", "annotations", "nginx.ingress.kubernetes.io/canary-weight"}));
  }
  // Steers the Rollout as `capstan rollout ACTION` does, and returns its message.
  std::string Steer(RolloutAction action, SteerOptions options = {}) {
    auto steered = SteerRollout(target_, "default", "web", action, options);
    EXPECT_TRUE(steered.ok()) << steered.error().message();
    return steered.ok() ? steered->message : "";
  }
  // Releases the Rollout with image demo:`tag`.
  void Release(std::string_view tag) {
    std::string text(kRollout);
    text.replace(text.find("demo:v1"), 7, "demo:" + std::string(tag));
    ASSERT_TRUE(target_.Apply(Yaml(text), {}).ok());
  }
  std::string Phase() { return std::string(Rollout().StringAt({"status", "phase"})); }

  std::chrono::system_clock::time_point now_ = std::chrono::system_clock::now();
  NoMetrics metrics_;
  std::unique_ptr<ObjectStore> objects_;
  target::local::LocalTarget target_;
  target::local::ControllerManager workloads_;
  store::testing::TempDir state_;
  std::unique_ptr<store::Store> store_;
  ReleaseHistory history_;
  RolloutController rollouts_;
};

}  // namespace capstan::controller::testing
