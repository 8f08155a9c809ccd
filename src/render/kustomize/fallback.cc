#include "render/kustomize/fallback.h"

#include <fmt/format.h>

#include "core/log.h"
#include "core/process.h"
#include "core/yaml.h"

namespace capstan::render::kustomize {

Result<std::vector<Manifest>> RunFallbackKustomize(const std::string& binary,
                                                   const std::filesystem::path& dir,
                                                   const std::string& display,
                                                   const std::string& why) {
  Log(LogLevel::kInfo, "kustomize {}: {}; building it with {} instead", display, why, binary);
  ProcessOptions options;
  options.argv = {binary, "build", dir.string()};
  options.install_hint = "set the kustomize fallback binary to an installed kustomize";
  auto ran = RunProcess(options);
  if (!ran.ok()) return std::move(ran).error().Wrap(fmt::format("kustomize fallback {}", display));
  if (!ran->success()) {
    return Error::Unavailable(fmt::format("kustomize fallback {}: {} {}: {}", display, binary,
                                          ran->Describe(), TrimProgramOutput(ran->stderr_data)));
  }
  auto documents = ParseYamlStream(ran->stdout_data, fmt::format("{} build {}", binary, display));
  if (!documents.ok()) return std::move(documents).error();
  std::vector<Manifest> manifests;
  for (auto& document : *documents) {
    if (document.value.is_null()) continue;
    manifests.push_back(Manifest{std::move(document.value), ""});
  }
  return manifests;
}

}  // namespace capstan::render::kustomize
