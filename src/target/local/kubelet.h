// Kubelet: capstan as the local target's node agent. Every Pod in the object store becomes a
// podman pod with one container per Kubernetes container (pod/pod_spec.h plans it); a
// worker thread per pod starts its init containers in order, then its containers, runs
// their probes (pod/probe.h), restarts them per restartPolicy with the crash-loop back-off
// (pod/backoff.h), and writes the pod's status as a kubelet does. A Pod marked deleting is
// drained from the proxy first (in-flight requests finish), then stopped with SIGTERM and
// SIGKILL after its grace period, then removed.
//
// Containers outlive capstan: a restarted kubelet finds them by their labels and adopts
// them instead of starting them twice.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "target/local/object_store.h"
#include "target/local/podman/podman.h"
#include "target/local/proxy/proxy.h"

namespace capstan::target::local {

class PodWorker;

struct KubeletOptions {
  std::filesystem::path pods_dir;  // <state>/pods/<ns>/<name> per pod
  std::string instance_id;         // kManagedLabel's value
  // How often containers are listed (one `podman ps`) and pods looked at without being woken.
  std::chrono::milliseconds tick{500};
};

// What a pod worker reads of the machine: the latest listing of capstan's containers.
struct ContainerSnapshot {
  std::chrono::system_clock::time_point taken;
  std::map<std::string, ContainerState> by_name;
};

class Kubelet {
 public:
  // None is owned; all must outlive the kubelet. `after_change` runs (on a worker thread)
  // after a pod's readiness or address changed, to resync the proxy's routes.
  Kubelet(ObjectStore& objects, const Podman& podman, const proxy::Proxy& proxy,
          KubeletOptions options, std::function<void()> after_change);
  ~Kubelet();  // Stop()

  void Start();
  // Stops the workers between steps; containers keep running.
  void Stop();
  // A Pod (or something pods read: a ConfigMap, Secret) changed.
  void Wake();

 private:
  void Loop();
  void SyncWorkers();

  ObjectStore& objects_;
  const Podman& podman_;
  const proxy::Proxy& proxy_;
  const KubeletOptions options_;
  const std::function<void()> after_change_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool dirty_ = true;                                        // guarded by mu_
  bool stopping_ = false;                                    // guarded by mu_
  std::shared_ptr<const ContainerSnapshot> snapshot_;        // guarded by mu_
  std::map<ObjectKey, std::unique_ptr<PodWorker>> workers_;  // only the loop thread
  std::thread thread_;
};

}  // namespace capstan::target::local
