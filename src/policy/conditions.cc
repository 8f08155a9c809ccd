// The operators of user-rule conditions (docs/policy.md "Conditions" is the reference).
#include <fmt/format.h>

#include <algorithm>

#include "core/json.h"
#include "policy/internal/user_rules.h"

namespace capstan::policy::internal {
namespace {

std::string Show(const Value& v) { return EmitJson(v); }

bool IsComparison(ConditionOp op) {
  return op == ConditionOp::kLessThan || op == ConditionOp::kLessThanOrEqual ||
         op == ConditionOp::kGreaterThan || op == ConditionOp::kGreaterThanOrEqual;
}

bool Compare(ConditionOp op, double field, double operand) {
  switch (op) {
    case ConditionOp::kLessThan:
      return field < operand;
    case ConditionOp::kLessThanOrEqual:
      return field <= operand;
    case ConditionOp::kGreaterThan:
      return field > operand;
    case ConditionOp::kGreaterThanOrEqual:
      return field >= operand;
    default:
      return false;
  }
}

std::string_view ComparisonWords(ConditionOp op) {
  switch (op) {
    case ConditionOp::kLessThan:
      return "below";
    case ConditionOp::kLessThanOrEqual:
      return "at most";
    case ConditionOp::kGreaterThan:
      return "above";
    default:
      return "at least";
  }
}

bool InList(const Value& list, const Value& v) {
  const Value::Array& items = list.as_array();
  return std::find(items.begin(), items.end(), v) != items.end();
}

std::optional<std::string> RegexFailure(const CompiledCondition& c, const Value& field) {
  const std::string& pattern = c.condition->operand.as_string();
  bool want = c.condition->op == ConditionOp::kMatches;
  if (!field.is_string()) {
    return fmt::format("is a {}, not a string to match against /{}/", TypeName(field.type()),
                       pattern);
  }
  if (field.as_string().size() > kMaxMatchInput) {
    return fmt::format("is longer than {} characters, too long to match against /{}/",
                       kMaxMatchInput, pattern);
  }
  bool found = false;
  try {
    found = std::regex_search(field.as_string(), *c.regex);
  } catch (const std::regex_error&) {
    return fmt::format("could not be matched against /{}/ (the pattern is too complex)", pattern);
  }
  if (found == want) return std::nullopt;
  return fmt::format("{} /{}/", want ? "does not match" : "matches", pattern);
}

}  // namespace

std::optional<std::string> FailureOf(const CompiledCondition& c, const Value* field) {
  const Condition& cond = *c.condition;
  if (cond.op == ConditionOp::kExists) {
    bool want = cond.operand.as_bool();
    if ((field != nullptr) == want) return std::nullopt;
    return want ? std::string("is missing") : std::string("is set, but must not be");
  }
  if (field == nullptr) {
    switch (cond.op) {
      case ConditionOp::kEquals:
        return fmt::format("is missing; must equal {}", Show(cond.operand));
      case ConditionOp::kOneOf:
        return fmt::format("is missing; must be one of {}", Show(cond.operand));
      case ConditionOp::kMatches:
        return fmt::format("is missing; must match /{}/", cond.operand.as_string());
      default:
        return std::string("is missing");
    }
  }
  switch (cond.op) {
    case ConditionOp::kEquals:
      if (*field == cond.operand) return std::nullopt;
      return fmt::format("must equal {}", Show(cond.operand));
    case ConditionOp::kNotEquals:
      if (!(*field == cond.operand)) return std::nullopt;
      return fmt::format("must not equal {}", Show(cond.operand));
    case ConditionOp::kOneOf:
      if (InList(cond.operand, *field)) return std::nullopt;
      return fmt::format("must be one of {}", Show(cond.operand));
    case ConditionOp::kNotOneOf:
      if (!InList(cond.operand, *field)) return std::nullopt;
      return fmt::format("must not be one of {}", Show(cond.operand));
    case ConditionOp::kMatches:
    case ConditionOp::kNotMatches:
      return RegexFailure(c, *field);
    default:
      break;
  }
  if (IsComparison(cond.op)) {
    if (!field->is_number()) {
      return fmt::format("is a {}, not a number {} {}", TypeName(field->type()),
                         ComparisonWords(cond.op), Show(cond.operand));
    }
    if (Compare(cond.op, field->as_double(), cond.operand.as_double())) return std::nullopt;
    return fmt::format("must be {} {}", ComparisonWords(cond.op), Show(cond.operand));
  }
  return std::string("uses an unknown operator");
}

}  // namespace capstan::policy::internal
