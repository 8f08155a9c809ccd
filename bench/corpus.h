// Synthetic but realistic manifests for benchmarks: Deployments, Services and ConfigMaps
// like those in a mid-sized monorepo.
#pragma once

#include <string>

namespace capstan::bench {

// A YAML stream of `count` objects (a third each Deployment, Service, ConfigMap).
std::string ManifestStream(int count);

}  // namespace capstan::bench
