#include "render/kustomize/accumulate.h"

#include <fmt/format.h>

#include "render/kustomize/apply_patches.h"
#include "render/kustomize/builtin_config.h"
#include "render/kustomize/generator.h"
#include "render/kustomize/loader.h"
#include "render/kustomize/overrides.h"
#include "render/kustomize/resource_reader.h"
#include "render/kustomize/transformers.h"

namespace capstan::render::kustomize {
namespace {

namespace stdfs = std::filesystem;

Error Unsupported(BuildState& state, std::string what) {
  state.unsupported = what;
  return Error::Invalid(fmt::format(
      "{} is not supported by capstan's built-in kustomize (set a fallback kustomize binary to "
      "build it with the real one)",
      what));
}

bool IsAncestorOrSame(const stdfs::path& candidate, const stdfs::path& dir) {
  auto c = candidate.begin();
  for (auto d = dir.begin(); c != candidate.end(); ++c, ++d) {
    if (d == dir.end() || *c != *d) return false;
  }
  return true;
}

Status AddResourceFile(const FileLoader& loader, const std::string& entry, ResMap& ra) {
  auto text = loader.Read(entry, "resources");
  if (!text.ok()) return std::move(text).error();
  stdfs::path shown = stdfs::path(loader.fs().Display(loader.dir())) / entry;
  std::string source = shown.lexically_normal().string();
  auto objects = ReadObjects(*text, source);
  if (!objects.ok()) return std::move(objects).error();
  for (auto& object : *objects) {
    Resource resource;
    resource.object = std::move(object);
    resource.source = source;
    auto appended = AppendResource(ra, std::move(resource));
    if (!appended.ok()) return std::move(appended).error().Wrap(loader.file());
  }
  return OkStatus();
}

Status AddResources(BuildState& state, const Kustomization& k, const FileLoader& loader,
                    ResMap& ra) {
  for (const auto& entry : k.resources) {
    if (IsRemoteEntry(entry)) {
      return Unsupported(state, fmt::format("remote resource \"{}\" in {}", entry, k.file));
    }
    bool is_directory = false;
    auto path = loader.Resolve(entry, "resources", &is_directory);
    if (!path.ok()) return std::move(path).error();
    if (!is_directory) {
      CAPSTAN_TRY(AddResourceFile(loader, entry, ra));
      continue;
    }
    ResMap sub;
    Kustomization sub_k;
    auto status = AccumulateDirectory(state, *path, nullptr, &sub, &sub_k);
    if (!status.ok()) return status;
    for (auto& resource : sub) {
      auto appended = AppendResource(ra, std::move(resource));
      if (!appended.ok()) return std::move(appended).error().Wrap(k.file);
    }
  }
  return OkStatus();
}

Status RunGenerators(const Kustomization& k, const FileLoader& loader, ResMap& ra) {
  for (size_t i = 0; i < k.config_maps.size(); ++i) {
    auto generated = GenerateConfigMap(k.config_maps[i], k.generator_options, loader,
                                       fmt::format("configMapGenerator[{}]", i));
    if (!generated.ok()) return std::move(generated).error();
    auto status = AbsorbGenerated(ra, std::move(*generated));
    if (!status.ok()) return std::move(status).error().Wrap(k.file);
  }
  for (size_t i = 0; i < k.secrets.size(); ++i) {
    auto generated = GenerateSecret(k.secrets[i], k.generator_options, loader,
                                    fmt::format("secretGenerator[{}]", i));
    if (!generated.ok()) return std::move(generated).error();
    auto status = AbsorbGenerated(ra, std::move(*generated));
    if (!status.ok()) return std::move(status).error().Wrap(k.file);
  }
  return OkStatus();
}

Status RunTransformers(const Kustomization& k, const FileLoader& loader, ResMap& ra) {
  auto wrap = [&](Status status) -> Status {
    if (status.ok()) return status;
    if (status.error().message().starts_with(k.file)) return status;
    return std::move(status).error().Wrap(k.file);
  };
  CAPSTAN_TRY(wrap(ApplyPatchesStrategicMerge(ra, k, loader)));
  CAPSTAN_TRY(wrap(ApplyPatches(ra, k, loader)));
  if (!k.ns.empty()) CAPSTAN_TRY(wrap(ApplyNamespace(ra, k.ns)));
  if (!k.name_prefix.empty()) CAPSTAN_TRY(wrap(ApplyNamePrefix(ra, k.name_prefix)));
  if (!k.name_suffix.empty()) CAPSTAN_TRY(wrap(ApplyNameSuffix(ra, k.name_suffix)));
  for (const auto& entry : k.labels) {
    CAPSTAN_TRY(wrap(ApplyLabels(ra, entry.pairs, LabelEntrySpecs(entry))));
  }
  CAPSTAN_TRY(wrap(ApplyLabels(ra, k.common_labels, CommonLabelSpecs())));
  CAPSTAN_TRY(wrap(ApplyAnnotations(ra, k.common_annotations)));
  CAPSTAN_TRY(wrap(ApplyPatchesJson6902(ra, k, loader)));
  for (const auto& replica : k.replicas) CAPSTAN_TRY(wrap(ApplyReplicas(ra, replica)));
  for (const auto& image : k.images) CAPSTAN_TRY(wrap(ApplyImage(ra, image)));
  CAPSTAN_TRY(wrap(ApplyReplacementsField(ra, k, loader)));
  return OkStatus();
}

}  // namespace

Status AccumulateDirectory(BuildState& state, const stdfs::path& dir, ResMap* into, ResMap* out,
                           Kustomization* kustomization) {
  for (const auto& visited : state.stack) {
    if (IsAncestorOrSame(dir, visited)) {
      return Error::Invalid(fmt::format(
          "{}: cycle: {} refers to this folder (directly or through its bases), which contains it",
          state.fs.Display(dir), state.fs.Display(visited)));
    }
  }
  auto loaded = LoadKustomization(state.fs, dir);
  if (!loaded.ok()) return std::move(loaded).error();
  Kustomization& k = *loaded;
  bool component = into != nullptr;
  if (state.stack.empty() && !component && state.overrides != nullptr) {
    CAPSTAN_TRY(ApplyOverrides(k, *state.overrides));
  }
  if (component && !k.is_component) {
    return Error::Invalid(
        fmt::format("{}: listed under components, but its kind is not Component", k.file));
  }
  if (!component && k.is_component) {
    return Error::Invalid(
        fmt::format("{}: a Component can only be listed under components, not resources", k.file));
  }
  if (!k.unsupported.empty()) {
    std::string fields;
    for (const auto& field : k.unsupported) fields += (fields.empty() ? "" : ", ") + field;
    return Unsupported(state, fmt::format("{} (in {})", fields, k.file));
  }
  FileLoader loader(state.fs, dir, k.file);
  state.stack.push_back(dir);
  ResMap own;
  ResMap& ra = component ? *into : own;
  Status status = AddResources(state, k, loader, ra);
  if (status.ok()) status = RunGenerators(k, loader, ra);
  for (const auto& entry : k.components) {
    if (!status.ok()) break;
    if (IsRemoteEntry(entry)) {
      status = Unsupported(state, fmt::format("remote component \"{}\" in {}", entry, k.file));
      break;
    }
    bool is_directory = false;
    auto path = loader.Resolve(entry, "components", &is_directory);
    if (!path.ok()) {
      status = std::move(path).error();
    } else if (!is_directory) {
      status = Error::Invalid(
          fmt::format("{}: components entry \"{}\" must be a folder", k.file, entry));
    } else {
      Kustomization component_k;
      status = AccumulateDirectory(state, *path, &ra, nullptr, &component_k);
    }
  }
  if (status.ok()) status = RunTransformers(k, loader, ra);
  state.stack.pop_back();
  if (!status.ok()) return status;
  if (!component) *out = std::move(own);
  *kustomization = std::move(k);
  return OkStatus();
}

}  // namespace capstan::render::kustomize
