// Internal to the kustomize builder: running a real kustomize binary for kustomizations
// that use what capstan does not build natively (helmCharts, plugins, remote bases...).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/object.h"
#include "core/result.h"

namespace capstan::render::kustomize {

// Runs `binary build <dir>` (argv, no shell) and parses its output. `why` says what made
// the fallback necessary, for the log line and errors. Errors: Unavailable when the binary
// cannot be run or fails (with the end of its stderr), Invalid when its output is not YAML.
Result<std::vector<Manifest>> RunFallbackKustomize(const std::string& binary,
                                                   const std::filesystem::path& dir,
                                                   const std::string& display,
                                                   const std::string& why);

}  // namespace capstan::render::kustomize
