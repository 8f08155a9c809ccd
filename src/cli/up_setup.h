// What `capstan up` prepares before it serves: podman's configuration, the demo image
// (v1 and v2, built with buildah from the static demo app), and a local Git repository made
// from the demo folder. Each step is idempotent: a second `capstan up` reuses what exists.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.h"

namespace capstan::cli {

// Points podman and buildah at <state>/podman/containers.conf (runc, ulimits this machine
// allows) unless CONTAINERS_CONF is set already. Call before any thread starts.
Status ConfigurePodman(const std::filesystem::path& state);

// The demo app binary: `flag` when set, else capstan-demo-app beside the capstan binary or
// in the build tree. NotFound says how to build it.
Result<std::filesystem::path> FindDemoApp(const std::string& flag);

// Builds localhost/capstan-demo:v1 and :v2 from `binary` unless images built from the same
// binary exist. Returns a line per image for the user.
Result<std::string> BuildDemoImages(const std::filesystem::path& binary,
                                    const std::filesystem::path& state);

// <state>/repo: a Git repository holding `demo_dir`'s files, with ${CAPSTAN_UP_REPO} in
// applications/*.yaml replaced by the repository's file:// URL, committed on branch main.
// An existing repository is kept as it is (it holds the user's commits). Returns its URL.
Result<std::string> PrepareDemoRepository(const std::filesystem::path& demo_dir,
                                          const std::filesystem::path& state);

}  // namespace capstan::cli
