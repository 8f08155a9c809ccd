// User rules compiled for evaluation: paths parsed and regular expressions built once.
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "core/result.h"
#include "policy/internal/check.h"
#include "policy/internal/field_path.h"
#include "policy/policy.h"

namespace capstan::policy::internal {

// Longest regex pattern accepted, and longest string a regex is run over. std::regex
// backtracks recursively, so both are bounded to keep matching fast and the stack safe;
// longer values fail the condition with a message saying so.
inline constexpr size_t kMaxPatternLength = 1024;
inline constexpr size_t kMaxMatchInput = 1024;

struct CompiledCondition {
  const Condition* condition = nullptr;  // not owned
  std::vector<PathStep> steps;
  std::optional<std::regex> regex;  // for kMatches / kNotMatches
};

// Checks and compiles one condition. Errors name the field relative to the condition:
// `path: empty key at column 10`, `matches: invalid regular expression: ...`,
// `greaterThan: expected a number`.
Result<CompiledCondition> CompileCondition(const Condition& condition);

// Why `field` fails the condition ("is missing", "does not match ^x"), or nullopt if it holds.
std::optional<std::string> FailureOf(const CompiledCondition& condition, const Value* field);

// Whether `object` is one `match` selects.
bool Matches(const RuleMatch& match, const Value& object);

// Runs `rule` over every manifest. REQUIRES: the rule's conditions compile (ParsePolicy
// checks this); a condition that does not is reported on each matched object instead.
void CheckUserRule(const UserRule& rule, const CheckInput& input, FindingSink& sink);

}  // namespace capstan::policy::internal
