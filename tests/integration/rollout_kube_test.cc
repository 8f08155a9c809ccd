// capstan as Argo Rollouts' controller on a real kube-apiserver v1.20.2 with its controller
// manager, scheduler and the test stand-in for a kubelet (scripts/kube-env.sh): Rollouts,
// Services and Ingresses as Argo Rollouts' documentation writes them, applied the way a
// GitOps sync applies them (field manager `capstan`), and RolloutController passes driven
// by the test's clock (pauses and scale-down delays pass without waiting for them); promote
// and abort go through controller::SteerRollout, as `capstan rollout promote` does. At each
// step the test reads what a user of Argo Rollouts reads with kubectl: the ReplicaSets and
// their replicas, the Services' selectors, the canary Ingress' annotations and the Rollout's
// status, and an AnalysisTemplate from Argo's documentation (a web metric, its token from
// a Secret, against a real HTTP server) deciding a step. The Argo Rollouts CRDs are the
// test's own (testdata/argo-rollouts/crds.yaml). Needs `scripts/kube-env.sh build`, kubectl
// and python3 on PATH (scripts/env.sh); without them every test fails loudly.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "controller/rollout_steering.h"
#include "core/time.h"
#include "core/yaml.h"
#include "rollout/analysis/providers.h"
#include "rollout_kube_fixture.h"
#include "support/run.h"
#include "support/server_process.h"

namespace capstan::rollout_it {
namespace {

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
  for (const char* service : {kStable, kCanary}) {
    EXPECT_EQ(Get("", "Service", service)
                  .StringAt({"metadata", "annotations", rollout::kManagedByRolloutsAnnotation}),
              kDemo);
  }
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
  EXPECT_EQ(StepIndex(kDemo), 4) << "every step done";
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
  // Applied with kubectl, as written (its container port has no protocol).
  KubectlApply(Manifests("bluegreen.yaml"));
  ASSERT_TRUE(Until([&] { return Phase(name) == "Healthy"; })) << Dump(name);
  const std::string v1 = Status(name, {"stableRS"});
  EXPECT_TRUE(ScaledTo(v1, 2)) << Dump(name);
  EXPECT_EQ(ServiceHash(active), v1);
  EXPECT_EQ(ServiceHash(preview), v1);

  KubectlApply(NewImage("bluegreen.yaml"));
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

  // A new release after the abort starts from its first step, no longer aborted.
  ApplyManifests(Replace(Manifests("canary-nginx.yaml"), kOldImage, "argoproj/rollouts-demo:red"));
  ASSERT_TRUE(Until([&] { return StepIndex(kDemo) == 1 && Phase(kDemo) == "Paused"; }))
      << Dump(kDemo);
  const std::string v3 = Status(kDemo, {"currentPodHash"});
  EXPECT_NE(v3, v2);
  EXPECT_EQ(Rollout(kDemo).At({"status", "abort"}), nullptr) << Dump(kDemo);
  EXPECT_EQ(Status(kDemo, {"abortedAt"}), "");
  EXPECT_EQ(CanaryWeight(kCanaryIngress), "20");
  EXPECT_EQ(ServiceHash(kCanary), v3);
  EXPECT_EQ(ServiceHash(kStable), v1);
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

TEST_F(RolloutKube, AnalysisTemplateFromTheDocsDecidesTheStep) {
  // The metric's web server: a real HTTP server answering from a file the test rewrites.
  TempDir web;
  TempDir logs;
  web.Write("api/v1/measurement", R"({"data": {"ok": true}})");
  it::ServerOptions options;
  options.argv = {"python3", "-u",        "-m",          "http.server",      "0",
                  "--bind",  "127.0.0.1", "--directory", web.path().string()};
  options.ready_marker = "port";
  options.log_dir = logs.path();
  it::ServerProcess server(options);
  ASSERT_TRUE(server.Start()) << server.error();
  StartController(std::make_unique<rollout::analysis::HttpMetricProvider>());
  const std::string manifests = Replace(Manifests("analysis-web.yaml"), "http://my-server.com",
                                        "http://127.0.0.1:" + server.ReadyWord());
  ApplyManifests(manifests);
  ASSERT_TRUE(Until([&] { return Phase(kDemo) == "Healthy"; })) << Dump(kDemo);
  const std::string v1 = Status(kDemo, {"stableRS"});

  // A good version: the step's AnalysisRun measures true, the release completes.
  ApplyManifests(Replace(manifests, kOldImage, kNewImage));
  ASSERT_TRUE(Until([&] { return Status(kDemo, {"stableRS"}) != v1 && Phase(kDemo) == "Healthy"; }))
      << Dump(kDemo);
  const std::string v2 = Status(kDemo, {"stableRS"});
  const std::string good_run = std::string(kDemo) + "-" + v2 + "-2-1";
  Value run = Get("argoproj.io", "AnalysisRun", good_run);
  ASSERT_FALSE(run.is_null()) << "no AnalysisRun " << good_run;
  EXPECT_EQ(run.StringAt({"status", "phase"}), "Successful") << EmitYaml(run["status"]);
  EXPECT_EQ(run.StringAt({"metadata", "labels", "rollout-type"}), "Step");
  EXPECT_EQ(run.StringAt({"metadata", "labels", "step-index"}), "1");
  EXPECT_EQ(run.StringAt({"metadata", "labels", "rollouts-pod-template-hash"}), v2);
  const Value* results = run.At({"status", "metricResults"});
  ASSERT_TRUE(results != nullptr && results->is_array() && results->size() == 1u);
  EXPECT_EQ(results->as_array()[0].StringAt({"name"}), "webmetric");
  const Value* measurements = results->as_array()[0].Find("measurements");
  ASSERT_TRUE(measurements != nullptr && measurements->is_array() && !measurements->empty());
  EXPECT_EQ(measurements->as_array()[0].StringAt({"value"}), "true");
  EXPECT_EQ(KubectlJsonPath("ar/" + good_run, "{.status.phase}"), "Successful");
  EXPECT_NE(server.Stderr().find(
                "GET /api/v1/measurement?service=rollouts-demo.default.svc.cluster.local "),
            std::string::npos)
      << "the template's args reach the URL: " << server.LogTail();

  // A bad version: the measurement is false, the run Failed, the release aborted.
  web.Write("api/v1/measurement", R"({"data": {"ok": false}})");
  ApplyManifests(Replace(manifests, kOldImage, "argoproj/rollouts-demo:red"));
  ASSERT_TRUE(Until([&] { return Phase(kDemo) == "Degraded"; })) << Dump(kDemo);
  const std::string v3 = Status(kDemo, {"currentPodHash"});
  const std::string bad_run = std::string(kDemo) + "-" + v3 + "-3-1";
  EXPECT_EQ(Get("argoproj.io", "AnalysisRun", bad_run).StringAt({"status", "phase"}), "Failed");
  EXPECT_EQ(Status(kDemo, {"message"}),
            "RolloutAborted: Rollout aborted update to revision 3: Step-based analysis phase "
            "error/failed: Metric \"webmetric\" assessed Failed due to failed (1) > failureLimit "
            "(0)");
  EXPECT_EQ(Status(kDemo, {"stableRS"}), v2);
  EXPECT_TRUE(Until([&] { return Replicas(v3) == 0 && ScaledTo(v2, 5); }))
      << "without a router the canary goes at once: " << Dump(kDemo);
}

}  // namespace
}  // namespace capstan::rollout_it
