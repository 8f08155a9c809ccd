// `capstan apply` against a real kube-apiserver v1.20.2 and etcd (scripts/kube-env.sh, API
// server only): objects are created, a second apply changes nothing, --prune deletes only
// what this app created and left the folder, --dry-run changes nothing, a manifest that does
// not parse is exit 2 naming its file, and an object the server rejects is exit 1 with the
// server's message. kubectl (on PATH, scripts/install-deps.sh) is the independent reader.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/kube_cluster.h"
#include "support/run.h"

namespace {

namespace fs = std::filesystem;
using capstan::it::Describe;
using capstan::it::KubeCluster;
using capstan::it::KubeClusterOptions;
using capstan::it::RunOutput;
using capstan::it::RunProgram;
using capstan::it::TempDir;

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string ConfigMap(const std::string& name, const std::string& value) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  key: \"" +
         value + "\"\n";
}

// `protocol` is spelled out: kube-apiserver v1.20's server-side apply refuses a port without
// it ("associative list with keys has an element that omits key field"), kubectl's too.
std::string Service(const std::string& name, int port) {
  return "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name +
         "\nspec:\n  selector:\n    app: " + name +
         "\n  ports:\n  - protocol: TCP\n    port: " + std::to_string(port) + "\n";
}

class ApplyCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    cluster_ = std::make_unique<KubeCluster>(dir_->path(), KubeClusterOptions{});
    started_ = cluster_->started();
    if (!started_) {
      start_error_ = cluster_->error();
      return;
    }
    kubeconfig_ = (dir_->path() / "kubeconfig").string();
    setenv("KUBECONFIG", kubeconfig_.c_str(), 1);  // for kubectl
    for (const char* ns : {"shop", "prune", "dry", "rejected"}) {
      RunOutput create = RunProgram({"kubectl", "create", "namespace", ns});
      if (create.exit_code != 0) {
        started_ = false;
        start_error_ = "kubectl create namespace: " + Describe(create);
      }
    }
  }

  static void TearDownTestSuite() {
    cluster_.reset();
    dir_.reset();
  }

  void SetUp() override { ASSERT_TRUE(started_) << start_error_; }

  static RunOutput Apply(const fs::path& path, std::vector<std::string> flags) {
    std::vector<std::string> argv = {CAPSTAN_BINARY, "apply", path.string(), "--kubeconfig",
                                     kubeconfig_};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return RunProgram(argv);
  }

  // `kubectl get` of one field; "" with exit 1 when the object does not exist.
  static RunOutput Get(const std::string& ns, const std::string& object,
                       const std::string& jsonpath) {
    return RunProgram({"kubectl", "get", "-n", ns, object, "-o", "jsonpath=" + jsonpath});
  }

  static std::unique_ptr<TempDir> dir_;
  inline static std::unique_ptr<KubeCluster> cluster_;
  static std::string kubeconfig_;
  static bool started_;
  static std::string start_error_;
};

std::unique_ptr<TempDir> ApplyCli::dir_;
std::string ApplyCli::kubeconfig_;
bool ApplyCli::started_ = false;
std::string ApplyCli::start_error_;

TEST_F(ApplyCli, CreatesObjectsThenASecondApplyChangesNothing) {
  TempDir repo;
  repo.Write("shop/settings.yaml", ConfigMap("settings", "one"));
  repo.Write("shop/web.yaml", Service("web", 80));
  fs::path folder = repo.path() / "shop";

  RunOutput first = Apply(folder, {"-n", "shop"});
  ASSERT_EQ(first.exit_code, 0) << Describe(first);
  EXPECT_TRUE(Has(first.out, "configmap/settings created")) << first.out;
  EXPECT_TRUE(Has(first.out, "service/web created")) << first.out;
  EXPECT_TRUE(Has(first.out, "Sync wave 0:")) << first.out;
  EXPECT_TRUE(Has(first.out, "shop Succeeded: 2 objects")) << first.out;

  RunOutput value = Get("shop", "configmap/settings", "{.data.key}");
  EXPECT_EQ(value.out, "one") << Describe(value);
  // Owned by the app named after the folder, as a later --prune relies on.
  RunOutput tracking = Get("shop", "configmap/settings",
                           "{.metadata.annotations.argocd\\.argoproj\\.io/tracking-id}");
  EXPECT_EQ(tracking.out, "shop:/ConfigMap:shop/settings") << Describe(tracking);
  RunOutput version = Get("shop", "configmap/settings", "{.metadata.resourceVersion}");
  ASSERT_EQ(version.exit_code, 0) << Describe(version);

  RunOutput second = Apply(folder, {"-n", "shop"});
  ASSERT_EQ(second.exit_code, 0) << Describe(second);
  EXPECT_TRUE(Has(second.out, "configmap/settings unchanged")) << second.out;
  EXPECT_TRUE(Has(second.out, "service/web unchanged")) << second.out;
  EXPECT_EQ(Get("shop", "configmap/settings", "{.metadata.resourceVersion}").out, version.out)
      << "a second apply of the same files must not write the object";

  repo.Write("shop/settings.yaml", ConfigMap("settings", "two"));
  RunOutput changed = Apply(folder, {"-n", "shop"});
  ASSERT_EQ(changed.exit_code, 0) << Describe(changed);
  EXPECT_TRUE(Has(changed.out, "configmap/settings configured")) << changed.out;
  EXPECT_TRUE(Has(changed.out, "service/web unchanged")) << changed.out;
  EXPECT_EQ(Get("shop", "configmap/settings", "{.data.key}").out, "two");
}

TEST_F(ApplyCli, PruneDeletesOnlyObjectsThisAppCreated) {
  TempDir repo;
  repo.Write("a.yaml", ConfigMap("kept", "1"));
  repo.Write("b.yaml", ConfigMap("removed", "1"));
  RunOutput first = Apply(repo.path(), {"-n", "prune", "--app", "billing"});
  ASSERT_EQ(first.exit_code, 0) << Describe(first);
  // Carries the app's label but was not created by it (no tracking annotation): not pruned.
  RunOutput foreign = RunProgram({"kubectl", "create", "configmap", "-n", "prune", "foreign"});
  ASSERT_EQ(foreign.exit_code, 0) << Describe(foreign);
  RunOutput label = RunProgram({"kubectl", "label", "-n", "prune", "configmap/foreign",
                                "app.kubernetes.io/instance=billing"});
  ASSERT_EQ(label.exit_code, 0) << Describe(label);
  // Created by another app from the same kind of folder.
  TempDir other;
  other.Write("c.yaml", ConfigMap("other-app", "1"));
  ASSERT_EQ(Apply(other.path(), {"-n", "prune", "--app", "payments"}).exit_code, 0);

  fs::remove(repo.path() / "b.yaml");
  RunOutput without = Apply(repo.path(), {"-n", "prune", "--app", "billing"});
  ASSERT_EQ(without.exit_code, 0) << Describe(without);
  EXPECT_TRUE(Has(without.out, "configmap/removed ignored (requires pruning)")) << without.out;
  EXPECT_EQ(Get("prune", "configmap/removed", "{.metadata.name}").exit_code, 0);

  RunOutput pruned = Apply(repo.path(), {"-n", "prune", "--app", "billing", "--prune"});
  ASSERT_EQ(pruned.exit_code, 0) << Describe(pruned);
  EXPECT_TRUE(Has(pruned.out, "configmap/removed pruned")) << pruned.out;
  EXPECT_FALSE(Has(pruned.out, "foreign")) << pruned.out;
  EXPECT_FALSE(Has(pruned.out, "other-app")) << pruned.out;
  EXPECT_NE(Get("prune", "configmap/removed", "{.metadata.name}").exit_code, 0);
  EXPECT_EQ(Get("prune", "configmap/kept", "{.metadata.name}").out, "kept");
  EXPECT_EQ(Get("prune", "configmap/foreign", "{.metadata.name}").out, "foreign");
  EXPECT_EQ(Get("prune", "configmap/other-app", "{.metadata.name}").out, "other-app");
}

TEST_F(ApplyCli, DryRunChangesNothing) {
  TempDir repo;
  repo.Write("settings.yaml", ConfigMap("settings", "one"));
  RunOutput created = Apply(repo.path(), {"-n", "dry", "--app", "dry"});
  ASSERT_EQ(created.exit_code, 0) << Describe(created);
  repo.Write("settings.yaml", ConfigMap("settings", "two"));
  repo.Write("new.yaml", ConfigMap("new", "1"));

  RunOutput dry = Apply(repo.path(), {"-n", "dry", "--app", "dry", "--dry-run", "--prune"});
  ASSERT_EQ(dry.exit_code, 0) << Describe(dry);
  EXPECT_TRUE(Has(dry.out, "configmap/new created (dry run)")) << dry.out;
  EXPECT_TRUE(Has(dry.out, "configmap/settings configured (dry run)")) << dry.out;
  EXPECT_TRUE(Has(dry.out, "nothing changed")) << dry.out;
  EXPECT_NE(Get("dry", "configmap/new", "{.metadata.name}").exit_code, 0)
      << "--dry-run created an object";
  EXPECT_EQ(Get("dry", "configmap/settings", "{.data.key}").out, "one")
      << "--dry-run changed an object";
}

TEST_F(ApplyCli, AManifestThatDoesNotParseIsExit2NamingTheFile) {
  TempDir repo;
  repo.Write("good.yaml", ConfigMap("good", "1"));
  repo.Write("broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n");
  RunOutput run = Apply(repo.path(), {"-n", "shop"});
  EXPECT_EQ(run.exit_code, 2) << Describe(run);
  EXPECT_TRUE(Has(run.err, "broken.yaml")) << Describe(run);
  EXPECT_NE(Get("shop", "configmap/good", "{.metadata.name}").exit_code, 0)
      << "nothing may be applied when a file does not render";
}

TEST_F(ApplyCli, AnObjectTheServerRejectsIsExit1WithTheServersMessage) {
  TempDir repo;
  repo.Write("settings.yaml", ConfigMap("settings", "1"));
  repo.Write("web.yaml", Service("web", 70000));
  RunOutput run = Apply(repo.path(), {"-n", "rejected", "--app", "rejected"});
  EXPECT_EQ(run.exit_code, 1) << Describe(run);
  EXPECT_TRUE(Has(run.err, "Service rejected/web")) << Describe(run);
  EXPECT_TRUE(Has(run.err, "must be between 1 and 65535")) << Describe(run);
  // The dry run of every object comes first, so the valid one was not applied either.
  EXPECT_NE(Get("rejected", "configmap/settings", "{.metadata.name}").exit_code, 0);
}

TEST_F(ApplyCli, AMissingKubeconfigIsExit2) {
  TempDir repo;
  repo.Write("settings.yaml", ConfigMap("settings", "1"));
  RunOutput run = RunProgram({CAPSTAN_BINARY, "apply", repo.path().string(), "--kubeconfig",
                              (repo.path() / "no-such-kubeconfig").string()});
  EXPECT_EQ(run.exit_code, 2) << Describe(run);
  EXPECT_TRUE(Has(run.err, "no-such-kubeconfig")) << Describe(run);
}

}  // namespace
