// Internal to the kustomize builder: configMapGenerator and secretGenerator.
//
// Data comes from env files first, then literals, then files, as in kustomize; a key
// given twice is an error. ConfigMap values that are not valid UTF-8 go to binaryData;
// Secret values are base64-encoded (wrapped at 70 characters like kustomize's encoder).
// Options are the generator's own `options` with the kustomization's `generatorOptions`
// filled in (the local value wins for labels and annotations; either side may turn on
// disableNameSuffixHash and immutable).
#pragma once

#include <optional>

#include "core/result.h"
#include "render/kustomize/kustomization.h"
#include "render/kustomize/loader.h"
#include "render/kustomize/resource.h"

namespace capstan::render::kustomize {

// `field` names the entry for messages ("configMapGenerator[0]").
Result<Resource> GenerateConfigMap(const GeneratorArgs& args,
                                   const std::optional<GeneratorOptions>& global,
                                   const FileLoader& loader, std::string_view field);
Result<Resource> GenerateSecret(const GeneratorArgs& args,
                                const std::optional<GeneratorOptions>& global,
                                const FileLoader& loader, std::string_view field);

// kustomize's base64 encoding of generated data (exposed for tests).
std::string EncodeGeneratedBase64(std::string_view data);

// Whether `text` is valid UTF-8.
bool IsValidUtf8(std::string_view text);

}  // namespace capstan::render::kustomize
