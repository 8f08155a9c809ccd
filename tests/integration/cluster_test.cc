// A whole control plane for tests (scripts/kube-env.sh: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler) with the test stand-in for a kubelet
// (tests/support): what kubectl users see happen to Deployments, Jobs and Pods there.
// Needs `scripts/kube-env.sh build` (run by scripts/test.sh) and kubectl on PATH; without
// them every test fails loudly.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <thread>

#include "support/kube_cluster.h"
#include "support/run.h"

namespace {

using capstan::it::Describe;
using capstan::it::KubeCluster;
using capstan::it::KubeClusterOptions;
using capstan::it::RunOutput;
using capstan::it::RunProgram;
using capstan::it::TempDir;
using std::chrono::seconds;

const std::string kManifests =
    std::string(CAPSTAN_SOURCE_DIR) + "/tests/integration/testdata/cluster/";
// How long a controller chain (Deployment -> ReplicaSet -> Pod -> scheduler -> stand-in)
// may take; about 2 s on an idle machine.
constexpr seconds kSettle{30};

RunOutput Kubectl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"kubectl"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv);
}

// `kubectl get KIND/NAME -o jsonpath=PATH` (empty when it fails).
std::string JsonPath(const std::string& object, const std::string& path) {
  RunOutput get = Kubectl({"get", object, "-o", "jsonpath=" + path});
  return get.exit_code == 0 ? get.out : "";
}

// Polls `read` until it returns `want` or `limit` passes; returns the last value read.
std::string WaitFor(const std::function<std::string()>& read, const std::string& want,
                    seconds limit = kSettle) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  std::string value = read();
  while (value != want && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    value = read();
  }
  return value;
}

class Cluster : public ::testing::Test {
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
    setenv("KUBECONFIG", (dir_->path() / "kubeconfig").c_str(), 1);
  }

  static void TearDownTestSuite() {
    cluster_.reset();
    dir_.reset();
  }

  void SetUp() override { ASSERT_TRUE(started_) << start_error_; }

  // What the stand-in did, for failure messages.
  static std::string StandinLog() { return cluster_->LogTail("test-kubelet.log"); }

  static void Apply(const std::string& file) {
    RunOutput apply = Kubectl({"apply", "-f", kManifests + file});
    ASSERT_EQ(apply.exit_code, 0) << "kubectl apply " << file << ": " << Describe(apply);
  }

  static std::unique_ptr<TempDir> dir_;
  inline static std::unique_ptr<KubeCluster> cluster_;
  static bool started_;
  static std::string start_error_;
};

std::unique_ptr<TempDir> Cluster::dir_;
bool Cluster::started_ = false;
std::string Cluster::start_error_;

TEST_F(Cluster, TheTestNodeIsReady) {
  EXPECT_EQ(JsonPath("node/capstan-node-0", "{.status.conditions[?(@.type==\"Ready\")].status}"),
            "True");
}

TEST_F(Cluster, EveryKubeconfigActsAsAdmin) {
  for (const char* file : {"kubeconfig", "kubeconfig-ca", "kubeconfig-cert"}) {
    SCOPED_TRACE(file);
    RunOutput can =
        Kubectl({"--kubeconfig", (dir_->path() / file).string(), "auth", "can-i", "*", "*"});
    EXPECT_EQ(can.out, "yes\n") << Describe(can);
  }
}

TEST_F(Cluster, TheCaVerifiesTheServersCertificate) {
  // The serving certificate names 127.0.0.1 and localhost only: asking for another name
  // fails, so verification is really on.
  RunOutput wrong = Kubectl({"--kubeconfig", (dir_->path() / "kubeconfig-ca").string(),
                             "--tls-server-name", "wrong.invalid", "get", "namespaces"});
  EXPECT_NE(wrong.exit_code, 0) << Describe(wrong);
  EXPECT_NE(wrong.err.find("x509"), std::string::npos) << Describe(wrong);
  RunOutput right = Kubectl({"--kubeconfig", (dir_->path() / "kubeconfig-ca").string(),
                             "--tls-server-name", "localhost", "get", "namespaces"});
  EXPECT_EQ(right.exit_code, 0) << Describe(right);
}

TEST_F(Cluster, DeploymentBecomesAvailableWithTwoReadyReplicas) {
  Apply("deployment.yaml");
  std::string replicas = WaitFor(
      [] {
        return JsonPath("deployment/web", "{.status.readyReplicas}/{.status.availableReplicas}");
      },
      "2/2");
  EXPECT_EQ(replicas, "2/2") << StandinLog();
  EXPECT_EQ(JsonPath("deployment/web", "{.status.conditions[?(@.type==\"Available\")].status}"),
            "True");
  // Each Pod says when it started, so tests of hooks can order them.
  RunOutput pods =
      Kubectl({"get", "pods", "-l", "app=web", "-o",
               "jsonpath={range .items[*]}{.status.startTime} {.status.podIP}\n{end}"});
  ASSERT_EQ(pods.exit_code, 0) << Describe(pods);
  // Two lines like "2026-11-22T03:17:36Z 127.0.0.5".
  const std::regex two_pods(R"((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 127\.0\.0\.\d+\n){2})");
  EXPECT_TRUE(std::regex_match(pods.out, two_pods)) << pods.out;
}

TEST_F(Cluster, DeletingADeploymentRemovesItsPods) {
  Apply("deployment.yaml");
  ASSERT_EQ(WaitFor([] { return JsonPath("deployment/web", "{.status.availableReplicas}"); }, "2"),
            "2")
      << StandinLog();
  RunOutput del = Kubectl({"delete", "deployment", "web"});
  ASSERT_EQ(del.exit_code, 0) << Describe(del);
  std::string left = WaitFor(
      [] {
        RunOutput pods = Kubectl({"get", "pods", "-l", "app=web", "-o", "name"});
        return pods.exit_code == 0 ? pods.out : "kubectl failed: " + pods.err;
      },
      "");
  EXPECT_EQ(left, "") << StandinLog();
}

TEST_F(Cluster, DeletingANamespaceWithRunningPodsFinishes) {
  Apply("namespace.yaml");
  std::string available = WaitFor(
      [] {
        return Kubectl({"get", "-n", "doomed", "deployment/app", "-o",
                        "jsonpath={.status.availableReplicas}"})
            .out;
      },
      "2");
  ASSERT_EQ(available, "2") << StandinLog();
  RunOutput del = Kubectl({"delete", "namespace", "doomed", "--wait=false"});
  ASSERT_EQ(del.exit_code, 0) << Describe(del);
  std::string gone = WaitFor(
      [] {
        RunOutput get = Kubectl({"get", "namespace", "doomed", "--ignore-not-found", "-o", "name"});
        return get.exit_code == 0 ? get.out : "kubectl failed: " + get.err;
      },
      "");
  EXPECT_EQ(gone, "") << StandinLog();
}

TEST_F(Cluster, JobThatExitsZeroCompletes) {
  Apply("job-succeeds.yaml");
  std::string complete = WaitFor(
      [] {
        return JsonPath("job/succeeds", "{.status.conditions[?(@.type==\"Complete\")].status}");
      },
      "True");
  EXPECT_EQ(complete, "True") << StandinLog();
  EXPECT_EQ(JsonPath("job/succeeds", "{.status.succeeded}"), "1");
}

TEST_F(Cluster, JobThatExitsOneWithoutRetriesFails) {
  Apply("job-fails.yaml");
  std::string failed = WaitFor(
      [] { return JsonPath("job/fails", "{.status.conditions[?(@.type==\"Failed\")].status}"); },
      "True");
  EXPECT_EQ(failed, "True") << StandinLog();
  EXPECT_EQ(JsonPath("job/fails", "{.status.conditions[?(@.type==\"Failed\")].reason}"),
            "BackoffLimitExceeded");
  RunOutput exit_codes =
      Kubectl({"get", "pods", "-l", "job-name=fails", "-o",
               "jsonpath={.items[*].status.containerStatuses[0].state.terminated.exitCode}"});
  EXPECT_EQ(exit_codes.out, "1") << Describe(exit_codes);
}

TEST_F(Cluster, PodsShowImagePullErrorsAndReadiness) {
  Apply("pods.yaml");
  EXPECT_EQ(WaitFor(
                [] {
                  return JsonPath(
                      "pod/pull-error",
                      "{.status.phase} {.status.containerStatuses[0].state.waiting.reason}");
                },
                "Pending ImagePullBackOff"),
            "Pending ImagePullBackOff")
      << StandinLog();
  EXPECT_EQ(WaitFor(
                [] {
                  return JsonPath(
                      "pod/unready",
                      "{.status.phase} {.status.conditions[?(@.type==\"Ready\")].status}");
                },
                "Running False"),
            "Running False")
      << StandinLog();
}

}  // namespace
