// Internal to the kustomize builder: the pipeline's side of patching. Reads the patch
// fields of one kustomization, finds their targets the way kustomize does (by an
// object's original or current name and namespace, or by the patch's own id), and calls
// the primitives in patch.h. Also loads `replacements` entries given by `path:`.
#pragma once

#include "core/result.h"
#include "render/kustomize/kustomization.h"
#include "render/kustomize/loader.h"
#include "render/kustomize/resource.h"

namespace capstan::render::kustomize {

// `patchesStrategicMerge`: each entry a file or an inline patch; each patch document
// targets the one object with its apiVersion, kind, name and namespace.
Status ApplyPatchesStrategicMerge(ResMap& resources, const Kustomization& k,
                                  const FileLoader& loader);

// `patches`: strategic-merge or JSON 6902 patches, by target selector or (strategic merge
// only) by the patch's own id.
Status ApplyPatches(ResMap& resources, const Kustomization& k, const FileLoader& loader);

// `patchesJson6902`: JSON 6902 operations (JSON or YAML) on the selected objects.
Status ApplyPatchesJson6902(ResMap& resources, const Kustomization& k, const FileLoader& loader);

// `replacements`.
Status ApplyReplacementsField(ResMap& resources, const Kustomization& k, const FileLoader& loader);

}  // namespace capstan::render::kustomize
