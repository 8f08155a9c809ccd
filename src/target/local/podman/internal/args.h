// podman's command lines, built from capstan's types (pure, unit-tested).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/result.h"
#include "target/local/podman/podman.h"

namespace capstan::target::local::podman_internal {

// `create ...` (without the program name) for `spec`. Invalid, naming the container and the
// field, when podman cannot express it: no name or image, a mount path that is not absolute
// or holds ':' or ',', an environment variable name that is empty or holds '='.
Result<std::vector<std::string>> CreateContainerArgs(const ContainerSpec& spec);

// `pod create ...` for the pod `name`: hostname `name`, infra container InfraName(name).
std::vector<std::string> CreatePodArgs(const std::string& name,
                                       const std::map<std::string, std::string>& labels);

// The infra container's name: "<pod>.infra" (a dot, so no "<pod>-<container>" name clashes).
std::string InfraName(const std::string& pod);

// "--filter", "label=k=v" for each label (podman ANDs label filters).
std::vector<std::string> LabelFilters(const std::map<std::string, std::string>& selector);

// CPU millicores as podman's --cpus: 500 -> "0.500", 2000 -> "2.000".
std::string CpusFlag(int64_t millis);

}  // namespace capstan::target::local::podman_internal
