#include "policy/internal/selector.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "policy/internal/workload.h"

namespace capstan::policy::internal {
namespace {

const Value* Label(const Value* labels, std::string_view key) {
  return labels != nullptr ? labels->Find(key) : nullptr;
}

// `values` of an In/NotIn expression as strings; an error names the bad element.
Result<std::vector<std::string>> ValuesOf(const Value& expression, std::string_view path) {
  std::vector<std::string> out;
  const Value* values = expression.Find("values");
  if (values == nullptr || values->is_null()) return out;
  if (!values->is_array()) return Error::Invalid(fmt::format("{}.values: expected a list", path));
  for (size_t i = 0; i < values->size(); ++i) {
    const Value& v = values->as_array()[i];
    if (!v.is_string()) {
      return Error::Invalid(fmt::format("{}.values[{}]: expected a string", path, i));
    }
    out.push_back(v.as_string());
  }
  return out;
}

Result<std::optional<UnmetRequirement>> CheckExpression(const Value& expression, size_t index,
                                                        const Value* labels) {
  std::string path = AppendIndex("matchExpressions", index);
  const Value* key = expression.Find("key");
  const Value* op = expression.Find("operator");
  if (key == nullptr || !key->is_string()) {
    return Error::Invalid(fmt::format("{}.key: expected a string", path));
  }
  if (op == nullptr || !op->is_string()) {
    return Error::Invalid(fmt::format("{}.operator: expected a string", path));
  }
  auto values = ValuesOf(expression, path);
  if (!values.ok()) return std::move(values).error();
  const std::string& k = key->as_string();
  const std::string& o = op->as_string();
  const Value* label = Label(labels, k);
  bool present = label != nullptr && label->is_string();
  if (o == "In" || o == "NotIn") {
    if (values->empty()) {
      return Error::Invalid(fmt::format("{}.values: {} needs at least one value", path, o));
    }
    bool in =
        present && std::find(values->begin(), values->end(), label->as_string()) != values->end();
    if (in == (o == "In")) return std::optional<UnmetRequirement>();
    return std::optional<UnmetRequirement>(UnmetRequirement{
        path, fmt::format("{} {} ({})", k, o == "In" ? "in" : "notin", fmt::join(*values, ", "))});
  }
  if (o == "Exists" || o == "DoesNotExist") {
    if (!values->empty()) {
      return Error::Invalid(fmt::format("{}.values: {} takes no values", path, o));
    }
    if (present == (o == "Exists")) return std::optional<UnmetRequirement>();
    return std::optional<UnmetRequirement>(
        UnmetRequirement{path, o == "Exists" ? k : fmt::format("!{}", k)});
  }
  return Error::Invalid(
      fmt::format("{}.operator: unknown operator \"{}\" (expected In, NotIn, "
                  "Exists or DoesNotExist)",
                  path, o));
}

}  // namespace

Result<std::optional<UnmetRequirement>> FirstUnmet(const Value& selector, const Value* labels) {
  if (!selector.is_object()) return Error::Invalid("expected a map");
  if (const Value* match = selector.Find("matchLabels"); match != nullptr && !match->is_null()) {
    if (!match->is_object()) return Error::Invalid("matchLabels: expected a map");
    for (const auto& [key, want] : match->as_object()) {
      if (!want.is_string()) {
        return Error::Invalid(fmt::format("{}: expected a string", AppendKey("matchLabels", key)));
      }
      const Value* have = Label(labels, key);
      if (have == nullptr || !(*have == want)) {
        return std::optional<UnmetRequirement>(UnmetRequirement{
            AppendKey("matchLabels", key), fmt::format("{}={}", key, want.as_string())});
      }
    }
  }
  if (const Value* exprs = selector.Find("matchExpressions"); exprs && !exprs->is_null()) {
    if (!exprs->is_array()) return Error::Invalid("matchExpressions: expected a list");
    for (size_t i = 0; i < exprs->size(); ++i) {
      const Value& expression = exprs->as_array()[i];
      if (!expression.is_object()) {
        return Error::Invalid(
            fmt::format("{}: expected a map", AppendIndex("matchExpressions", i)));
      }
      auto unmet = CheckExpression(expression, i, labels);
      if (!unmet.ok() || unmet->has_value()) return unmet;
    }
  }
  return std::optional<UnmetRequirement>();
}

bool MapSelects(const Value& selector, const Value* labels) {
  if (!selector.is_object()) return false;
  for (const auto& [key, want] : selector.as_object()) {
    const Value* have = Label(labels, key);
    if (have == nullptr || !(*have == want)) return false;
  }
  return true;
}

std::string FormatLabels(const Value* labels) {
  if (labels == nullptr || !labels->is_object() || labels->empty()) return "no labels";
  std::vector<std::string> pairs;
  for (const auto& [key, value] : labels->as_object()) {
    pairs.push_back(fmt::format("{}={}", key, value.is_string() ? value.as_string() : "?"));
  }
  return fmt::format("{}", fmt::join(pairs, ", "));
}

}  // namespace capstan::policy::internal
