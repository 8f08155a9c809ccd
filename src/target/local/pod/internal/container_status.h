// One containerStatuses[] entry from an observation (the kubelet's
// convertToAPIContainerStatuses for one container).
#pragma once

#include <string>

#include "core/value.h"
#include "target/local/pod/status.h"

namespace capstan::target::local::internal {

// `observation` may be null (nothing known yet). `default_reason` is ContainerCreating, or
// PodInitializing when the pod has init containers.
Value ContainerStatus(const std::string& name, const std::string& spec_image,
                      const ContainerObservation* observation, bool init,
                      const std::string& default_reason);

}  // namespace capstan::target::local::internal
