// End to end, as a user sees it: `capstan server` keeps Applications (plain YAML, Kustomize,
// a Helm chart) equal to a real Git repository on a real API server; it heals or reports
// drift, prunes only what it created and only when asked, and enforces policy when told to.
#include "gitops_fixture.h"

namespace capstan::gitops_it {
namespace {

// The live object carries capstan's label and exact tracking annotation for `app`.
void ExpectTracked(const std::string& app, const std::string& ns, const std::string& object,
                   const std::string& tracking_id) {
  EXPECT_EQ(JsonPath(ns, object, "{.metadata.labels.app\\.kubernetes\\.io/instance}"), app)
      << object;
  EXPECT_EQ(JsonPath(ns, object, "{.metadata.annotations.argocd\\.argoproj\\.io/tracking-id}"),
            tracking_id)
      << object;
}

TEST_F(GitOps, AGitRevisionIsAppliedAndReportedSyncedHealthyWithItsCommitInHistory) {
  std::string sha = repo_->Head();
  auto server = StartServer({AppSpec("guestbook", "guestbook", "e2e-gb")});
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->WaitSyncedHealthy("guestbook", sha)) << StandinLog();

  Value app = server->Get("guestbook");
  EXPECT_EQ(Str(app, {"status", "sync", "status"}), "Synced");
  EXPECT_EQ(Str(app, {"status", "health", "status"}), "Healthy");
  EXPECT_EQ(Str(app, {"status", "operationState", "phase"}), "Succeeded");
  const Value* history = app.At({"status", "history"});
  ASSERT_TRUE(history != nullptr && history->is_array() && history->size() == 1)
      << EmitJson(app, 2);
  EXPECT_EQ(Str(history->as_array()[0], {"revision"}), sha);
  EXPECT_EQ(JsonPath("e2e-gb", "deployment/guestbook-ui", "{.status.readyReplicas}"), "1")
      << "Healthy is reported once the Deployment's Pod is Ready";
  ExpectTracked("guestbook", "e2e-gb", "deployment/guestbook-ui",
                "guestbook:apps/Deployment:e2e-gb/guestbook-ui");
  ExpectTracked("guestbook", "e2e-gb", "service/guestbook-ui",
                "guestbook:/Service:e2e-gb/guestbook-ui");

  // The same through the table a person reads.
  RunOutput list = server->App({"list"});
  ASSERT_EQ(list.exit_code, 0) << Describe(list);
  EXPECT_NE(list.out.find("Synced"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find(sha.substr(0, 7)), std::string::npos) << list.out;
}

TEST_F(GitOps, AKustomizeOverlayAndALocalHelmChartAreAppliedAsRendered) {
  std::string sha = repo_->Head();
  auto server = StartServer({
      AppSpec("kustomize-guestbook", "kustomize-guestbook/overlays/dev", "e2e-kustomize"),
      AppSpec("helm-guestbook", "helm-guestbook", "e2e-helm"),
  });
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->WaitSyncedHealthy("kustomize-guestbook", sha)) << StandinLog();
  ASSERT_TRUE(server->WaitSyncedHealthy("helm-guestbook", sha)) << StandinLog();

  // The overlay's prefix, label and replica count.
  EXPECT_EQ(JsonPath("e2e-kustomize", "deployment/dev-guestbook-ui",
                     "{.spec.replicas} {.status.readyReplicas} {.metadata.labels.environment}"),
            "2 2 dev");
  EXPECT_TRUE(Exists("e2e-kustomize", "service/dev-guestbook-ui"));
  ExpectTracked("kustomize-guestbook", "e2e-kustomize", "deployment/dev-guestbook-ui",
                "kustomize-guestbook:apps/Deployment:e2e-kustomize/dev-guestbook-ui");
  // The release is named after the Application, as Argo CD does.
  EXPECT_EQ(JsonPath("e2e-helm", "deployment/helm-guestbook-helm-guestbook",
                     "{.spec.template.spec.containers[0].image} {.metadata.labels.chart}"),
            "gcr.io/heptio-images/ks-guestbook-demo:0.1 helm-guestbook-0.1.0");
  ExpectTracked("helm-guestbook", "e2e-helm", "service/helm-guestbook-helm-guestbook",
                "helm-guestbook:/Service:e2e-helm/helm-guestbook-helm-guestbook");
}

TEST_F(GitOps, SelfHealPutsBackAKubectlChangeAndTheAuditLogSaysSo) {
  std::string sha = repo_->Head();
  auto server = StartServer({AppSpec("healing", "guestbook", "e2e-heal").SelfHeal()});
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->WaitSyncedHealthy("healing", sha)) << StandinLog();

  RunOutput patch =
      Kubectl({"-n", "e2e-heal", "patch", "service", "guestbook-ui", "--type=json", "-p",
               R"([{"op":"replace","path":"/spec/ports/0/targetPort","value":8080}])"});
  ASSERT_EQ(patch.exit_code, 0) << Describe(patch);
  EXPECT_TRUE(WaitUntil(
      [] {
        return JsonPath("e2e-heal", "service/guestbook-ui", "{.spec.ports[0].targetPort}") == "80";
      },
      kConverge))
      << "the Service was not put back\n"
      << server->Logs();

  bool audited = false;
  for (const Value& entry : server->Audit("healing")) {
    std::string reason = Str(entry, {"details", "reason"});
    if (Str(entry, {"action"}) == "sync" && Str(entry, {"actor"}) == "automated" &&
        reason.find("self-heal") != std::string::npos &&
        reason.find("Service/guestbook-ui") != std::string::npos) {
      audited = true;
    }
  }
  EXPECT_TRUE(audited) << EmitJson(server->ApiGet("/api/v1/audit?app=healing"), 2);
  EXPECT_TRUE(server->WaitSyncedHealthy("healing", sha));
}

TEST_F(GitOps, WithoutSelfHealDriftIsReportedOutOfSyncAndLeftAlone) {
  std::string sha = repo_->Head();
  auto server = StartServer({AppSpec("drifting", "guestbook", "e2e-drift")});
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->WaitSyncedHealthy("drifting", sha)) << StandinLog();

  RunOutput patch =
      Kubectl({"-n", "e2e-drift", "patch", "service", "guestbook-ui", "--type=json", "-p",
               R"([{"op":"replace","path":"/spec/ports/0/targetPort","value":8080}])"});
  ASSERT_EQ(patch.exit_code, 0) << Describe(patch);
  Value app;
  EXPECT_TRUE(WaitUntil(
      [&] {
        app = server->Get("drifting");
        return Str(app, {"status", "sync", "status"}) == "OutOfSync";
      },
      kConverge))
      << EmitJson(app, 2);
  std::this_thread::sleep_for(kSeveralResyncs);
  EXPECT_EQ(JsonPath("e2e-drift", "service/guestbook-ui", "{.spec.ports[0].targetPort}"), "8080")
      << "automated sync without selfHeal must not undo a change to the cluster";
  app = server->Get("drifting");
  EXPECT_EQ(Str(app, {"status", "sync", "status"}), "OutOfSync");
  bool service_reported = false;
  if (const Value* resources = app.At({"status", "resources"});
      resources && resources->is_array()) {
    for (const Value& r : resources->as_array()) {
      if (Str(r, {"kind"}) == "Service" && Str(r, {"name"}) == "guestbook-ui") {
        service_reported = Str(r, {"status"}) == "OutOfSync";
      }
    }
  }
  EXPECT_TRUE(service_reported) << EmitJson(app, 2);
  RunOutput diff = server->App({"diff", "drifting"});
  EXPECT_EQ(diff.exit_code, 1) << Describe(diff);
  EXPECT_NE(diff.out.find("targetPort"), std::string::npos) << diff.out;
}

TEST_F(GitOps, AFileRemovedFromGitIsPrunedOnlyWithPruneAndOnlyIfCapstanTracksIt) {
  const std::vector<std::string> kPruneNamespaces = {"e2e-prune", "e2e-keep"};
  std::string sha = repo_->Head();
  auto server = StartServer({
      AppSpec("pruning", "guestbook", "e2e-prune").Prune(),
      AppSpec("keeping", "guestbook", "e2e-keep"),
  });
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->WaitSyncedHealthy("pruning", sha)) << StandinLog();
  ASSERT_TRUE(server->WaitSyncedHealthy("keeping", sha)) << StandinLog();
  // Objects that carry the Application's label but not capstan's exact tracking annotation:
  // made by someone else, never capstan's to delete.
  for (const std::string& ns : kPruneNamespaces) {
    std::string app = ns == "e2e-prune" ? "pruning" : "keeping";
    RunOutput made = Kubectl(
        {"-n", ns, "create", "configmap", "labelled-by-hand", "--from-literal=owner=someone-else"});
    ASSERT_EQ(made.exit_code, 0) << Describe(made);
    ASSERT_EQ(
        Kubectl({"-n", ns, "label", "configmap", "labelled-by-hand", kInstanceLabel + "=" + app})
            .exit_code,
        0);
    made = Kubectl({"-n", ns, "create", "configmap", "foreign-tracking-id",
                    "--from-literal=owner=another-tool"});
    ASSERT_EQ(made.exit_code, 0) << Describe(made);
    ASSERT_EQ(
        Kubectl({"-n", ns, "label", "configmap", "foreign-tracking-id", kInstanceLabel + "=" + app})
            .exit_code,
        0);
    ASSERT_EQ(
        Kubectl({"-n", ns, "annotate", "configmap", "foreign-tracking-id",
                 kTrackingAnnotation + "=other-app:/ConfigMap:" + ns + "/foreign-tracking-id"})
            .exit_code,
        0);
  }

  repo_->Remove("guestbook/guestbook-ui-svc.yaml");
  std::string removed = repo_->Commit("guestbook: drop the Service");

  EXPECT_TRUE(WaitUntil([] { return !Exists("e2e-prune", "service/guestbook-ui"); }, kConverge))
      << "automated prune did not delete the Service\n"
      << server->Logs();
  EXPECT_TRUE(server->WaitSyncedHealthy("pruning", removed));
  // Without prune the Service stays, reported as to be pruned.
  Value keeping;
  EXPECT_TRUE(WaitUntil(
      [&] {
        keeping = server->Get("keeping");
        return Str(keeping, {"status", "sync", "revision"}) == removed &&
               Str(keeping, {"status", "sync", "status"}) == "OutOfSync";
      },
      kConverge))
      << EmitJson(keeping, 2);
  std::this_thread::sleep_for(kSeveralResyncs);
  EXPECT_TRUE(Exists("e2e-keep", "service/guestbook-ui")) << "pruned without prune";
  keeping = server->Get("keeping");
  bool requires_pruning = false;
  if (const Value* resources = keeping.At({"status", "resources"});
      resources && resources->is_array()) {
    for (const Value& r : resources->as_array()) {
      const Value* flag = r.Find("requiresPruning");
      if (Str(r, {"kind"}) == "Service" && flag && flag->is_bool())
        requires_pruning = flag->as_bool();
    }
  }
  EXPECT_TRUE(requires_pruning) << EmitJson(keeping, 2);

  // A person asks for the prune.
  RunOutput sync = server->App({"sync", "keeping", "--prune", "--timeout", "90"});
  EXPECT_EQ(sync.exit_code, 0) << Describe(sync);
  EXPECT_TRUE(WaitUntil([] { return !Exists("e2e-keep", "service/guestbook-ui"); }, kConverge));

  for (const std::string& ns : kPruneNamespaces) {
    EXPECT_TRUE(Exists(ns, "configmap/labelled-by-hand")) << ns << ": pruned without tracking id";
    EXPECT_TRUE(Exists(ns, "configmap/foreign-tracking-id")) << ns << ": pruned another's object";
  }
  EXPECT_TRUE(Exists("e2e-prune", "deployment/guestbook-ui"));
}

TEST_F(GitOps, PolicyEnforcedBlocksALatestImageAndOtherwiseOnlyReportsIt) {
  std::string sha = repo_->Head();
  auto server = StartServer({
      AppSpec("enforced", "policy-latest", "e2e-policy-enforced")
          .Annotate("capstan.dev/policy-enforce", "true"),
      AppSpec("reported", "policy-latest", "e2e-policy-reported"),
  });
  ASSERT_NE(server, nullptr);

  Value enforced;
  EXPECT_TRUE(WaitUntil(
      [&] {
        enforced = server->Get("enforced");
        return Str(enforced, {"status", "operationState", "phase"}) == "Failed";
      },
      kConverge))
      << EmitJson(enforced, 2);
  std::string message = Str(enforced, {"status", "operationState", "message"});
  EXPECT_NE(message.find("latest-tag"), std::string::npos) << message;
  EXPECT_NE(message.find("apps/Deployment e2e-policy-enforced/web"), std::string::npos) << message;
  EXPECT_NE(message.find("nginx:latest"), std::string::npos) << message;
  EXPECT_FALSE(Exists("e2e-policy-enforced", "deployment/web")) << "a blocked sync applied";

  ASSERT_TRUE(server->WaitSyncedHealthy("reported", sha)) << StandinLog();
  EXPECT_TRUE(Exists("e2e-policy-reported", "deployment/web"));
  Value reported = server->Get("reported");
  bool listed = false;
  if (const Value* findings = reported.At({"status", "policy", "findings"});
      findings && findings->is_array()) {
    for (const Value& f : findings->as_array()) {
      listed |= Str(f, {"rule"}) == "latest-tag" &&
                Str(f, {"object"}) == "apps/Deployment e2e-policy-reported/web";
    }
  }
  EXPECT_TRUE(listed) << EmitJson(reported.At({"status"}) ? *reported.At({"status"}) : reported, 2);
  EXPECT_FALSE(Exists("e2e-policy-enforced", "deployment/web")) << "still blocked";
}

}  // namespace
}  // namespace capstan::gitops_it
