// A real control plane for one test binary, from scripts/kube-env.sh: kube-apiserver and
// etcd, and on request kube-controller-manager, kube-scheduler and the test kubelet
// stand-in. Tests start one in SetUpTestSuite and report error() from every test when it
// did not start (a failure in SetUpTestSuite would make GoogleTest skip them instead).
#pragma once

#include <filesystem>
#include <string>

#include "support/run.h"

namespace capstan::it {

struct KubeClusterOptions {
  // kube-controller-manager and kube-scheduler (Deployments get Pods). Default off: the
  // API server alone starts faster and uses about 150 MB less.
  bool controllers = false;
  // The test kubelet stand-in (REQUIRES controllers): Pods run and Jobs complete.
  bool test_kubelet = false;
};

class KubeCluster {
 public:
  // Starts the control plane with its state in `dir` (which must exist and outlive it).
  explicit KubeCluster(std::filesystem::path dir, KubeClusterOptions options = {});
  // Stops it; a failed stop fails the current test.
  ~KubeCluster();
  KubeCluster(const KubeCluster&) = delete;
  KubeCluster& operator=(const KubeCluster&) = delete;

  bool started() const { return started_; }
  // Why it did not start, with kube-env's output.
  const std::string& error() const { return error_; }
  const std::filesystem::path& dir() const { return dir_; }
  // Admin token, insecure-skip-tls-verify (kubeconfig-ca and kubeconfig-cert sit beside it).
  std::filesystem::path kubeconfig() const { return dir_ / "kubeconfig"; }
  // The last lines of a log in dir() ("test-kubelet.log", "apiserver.log"), for messages.
  std::string LogTail(const std::string& file, int lines = 40) const;

 private:
  std::filesystem::path dir_;
  bool started_ = false;
  std::string error_;
};

}  // namespace capstan::it
