// test-kubelet-standin: a TEST STAND-IN for a kubelet, not a kubelet. It registers a Node
// and makes the Pods scheduled to it look like a kubelet ran them (see pod_status.h), so
// that Deployments become available and Jobs complete against a real API server, controller
// manager and scheduler in integration tests. It runs no containers. Started by
// `scripts/kube-env.sh start DIR` when CAPSTAN_TEST_KUBELET names this binary.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <stop_token>
#include <thread>

#include "agent.h"
#include "core/log.h"
#include "target/kube/internal/transport.h"
#include "target/kube/kube.h"
#include "target/kube/kubeconfig.h"

namespace {

// The API server is ready before this starts; a short wait covers a slow machine.
constexpr int kRegisterAttempts = 30;
constexpr auto kRegisterRetry = std::chrono::seconds(1);

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "test-kubelet-standin: a test stand-in for a kubelet, NOT a kubelet. It registers a "
      "Node and reports Pod status as if their containers ran; it runs no containers. For "
      "capstan's integration tests only."};
  std::string kubeconfig;
  capstan::standin::AgentOptions options;
  app.add_option("--kubeconfig", kubeconfig, "kubeconfig of the API server (admin)")->required();
  app.add_option("--node-name", options.node_name, "name of the Node to register")->required();
  app.add_option("--host-ip", options.host_ip, "the Node's address and the Pods' hostIP")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  capstan::SetLogLevel(capstan::LogLevel::kInfo);

  auto config = capstan::target::kube::LoadKubeConfig(kubeconfig);
  if (!config.ok()) {
    std::fprintf(stderr, "test-kubelet-standin: %s\n", config.error().message().c_str());
    return 1;
  }
  auto transport = capstan::target::kube::Transport::Create(*config, {});
  if (!transport.ok()) {
    std::fprintf(stderr, "test-kubelet-standin: %s\n", transport.error().message().c_str());
    return 1;
  }
  auto client = capstan::target::kube::KubeClient::Create(*config);
  if (!client.ok()) {
    std::fprintf(stderr, "test-kubelet-standin: %s\n", client.error().message().c_str());
    return 1;
  }
  capstan::standin::KubeRest api(**transport);
  capstan::standin::Agent agent(**client, api, options);
  for (int attempt = 1;; ++attempt) {
    capstan::Status registered = agent.RegisterNode();
    if (registered.ok()) break;
    if (attempt == kRegisterAttempts) {
      std::fprintf(stderr, "test-kubelet-standin: %s\n", registered.error().message().c_str());
      return 1;
    }
    std::this_thread::sleep_for(kRegisterRetry);
  }
  // SIGTERM (scripts/kube-env.sh stop) ends the process; nothing needs flushing.
  std::jthread watch([&agent](const std::stop_token& stop) { agent.WatchPods(stop); });
  agent.Run(std::stop_token());
  return 0;
}
