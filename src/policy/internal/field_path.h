// Field paths in user rules: `spec.template.spec.containers[*].image`.
//
// Grammar: a key, then any of `.key`, `[N]` (list index), `[*]` (every list element or map
// value) and `["key"]` / `['key']` (a key holding dots, like a label name). Plain keys are
// any characters but `.`, `[`, `]`, quotes and whitespace.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace capstan::policy::internal {

struct PathStep {
  enum class Kind { kKey, kIndex, kEvery };
  Kind kind = Kind::kKey;
  std::string key;   // kKey
  size_t index = 0;  // kIndex
};

// Parses `text`; errors say what is wrong and where: `unexpected "]" at column 7`.
Result<std::vector<PathStep>> ParseFieldPath(std::string_view text);

// One field a path reaches, or the first step it could not take.
struct FieldMatch {
  std::string path;              // concrete: `spec.containers[1].image`
  const Value* value = nullptr;  // null when the field is missing (or null)
};

// Every field `steps` reaches from `root`. A missing step yields one FieldMatch with a null
// value at the path so far plus that step; `[*]` over an empty list yields nothing (so a
// condition on it holds vacuously) and over a missing or scalar field yields one missing match.
std::vector<FieldMatch> ResolveFieldPath(const Value& root, const std::vector<PathStep>& steps);

}  // namespace capstan::policy::internal
