// Reading podman's JSON output and errors (pure, unit-tested against captured output in
// testdata/).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/process.h"
#include "core/result.h"
#include "target/local/podman/podman.h"

namespace capstan::target::local::podman_internal {

// One element of `podman container inspect --format json`.
struct InspectedContainer {
  ContainerState state;  // state.pod is left empty: inspect gives only the pod's id
  std::string pod_id;
  std::string ip;          // NetworkSettings.IPAddress: the pod's, for a container in a pod
  std::string static_dir;  // the bundle directory, where conmon's "oom" marker must land
};

// A pod from `podman pod inspect` or `podman pod ps`; state.ip is left empty.
struct ListedPod {
  PodState state;
  std::string infra_id;
  std::string status;  // "Running", "Degraded", "Exited", "Created", ...
};

// `podman ps -a --pod --format json`: the containers that are not infra containers, by name.
Result<std::vector<ContainerState>> ParseContainerList(std::string_view json);
// `podman container inspect --format json` (an array).
Result<std::vector<InspectedContainer>> ParseContainerInspect(std::string_view json);
// `podman pod inspect --format json` (an object in podman 4.3, an array later).
Result<ListedPod> ParsePodInspect(std::string_view json);
// `podman pod ps --format json`, by name.
Result<std::vector<ListedPod>> ParsePodList(std::string_view json);

// RFC 3339 with up to nanoseconds ("2026-11-22T06:16:41.118160185Z"); nullopt for Go's zero
// time ("0001-01-01T00:00:00Z") and anything unreadable.
std::optional<std::chrono::system_clock::time_point> ParseTimestamp(std::string_view text);

// podman's states as ContainerState.state says: "configured" and "initialized" are
// "created", "stopped" is "exited"; anything unknown is "unknown".
std::string NormalizeState(std::string_view podman_state);

// Merges the two streams of `podman logs --timestamps` (each line "RFC3339Nano text") in time
// order without the timestamps, and keeps at most the last `max_bytes`, cut at a line start
// when one is in reach.
std::string MergeLogs(std::string_view stdout_data, std::string_view stderr_data, size_t max_bytes);

// The error for a podman run that exited non-zero: "`what`: <podman's stderr, trimmed>",
// coded NotFound ("no such ...", "not known"), Conflict ("already in use", "already exists")
// or Unavailable.
Error PodmanError(std::string_view what, const ProcessResult& result);

}  // namespace capstan::target::local::podman_internal
