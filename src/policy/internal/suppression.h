// Per-object opt-outs: the annotations that silence rules on one object.
#pragma once

#include <string_view>

#include "core/value.h"

namespace capstan::policy::internal {

// capstan's own annotation: a comma-separated list of rule ids, or "*" for all.
inline constexpr std::string_view kIgnoreRulesAnnotation = "capstan.dev/ignore-rules";
// kube-linter's: `ignore-check.kube-linter.io/<check>` per check, `kube-linter.io/ignore-all`.
inline constexpr std::string_view kKubeLinterIgnorePrefix = "ignore-check.kube-linter.io/";
inline constexpr std::string_view kKubeLinterIgnoreAll = "kube-linter.io/ignore-all";

// Whether `object`'s annotations silence rule `rule_id`, through capstan's annotation or a
// kube-linter annotation for a check that maps to the rule (catalogue.cc lists the map).
bool IsSuppressed(const Value& object, std::string_view rule_id);

// Whether `object` carries `ignore-check.kube-linter.io/<check>`. For checks that cover only
// part of one of our rules (unset-cpu-requirements within missing-resources).
bool HasKubeLinterIgnore(const Value& object, std::string_view check);

}  // namespace capstan::policy::internal
