// User rules: compile their conditions once, then check every object the rule matches.
#include "policy/internal/user_rules.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/object.h"
#include "policy/internal/workload.h"

namespace capstan::policy {

std::string_view ConditionOpName(ConditionOp op) {
  switch (op) {
    case ConditionOp::kExists:
      return "exists";
    case ConditionOp::kEquals:
      return "equals";
    case ConditionOp::kNotEquals:
      return "notEquals";
    case ConditionOp::kOneOf:
      return "oneOf";
    case ConditionOp::kNotOneOf:
      return "notOneOf";
    case ConditionOp::kMatches:
      return "matches";
    case ConditionOp::kNotMatches:
      return "notMatches";
    case ConditionOp::kLessThan:
      return "lessThan";
    case ConditionOp::kLessThanOrEqual:
      return "lessThanOrEqual";
    case ConditionOp::kGreaterThan:
      return "greaterThan";
    case ConditionOp::kGreaterThanOrEqual:
      return "greaterThanOrEqual";
  }
  return "unknown";
}

namespace internal {
namespace {

// What each operator needs its operand to be, as said in an error.
std::optional<std::string_view> OperandProblem(const Condition& c) {
  switch (c.op) {
    case ConditionOp::kExists:
      return c.operand.is_bool() ? std::nullopt : std::optional("expected true or false");
    case ConditionOp::kOneOf:
    case ConditionOp::kNotOneOf:
      return c.operand.is_array() ? std::nullopt : std::optional("expected a list");
    case ConditionOp::kMatches:
    case ConditionOp::kNotMatches:
      return c.operand.is_string() ? std::nullopt
                                   : std::optional("expected a regular expression string");
    case ConditionOp::kLessThan:
    case ConditionOp::kLessThanOrEqual:
    case ConditionOp::kGreaterThan:
    case ConditionOp::kGreaterThanOrEqual:
      return c.operand.is_number() ? std::nullopt : std::optional("expected a number");
    case ConditionOp::kEquals:
    case ConditionOp::kNotEquals:
      return std::nullopt;
  }
  return "unknown operator";
}

}  // namespace

Result<CompiledCondition> CompileCondition(const Condition& condition) {
  CompiledCondition out;
  out.condition = &condition;
  auto steps = ParseFieldPath(condition.path);
  if (!steps.ok()) return std::move(steps).error().Wrap("path");
  out.steps = std::move(steps).value();
  std::string_view op = ConditionOpName(condition.op);
  if (auto problem = OperandProblem(condition)) {
    return Error::Invalid(fmt::format("{}: {}", op, *problem));
  }
  if (condition.op == ConditionOp::kMatches || condition.op == ConditionOp::kNotMatches) {
    const std::string& pattern = condition.operand.as_string();
    if (pattern.size() > kMaxPatternLength) {
      return Error::Invalid(
          fmt::format("{}: the pattern is longer than {} characters", op, kMaxPatternLength));
    }
    try {
      out.regex.emplace(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Error::Invalid(
          fmt::format("{}: invalid regular expression /{}/: {}", op, pattern, e.what()));
    }
  }
  return out;
}

bool Matches(const RuleMatch& match, const Value& object) {
  if (!match.kinds.empty() &&
      std::find(match.kinds.begin(), match.kinds.end(), KindOf(object)) == match.kinds.end()) {
    return false;
  }
  if (!match.namespaces.empty() && std::find(match.namespaces.begin(), match.namespaces.end(),
                                             NamespaceOf(object)) == match.namespaces.end()) {
    return false;
  }
  const Value* labels = object.At({"metadata", "labels"});
  for (const auto& [key, want] : match.labels) {
    const Value* have = labels != nullptr ? labels->Find(key) : nullptr;
    if (have == nullptr || !have->is_string() || have->as_string() != want) return false;
  }
  return true;
}

void CheckUserRule(const UserRule& rule, const CheckInput& input, FindingSink& sink) {
  std::vector<CompiledCondition> conditions;
  std::vector<std::string> broken;  // compile errors, reported rather than dropped
  for (size_t i = 0; i < rule.require.size(); ++i) {
    auto compiled = CompileCondition(rule.require[i]);
    if (compiled.ok()) {
      conditions.push_back(std::move(compiled).value());
    } else {
      broken.push_back(fmt::format("require[{}].{}", i, compiled.error().message()));
    }
  }
  const std::string& hint = rule.rule.description;
  for (size_t m = 0; m < input.manifests.size(); ++m) {
    const Value& object = input.manifests[m].object;
    if (!Matches(rule.match, object)) continue;
    for (const std::string& error : broken) {
      sink.Add(m, "", std::nullopt, fmt::format("the policy rule is invalid: {}", error));
    }
    for (const CompiledCondition& c : conditions) {
      for (const FieldMatch& field : ResolveFieldPath(object, c.steps)) {
        auto failure = FailureOf(c, field.value);
        if (!failure) continue;
        std::optional<Value> shown;
        if (field.value != nullptr && !field.value->is_object() && !field.value->is_array()) {
          shown = *field.value;
        }
        sink.Add(m, field.path, shown,
                 hint.empty() ? *failure : fmt::format("{}: {}", *failure, hint));
      }
    }
  }
}

}  // namespace internal
}  // namespace capstan::policy
