// PodWorker::Terminate: a Pod marked deleting leaves the proxy's routes, its in-flight
// requests finish, its containers get SIGTERM and SIGKILL after the grace period, then it
// is removed, as a Service and the kubelet do together on a cluster.
#include <fmt/format.h>

#include <atomic>
#include <memory>
#include <thread>

#include "target/local/pod_worker.h"

namespace capstan::target::local {
namespace {

namespace fs = std::filesystem;
using std::chrono::system_clock;

// A terminating pod's drain takes at most the grace period minus this share of it, and the
// containers get the rest after SIGTERM: half, but at least the kubelet's minimum of 2 s
// (minimumGracePeriodInSeconds) when the period allows. A connection that stays open (a
// pooled client on a Service port) holds the drain until its deadline; without the reserve
// the containers were then killed at once, never having seen SIGTERM, cutting whatever that
// connection carried at that moment.
constexpr auto kMinimumStopGrace = std::chrono::seconds(2);
// How often a terminating pod's worker looks whether capstan is stopping.
constexpr auto kStopCheck = std::chrono::milliseconds(50);

int64_t GracePeriodSeconds(const Value& pod) {
  const Value* grace = pod.At({"spec", "terminationGracePeriodSeconds"});
  return grace != nullptr && grace->is_int() && grace->as_int() >= 0
             ? grace->as_int()
             : kDefaultTerminationGracePeriodSeconds;
}

}  // namespace

void PodWorker::Terminate(const Value& pod) {
  const std::chrono::seconds grace(GracePeriodSeconds(pod));
  auto deadline = system_clock::now() + grace;
  auto drain_deadline =
      deadline - std::min(grace, std::max<std::chrono::seconds>(kMinimumStopGrace, grace / 2));
  if (!plan_) {
    // Never planned by this capstan (restarted while the pod was being deleted): plan to
    // learn its podman names; a pod that cannot be planned has nothing running.
    auto plan = Plan(pod);
    if (plan.ok()) plan_ = std::move(*plan);
  }
  // Out of the routes first (the proxy sends it nothing new), then let in-flight requests
  // finish, then SIGTERM: what a Service and the kubelet do together on a cluster.
  if (context_.after_change) context_.after_change();
  std::string ip = pod_ip_.empty() ? std::string(pod.StringAt({"status", "podIP"})) : pod_ip_;
  if (plan_ && !ip.empty()) {
    // The plan's containers, not containers_: a restarted capstan that finds the pod already
    // deleting planned it just above and has no records of it.
    for (const ContainerPlan& container : plan_->containers) {
      for (const ContainerPort& port : container.ports) {
        std::string address = fmt::format("{}:{}", ip, port.container_port);
        while (!context_.proxy.WaitDrained(address, kStopCheck)) {
          if (system_clock::now() >= drain_deadline) break;
          if (Stopping()) return;  // the next capstan finishes the termination
        }
      }
    }
  }
  if (plan_) {
    // Each stop on a thread of its own, with its own Podman: when capstan stops meanwhile,
    // the worker returns and the stops go on without it (the next capstan finishes the
    // termination), so capstan never waits out a pod's grace period to exit.
    auto remaining = std::make_shared<std::atomic<int>>(0);
    for (const auto& plans : {plan_->containers, plan_->init_containers}) {
      for (const ContainerPlan& container : plans) {
        auto left =
            std::chrono::duration_cast<std::chrono::seconds>(deadline - system_clock::now());
        remaining->fetch_add(1);
        std::thread([podman = context_.podman, name = container.spec.name,
                     left = std::max(left, std::chrono::seconds(0)), remaining] {
          (void)podman.StopContainer(name, left);
          remaining->fetch_sub(1);
        }).detach();
      }
    }
    while (remaining->load() > 0) {
      if (Stopping()) return;
      std::this_thread::sleep_for(kStopCheck);
    }
    (void)context_.podman.RemovePod(plan_->pod_name);
  }
  std::error_code ec;
  fs::remove_all(DataDir(), ec);
  (void)context_.objects.Remove(key_);
  if (context_.after_change) context_.after_change();
}

}  // namespace capstan::target::local
