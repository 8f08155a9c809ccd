#include "render/kustomize/kustomize.h"

#include <fmt/format.h>

#include <algorithm>

#include "render/kustomize/accumulate.h"
#include "render/kustomize/fallback.h"
#include "render/kustomize/hash_suffix.h"
#include "render/kustomize/kustomization.h"
#include "render/kustomize/name_reference.h"
#include "render/kustomize/sort_order.h"

namespace capstan::render {
namespace {

using kustomize::ResMap;

constexpr std::string_view kLocalConfigAnnotation = "config.kubernetes.io/local-config";

// kustomize prints every map with its keys sorted (it goes through Go's JSON encoder);
// doing the same makes capstan's YAML identical to kustomize's, not just equal.
void SortKeys(Value& value) {
  if (value.is_array()) {
    for (Value& element : value.as_array()) SortKeys(element);
  } else if (value.is_object()) {
    auto& members = value.as_object();
    std::sort(members.begin(), members.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& member : members) SortKeys(member.second);
  }
}

// The steps kustomize runs once, on the top folder's result.
Status Finish(ResMap& resources, const kustomize::Kustomization& top) {
  for (auto& resource : resources) {
    if (!resource.needs_hash) continue;
    auto suffix = kustomize::NameHashSuffix(resource.object);
    if (!suffix.ok()) return std::move(suffix).error();
    resource.StorePreviousId();
    std::string name(resource.object.StringAt({"metadata", "name"}));
    resource.object["metadata"].Set("name", fmt::format("{}-{}", name, *suffix));
  }
  CAPSTAN_TRY(kustomize::FixNameReferences(resources));
  ResMap kept;
  for (auto& resource : resources) {
    const Value* local = resource.object.At({"metadata", "annotations"});
    local = local ? local->Find(kLocalConfigAnnotation) : nullptr;
    if (local != nullptr && kustomize::ScalarText(*local) != "false") continue;
    kept.push_back(std::move(resource));
  }
  resources = std::move(kept);
  kustomize::SortResources(resources, top.sort_options);
  for (auto& resource : resources) SortKeys(resource.object);
  return OkStatus();
}

}  // namespace

Result<KustomizeOutput> BuildKustomization(const RootedFs& fs, const std::filesystem::path& dir,
                                           const KustomizeOptions& options) {
  auto absolute = fs.Resolve("", dir.string());
  if (!absolute.ok()) return std::move(absolute).error();
  std::string display = fs.Display(*absolute);
  kustomize::BuildState state{fs, {}, {}, &options.overrides};
  ResMap resources;
  kustomize::Kustomization top;
  Status status = kustomize::AccumulateDirectory(state, *absolute, nullptr, &resources, &top);
  if (status.ok()) status = Finish(resources, top);
  if (!status.ok()) {
    if (state.unsupported.empty() || options.fallback_binary.empty()) {
      return std::move(status).error();
    }
    if (!options.overrides.empty()) {
      // The fallback binary builds the files as written; the overrides would be lost.
      return Error::Invalid(
          fmt::format("{}: uses {}, which needs the kustomize binary, and the Application sets "
                      "spec.source.kustomize overrides, which capstan applies only natively",
                      display, state.unsupported));
    }
    auto manifests = kustomize::RunFallbackKustomize(options.fallback_binary, *absolute, display,
                                                     "uses " + state.unsupported);
    if (!manifests.ok()) return std::move(manifests).error();
    KustomizeOutput output;
    output.manifests = std::move(*manifests);
    if (auto top_file = kustomize::LoadKustomization(fs, *absolute); top_file.ok()) {
      output.namespace_ = top_file->ns;
    }
    return output;
  }
  KustomizeOutput output;
  output.namespace_ = top.ns;
  output.manifests.reserve(resources.size());
  for (auto& resource : resources) {
    output.manifests.push_back(Manifest{std::move(resource.object), std::move(resource.source)});
  }
  return output;
}

}  // namespace capstan::render
