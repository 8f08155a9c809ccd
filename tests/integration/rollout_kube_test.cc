// capstan as Argo Rollouts' controller on a real kube-apiserver v1.20.2 with its controller
// manager, scheduler and the test stand-in for a kubelet (scripts/kube-env.sh): Rollouts,
// Services and Ingresses as Argo Rollouts' documentation writes them, applied the way a
// GitOps sync applies them (field manager `capstan`), and RolloutController passes driven
// by the test's clock (pauses and scale-down delays pass without waiting for them); promote
// and abort go through controller::SteerRollout, as `capstan rollout promote` does. At each
// step the test reads what a user of Argo Rollouts reads with kubectl: the ReplicaSets and
// their replicas, the Services' selectors, the canary Ingress' annotations and the Rollout's
// status. The Argo Rollouts CRDs are the test's own (testdata/argo-rollouts/crds.yaml).
// Needs `scripts/kube-env.sh build` and kubectl on PATH (scripts/env.sh); without them
// every test fails loudly.
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
#include "core/time.h"
#include "core/yaml.h"
#include "rollout/rollout.h"
#include "support/kube_cluster.h"
#include "support/run.h"
#include "sync/sync.h"
#include "target/kube/kube.h"

namespace capstan {
namespace {

namespace fs = std::filesystem;
namespace kube = target::kube;
using namespace std::chrono_literals;
using it::Describe;
using it::KubeCluster;
using it::KubeClusterOptions;
using it::RunOutput;
using it::RunProgram;
using it::TempDir;

const fs::path kTestdata =
    fs::path(CAPSTAN_SOURCE_DIR) / "tests/integration/testdata/argo-rollouts";
// How long the real ReplicaSet controller, scheduler and kubelet stand-in may take to bring a
// step's pods up (a second or two on an idle machine).
constexpr auto kConverge = 60s;
// Wall time between two controller passes while a test waits.
constexpr auto kPassInterval = 100ms;
constexpr char kNewImage[] = "argoproj/rollouts-demo:yellow";
constexpr char kOldImage[] = "argoproj/rollouts-demo:blue";
constexpr char kWeightAnnotation[] = "nginx.ingress.kubernetes.io/canary-weight";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "no \"" << from << "\" in the manifest";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

int64_t IntAt(const Value& value, Value::Path path, int64_t fallback = -1) {
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
    controller_ = std::make_unique<controller::RolloutController>(
        std::vector<target::Target*>{client_.get()}, metrics_);
  }

  void TearDown() override {
    if (controller_ == nullptr) return;
    for (const auto& [name, errors] : controller_->Errors()) {
      if (name.find(" " + ns_ + "/") == std::string::npos) continue;
      for (const std::string& error : errors) ADD_FAILURE() << name << ": " << error;
    }
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
  NoMetrics metrics_;
  std::unique_ptr<controller::RolloutController> controller_;
  std::chrono::system_clock::time_point now_ = std::chrono::system_clock::now();
};

constexpr char kDemo[] = "rollouts-demo";
constexpr char kStable[] = "rollouts-demo-stable";
constexpr char kCanary[] = "rollouts-demo-canary";
// Argo names the canary Ingress <rollout>-<stableIngress>-canary.
constexpr char kCanaryIngress[] = "rollouts-demo-rollouts-demo-stable-canary";

TEST_F(RolloutKube, CanaryBehindNginxAtEveryStep) {
  ApplyManifests(Manifests("canary-nginx.yaml"));
  ASSERT_TRUE(Until([&] { return Phase(kDemo) == "Healthy"; })) << Dump(kDemo);

  // The first release: one ReplicaSet, both Services on it.
  auto sets = ReplicaSets();
  ASSERT_EQ(sets.size(), 1u) << Dump(kDemo);
  const std::string v1 = sets.begin()->first;
  ASSERT_FALSE(v1.empty()) << "the ReplicaSet carries rollouts-pod-template-hash";
  EXPECT_EQ(NameOf(sets[v1]), std::string(kDemo) + "-" + v1);
  EXPECT_EQ(sets[v1].StringAt({"spec", "selector", "matchLabels", "rollouts-pod-template-hash"}),
            v1);
  EXPECT_EQ(sets[v1].StringAt({"metadata", "annotations", "rollout.argoproj.io/revision"}), "1");
  const Value* owner = sets[v1].At({"metadata", "ownerReferences"});
  ASSERT_TRUE(owner != nullptr && owner->is_array() && owner->size() == 1u);
  EXPECT_EQ(owner->as_array()[0].StringAt({"kind"}), "Rollout");
  EXPECT_EQ(owner->as_array()[0].StringAt({"uid"}), Rollout(kDemo).StringAt({"metadata", "uid"}));
  EXPECT_EQ(Replicas(v1), 5);
  EXPECT_EQ(PodsOf(v1), 5);
  EXPECT_EQ(ServiceHash(kStable), v1);
  EXPECT_EQ(ServiceHash(kCanary), v1);
  EXPECT_EQ(Status(kDemo, {"stableRS"}), v1);
  EXPECT_EQ(Status(kDemo, {"currentPodHash"}), v1);
  EXPECT_EQ(IntAt(Rollout(kDemo), {"status", "availableReplicas"}), 5);
  // Through kubectl, with the CRD's short name.
  EXPECT_EQ(KubectlJsonPath("ro/rollouts-demo", "{.status.phase}"), "Healthy");

  // A new image: step 0 sets 20%, step 1 pauses until promoted.
  ApplyManifests(NewImage("canary-nginx.yaml"));
  ASSERT_TRUE(Until([&] { return StepIndex(kDemo) == 1 && Phase(kDemo) == "Paused"; }))
      << Dump(kDemo);
  const std::string v2 = Status(kDemo, {"currentPodHash"});
  ASSERT_NE(v2, v1);
  EXPECT_EQ(Replicas(v2), 1) << "ceil(20% of 5) canary pods behind a router";
  EXPECT_EQ(Replicas(v1), 5) << "the stable keeps every pod";
  EXPECT_EQ(PodsOf(v2), 1);
  EXPECT_EQ(ServiceHash(kCanary), v2);
  EXPECT_EQ(ServiceHash(kStable), v1);
  Value rollout = Rollout(kDemo);
  EXPECT_EQ(rollout.StringAt({"status", "message"}), "CanaryPauseStep");
  const Value* pauses = rollout.At({"status", "pauseConditions"});
  ASSERT_TRUE(pauses != nullptr && pauses->is_array() && pauses->size() == 1u) << Dump(kDemo);
  EXPECT_EQ(pauses->as_array()[0].StringAt({"reason"}), "CanaryPauseStep");
  EXPECT_NE(pauses->as_array()[0].StringAt({"startTime"}), "");
  EXPECT_EQ(IntAt(rollout, {"status", "canary", "weights", "canary", "weight"}), 20);
  EXPECT_EQ(rollout.StringAt({"status", "canary", "weights", "canary", "podTemplateHash"}), v2);
  EXPECT_EQ(IntAt(rollout, {"status", "canary", "weights", "stable", "weight"}), 80);
  EXPECT_EQ(rollout.StringAt({"status", "stableRS"}), v1);
  EXPECT_EQ(rollout.StringAt({"metadata", "annotations", "rollout.argoproj.io/revision"}), "2");
  // The canary Ingress, as `kubectl get ingress -o yaml` shows it.
  Value ingress = Get("networking.k8s.io", "Ingress", kCanaryIngress);
  ASSERT_FALSE(ingress.is_null()) << "no Ingress " << kCanaryIngress;
  EXPECT_EQ(ingress.StringAt({"metadata", "annotations", "nginx.ingress.kubernetes.io/canary"}),
            "true");
  EXPECT_EQ(ingress.StringAt({"metadata", "annotations", kWeightAnnotation}), "20");
  EXPECT_EQ(ingress.StringAt({"metadata", "annotations", "kubernetes.io/ingress.class"}), "nginx")
      << "the ingress class stays, or ingress-nginx would not read the canary Ingress";
  const Value* rules = ingress.At({"spec", "rules"});
  ASSERT_TRUE(rules != nullptr && rules->is_array() && rules->size() == 1u);
  EXPECT_EQ(rules->as_array()[0].StringAt({"host"}), "rollouts-demo.local");
  const Value* paths = rules->as_array()[0].At({"http", "paths"});
  ASSERT_TRUE(paths != nullptr && paths->is_array() && paths->size() == 1u);
  EXPECT_EQ(paths->as_array()[0].StringAt({"backend", "service", "name"}), kCanary);
  const Value* ingress_owner = ingress.At({"metadata", "ownerReferences"});
  ASSERT_TRUE(ingress_owner != nullptr && ingress_owner->is_array());
  EXPECT_EQ(ingress_owner->as_array()[0].StringAt({"kind"}), "Rollout");
  EXPECT_EQ(KubectlJsonPath("ingress/" + std::string(kCanaryIngress),
                            "{.metadata.annotations.nginx\\.ingress\\.kubernetes\\.io/"
                            "canary-weight}"),
            "20");

  // promote: step 2 sets 60%, step 3 pauses for 10 s.
  Steer(kDemo, controller::RolloutAction::kPromote);
  ASSERT_TRUE(Until([&] { return StepIndex(kDemo) == 3 && Phase(kDemo) == "Paused"; }))
      << Dump(kDemo);
  EXPECT_EQ(Replicas(v2), 3) << "ceil(60% of 5)";
  EXPECT_EQ(Replicas(v1), 5);
  EXPECT_EQ(CanaryWeight(kCanaryIngress), "60");
  EXPECT_EQ(ServiceHash(kCanary), v2);
  EXPECT_EQ(ServiceHash(kStable), v1);
  EXPECT_EQ(Status(kDemo, {"message"}), "CanaryPauseStep");
  Pass(5s);
  EXPECT_EQ(Phase(kDemo), "Paused") << "5 s into a 10 s pause";

  // The pause ends: every step done, v2 becomes the stable; v1 keeps its pods for
  // scaleDownDelaySeconds (30 s), as Argo does behind a router.
  Pass(6s);
  ASSERT_TRUE(Until([&] {
    return Status(kDemo, {"stableRS"}) == v2 && ScaledTo(v2, 5) && ServiceHash(kStable) == v2;
  })) << Dump(kDemo);
  EXPECT_EQ(ServiceHash(kStable), v2);
  EXPECT_EQ(ServiceHash(kCanary), v2);
  EXPECT_EQ(CanaryWeight(kCanaryIngress), "0");
  EXPECT_EQ(Replicas(v1), 5) << "scaled down only after scaleDownDelaySeconds";
  std::string deadline(
      ReplicaSets()[v1].StringAt({"metadata", "annotations", "scale-down-deadline"}));
  auto parsed = ParseRfc3339(deadline);
  ASSERT_TRUE(parsed.has_value()) << "scale-down-deadline: \"" << deadline << "\"";
  EXPECT_GT(*parsed, now_ + 20s);
  EXPECT_LE(*parsed, now_ + 31s);

  Pass(31s);
  ASSERT_TRUE(Until([&] { return Replicas(v1) == 0 && Phase(kDemo) == "Healthy"; })) << Dump(kDemo);
  EXPECT_EQ(Status(kDemo, {"stableRS"}), v2);
  EXPECT_EQ(Status(kDemo, {"message"}), "");
  EXPECT_EQ(IntAt(Rollout(kDemo), {"status", "availableReplicas"}), 5);
  EXPECT_TRUE(Until([&] { return PodsOf(v1) == 0; })) << "the old pods go";
}

TEST_F(RolloutKube, CanaryWithoutRouterApproximatesTheWeightWithPods) {
  ApplyManifests(Manifests("basic-canary.yaml"));
  ASSERT_TRUE(Until([&] { return Phase(kDemo) == "Healthy"; })) << Dump(kDemo);
  const std::string v1 = Status(kDemo, {"stableRS"});
  ASSERT_TRUE(ScaledTo(v1, 5)) << Dump(kDemo);

  ApplyManifests(NewImage("basic-canary.yaml"));
  // setWeight 20, 40, 60, 80 over 5 pods: 1, 2, 3, 4 canary pods and the rest stable, the
  // first pause ended by a promote, the others (10 s) by the clock.
  struct Step {
    int64_t pause_index;
    int64_t canary, stable;
  };
  std::string v2;
  for (const Step& step : {Step{1, 1, 4}, Step{3, 2, 3}, Step{5, 3, 2}, Step{7, 4, 1}}) {
    SCOPED_TRACE("pause at step " + std::to_string(step.pause_index));
    ASSERT_TRUE(Until([&] {
      return StepIndex(kDemo) == step.pause_index && Phase(kDemo) == "Paused";
    })) << Dump(kDemo);
    v2 = Status(kDemo, {"currentPodHash"});
    ASSERT_NE(v2, v1);
    EXPECT_TRUE(ScaledTo(v2, step.canary)) << Dump(kDemo);
    EXPECT_TRUE(ScaledTo(v1, step.stable)) << Dump(kDemo);
    EXPECT_EQ(Status(kDemo, {"message"}), "CanaryPauseStep");
    if (step.pause_index == 1) {
      Steer(kDemo, controller::RolloutAction::kPromote);
    } else {
      Pass(11s);
    }
  }
  ASSERT_TRUE(Until([&] { return Phase(kDemo) == "Healthy"; })) << Dump(kDemo);
  EXPECT_EQ(Status(kDemo, {"stableRS"}), v2);
  EXPECT_TRUE(ScaledTo(v2, 5)) << Dump(kDemo);
  EXPECT_EQ(Replicas(v1), 0) << "without a router the old pods go at once";
  EXPECT_EQ(ServiceHash(kDemo), "") << "a Service the strategy does not name is left alone";
}

TEST_F(RolloutKube, BlueGreenPreviewThenPromoteThenScaleDown) {
  const std::string name = "rollout-bluegreen";
  const std::string active = "rollout-bluegreen-active";
  const std::string preview = "rollout-bluegreen-preview";
  ApplyManifests(Manifests("bluegreen.yaml"));
  ASSERT_TRUE(Until([&] { return Phase(name) == "Healthy"; })) << Dump(name);
  const std::string v1 = Status(name, {"stableRS"});
  EXPECT_TRUE(ScaledTo(v1, 2)) << Dump(name);
  EXPECT_EQ(ServiceHash(active), v1);
  EXPECT_EQ(ServiceHash(preview), v1);

  ApplyManifests(NewImage("bluegreen.yaml"));
  ASSERT_TRUE(Until([&] { return Phase(name) == "Paused"; })) << Dump(name);
  const std::string v2 = Status(name, {"currentPodHash"});
  ASSERT_NE(v2, v1);
  EXPECT_TRUE(ScaledTo(v2, 2)) << "the preview runs every replica: " << Dump(name);
  EXPECT_TRUE(ScaledTo(v1, 2));
  EXPECT_EQ(ServiceHash(preview), v2);
  EXPECT_EQ(ServiceHash(active), v1);
  Value rollout = Rollout(name);
  EXPECT_EQ(rollout.StringAt({"status", "message"}), "BlueGreenPause");
  const Value* pauses = rollout.At({"status", "pauseConditions"});
  ASSERT_TRUE(pauses != nullptr && pauses->is_array() && pauses->size() == 1u) << Dump(name);
  EXPECT_EQ(pauses->as_array()[0].StringAt({"reason"}), "BlueGreenPause");
  EXPECT_EQ(rollout.StringAt({"status", "blueGreen", "activeSelector"}), v1);
  EXPECT_EQ(rollout.StringAt({"status", "blueGreen", "previewSelector"}), v2);
  EXPECT_EQ(rollout.StringAt({"status", "stableRS"}), v1);

  Steer(name, controller::RolloutAction::kPromote);
  ASSERT_TRUE(Until([&] { return ServiceHash(active) == v2 && Status(name, {"stableRS"}) == v2; }))
      << Dump(name);
  EXPECT_EQ(ServiceHash(preview), v2);
  EXPECT_EQ(Status(name, {"blueGreen", "activeSelector"}), v2);
  EXPECT_EQ(Replicas(v1), 2) << "the old ReplicaSet waits scaleDownDelaySeconds (30 s)";
  Pass(31s);
  ASSERT_TRUE(Until([&] { return Replicas(v1) == 0 && Phase(name) == "Healthy"; })) << Dump(name);
  EXPECT_TRUE(ScaledTo(v2, 2));
}

TEST_F(RolloutKube, AbortSendsEveryRequestBackToStableAtOnce) {
  ApplyManifests(Manifests("canary-nginx.yaml"));
  ASSERT_TRUE(Until([&] { return Phase(kDemo) == "Healthy"; })) << Dump(kDemo);
  const std::string v1 = Status(kDemo, {"stableRS"});
  ApplyManifests(NewImage("canary-nginx.yaml"));
  ASSERT_TRUE(Until([&] { return StepIndex(kDemo) == 1 && Phase(kDemo) == "Paused"; }))
      << Dump(kDemo);
  const std::string v2 = Status(kDemo, {"currentPodHash"});
  ASSERT_EQ(CanaryWeight(kCanaryIngress), "20");

  Steer(kDemo, controller::RolloutAction::kAbort);
  Pass();
  EXPECT_EQ(CanaryWeight(kCanaryIngress), "0") << "one pass: every request back on stable";
  EXPECT_EQ(ServiceHash(kStable), v1);
  Value rollout = Rollout(kDemo);
  EXPECT_EQ(rollout.StringAt({"status", "phase"}), "Degraded") << Dump(kDemo);
  EXPECT_EQ(rollout.StringAt({"status", "message"}),
            "RolloutAborted: Rollout aborted update to revision 2");
  const Value* abort = rollout.At({"status", "abort"});
  EXPECT_TRUE(abort != nullptr && abort->is_bool() && abort->as_bool());
  EXPECT_NE(rollout.StringAt({"status", "abortedAt"}), "");
  EXPECT_EQ(rollout.StringAt({"status", "stableRS"}), v1);
  EXPECT_EQ(Replicas(v2), 1) << "the canary keeps its pods for abortScaleDownDelaySeconds";

  ASSERT_TRUE(Until([&] { return Phase(kDemo) == "Degraded"; })) << Dump(kDemo);
  Pass(31s);
  EXPECT_TRUE(Until([&] { return Replicas(v2) == 0; })) << Dump(kDemo);
  EXPECT_EQ(Phase(kDemo), "Degraded") << "aborted until retried or a new release";
  EXPECT_EQ(CanaryWeight(kCanaryIngress), "0");
  EXPECT_TRUE(ScaledTo(v1, 5));
}

TEST_F(RolloutKube, GitOpsApplyDoesNotTakeBackWhatTheControllerSet) {
  ApplyManifests(Manifests("canary-nginx.yaml"));
  ASSERT_TRUE(Until([&] { return Phase(kDemo) == "Healthy"; })) << Dump(kDemo);
  const std::string v1 = Status(kDemo, {"stableRS"});
  ApplyManifests(NewImage("canary-nginx.yaml"));
  ASSERT_TRUE(Until([&] { return StepIndex(kDemo) == 1 && Phase(kDemo) == "Paused"; }))
      << Dump(kDemo);
  const std::string v2 = Status(kDemo, {"currentPodHash"});
  ASSERT_EQ(ServiceHash(kCanary), v2);

  // The next sync from Git (same commit: selectors without the hash) as field manager
  // `capstan`, without force.
  ApplyManifests(NewImage("canary-nginx.yaml"));
  EXPECT_EQ(ServiceHash(kCanary), v2) << "Git does not own the selector's hash";
  EXPECT_EQ(ServiceHash(kStable), v1);
  EXPECT_EQ(Phase(kDemo), "Paused") << "the Rollout's status is the controller's";
  EXPECT_EQ(StepIndex(kDemo), 1);
  EXPECT_EQ(CanaryWeight(kCanaryIngress), "20");
  EXPECT_EQ(Replicas(v2), 1);
  std::string managers =
      KubectlJsonPath("service/" + std::string(kCanary),
                      "{range .metadata.managedFields[*]}{.manager} {.fieldsV1}{\"\\n\"}{end}");
  bool owned = false;
  for (size_t at = 0, end; at < managers.size(); at = end + 1) {
    end = managers.find('\n', at);
    if (end == std::string::npos) end = managers.size();
    std::string line = managers.substr(at, end - at);
    if (line.find("f:rollouts-pod-template-hash") == std::string::npos) continue;
    EXPECT_TRUE(line.starts_with(std::string(target::kRolloutsFieldManager) + " ")) << line;
    owned = true;
  }
  EXPECT_TRUE(owned) << "managedFields:\n" << managers;

  // Passes with nothing to do change nothing on the server.
  auto version = [&](const char* group, const char* kind, const std::string& name) {
    return std::string(Get(group, kind, name).StringAt({"metadata", "resourceVersion"}));
  };
  std::vector<std::string> before = {version("", "Service", kCanary),
                                     version("", "Service", kStable),
                                     version("networking.k8s.io", "Ingress", kCanaryIngress),
                                     version("argoproj.io", "Rollout", kDemo)};
  Pass();
  Pass();
  std::vector<std::string> after = {version("", "Service", kCanary),
                                    version("", "Service", kStable),
                                    version("networking.k8s.io", "Ingress", kCanaryIngress),
                                    version("argoproj.io", "Rollout", kDemo)};
  EXPECT_EQ(after, before);

  // Promoted to the end, the stable Service's hash is the controller's again, and a sync
  // from Git still leaves it.
  Steer(kDemo, controller::RolloutAction::kPromote, {.full = true, .to_revision = 0});
  ASSERT_TRUE(Until([&] { return ServiceHash(kStable) == v2; })) << Dump(kDemo);
  ApplyManifests(NewImage("canary-nginx.yaml"));
  EXPECT_EQ(ServiceHash(kStable), v2);
}

}  // namespace
}  // namespace capstan
