// PlanVolumes: where each volume lives on the host and the files of ConfigMap and Secret
// volumes, with the kubelet's FailedMount messages when something is missing.
#include <fmt/format.h>

#include "target/local/pod/internal/resolve.h"

namespace capstan::target::local::internal {

namespace {

// The kubelet's folder names under the pod's volumes/ folder.
std::string_view PluginFolder(VolumeSpec::Kind kind) {
  switch (kind) {
    case VolumeSpec::Kind::kConfigMap:
      return "kubernetes.io~configmap";
    case VolumeSpec::Kind::kSecret:
      return "kubernetes.io~secret";
    case VolumeSpec::Kind::kEmptyDir:
      break;
  }
  return "kubernetes.io~empty-dir";
}

// The files of one ConfigMap or Secret volume; a message when it cannot be set up.
std::string PlanFiles(const VolumeSpec& volume, const std::filesystem::path& dir,
                      ObjectCache& objects, PodPlan& plan) {
  bool secret = volume.kind == VolumeSpec::Kind::kSecret;
  const Value* object = objects.Get(secret ? "Secret" : "ConfigMap", volume.object);
  if (object == nullptr) {
    if (volume.optional) return {};  // an empty folder, as Kubernetes mounts
    return fmt::format("{} \"{}\" not found", secret ? "secret" : "configmap", volume.object);
  }
  std::vector<std::pair<std::string, std::string>> entries = ObjectEntries(*object, secret, true);
  if (volume.items.empty()) {
    for (auto& [key, content] : entries) {
      // Kubernetes refuses such keys when the object is written; a local store may not.
      if (key.find('/') != std::string::npos || key == "." || key.rfind("..", 0) == 0) {
        plan.warnings.push_back(
            fmt::format("volume \"{}\": key {} skipped: not a file name", volume.name, key));
        continue;
      }
      plan.files.push_back(VolumeFile{dir / key, std::move(content), volume.default_mode});
    }
    return {};
  }
  for (const KeyToPath& item : volume.items) {
    const std::string* content = nullptr;
    for (const auto& entry : entries) {
      if (entry.first == item.key) content = &entry.second;
    }
    if (content == nullptr) {
      if (volume.optional) continue;
      return secret ? fmt::format("references non-existent secret key: {}", item.key)
                    : fmt::format("configmap references non-existent config key: {}", item.key);
    }
    plan.files.push_back(
        VolumeFile{dir / item.path, *content, item.mode.value_or(volume.default_mode)});
  }
  return {};
}

}  // namespace

std::map<std::string, VolumeDir> PlanVolumes(const std::vector<VolumeSpec>& volumes,
                                             const std::filesystem::path& data_dir,
                                             ObjectCache& objects, PodPlan& plan) {
  std::map<std::string, VolumeDir> dirs;
  for (const VolumeSpec& volume : volumes) {
    VolumeDir dir;
    dir.path = data_dir / "volumes" / std::string(PluginFolder(volume.kind)) / volume.name;
    dir.empty_dir = volume.kind == VolumeSpec::Kind::kEmptyDir;
    dir.read_only = !dir.empty_dir;  // ConfigMap and Secret volumes are always read-only
    if (dir.empty_dir) {
      plan.empty_dirs.push_back(dir.path);
    } else {
      plan.config_dirs.push_back(dir.path);
      size_t files_before = plan.files.size();
      std::string error = PlanFiles(volume, dir.path, objects, plan);
      if (!error.empty()) {
        plan.files.resize(files_before);
        if (plan.mount_error.empty()) {
          plan.mount_error =
              fmt::format("MountVolume.SetUp failed for volume \"{}\" : {}", volume.name, error);
        }
      }
    }
    dirs.emplace(volume.name, std::move(dir));
  }
  return dirs;
}

}  // namespace capstan::target::local::internal
