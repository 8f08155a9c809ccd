// Internal to the kustomize builder: building one kustomization folder into its list of
// objects, recursively, in kustomize's order:
//   1. resources (files, and folders built as kustomizations of their own), in order;
//   2. configMapGenerator, then secretGenerator output, merged into what is there;
//   3. components, each applied to everything accumulated so far;
//   4. transformers: patchesStrategicMerge, patches, namespace, namePrefix, nameSuffix,
//      labels (each entry, then commonLabels), commonAnnotations, patchesJson6902,
//      replicas, images, replacements.
// Hash suffixes, name references and the output order are applied once, by the caller,
// to the top folder's result.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/fs.h"
#include "core/result.h"
#include "render/kustomize/kustomization.h"
#include "render/kustomize/resource.h"
#include "render/render.h"

namespace capstan::render::kustomize {

struct BuildState {
  const RootedFs& fs;
  // Folders being built, outermost first (kustomize refuses a base that contains one).
  std::vector<std::filesystem::path> stack;
  // Set when the build stopped at something capstan does not build natively; names it
  // ("helmCharts in apps/web/kustomization.yaml").
  std::string unsupported;
  // Applied to the top kustomization only (Argo CD's spec.source.kustomize). May be null.
  const KustomizeOverrides* overrides = nullptr;
};

// Builds the kustomization in `dir` (absolute). With `into` set, `dir` must hold a
// Component, which is applied to `*into` in place; otherwise it must hold a
// Kustomization and a fresh list is built. `*kustomization` receives the file read.
Status AccumulateDirectory(BuildState& state, const std::filesystem::path& dir, ResMap* into,
                           ResMap* out, Kustomization* kustomization);

}  // namespace capstan::render::kustomize
