// PodWorker: the kubelet's work for one Pod, on a thread of its own so that one pod's slow
// podman calls or probes never hold up another's. Internal to the local target.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "target/local/kubelet.h"
#include "target/local/pod/backoff.h"
#include "target/local/pod/pod_spec.h"
#include "target/local/pod/probe.h"

namespace capstan::target::local {

struct PodWorkerContext {
  ObjectStore& objects;
  const Podman& podman;
  const proxy::Proxy& proxy;
  const KubeletOptions& options;
  std::function<void()> after_change;
  std::function<std::shared_ptr<const ContainerSnapshot>()> snapshot;
};

// What the worker knows of one container (init or regular) of its pod.
struct ContainerRecord {
  ContainerPlan plan;
  // The spec the podman container was created from: when the plan's differs (a ConfigMap or
  // Secret its env reads changed), the next start creates the container anew, so the change
  // reaches the pod on its next start, as on Kubernetes.
  std::optional<ContainerSpec> created_spec;
  bool init = false;
  int restart_count = 0;
  // Observed: "" (not created), "waiting", "running", "terminated".
  std::string state;
  std::string waiting_reason;
  std::string waiting_message;
  std::string container_id;
  std::string image_id;
  std::optional<std::chrono::system_clock::time_point> started_at;
  std::optional<std::chrono::system_clock::time_point> finished_at;
  int exit_code = 0;
  std::string terminated_reason;           // Completed, Error, OOMKilled
  std::optional<ContainerState> previous;  // the run before this one, for lastState
  std::optional<ProbeTracker> probes;
  RestartBackOff back_off;
  std::optional<std::chrono::system_clock::time_point> retry_at;  // crash loop or image pull
  // When the worker last started or stopped it: a container listing older than this does
  // not know about it yet.
  std::chrono::system_clock::time_point last_action{};
};

class PodWorker {
 public:
  PodWorker(PodWorkerContext context, ObjectKey key);
  ~PodWorker();  // stops the thread between steps; containers keep running

  void Wake();
  // The pod is gone (removed after termination): the kubelet drops the worker.
  bool finished() const;

 private:
  void Run();
  // One round; returns when to look again at the latest.
  std::chrono::system_clock::time_point Step();
  // Drains the pod, stops its containers and removes it; returns early, leaving the rest to
  // the next capstan, when the worker is being stopped.
  void Terminate(const Value& pod);
  bool Stopping() const;
  bool EnsurePod(const Value& pod);
  void WriteVolumes();
  // Starts, observes, probes and restarts one container; false while it must be waited for
  // (an init container that has not completed).
  bool SyncContainer(ContainerRecord& record, const ContainerSnapshot& snapshot,
                     std::chrono::system_clock::time_point now);
  void StartContainer(ContainerRecord& record, std::chrono::system_clock::time_point now);
  void ObserveExit(ContainerRecord& record, const ContainerState& state);
  void RunProbes(ContainerRecord& record, std::chrono::system_clock::time_point now);
  void PublishStatus(const Value& pod, std::chrono::system_clock::time_point now);
  // The container as podman last showed it, for the pod's status.
  static std::optional<ContainerState> Current(const ContainerRecord& record);
  std::string PodName() const;  // "namespace/name"
  // <pods_dir>/<namespace>/<name>: the pod's volume files.
  std::filesystem::path DataDir() const;
  // PlanPod for `pod` with this worker's folder, instance id and pod address.
  Result<PodPlan> Plan(const Value& pod) const;

  PodWorkerContext context_;
  const ObjectKey key_;

  // Only the worker thread touches these.
  std::optional<PodPlan> plan_;
  std::string plan_error_;  // why the pod cannot be set up; shown in status.message
  std::string pod_ip_;
  std::string pod_uid_;
  std::vector<ContainerRecord> init_;
  std::vector<ContainerRecord> containers_;
  std::optional<std::chrono::system_clock::time_point> start_time_;
  bool was_ready_ = false;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool woken_ = false;     // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  bool finished_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace capstan::target::local
