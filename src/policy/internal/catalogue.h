// The built-in rules as data: id, default severity, description, the function that checks
// it, and the kube-linter checks whose ignore annotations also silence it.
#pragma once

#include <span>
#include <string_view>

#include "policy/internal/check.h"
#include "policy/policy.h"

namespace capstan::policy::internal {

struct BuiltinRule {
  std::string_view id;
  Severity severity;
  std::string_view description;
  CheckFn check;
  // kube-linter check names that mean the same thing; `ignore-check.kube-linter.io/<name>`
  // for any of them suppresses this rule.
  std::span<const std::string_view> kube_linter_checks;
  // kube-linter checks that each cover part of this rule: the rule is suppressed when all
  // of them are ignored (one alone narrows what the check itself looks at).
  std::span<const std::string_view> kube_linter_parts = {};
};

// In docs/policy.md order.
std::span<const BuiltinRule> Catalogue();

// The entry called `id`, or nullptr.
const BuiltinRule* FindBuiltin(std::string_view id);

}  // namespace capstan::policy::internal
