// Internal to the kustomize builder: the content hash kustomize appends to the names of
// generated ConfigMaps and Secrets ("app-config" -> "app-config-h29d89cmmt").
//
// kustomize hashes a small JSON document, encoded as Go's encoding/json would (keys
// sorted, `<`, `>` and `&` escaped as \u003c...), SHA-256s it and keeps the first ten
// hex digits with 0, 1, 3, a, e replaced by g, h, k, m, t (so the suffix never reads as a
// number or a word). For a ConfigMap the document is
//   {"binaryData": <only when a map>, "data": <map, or "" when absent>,
//    "kind": "ConfigMap", "name": ""}
// and for a Secret
//   {"data": <map or "">, "kind": "Secret", "name": "", "stringData": <only when a map>,
//    "type": <string or "">}.
// The name is always empty: kustomize looks it up under a key that never matches, so the
// hash depends on the content alone. Worked example: data {a: "1"} -> "h29d89cmmt".
#pragma once

#include <string>

#include "core/result.h"
#include "core/value.h"

namespace capstan::render::kustomize {

// The suffix for a ConfigMap or Secret object. Invalid for other kinds.
Result<std::string> NameHashSuffix(const Value& object);

// `value` encoded as Go's json.Marshal encodes the same data (exposed for tests).
std::string GoJson(const Value& value);

}  // namespace capstan::render::kustomize
