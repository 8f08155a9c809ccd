// Where Applications come from and where rollbacks go, end to end: Applications kept in a
// Git repository (app of apps: a commit adds one), Application objects in the cluster (as
// Argo CD keeps them), and `capstan app rollback --git-revert`, which writes a revert
// commit to the remote instead of pinning.
#include "gitops_fixture.h"

namespace capstan::gitops_it {
namespace {

// Argo CD's Application kind, reduced to what the API server needs to store objects of it.
constexpr char kApplicationCrd[] = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: applications.argoproj.io
spec:
  group: argoproj.io
  scope: Namespaced
  names: {kind: Application, plural: applications, singular: application, listKind: ApplicationList}
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
)";

TEST_F(GitOps, ApplicationsKeptInGitAreDeployedAndACommitAddsOne) {
  GitRepo apps(dir_.path() / "apps-repo");
  apps.Write("apps/guestbook.yaml",
             ApplicationYaml(AppSpec("gb-from-git", "guestbook", "e2e-appofapps"), repo_->url()));
  apps.Commit("the first Application");
  std::string sha = repo_->Head();

  // The apps repository also holds the example layouts (Helm templates are not YAML), so
  // only its apps/ folder is read.
  CapstanServer server(dir_.path() / "server", {}, repo_->url(), {"--apps-path", "apps"});
  server.UseAppsFrom(apps.url());
  ASSERT_TRUE(server.Start());
  ASSERT_TRUE(server.WaitSyncedHealthy("gb-from-git", sha)) << StandinLog();

  apps.Write(
      "apps/waves.yaml",
      ApplicationYaml(AppSpec("waves-from-git", "sync-waves", "e2e-appofapps-2"), repo_->url()));
  apps.Commit("a second Application");
  EXPECT_TRUE(server.WaitSyncedHealthy("waves-from-git", sha)) << StandinLog();
}

TEST_F(GitOps, ApplicationObjectsInTheClusterAreReadAsArgoCdKeepsThem) {
  fs::path crd = dir_.path() / "crd.yaml";
  std::ofstream(crd) << kApplicationCrd;
  RunOutput applied = Kubectl({"apply", "-f", crd.string()});
  ASSERT_EQ(applied.exit_code, 0) << Describe(applied);
  ASSERT_EQ(Kubectl({"wait", "--for=condition=Established", "--timeout=60s",
                     "crd/applications.argoproj.io"})
                .exit_code,
            0);
  ASSERT_EQ(Kubectl({"create", "namespace", "argocd"}).exit_code, 0);
  fs::path app = dir_.path() / "app.yaml";
  std::string yaml =
      ApplicationYaml(AppSpec("gb-in-cluster", "guestbook", "e2e-incluster"), repo_->url());
  yaml.insert(yaml.find("\nspec:"), "\n  namespace: argocd");
  std::ofstream(app) << yaml;
  RunOutput created = Kubectl({"apply", "-f", app.string()});
  ASSERT_EQ(created.exit_code, 0) << Describe(created);

  CapstanServer server(dir_.path() / "server", {}, repo_->url());
  server.ReadClusterApps();
  ASSERT_TRUE(server.Start());
  EXPECT_TRUE(server.WaitSyncedHealthy("gb-in-cluster", repo_->Head())) << StandinLog();
}

TEST_F(GitOps, RollbackWithGitRevertPushesARevertCommitThatAutomatedSyncDeploys) {
  // A bare remote, as a real Git server holds it; the test pushes to it from its work tree.
  fs::path remote = dir_.path() / "remote.git";
  RunOutput cloned =
      RunProgram({"git", "clone", "-q", "--bare", repo_->dir().string(), remote.string()});
  ASSERT_EQ(cloned.exit_code, 0) << Describe(cloned);
  repo_->Git({"remote", "add", "origin", remote.string()});
  std::string good = repo_->Head();

  CapstanServer server(dir_.path() / "server", {AppSpec("gb-revert", "guestbook", "e2e-revert")},
                       "file://" + remote.string());
  ASSERT_TRUE(server.Start());
  ASSERT_TRUE(server.WaitSyncedHealthy("gb-revert", good)) << StandinLog();

  repo_->Replace("guestbook/guestbook-ui-deployment.yaml", "replicas: 1", "replicas: 2");
  std::string bad = repo_->Commit("two replicas");
  repo_->Git({"push", "-q", "origin", "main"});
  ASSERT_TRUE(server.WaitSyncedHealthy("gb-revert", bad)) << StandinLog();

  RunOutput rollback = server.App({"rollback", "gb-revert", "1", "--git-revert"});
  ASSERT_EQ(rollback.exit_code, 0) << Describe(rollback);
  repo_->Git({"fetch", "-q", "origin"});
  std::string revert = repo_->Git({"rev-parse", "origin/main"}).out;
  revert.erase(revert.find_last_not_of('\n') + 1);
  EXPECT_NE(revert, bad) << "a new commit on the remote's branch";
  EXPECT_EQ(repo_->Git({"diff", good, revert, "--", "guestbook"}).out, "")
      << "the revert brings the Application's folder back to the good revision";
  EXPECT_NE(repo_->Git({"log", "-1", "--format=%s", revert}).out.find("Revert"), std::string::npos);

  ASSERT_TRUE(server.WaitSyncedHealthy("gb-revert", revert)) << StandinLog();
  EXPECT_EQ(JsonPath("e2e-revert", "deployment/guestbook-ui", "{.spec.replicas}"), "1");
  Value app = server.Get("gb-revert");
  EXPECT_EQ(app.At({"status", "pinnedRevision"}), nullptr) << "a revert pins nothing";
  bool audited = false;
  for (const Value& entry : server.Audit("gb-revert")) {
    audited |= Str(entry, {"action"}) == "rollback-git-revert";
  }
  EXPECT_TRUE(audited);
}

}  // namespace
}  // namespace capstan::gitops_it

namespace capstan::gitops_it {
namespace {

TEST_F(GitOps, TerminateOpStopsARunningSyncBetweenSteps) {
  const std::string ns = "e2e-terminate";
  auto server = StartServer({AppSpec("terminate", "slow-waves", ns).Manual()});
  ASSERT_NE(server, nullptr);
  RunOutput sync = server->App({"sync", "terminate", "--async"});
  ASSERT_EQ(sync.exit_code, 0) << Describe(sync);
  // Wave 1 is a Job that runs 20 s: stop the sync while it waits on it.
  Value app;
  ASSERT_TRUE(WaitUntil(
      [&] {
        app = server->Get("terminate");
        return Exists(ns, "job/slow-migration") &&
               Str(app, {"status", "operationState", "phase"}) == "Running";
      },
      kConverge))
      << EmitJson(app, 2) << server->Logs();
  RunOutput terminate = server->App({"terminate-op", "terminate"});
  ASSERT_EQ(terminate.exit_code, 0) << Describe(terminate);
  ASSERT_TRUE(WaitUntil(
      [&] {
        app = server->Get("terminate");
        return Str(app, {"status", "operationState", "phase"}) == "Failed";
      },
      std::chrono::seconds(15)))
      << "the 20 s Job must not be waited out: " << EmitJson(app, 2);
  EXPECT_NE(Str(app, {"status", "operationState", "message"}).find("terminated"),
            std::string::npos);
  EXPECT_FALSE(Exists(ns, "configmap/slow-after")) << "the wave after the Job never ran";
  RunOutput again = server->App({"terminate-op", "terminate"});
  EXPECT_EQ(again.exit_code, 2) << "nothing left to terminate";
}

}  // namespace
}  // namespace capstan::gitops_it
