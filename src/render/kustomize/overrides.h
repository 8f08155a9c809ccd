// Argo CD's spec.source.kustomize settings, applied to the top kustomization as `kustomize
// edit` would write them (see KustomizeOverrides in render/render.h).
#pragma once

#include <string_view>

#include "core/result.h"
#include "render/kustomize/kustomization.h"
#include "render/render.h"

namespace capstan::render::kustomize {

// Parses one `kustomize edit set image` argument: "name=newName:tag", "name=newName@digest",
// "name=newName", "name:tag", "name@digest". Invalid for an empty name or an argument with
// nothing to set.
Result<ImageEntry> ParseImageOverride(std::string_view argument);

// Changes `k` as `kustomize edit` would. Errors name the offending image argument.
Status ApplyOverrides(Kustomization& k, const KustomizeOverrides& overrides);

}  // namespace capstan::render::kustomize
