// ComposePodStatus: a Pod's .status written as the kubelet writes it (phase, conditions,
// container statuses, IPs, QoS), from what podman reports and what the local kubelet decided,
// so everything that reads pods (health, rollouts, `kubectl get pod`-style views) reads the
// local target's pods unchanged. Pure: time is an input.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/value.h"
#include "target/local/podman/podman.h"

namespace capstan::target::local {

// Waiting reasons, as the kubelet spells them.
inline constexpr char kReasonContainerCreating[] = "ContainerCreating";
inline constexpr char kReasonPodInitializing[] = "PodInitializing";
inline constexpr char kReasonCrashLoopBackOff[] = "CrashLoopBackOff";
inline constexpr char kReasonErrImagePull[] = "ErrImagePull";
inline constexpr char kReasonImagePullBackOff[] = "ImagePullBackOff";
inline constexpr char kReasonCreateContainerConfigError[] = "CreateContainerConfigError";
inline constexpr char kReasonRunContainerError[] = "RunContainerError";
// containerID is "podman://<id>", as a CRI runtime prefixes its name.
inline constexpr char kContainerIdScheme[] = "podman://";

struct WaitingState {
  std::string reason;
  std::string message;  // may be empty
};

// What the local kubelet knows of one container of the pod.
struct ContainerObservation {
  std::string name;  // the Kubernetes container name; containers without one are waiting
  // podman's newest instance of it; nullopt before one was created.
  std::optional<ContainerState> current;
  // The instance before `current`, for lastState; nullopt when there was none.
  std::optional<ContainerState> previous;
  int restart_count = 0;
  // Set when the kubelet is not (re)starting the container now and says why
  // (CrashLoopBackOff with RestartBackOff's message, ErrImagePull, ImagePullBackOff,
  // CreateContainerConfigError with ContainerPlan::config_error, ContainerCreating with
  // PodPlan::mount_error, ...). A terminated `current` then shows as lastState.
  std::optional<WaitingState> waiting;
  // From the running instance's ProbeTracker (ignored unless `current` runs): ready() and
  // started().
  bool ready = false;
  bool started = false;
};

struct PodStatusInput {
  std::vector<ContainerObservation> init_containers;  // any order; matched by name
  std::vector<ContainerObservation> containers;
  std::string pod_ip;          // the podman pod's address; empty until it runs
  bool sandbox_ready = false;  // the podman pod (its infra container) runs
  // When the kubelet first took the pod (status.startTime); nullopt keeps the pod's current
  // startTime, or uses `now` when it has none.
  std::optional<std::chrono::system_clock::time_point> start_time;
  std::chrono::system_clock::time_point now;
};

// The Pod's new .status. `pod` supplies the spec (containers, initContainers,
// restartPolicy, resources) and its current .status, whose condition lastTransitionTimes are
// kept while a condition's status does not change and whose Succeeded or Failed phase is
// never left (as the kubelet).
//   phase       Pending while an init container has not succeeded or a container waits
//               for its first start; Running once all started and one runs (or all exited
//               and restartPolicy restarts them); Succeeded / Failed when all exited and
//               none will restart (Failed at once when an init container fails under Never).
//   conditions  PodReadyToStartContainers, Initialized, Ready, ContainersReady,
//               PodScheduled, with the kubelet's reasons and messages
//               ("containers with unready status: [web]").
//   containerStatuses sorted by name, initContainerStatuses in spec order; terminated
//               reason OOMKilled, Completed (exit 0) or Error; a container podman could not
//               start is terminated with exit code 128 and reason StartError.
//   hostIP 127.0.0.1, podIP/podIPs, startTime, qosClass.
Value ComposePodStatus(const Value& pod, const PodStatusInput& input);

}  // namespace capstan::target::local
