// Internal to the kustomize builder: readers for the structured entries of a
// kustomization file (generators, labels, images, replicas, patches, sortOptions), each
// refusing unknown fields and wrongly typed values as kustomize does.
#pragma once

#include <vector>

#include "render/kustomize/kustomization.h"
#include "render/kustomize/typed_reader.h"

namespace capstan::render::kustomize {

Status ParseGeneratorOptions(const TypedReader& reader, GeneratorOptions& out);
Status ParseGenerator(const TypedReader& reader, bool secret, std::vector<GeneratorArgs>& out);
Status ParseLabelEntry(const TypedReader& reader, std::vector<LabelEntry>& out);
Status ParseImage(const TypedReader& reader, std::vector<ImageEntry>& out);
Status ParseReplica(const TypedReader& reader, std::vector<ReplicaEntry>& out);
Status ParsePatch(const TypedReader& reader, std::vector<PatchEntry>& out);
Status ParseSortOptions(const TypedReader& reader, SortOptions& out);

}  // namespace capstan::render::kustomize
