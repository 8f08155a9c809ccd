#include "support/kube_cluster.h"

#include <gtest/gtest.h>

namespace capstan::it {

namespace {

const std::string kKubeEnv = std::string(CAPSTAN_SOURCE_DIR) + "/scripts/kube-env.sh";

}  // namespace

KubeCluster::KubeCluster(std::filesystem::path dir, KubeClusterOptions options)
    : dir_(std::move(dir)) {
  std::vector<std::string> env = {options.controllers ? "CAPSTAN_KUBE_CONTROLLERS=1"
                                                      : "CAPSTAN_KUBE_CONTROLLERS=0"};
  if (options.test_kubelet) {
    env.push_back(std::string("CAPSTAN_TEST_KUBELET=") + CAPSTAN_TEST_KUBELET);
  }
  RunOutput run = RunProgram({kKubeEnv, "start", dir_.string()}, {}, env);
  started_ = run.exit_code == 0;
  if (!started_) {
    error_ =
        "could not start the control plane (run `scripts/kube-env.sh build` first if it "
        "is missing): " +
        Describe(run);
  }
}

KubeCluster::~KubeCluster() {
  if (!started_) return;
  RunOutput run = RunProgram({kKubeEnv, "stop", dir_.string()});
  EXPECT_EQ(run.exit_code, 0) << Describe(run);
}

std::string KubeCluster::LogTail(const std::string& file, int lines) const {
  return RunProgram({"tail", "-n", std::to_string(lines), (dir_ / file).string()}).out;
}

}  // namespace capstan::it
