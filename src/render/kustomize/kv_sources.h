// Internal to the kustomize builder: the key/value pairs of one generator, from its env
// files, literals ("key=value", surrounding quotes removed) and files ("path" keyed by
// the file's base name, or "key=path"), in that order, as kustomize reads them.
#pragma once

#include <map>
#include <string>

#include "core/result.h"
#include "render/kustomize/kustomization.h"
#include "render/kustomize/loader.h"

namespace capstan::render::kustomize {

// Keys sorted. Errors name the kustomization file, the generator entry and the source:
// an invalid key (ConfigMap keys are [-._a-zA-Z0-9]+), a key given twice, a literal
// without "=", an env line whose name is not a valid variable name, a missing file.
Result<std::map<std::string, std::string>> LoadKeyValues(const GeneratorArgs& args,
                                                         const FileLoader& loader,
                                                         std::string_view field);

}  // namespace capstan::render::kustomize
