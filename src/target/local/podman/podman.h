// Podman: the container engine behind capstan's local target, driven through its CLI with
// argv (never a shell). One Kubernetes Pod is one podman pod (its infra container holds the
// pod's network namespace and address) plus one container per Kubernetes container.
//
// Every pod and container capstan creates carries the label kManagedLabel, so a restarted
// capstan finds (adopts) what it started before instead of starting it twice, and
// `capstan down` removes exactly those.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/process.h"
#include "core/result.h"

namespace capstan::target::local {

// Label on every podman pod and container capstan created; its value is the state
// directory's id, so two capstans on one machine do not adopt each other's containers.
inline constexpr char kManagedLabel[] = "capstan.dev/managed-by";

// A bind mount of a host path (a ConfigMap's or Secret's files, an emptyDir) into a container.
struct Mount {
  std::string host_path;
  std::string container_path;
  bool read_only = true;
  friend bool operator==(const Mount&, const Mount&) = default;
};

// Everything `podman create` needs for one container of a pod.
struct ContainerSpec {
  std::string name;  // podman's container name, unique on the machine
  std::string pod;   // podman's pod name the container joins (network, IPC)
  std::string image;
  // Kubernetes semantics: `command` replaces the image's ENTRYPOINT, `args` its CMD;
  // empty keeps the image's.
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // in order; later wins
  std::string working_dir;                               // empty: the image's
  std::vector<Mount> mounts;
  std::map<std::string, std::string> labels;
  // resources.limits; 0 means unlimited.
  int64_t memory_limit_bytes = 0;
  int64_t cpu_limit_millis = 0;
  // securityContext.runAsUser[:runAsGroup] ("10001" or "10001:10001"); empty: the image's.
  std::string user;
  // securityContext.readOnlyRootFilesystem.
  bool read_only_root_filesystem = false;
  // Runs podman's init (catatonit) as PID 1, which passes signals on and reaps zombies. With
  // it a program that never installed a SIGTERM handler still stops on SIGTERM; without it,
  // as in Kubernetes, such a program is PID 1, ignores SIGTERM and is killed only when the
  // grace period ends. Default on: stops take 0.2 s instead of the whole grace period.
  bool init = true;
  // Whether a container created from `a` runs as one from `b` would (the kubelet replaces a
  // container whose spec changed when it restarts it).
  friend bool operator==(const ContainerSpec& a, const ContainerSpec& b) = default;
};

// A pod as podman reports it.
struct PodState {
  std::string name;
  std::string id;
  std::map<std::string, std::string> labels;
  std::string ip;  // the infra container's address on podman's network; empty until started
};

// A container as podman reports it.
struct ContainerState {
  std::string id;
  std::string name;
  std::string pod;  // podman pod name
  std::string image;
  std::map<std::string, std::string> labels;
  // "created", "running", "exited", "paused", "stopping", "removing", "unknown".
  std::string state;
  int exit_code = 0;
  bool oom_killed = false;  // from inspect: the kernel killed it under its memory limit
  std::optional<std::chrono::system_clock::time_point> started_at;
  std::optional<std::chrono::system_clock::time_point> finished_at;
  // podman's State.Error, from inspect only; often empty even when a start failed (podman
  // 4.3): StartContainer's error carries the reason.
  std::string error;
};

struct PodmanOptions {
  std::string binary = "podman";
  // Added to podman's environment: CONTAINERS_CONF, CONTAINERS_STORAGE_CONF,
  // CONTAINERS_REGISTRIES_CONF (scripts/podman-env.sh writes them).
  std::vector<std::pair<std::string, std::string>> env;
  // Each podman invocation is killed after this.
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
};

// Podman runs the `podman` program for every call (see docs/decisions/0009-podman-cli.md):
// about 40 ms for a list or inspect, 120 ms to create or start a container, 0.6 s to create
// and start a pod. Calls may block for up to `timeout` (plus a stop's grace period).
//
// Labels select with AND: every key=value of a selector must be on the pod or container.
// Errors name the pod, container or image and end with podman's own message (its stderr,
// trimmed):
//   NotFound     no such pod, container or image
//   Conflict     the name is taken
//   Invalid      a spec podman cannot express (a mount path with ':'), an empty selector
//                for RemoveAll, an image from a registry not on loopback
//   Unavailable  podman is missing, failed, or ran past the time-out
// Thread-safe: calls may run concurrently from any thread (podman locks its own state).
class Podman {
 public:
  explicit Podman(PodmanOptions options);

  // podman's version ("4.3.1"): a check that podman runs with these options.
  Result<std::string> Version() const;

  // ---- pods ----

  // Creates the pod `name` (hostname `name`, the infra container `name`.infra) with
  // `labels` and starts it, so it has an address; returns its state with ip set. On failure
  // nothing is left behind. Conflict when a pod of that name exists.
  Result<PodState> CreatePod(const std::string& name,
                             const std::map<std::string, std::string>& labels) const;
  // The pod's state; ip is empty when its infra container is not running.
  Result<PodState> InspectPod(const std::string& name) const;
  // Every pod carrying the selector's labels, by name. Two podman calls (pods, then their
  // addresses) when there are any.
  Result<std::vector<PodState>> ListPods(const std::map<std::string, std::string>& selector) const;
  // Removes the pod and its containers, killing what still runs at once (stop the containers
  // first for a graceful end). A pod that does not exist is not an error.
  Status RemovePod(const std::string& name) const;

  // ---- containers ----

  // Creates (does not start) the container; returns its id. The spec's labels are set as
  // given (add kManagedLabel yourself). Conflict when the name is taken; NotFound when the
  // image is not in local storage (PullImage first).
  Result<std::string> CreateContainer(const ContainerSpec& spec) const;
  // Starts a created or exited container (a restart keeps its logs). An error names what
  // podman said, e.g. the entrypoint that does not exist; the container then stays, exited.
  Status StartContainer(const std::string& name) const;
  // CreateContainer, then StartContainer; returns the id.
  Result<std::string> RunContainer(const ContainerSpec& spec) const;
  // Sends SIGTERM (the image's stop signal) and SIGKILL after `grace`; returns once the
  // container has exited. A container already exited is fine; a missing one is NotFound.
  Status StopContainer(const std::string& name, std::chrono::seconds grace) const;
  // Removes the container, killing it at once if it runs. A missing one is not an error.
  Status RemoveContainer(const std::string& name) const;
  // The container's full state, oom_killed included.
  Result<ContainerState> InspectContainer(const std::string& name) const;
  // Every container (any state, infra containers left out) carrying the selector's labels,
  // by name; one podman call, cheap enough to poll. oom_killed and error are not filled
  // (podman lists neither; InspectContainer them), times have second precision.
  Result<std::vector<ContainerState>> ListContainers(
      const std::map<std::string, std::string>& selector) const;
  // Runs `argv` in the running container. The command's exit status is the result's
  // exit_code (126: not executable, 127: not found). Still running after `timeout`: the
  // result has signal SIGKILL and exit_code -1 (the command itself may go on in the
  // container). NotFound when the container does not exist, Unavailable when it does not run.
  Result<ProcessResult> Exec(const std::string& container, const std::vector<std::string>& argv,
                             std::chrono::milliseconds timeout) const;
  // The end of the container's output, stdout and stderr interleaved as written: at most the
  // last `max_bytes` bytes, cut at a line start, of at most the last kLogTailLines lines.
  static constexpr int kLogTailLines = 10000;
  Result<std::string> Logs(const std::string& container, size_t max_bytes) const;

  // ---- images ----

  Result<bool> ImageExists(const std::string& image) const;
  // Pulls `image` from its registry, which must be on loopback (localhost:PORT,
  // 127.0.0.1:PORT, [::1]:PORT; plain HTTP is allowed there). Any other registry, a short
  // name (docker.io) or localhost/ without a port is refused (Invalid or NotFound) with a
  // message saying how to provide the image.
  Status PullImage(const std::string& image) const;

  // Removes every pod and container carrying the selector's labels, killing what runs
  // (`capstan down`). Invalid when the selector is empty.
  Status RemoveAll(const std::map<std::string, std::string>& selector) const;

 private:
  // Runs podman with `args`; exiting non-zero is a result, not an error.
  Result<ProcessResult> Run(std::vector<std::string> args, std::chrono::milliseconds timeout,
                            const std::string& working_directory = {}) const;
  // Runs podman with `args` and turns a non-zero exit into an error about `what`.
  Result<ProcessResult> MustRun(std::vector<std::string> args, const std::string& what) const;
  // The infra containers' addresses, by container id.
  Result<std::map<std::string, std::string>> Addresses(const std::vector<std::string>& ids) const;

  const PodmanOptions options_;
};

}  // namespace capstan::target::local
