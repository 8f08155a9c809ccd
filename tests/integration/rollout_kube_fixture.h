// What rollout_kube_test's cases share: one real control plane per test binary
// (scripts/kube-env.sh with the controller manager, scheduler and the test stand-in for a
// kubelet) with the test's own Argo Rollouts CRDs (testdata/argo-rollouts/crds.yaml), a
// namespace and a RolloutController per test driven by the test's clock, manifests applied
// as a GitOps sync applies them, steering as `capstan rollout` does, and readers for what a
// user sees with kubectl. Included by exactly one .cc file (the inline statics are one per
// binary). Needs `scripts/kube-env.sh build` and kubectl on PATH (scripts/env.sh).
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "controller/rollout_controller.h"
#include "controller/rollout_steering.h"
#include "core/yaml.h"
#include "rollout/analysis/providers.h"
#include "rollout/rollout.h"
#include "support/kube_cluster.h"
#include "support/run.h"
#include "sync/sync.h"
#include "target/kube/kube.h"

namespace capstan::rollout_it {

namespace fs = std::filesystem;
namespace kube = target::kube;
using namespace std::chrono_literals;
using it::Describe;
using it::KubeCluster;
using it::KubeClusterOptions;
using it::RunOutput;
using it::RunProgram;
using it::TempDir;

inline const fs::path kTestdata =
    fs::path(CAPSTAN_SOURCE_DIR) / "tests/integration/testdata/argo-rollouts";
// How long the real ReplicaSet controller, scheduler and kubelet stand-in may take to bring a
// step's pods up (a second or two on an idle machine).
constexpr auto kConverge = 60s;
// Wall time between two controller passes while a test waits.
constexpr auto kPassInterval = 100ms;
inline constexpr char kNewImage[] = "argoproj/rollouts-demo:yellow";
inline constexpr char kOldImage[] = "argoproj/rollouts-demo:blue";
inline constexpr char kWeightAnnotation[] = "nginx.ingress.kubernetes.io/canary-weight";

inline std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "no \"" << from << "\" in the manifest";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

inline int64_t IntAt(const Value& value, Value::Path path, int64_t fallback = -1) {
  const Value* found = value.At(path);
  return found != nullptr && found->is_int() ? found->as_int() : fallback;
}

// The cases here use no metric: a provider that is never asked.
class NoMetrics final : public rollout::analysis::MetricProvider {
 public:
  rollout::analysis::ProviderResult Measure(const rollout::analysis::Metric&) override {
    ADD_FAILURE() << "no case here measures a metric";
    return {};
  }
};

class RolloutKube : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    cluster_ = std::make_unique<KubeCluster>(
        dir_->path(), KubeClusterOptions{.controllers = true, .test_kubelet = true});
    if (!cluster_->started()) {
      start_error_ = cluster_->error();
      return;
    }
    auto config = kube::LoadKubeConfig(cluster_->kubeconfig());
    if (!config.ok()) {
      start_error_ = "kubeconfig: " + config.error().message();
      return;
    }
    auto client = kube::KubeClient::Create(*config);
    if (!client.ok()) {
      start_error_ = "client: " + client.error().message();
      return;
    }
    auto crds = ParseYamlStream(ReadFile(kTestdata / "crds.yaml"), "crds.yaml");
    if (!crds.ok()) {
      start_error_ = crds.error().message();
      return;
    }
    for (const YamlDocument& crd : *crds) {
      if (crd.value.is_null()) continue;
      if (auto applied = (*client)->Apply(crd.value, {}); !applied.ok()) {
        start_error_ = "CRD: " + applied.error().message();
        return;
      }
    }
    // A CRD is served once it is established; discovery asks again on a miss.
    for (const char* kind :
         {"Rollout", "AnalysisRun", "AnalysisTemplate", "ClusterAnalysisTemplate"}) {
      auto deadline = std::chrono::steady_clock::now() + 30s;
      while (!(*client)->LookupKind("argoproj.io/v1alpha1", kind).ok()) {
        if (std::chrono::steady_clock::now() > deadline) {
          start_error_ = std::string("the CRD of ") + kind + " was never served";
          return;
        }
        std::this_thread::sleep_for(200ms);
      }
    }
    client_ = std::move(client).value();
  }

  static void TearDownTestSuite() {
    client_.reset();
    cluster_.reset();
    dir_.reset();
  }

  void SetUp() override {
    ASSERT_TRUE(client_ != nullptr) << start_error_;
    // One namespace per test, named after it: "canarybehindnginxateverystep".
    std::string name = testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char c : name) {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        ns_ += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    ns_ = ns_.substr(0, 50);
    Value ns = Value::MakeObject();
    ns.Set("apiVersion", "v1");
    ns.Set("kind", "Namespace");
    ns["metadata"].Set("name", ns_);
    auto applied = client_->Apply(ns, {});
    ASSERT_TRUE(applied.ok()) << applied.error().message();
    StartController();
  }

  // A new controller measuring with `metrics` (measurements taken inside RunPass, on the
  // test's clock).
  void StartController(std::unique_ptr<rollout::analysis::MetricProvider> metrics = nullptr) {
    controller_.reset();
    if (metrics != nullptr) metrics_ = std::move(metrics);
    controller::RolloutControllerOptions options;
    options.measure_workers = 0;
    controller_ = std::make_unique<controller::RolloutController>(
        std::vector<target::Target*>{client_.get()}, *metrics_, options);
  }

  void TearDown() override {
    if (controller_ == nullptr) return;
    for (const auto& [name, errors] : controller_->Errors()) {
      if (name.find(" " + ns_ + "/") == std::string::npos) continue;
      for (const std::string& error : errors) ADD_FAILURE() << name << ": " << error;
    }
    // The next test's passes need not reconcile this test's Rollouts (gone at once: no
    // finalizers), nor write into a namespace being deleted.
    auto rollouts = client_->List({"argoproj.io/v1alpha1", "Rollout", ns_, "", ""});
    EXPECT_TRUE(rollouts.ok()) << rollouts.error().message();
    for (const Value& rollout : rollouts.ok() ? *rollouts : std::vector<Value>{}) {
      EXPECT_TRUE(client_->Delete(KeyOf(rollout), {}).ok());
    }
    EXPECT_TRUE(client_->Delete({"", "Namespace", "", ns_}, {}).ok());
  }

  // --- Git's side: the manifests as a sync applies them (field manager `capstan`) ---------

  void ApplyManifests(const std::string& yaml) {
    auto documents = ParseYamlStream(yaml, "manifest");
    ASSERT_TRUE(documents.ok()) << documents.error().message();
    for (const YamlDocument& document : *documents) {
      if (document.value.is_null()) continue;
      Value object = document.value;
      object["metadata"].Set("namespace", ns_);
      auto applied = client_->Apply(sync::WithListKeyDefaults(std::move(object)), {});
      ASSERT_TRUE(applied.ok()) << applied.error().message();
    }
  }
  // The manifests as a user of Argo Rollouts applies them: `kubectl apply -f`, unchanged.
  void KubectlApply(const std::string& yaml) {
    TempDir dir;
    RunOutput applied = Kubectl({"apply", "-f", dir.Write("manifest.yaml", yaml).string()});
    ASSERT_EQ(applied.exit_code, 0) << Describe(applied);
  }
  std::string Manifests(const std::string& file) { return ReadFile(kTestdata / file); }
  std::string NewImage(const std::string& file) {
    return Replace(Manifests(file), kOldImage, kNewImage);
  }

  // --- The controller, on the test's clock -------------------------------------------------

  // One pass of the Rollout controller, `advance` later than the last one.
  void Pass(std::chrono::seconds advance = 0s) {
    now_ += advance;
    controller_->RunPass(now_);
  }

  // Passes (each `advance` later on the test's clock) until `done` holds, then passes at
  // that time until one changes nothing (Argo's controller, too, takes a few syncs to
  // settle a step: the pause, then its condition); false when either takes more than
  // kConverge of wall time.
  bool Until(const std::function<bool()>& done, std::chrono::seconds advance = 0s) {
    auto deadline = std::chrono::steady_clock::now() + kConverge;
    while (true) {
      Pass(advance);
      if (done()) break;
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(kPassInterval);
    }
    for (std::string before = Versions();; std::this_thread::sleep_for(kPassInterval)) {
      Pass();
      std::string after = Versions();
      if (after == before) return done();
      if (std::chrono::steady_clock::now() > deadline) return false;
      before = std::move(after);
    }
  }

  // The resourceVersions of what the controller writes in the namespace.
  std::string Versions() {
    std::string out;
    for (auto [api_version, kind] :
         {std::pair{"argoproj.io/v1alpha1", "Rollout"}, std::pair{"apps/v1", "ReplicaSet"},
          std::pair{"v1", "Service"}, std::pair{"networking.k8s.io/v1", "Ingress"}}) {
      auto listed = client_->List({api_version, kind, ns_, "", ""});
      EXPECT_TRUE(listed.ok()) << listed.error().message();
      if (!listed.ok()) continue;
      for (const Value& object : *listed) {
        out += std::string(NameOf(object)) + "=" +
               std::string(object.StringAt({"metadata", "resourceVersion"})) + " ";
      }
    }
    return out;
  }

  // `capstan rollout promote|abort` (kubectl argo rollouts' verbs): rollout/steering.h's
  // change written as the CLI and API write it (spec as capstan-steering, the status through
  // its subresource as the controller).
  void Steer(const std::string& name, controller::RolloutAction action,
             const controller::SteerOptions& options = {}) {
    auto steered = controller::SteerRollout(*client_, ns_, name, action, options);
    ASSERT_TRUE(steered.ok()) << steered.error().message();
  }

  // --- What a user reads -----------------------------------------------------------------

  Value Named(const char* api_version, const char* kind, const std::string& name) const {
    Value object = Value::MakeObject();
    object.Set("apiVersion", api_version);
    object.Set("kind", kind);
    object["metadata"].Set("name", name);
    object["metadata"].Set("namespace", ns_);
    return object;
  }

  Value Get(const char* group, const char* kind, const std::string& name) {
    auto live = client_->Get({group, kind, ns_, name});
    EXPECT_TRUE(live.ok()) << live.error().message();
    return live.ok() && live->has_value() ? **live : Value();
  }
  Value Rollout(const std::string& name) { return Get("argoproj.io", "Rollout", name); }
  std::string Status(const std::string& rollout, Value::Path path) {
    Value object = Rollout(rollout);
    const Value* status = object.Find("status");
    return status != nullptr ? std::string(status->StringAt(path)) : "";
  }
  std::string Phase(const std::string& rollout) { return Status(rollout, {"phase"}); }
  int64_t StepIndex(const std::string& rollout) {
    return IntAt(Rollout(rollout), {"status", "currentStepIndex"});
  }
  // The selector's pod-template hash of a Service ("" when it has none).
  std::string ServiceHash(const std::string& service) {
    return std::string(
        Get("", "Service", service).StringAt({"spec", "selector", "rollouts-pod-template-hash"}));
  }
  // The Rollout's ReplicaSets by their rollouts-pod-template-hash label.
  std::map<std::string, Value> ReplicaSets() {
    std::map<std::string, Value> out;
    auto listed = client_->List({"apps/v1", "ReplicaSet", ns_, "", ""});
    EXPECT_TRUE(listed.ok()) << listed.error().message();
    if (!listed.ok()) return out;
    for (Value& rs : *listed) {
      out[std::string(rs.StringAt({"metadata", "labels", "rollouts-pod-template-hash"}))] =
          std::move(rs);
    }
    return out;
  }
  // spec.replicas of the ReplicaSet with `hash` (-1 when there is none).
  int64_t Replicas(const std::string& hash) {
    auto sets = ReplicaSets();
    return sets.contains(hash) ? IntAt(sets[hash], {"spec", "replicas"}) : -1;
  }
  // spec.replicas and status.availableReplicas of the ReplicaSet with `hash` agree with
  // `replicas`: the step's pods are up.
  bool ScaledTo(const std::string& hash, int64_t replicas) {
    auto sets = ReplicaSets();
    if (!sets.contains(hash)) return false;
    return IntAt(sets[hash], {"spec", "replicas"}) == replicas &&
           IntAt(sets[hash], {"status", "availableReplicas"}, 0) == replicas;
  }
  int PodsOf(const std::string& hash) {
    auto pods = client_->List({"v1", "Pod", ns_, "rollouts-pod-template-hash=" + hash, ""});
    EXPECT_TRUE(pods.ok()) << pods.error().message();
    int count = 0;
    if (!pods.ok()) return count;
    for (const Value& pod : *pods) {
      if (pod.At({"metadata", "deletionTimestamp"}) == nullptr) ++count;
    }
    return count;
  }
  std::string CanaryWeight(const std::string& ingress) {
    Value live = Get("networking.k8s.io", "Ingress", ingress);
    if (live.is_null()) return "no canary Ingress";
    return std::string(live.StringAt({"metadata", "annotations", kWeightAnnotation}));
  }

  // `kubectl -n NS ARGS...` against this control plane.
  RunOutput Kubectl(std::vector<std::string> args) {
    std::vector<std::string> argv = {"kubectl", "-n", ns_};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProgram(argv, {}, {"KUBECONFIG=" + cluster_->kubeconfig().string()});
  }
  std::string KubectlJsonPath(const std::string& object, const std::string& path) {
    RunOutput get = Kubectl({"get", object, "-o", "jsonpath=" + path});
    EXPECT_EQ(get.exit_code, 0) << Describe(get);
    return get.out;
  }

  // The Rollout's status and the ReplicaSets' counts, for failure messages.
  std::string Dump(const std::string& rollout) {
    std::string out = "Rollout status:\n" + EmitYaml(Rollout(rollout)["status"]);
    for (auto& [hash, rs] : ReplicaSets()) {
      out += "ReplicaSet " + hash + ": spec " + std::to_string(IntAt(rs, {"spec", "replicas"})) +
             ", available " + std::to_string(IntAt(rs, {"status", "availableReplicas"}, 0)) + "\n";
    }
    for (const auto& [name, errors] : controller_->Errors()) {
      for (const std::string& error : errors) out += "controller: " + name + ": " + error + "\n";
    }
    return out;
  }

  inline static std::unique_ptr<TempDir> dir_;
  inline static std::unique_ptr<KubeCluster> cluster_;
  inline static std::string start_error_;
  inline static std::unique_ptr<kube::KubeClient> client_;

  std::string ns_;
  std::unique_ptr<rollout::analysis::MetricProvider> metrics_ = std::make_unique<NoMetrics>();
  std::unique_ptr<controller::RolloutController> controller_;
  std::chrono::system_clock::time_point now_ = std::chrono::system_clock::now();
};

}  // namespace capstan::rollout_it
