// Native Kustomize: builds a kustomization folder the way `kustomize build` does, without
// running kustomize. Output must equal the real kustomize (5.6/5.7) object for object and
// field for field; a field capstan does not support is an error naming it (or, when
// KustomizeOptions::fallback_binary is set, the real binary is run instead, and logged).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/fs.h"
#include "core/object.h"
#include "core/result.h"
#include "render/render.h"

namespace capstan::render {

struct KustomizeOutput {
  std::vector<Manifest> manifests;  // in kustomize's output order
  std::string namespace_;           // the top kustomization's `namespace:` field, if set
};

// Builds the kustomization in `dir` (relative to fs.root()). Every file read goes through
// `fs`, so nothing outside the root is read.
Result<KustomizeOutput> BuildKustomization(const RootedFs& fs, const std::filesystem::path& dir,
                                           const KustomizeOptions& options);

}  // namespace capstan::render
