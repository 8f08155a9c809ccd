#include "target/local/kubelet.h"

#include "core/log.h"
#include "target/local/pod_worker.h"

namespace capstan::target::local {
namespace {

// Podman pods without a Pod object are looked for every this many ticks (one `podman pod
// ps`); they are what a Pod removed while capstan was down left behind.
constexpr int kOrphanCheckTicks = 20;

}  // namespace

Kubelet::Kubelet(ObjectStore& objects, const Podman& podman, const proxy::Proxy& proxy,
                 KubeletOptions options, std::function<void()> after_change)
    : objects_(objects),
      podman_(podman),
      proxy_(proxy),
      options_(std::move(options)),
      after_change_(std::move(after_change)) {}

Kubelet::~Kubelet() { Stop(); }

void Kubelet::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Kubelet::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  workers_.clear();  // each stops between steps
}

void Kubelet::Wake() {
  {
    std::lock_guard lock(mu_);
    dirty_ = true;
  }
  wake_.notify_all();
}

void Kubelet::Loop() {
  for (int tick = 0;; ++tick) {
    // The listing is as old as its start: a container a worker created while `podman ps`
    // ran may be missing from it, and must not look removed.
    auto taken = std::chrono::system_clock::now();
    auto listed = podman_.ListContainers({{kManagedLabel, options_.instance_id}});
    if (listed.ok()) {
      auto snapshot = std::make_shared<ContainerSnapshot>();
      snapshot->taken = taken;
      for (ContainerState& state : *listed) snapshot->by_name[state.name] = std::move(state);
      std::lock_guard lock(mu_);
      snapshot_ = std::move(snapshot);
    } else {
      Log(LogLevel::kWarning, "local kubelet: {}", listed.error().message());
    }
    SyncWorkers();
    if (tick % kOrphanCheckTicks == 0) {
      if (auto pods = podman_.ListPods({{kManagedLabel, options_.instance_id}}); pods.ok()) {
        for (const PodState& pod : *pods) {
          auto ns = pod.labels.find(kPodNamespaceLabel);
          auto name = pod.labels.find(kPodNameLabel);
          if (ns == pod.labels.end() || name == pod.labels.end()) continue;
          ObjectKey key{"", "Pod", ns->second, name->second};
          if (!workers_.contains(key) && !objects_.Get(key)) {
            Log(LogLevel::kInfo, "local kubelet: removing podman pod {} (its Pod is gone)",
                pod.name);
            (void)podman_.RemovePod(pod.name);
          }
        }
      }
    }
    std::unique_lock lock(mu_);
    wake_.wait_for(lock, options_.tick, [this] { return dirty_ || stopping_; });
    if (stopping_) return;
    bool woken = dirty_;
    dirty_ = false;
    lock.unlock();
    if (woken) {
      for (auto& [key, worker] : workers_) worker->Wake();
    }
  }
}

void Kubelet::SyncWorkers() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->second->finished()) {
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  for (const Value& pod : objects_.List({"", "Pod", "", {}})) {
    ObjectKey key = KeyOf(pod);
    if (workers_.contains(key)) continue;
    PodWorkerContext context{objects_, podman_, proxy_, options_, after_change_, [this] {
                               std::lock_guard lock(mu_);
                               return snapshot_;
                             }};
    workers_.emplace(key, std::make_unique<PodWorker>(std::move(context), key));
  }
}

}  // namespace capstan::target::local
