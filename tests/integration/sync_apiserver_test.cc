// sync::RunSync against a real kube-apiserver v1.20.2 with its controller manager and
// scheduler (scripts/kube-env.sh) and the test stand-in for a kubelet (Pods "run" as their
// annotations say, no container runs): waves in order, hooks and their delete policies,
// Job hooks that complete or fail, waiting for a Deployment to become available,
// ownership stamps, prune of exactly tracked objects, the dry run, timeouts, Degraded
// objects, SyncFail hooks and cancellation. Needs `scripts/kube-env.sh build`; without it
// every test fails loudly.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/yaml.h"
#include "support/kube_cluster.h"
#include "support/run.h"
#include "sync/plan.h"
#include "sync/sync.h"
#include "target/kube/kube.h"

namespace {

using capstan::Manifest;
using capstan::ObjectKey;
using capstan::Value;
using capstan::it::Describe;
using capstan::it::KubeCluster;
using capstan::it::KubeClusterOptions;
using capstan::it::RunOutput;
using capstan::it::RunProgram;
using capstan::it::TempDir;
namespace sync = capstan::sync;
namespace kube = capstan::target::kube;

constexpr std::chrono::milliseconds kFastPoll{200};

std::vector<Manifest> Manifests(const std::string& yaml) {
  auto documents = capstan::ParseYamlStream(yaml, "test.yaml");
  EXPECT_TRUE(documents.ok()) << (documents.ok() ? "" : documents.error().message());
  std::vector<Manifest> out;
  if (!documents.ok()) return out;
  for (auto& document : *documents) {
    if (!document.value.is_null()) out.push_back({std::move(document.value), "test.yaml"});
  }
  return out;
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string Summary(const sync::SyncResult& result) {
  std::string out = std::string(sync::OperationPhaseName(result.phase)) + ": " + result.message;
  for (const sync::ResourceResult& r : result.resources) {
    out += "\n  " + std::string(sync::PhaseName(r.phase)) + "/" + std::to_string(r.wave) + " " +
           r.key.ToString() + " " + std::string(sync::ResultCodeName(r.status)) + " " + r.message;
  }
  return out;
}

class SyncApiServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    cluster_ = std::make_unique<KubeCluster>(
        dir_->path(), KubeClusterOptions{.controllers = true, .test_kubelet = true});
    started_ = cluster_->started();
    if (!started_) {
      start_error_ = cluster_->error();
      return;
    }
    auto config = kube::LoadKubeConfig(dir_->path() / "kubeconfig");
    if (!config.ok()) {
      start_error_ = "kubeconfig: " + config.error().message();
      return;
    }
    auto client = kube::KubeClient::Create(*config);
    if (!client.ok()) {
      start_error_ = "client: " + client.error().message();
      return;
    }
    client_ = std::move(client).value();
  }

  static void TearDownTestSuite() {
    client_.reset();
    cluster_.reset();
    dir_.reset();
  }

  void SetUp() override { ASSERT_TRUE(client_ != nullptr) << start_error_; }

  static std::optional<Value> Live(const ObjectKey& key) {
    auto live = client_->Get(key);
    EXPECT_TRUE(live.ok()) << key.ToString() << ": " << live.error().message();
    return live.ok() ? *live : std::nullopt;
  }

  // The ConfigMaps, Services and Deployments of `ns` carrying the app's label.
  static std::vector<Value> LiveOfApp(const std::string& app, const std::string& ns) {
    std::vector<Value> out;
    for (auto [api_version, kind] : {std::pair{"v1", "ConfigMap"}, std::pair{"v1", "Service"},
                                     std::pair{"apps/v1", "Deployment"}}) {
      capstan::target::Selector selector;
      selector.api_version = api_version;
      selector.kind = kind;
      selector.ns = ns;
      selector.label_selector = std::string(capstan::target::kAppLabel) + "=" + app;
      auto list = client_->List(selector);
      EXPECT_TRUE(list.ok()) << (list.ok() ? "" : list.error().message());
      if (list.ok()) out.insert(out.end(), list->begin(), list->end());
    }
    return out;
  }

  static sync::PlanOptions PlanFor(const std::string& app, bool prune = false) {
    sync::PlanOptions options;
    options.app = app;
    options.prune = prune;
    return options;
  }

  static sync::Plan MustPlan(const sync::PlanInput& input, const sync::PlanOptions& options) {
    auto plan = sync::BuildPlan(input, options);
    EXPECT_TRUE(plan.ok()) << (plan.ok() ? "" : plan.error().message());
    return plan.ok() ? *plan : sync::Plan{};
  }

  static sync::SyncOptions Options(const std::string& app) {
    sync::SyncOptions options;
    options.app = app;
    options.poll_interval = kFastPoll;
    options.wave_timeout = std::chrono::seconds(30);
    return options;
  }

  static std::unique_ptr<TempDir> dir_;
  inline static std::unique_ptr<KubeCluster> cluster_;
  static bool started_;
  static std::string start_error_;
  static std::unique_ptr<kube::KubeClient> client_;
};

std::unique_ptr<TempDir> SyncApiServer::dir_;
bool SyncApiServer::started_ = false;
std::string SyncApiServer::start_error_;
std::unique_ptr<kube::KubeClient> SyncApiServer::client_;

const char kWavesApp[] = R"(
apiVersion: v1
kind: ConfigMap
metadata:
  name: last
  namespace: sync-waves
  annotations: {argocd.argoproj.io/sync-wave: "2"}
data: {step: "3"}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: sync-waves
  annotations: {argocd.argoproj.io/sync-wave: "1"}
spec:
  selector: {app: web}
  ports: [{port: 80, protocol: TCP}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: first, namespace: sync-waves}
data: {step: "1"}
---
apiVersion: v1
kind: Namespace
metadata:
  name: sync-waves
  annotations: {argocd.argoproj.io/sync-wave: "5"}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: pre
  namespace: sync-waves
  annotations: {argocd.argoproj.io/hook: PreSync, argocd.argoproj.io/hook-delete-policy: HookSucceeded}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: post
  namespace: sync-waves
  annotations: {argocd.argoproj.io/hook: PostSync}
)";

TEST_F(SyncApiServer, WavesRunInOrderAndHooksFollowTheirPolicies) {
  sync::PlanInput input;
  input.desired = Manifests(kWavesApp);
  sync::Plan plan = MustPlan(input, PlanFor("waves"));

  std::vector<std::string> events;
  sync::SyncOptions options = Options("waves");
  options.progress = [&](const sync::ProgressEvent& event) {
    std::string where =
        std::string(sync::PhaseName(event.phase)) + "/" + std::to_string(event.wave);
    if (event.type == sync::ProgressEvent::Type::kWaveStarted) events.push_back("wave " + where);
    if (event.type == sync::ProgressEvent::Type::kApplied) {
      events.push_back("applied " + event.result->key.ToString());
    }
    if (event.type == sync::ProgressEvent::Type::kHookDeleted) {
      events.push_back("deleted " + event.result->key.ToString());
    }
  };
  sync::SyncResult result = sync::RunSync(*client_, plan, options);
  ASSERT_EQ(result.phase, sync::OperationPhase::kSucceeded) << Summary(result);
  EXPECT_EQ(result.message, "successfully synced (all tasks run)");
  // The Namespace moved to the phase and wave of the first object in it: the PreSync hook.
  EXPECT_EQ(events, (std::vector<std::string>{
                        "wave PreSync/0", "applied Namespace sync-waves",
                        "applied ConfigMap sync-waves/pre", "wave Sync/0",
                        "applied ConfigMap sync-waves/first", "wave Sync/1",
                        "applied Service sync-waves/web", "wave Sync/2",
                        "applied ConfigMap sync-waves/last", "wave PostSync/0",
                        "applied ConfigMap sync-waves/post", "deleted ConfigMap sync-waves/pre"}));

  std::optional<Value> first = Live({"", "ConfigMap", "sync-waves", "first"});
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->StringAt({"metadata", "labels", capstan::target::kAppLabel}), "waves");
  EXPECT_EQ(first->StringAt({"metadata", "annotations", capstan::target::kTrackingAnnotation}),
            "waves:/ConfigMap:sync-waves/first");
  // HookSucceeded: gone once the sync succeeded; the default BeforeHookCreation: kept.
  EXPECT_FALSE(Live({"", "ConfigMap", "sync-waves", "pre"}).has_value());
  std::optional<Value> post = Live({"", "ConfigMap", "sync-waves", "post"});
  ASSERT_TRUE(post.has_value());
  for (const sync::ResourceResult& r : result.resources) {
    if (!r.is_hook) continue;
    EXPECT_EQ(r.hook_phase, sync::OperationPhase::kSucceeded) << r.key.ToString();
    EXPECT_EQ(r.message, r.key.name + " created");
  }

  SCOPED_TRACE("a second sync changes nothing but re-creates the BeforeHookCreation hook");
  input.live = LiveOfApp("waves", "sync-waves");
  sync::Plan again = MustPlan(input, PlanFor("waves"));
  sync::SyncResult second = sync::RunSync(*client_, again, Options("waves"));
  ASSERT_EQ(second.phase, sync::OperationPhase::kSucceeded) << Summary(second);
  std::optional<Value> first_again = Live({"", "ConfigMap", "sync-waves", "first"});
  ASSERT_TRUE(first_again.has_value());
  EXPECT_EQ(first_again->StringAt({"metadata", "resourceVersion"}),
            first->StringAt({"metadata", "resourceVersion"}));
  std::optional<Value> post_again = Live({"", "ConfigMap", "sync-waves", "post"});
  ASSERT_TRUE(post_again.has_value());
  EXPECT_NE(post_again->StringAt({"metadata", "uid"}), post->StringAt({"metadata", "uid"}));
}

const char kPruneApp[] = R"(
apiVersion: v1
kind: Namespace
metadata: {name: sync-prune}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: keep, namespace: sync-prune}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: drop, namespace: sync-prune}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: protected
  namespace: sync-prune
  annotations: {argocd.argoproj.io/sync-options: Prune=false}
)";

TEST_F(SyncApiServer, PruneDeletesOnlyExactlyTrackedObjects) {
  sync::PlanInput input;
  input.desired = Manifests(kPruneApp);
  sync::SyncResult created =
      sync::RunSync(*client_, MustPlan(input, PlanFor("prune")), Options("prune"));
  ASSERT_EQ(created.phase, sync::OperationPhase::kSucceeded) << Summary(created);
  // Someone else's object with the same label, and one tracked by another Application.
  for (const char* yaml :
       {"{apiVersion: v1, kind: ConfigMap, metadata: {name: lookalike, namespace: sync-prune, "
        "labels: {app.kubernetes.io/instance: prune}}}",
        "{apiVersion: v1, kind: ConfigMap, metadata: {name: theirs, namespace: sync-prune, "
        "labels: {app.kubernetes.io/instance: prune}, annotations: "
        "{argocd.argoproj.io/tracking-id: 'other:/ConfigMap:sync-prune/theirs'}}}"}) {
    auto object = capstan::ParseYaml(yaml, "test");
    ASSERT_TRUE(object.ok());
    auto applied = client_->Apply(*object, {});
    ASSERT_TRUE(applied.ok()) << applied.error().message();
  }

  // Git now holds only the namespace and "keep".
  input.desired = Manifests(kPruneApp);
  input.desired.erase(input.desired.begin() + 2, input.desired.end());
  input.live = LiveOfApp("prune", "sync-prune");

  SCOPED_TRACE("without prune nothing is deleted");
  sync::SyncResult kept =
      sync::RunSync(*client_, MustPlan(input, PlanFor("prune")), Options("prune"));
  ASSERT_EQ(kept.phase, sync::OperationPhase::kSucceeded) << Summary(kept);
  EXPECT_TRUE(Live({"", "ConfigMap", "sync-prune", "drop"}).has_value());
  int skipped = 0;
  for (const sync::ResourceResult& r : kept.resources) {
    if (r.status == sync::ResultCode::kPruneSkipped) ++skipped;
  }
  EXPECT_EQ(skipped, 2) << Summary(kept);

  SCOPED_TRACE("with prune");
  sync::SyncResult pruned =
      sync::RunSync(*client_, MustPlan(input, PlanFor("prune", /*prune=*/true)), Options("prune"));
  ASSERT_EQ(pruned.phase, sync::OperationPhase::kSucceeded) << Summary(pruned);
  EXPECT_FALSE(Live({"", "ConfigMap", "sync-prune", "drop"}).has_value());
  EXPECT_TRUE(Live({"", "ConfigMap", "sync-prune", "protected"}).has_value());
  EXPECT_TRUE(Live({"", "ConfigMap", "sync-prune", "lookalike"}).has_value());
  EXPECT_TRUE(Live({"", "ConfigMap", "sync-prune", "theirs"}).has_value());
  EXPECT_TRUE(Live({"", "ConfigMap", "sync-prune", "keep"}).has_value());
  bool saw_pruned = false;
  for (const sync::ResourceResult& r : pruned.resources) {
    if (r.key.name == "drop") {
      saw_pruned = true;
      EXPECT_EQ(r.status, sync::ResultCode::kPruned);
      EXPECT_EQ(r.message, "pruned");
    }
    if (r.key.name == "protected") {
      EXPECT_EQ(r.status, sync::ResultCode::kPruneSkipped);
      EXPECT_EQ(r.message, "ignored (no prune)");
    }
  }
  EXPECT_TRUE(saw_pruned) << Summary(pruned);
}

TEST_F(SyncApiServer, DryRunFailureChangesNothing) {
  sync::PlanInput input;
  input.desired = Manifests(R"(
apiVersion: v1
kind: Namespace
metadata: {name: sync-dry}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: fine, namespace: sync-dry}
---
apiVersion: v1
kind: Service
metadata:
  name: broken
  namespace: default
  annotations: {argocd.argoproj.io/sync-wave: "1"}
spec:
  ports: [{port: 99999, protocol: TCP}]
)");
  sync::SyncResult result =
      sync::RunSync(*client_, MustPlan(input, PlanFor("dry")), Options("dry"));
  ASSERT_EQ(result.phase, sync::OperationPhase::kFailed) << Summary(result);
  EXPECT_EQ(result.message.rfind("one or more objects failed to apply (dry run), reason: ", 0), 0u)
      << result.message;
  EXPECT_NE(result.message.find("Service default/broken"), std::string::npos) << result.message;
  EXPECT_NE(result.message.find("99999"), std::string::npos) << result.message;
  // The ConfigMap's dry run met a namespace this sync creates: not a failure.
  ASSERT_EQ(result.resources.size(), 1u) << Summary(result);
  EXPECT_EQ(result.resources[0].status, sync::ResultCode::kSyncFailed);
  EXPECT_FALSE(Live({"", "Namespace", "", "sync-dry"}).has_value());
  EXPECT_FALSE(Live({"", "Service", "default", "broken"}).has_value());
}

const char kStuckApp[] = R"(
apiVersion: v1
kind: Namespace
metadata: {name: NS}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: NS}
spec:
  replicas: 1
  progressDeadlineSeconds: DEADLINE
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: test-kubelet.invalid/pull-error}]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: after
  namespace: NS
  annotations: {argocd.argoproj.io/sync-wave: "1"}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: on-failure
  namespace: NS
  annotations: {argocd.argoproj.io/hook: SyncFail}
)";

std::string StuckApp(const std::string& ns, int deadline_seconds) {
  return ReplaceAll(ReplaceAll(kStuckApp, "NS", ns), "DEADLINE", std::to_string(deadline_seconds));
}

TEST_F(SyncApiServer, WaveThatNeverGetsHealthyTimesOutAndRunsSyncFailHooks) {
  // Its image cannot be pulled: the Pod stays Pending, the Deployment Progressing.
  sync::PlanInput input;
  input.desired = Manifests(StuckApp("sync-stuck", 600));
  sync::SyncOptions options = Options("stuck");
  options.wave_timeout = std::chrono::seconds(3);
  sync::SyncResult result = sync::RunSync(*client_, MustPlan(input, PlanFor("stuck")), options);
  ASSERT_EQ(result.phase, sync::OperationPhase::kFailed) << Summary(result);
  EXPECT_EQ(result.message,
            "timed out after 3s waiting for healthy state of apps/Deployment sync-stuck/web");
  EXPECT_FALSE(Live({"", "ConfigMap", "sync-stuck", "after"}).has_value());
  EXPECT_TRUE(Live({"", "ConfigMap", "sync-stuck", "on-failure"}).has_value());
}

TEST_F(SyncApiServer, DegradedObjectFailsTheSync) {
  // The controller manager marks the Deployment ProgressDeadlineExceeded after 1 s of
  // failing to pull its image.
  sync::PlanInput input;
  input.desired = Manifests(StuckApp("sync-degraded", 1));
  sync::SyncOptions options = Options("degraded");
  options.wave_timeout = std::chrono::seconds(60);
  sync::SyncResult result = sync::RunSync(*client_, MustPlan(input, PlanFor("degraded")), options);
  ASSERT_EQ(result.phase, sync::OperationPhase::kFailed) << Summary(result);
  EXPECT_EQ(result.message,
            "one or more synchronization tasks completed unsuccessfully, reason: "
            "apps/Deployment sync-degraded/web: Deployment \"web\" exceeded its progress "
            "deadline");
  EXPECT_FALSE(Live({"", "ConfigMap", "sync-degraded", "after"}).has_value());
}

const char kJobsApp[] = R"(
apiVersion: v1
kind: Namespace
metadata: {name: sync-jobs}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: sync-jobs
  annotations: {argocd.argoproj.io/hook: PreSync, argocd.argoproj.io/hook-delete-policy: HookSucceeded}
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations: {test-kubelet.capstan.dev/run-seconds: "2"}
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: tools:1}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: sync-jobs}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.25}]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: after
  namespace: sync-jobs
  annotations: {argocd.argoproj.io/sync-wave: "1"}
)";

TEST_F(SyncApiServer, JobHookCompletesAndDeploymentBecomesHealthyBeforeTheNextWave) {
  sync::PlanInput input;
  input.desired = Manifests(kJobsApp);
  std::vector<std::string> healthy;
  sync::SyncOptions options = Options("jobs");
  options.wave_timeout = std::chrono::seconds(90);
  options.progress = [&](const sync::ProgressEvent& event) {
    if (event.type == sync::ProgressEvent::Type::kWaveStarted && event.wave == 1) {
      // The Deployment of wave 0 is available before wave 1 starts.
      std::optional<Value> web = Live({"apps", "Deployment", "sync-jobs", "web"});
      ASSERT_TRUE(web.has_value());
      EXPECT_EQ(web->At({"status", "availableReplicas"}) != nullptr
                    ? web->At({"status", "availableReplicas"})->as_int()
                    : 0,
                2);
    }
  };
  sync::SyncResult result = sync::RunSync(*client_, MustPlan(input, PlanFor("jobs")), options);
  ASSERT_EQ(result.phase, sync::OperationPhase::kSucceeded) << Summary(result);
  bool saw_hook = false;
  for (const sync::ResourceResult& r : result.resources) {
    if (r.key.name != "migrate") continue;
    saw_hook = true;
    EXPECT_EQ(r.hook_phase, sync::OperationPhase::kSucceeded);
    EXPECT_GE(r.finished - r.started, std::chrono::seconds(1)) << "the hook ran for 2 s";
  }
  EXPECT_TRUE(saw_hook) << Summary(result);
  EXPECT_FALSE(Live({"batch", "Job", "sync-jobs", "migrate"}).has_value());
  EXPECT_TRUE(Live({"", "ConfigMap", "sync-jobs", "after"}).has_value());
}

TEST_F(SyncApiServer, FailedJobHookFailsTheSyncAndRunsSyncFailHooks) {
  std::string yaml = ReplaceAll(kJobsApp, "sync-jobs", "sync-hookfail");
  yaml = ReplaceAll(yaml, "HookSucceeded", "HookFailed");
  yaml = ReplaceAll(yaml, "run-seconds: \"2\"",
                    "run-seconds: \"1\", test-kubelet.capstan.dev/exit-code: \"3\"");
  yaml += R"(---
apiVersion: v1
kind: ConfigMap
metadata:
  name: on-failure
  namespace: sync-hookfail
  annotations: {argocd.argoproj.io/hook: SyncFail}
)";
  sync::PlanInput input;
  input.desired = Manifests(yaml);
  sync::SyncOptions options = Options("hookfail");
  options.wave_timeout = std::chrono::seconds(90);
  sync::SyncResult result = sync::RunSync(*client_, MustPlan(input, PlanFor("hookfail")), options);
  ASSERT_EQ(result.phase, sync::OperationPhase::kFailed) << Summary(result);
  EXPECT_EQ(result.message.rfind("one or more synchronization tasks completed unsuccessfully, "
                                 "reason: batch/Job sync-hookfail/migrate: ",
                                 0),
            0u)
      << result.message;
  // Nothing of the Sync phase ran; the SyncFail hook did; HookFailed deleted the Job.
  EXPECT_FALSE(Live({"apps", "Deployment", "sync-hookfail", "web"}).has_value());
  EXPECT_TRUE(Live({"", "ConfigMap", "sync-hookfail", "on-failure"}).has_value());
  EXPECT_FALSE(Live({"batch", "Job", "sync-hookfail", "migrate"}).has_value());
}

TEST_F(SyncApiServer, CancelStopsBeforeTheNextWave) {
  sync::PlanInput input;
  input.desired = Manifests(kWavesApp);
  for (Manifest& manifest : input.desired) {
    for (const char* field : {"namespace", "name"}) {
      Value* value = manifest.object.At({"metadata", field});
      if (value != nullptr && value->is_string() && value->as_string() == "sync-waves") {
        *value = "sync-cancel";
      }
    }
  }
  std::atomic<bool> cancel{false};
  sync::SyncOptions options = Options("cancel");
  options.cancel = &cancel;
  options.progress = [&](const sync::ProgressEvent& event) {
    if (event.type == sync::ProgressEvent::Type::kWaveDone && event.phase == sync::Phase::kSync &&
        event.wave == 0) {
      cancel = true;
    }
  };
  sync::SyncResult result = sync::RunSync(*client_, MustPlan(input, PlanFor("cancel")), options);
  ASSERT_EQ(result.phase, sync::OperationPhase::kFailed) << Summary(result);
  EXPECT_EQ(result.message, "Operation terminated");
  EXPECT_TRUE(Live({"", "ConfigMap", "sync-cancel", "first"}).has_value());
  EXPECT_FALSE(Live({"", "Service", "sync-cancel", "web"}).has_value());
}

}  // namespace
