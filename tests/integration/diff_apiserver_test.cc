// `capstan diff` against a real kube-apiserver v1.20.2 and etcd (scripts/kube-env.sh):
// a manifest applied with `kubectl apply` must show no difference against the copy the
// server returns (`kubectl get -o yaml`: defaults filled, status, managedFields, the
// last-applied annotation), and a change made to the live object must show as exactly that
// change, with Secret values never printed.
// Needs `scripts/kube-env.sh build` (run by scripts/test.sh) and kubectl on PATH
// (scripts/install-deps.sh, source scripts/env.sh); without them the suite fails loudly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
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

const std::string kManifests =
    std::string(CAPSTAN_SOURCE_DIR) + "/tests/integration/testdata/apiserver/";

// Lines of a unified diff that remove or add something (not the ---/+++ headers).
std::vector<std::string> ChangedLines(const std::string& diff) {
  std::vector<std::string> changed;
  std::stringstream lines(diff);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("---", 0) == 0 || line.rfind("+++", 0) == 0) continue;
    if (!line.empty() && (line[0] == '-' || line[0] == '+')) changed.push_back(line);
  }
  return changed;
}

class DiffApiServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    cluster_ = std::make_unique<KubeCluster>(dir_->path(), KubeClusterOptions{});
    started_ = cluster_->started();
    if (!started_) {
      start_error_ = cluster_->error();
      return;
    }
    // kubectl inherits it; every call then talks to this API server only.
    setenv("KUBECONFIG", (dir_->path() / "kubeconfig").c_str(), 1);
  }

  static void TearDownTestSuite() {
    cluster_.reset();
    dir_.reset();
  }

  void SetUp() override { ASSERT_TRUE(started_) << start_error_; }

  // Applies a manifest from testdata/apiserver (once per suite: later calls re-apply, which
  // changes nothing) and returns the path of the live copy the server returns.
  static fs::path ApplyAndGet(const std::string& file) {
    std::string desired = kManifests + file;
    RunOutput apply = RunProgram({"kubectl", "apply", "-f", desired});
    EXPECT_EQ(apply.exit_code, 0) << "kubectl apply " << file << ": " << Describe(apply);
    return Get(file);
  }

  static fs::path Get(const std::string& file) {
    RunOutput get = RunProgram({"kubectl", "get", "-f", kManifests + file, "-o", "yaml"});
    EXPECT_EQ(get.exit_code, 0) << "kubectl get " << file << ": " << Describe(get);
    return dir_->Write("live/" + file, get.out);
  }

  static RunOutput Diff(const std::string& file, const fs::path& live) {
    return RunProgram(
        {CAPSTAN_BINARY, "diff", "--color", "never", kManifests + file, live.string()});
  }

  static std::unique_ptr<TempDir> dir_;
  inline static std::unique_ptr<KubeCluster> cluster_;
  static bool started_;
  static std::string start_error_;
};

std::unique_ptr<TempDir> DiffApiServer::dir_;
bool DiffApiServer::started_ = false;
std::string DiffApiServer::start_error_;

TEST_F(DiffApiServer, FreshlyAppliedObjectsShowNoDifference) {
  // In dependency order: the namespace first, then what lives in it.
  for (const std::string file :
       {"namespace.yaml", "serviceaccount.yaml", "configmap.yaml", "secret.yaml", "deployment.yaml",
        "service.yaml", "statefulset.yaml", "job.yaml", "cronjob.yaml", "ingress.yaml", "hpa.yaml",
        "role.yaml", "rolebinding.yaml"}) {
    SCOPED_TRACE(file);
    fs::path live = ApplyAndGet(file);
    RunOutput diff = Diff(file, live);
    EXPECT_EQ(diff.exit_code, 0) << Describe(diff) << "\nlive:\n"
                                 << Describe(RunProgram({"cat", live}));
    EXPECT_NE(diff.out.find("No differences (1 object compared)"), std::string::npos)
        << Describe(diff);
  }
}

TEST_F(DiffApiServer, ImageAndReplicasChangedLiveShowAsExactlyThoseFields) {
  ApplyAndGet("serviceaccount.yaml");
  ApplyAndGet("namespace.yaml");
  ApplyAndGet("deployment.yaml");
  RunOutput patch =
      RunProgram({"kubectl", "patch", "deployment", "web", "-n", "shop", "--type", "json", "-p",
                  R"([{"op": "replace", "path": "/spec/replicas", "value": 5},)"
                  R"( {"op": "replace", "path": "/spec/template/spec/containers/0/image",)"
                  R"(  "value": "nginx:1.26"}])"});
  ASSERT_EQ(patch.exit_code, 0) << Describe(patch);
  RunOutput diff = Diff("deployment.yaml", Get("deployment.yaml"));
  EXPECT_EQ(diff.exit_code, 1) << Describe(diff);
  std::vector<std::string> expected = {"-  replicas: 5", "+  replicas: 2",
                                       "-        image: nginx:1.26", "+        image: nginx:1.25"};
  std::vector<std::string> changed = ChangedLines(diff.out);
  std::sort(expected.begin(), expected.end());
  std::sort(changed.begin(), changed.end());
  EXPECT_EQ(changed, expected) << Describe(diff);

  // Applying the manifest again puts the cluster back: no difference left.
  diff = Diff("deployment.yaml", ApplyAndGet("deployment.yaml"));
  EXPECT_EQ(diff.exit_code, 0) << Describe(diff);
}

// api-v2.yaml drops fields api-v1.yaml set: applying it removes the label and the env
// entry and resets replicas, maxSurge and imagePullPolicy to the server's defaults. The
// diff must predict exactly that, and show nothing once the server has done it.
TEST_F(DiffApiServer, FieldsDroppedFromTheManifestShowAsRemovedOrResetToDefaults) {
  ApplyAndGet("api-v1.yaml");
  fs::path before = Get("api-v1.yaml");
  RunOutput diff = Diff("api-v2.yaml", before);
  EXPECT_EQ(diff.exit_code, 1) << Describe(diff);
  std::vector<std::string> expected = {"-    tier: backend",
                                       "-        - name: MODE",
                                       "-          value: production",
                                       "-        imagePullPolicy: Always",
                                       "+        imagePullPolicy: IfNotPresent",
                                       "-  replicas: 3",
                                       "+  replicas: 1",
                                       "-      maxSurge: 50%",
                                       "+      maxSurge: 25%"};
  std::vector<std::string> changed = ChangedLines(diff.out);
  std::sort(expected.begin(), expected.end());
  std::sort(changed.begin(), changed.end());
  EXPECT_EQ(changed, expected) << Describe(diff);

  diff = Diff("api-v2.yaml", ApplyAndGet("api-v2.yaml"));
  EXPECT_EQ(diff.exit_code, 0) << Describe(diff);
  EXPECT_NE(diff.out.find("No differences (1 object compared)"), std::string::npos)
      << Describe(diff);
}

TEST_F(DiffApiServer, ChangedSecretValueShowsAsChangedButNeverPrinted) {
  ApplyAndGet("namespace.yaml");
  ApplyAndGet("secret.yaml");
  RunOutput patch =
      RunProgram({"kubectl", "patch", "secret", "web-db", "-n", "shop", "--type", "merge", "-p",
                  R"({"stringData": {"password": "Live-Secret-77"}})"});
  ASSERT_EQ(patch.exit_code, 0) << Describe(patch);
  fs::path live = Get("secret.yaml");
  for (const std::string output : {"unified", "json"}) {
    SCOPED_TRACE(output);
    RunOutput diff = RunProgram({CAPSTAN_BINARY, "diff", "--color", "never", "-o", output,
                                 kManifests + "secret.yaml", live.string()});
    EXPECT_EQ(diff.exit_code, 1) << Describe(diff);
    EXPECT_NE(diff.out.find("password"), std::string::npos) << Describe(diff);
    // The values in plain text and base64, as in the manifest and as the server stores them.
    for (const std::string secret : {"Desired-Secret-42", "RGVzaXJlZC1TZWNyZXQtNDI=",
                                     "Live-Secret-77", "TGl2ZS1TZWNyZXQtNzc=", "c2hvcA=="}) {
      EXPECT_EQ(diff.out.find(secret), std::string::npos) << secret << "\n" << Describe(diff);
      EXPECT_EQ(diff.err.find(secret), std::string::npos) << secret << "\n" << Describe(diff);
    }
  }
}

}  // namespace
