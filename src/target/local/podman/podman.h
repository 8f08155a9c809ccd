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
  std::string working_dir;                              // empty: the image's
  std::vector<Mount> mounts;
  std::map<std::string, std::string> labels;
  // resources.limits; 0 means unlimited.
  int64_t memory_limit_bytes = 0;
  int64_t cpu_limit_millis = 0;
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
};

struct PodmanOptions {
  std::string binary = "podman";
  // Added to podman's environment: CONTAINERS_CONF, CONTAINERS_STORAGE_CONF,
  // CONTAINERS_REGISTRIES_CONF (scripts/podman-env.sh writes them).
  std::vector<std::pair<std::string, std::string>> env;
  // Each podman invocation is killed after this.
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
};

}  // namespace capstan::target::local
