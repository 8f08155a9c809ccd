// Internal to the kustomize builder: turning YAML text into objects as kustomize reads a
// resource file: empty documents are skipped, `kind: ...List` documents with `items` are
// replaced by their items, every object needs a kind and a metadata.name, and a null
// list element anywhere is an error.
#pragma once

#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace capstan::render::kustomize {

// `source` names the text in errors (file:line:col for YAML errors).
Result<std::vector<Value>> ReadObjects(std::string_view text, std::string_view source);

}  // namespace capstan::render::kustomize
