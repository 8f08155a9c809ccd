#include "policy/internal/suppression.h"

#include <algorithm>
#include <string>

#include "policy/internal/catalogue.h"

namespace capstan::policy::internal {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether the comma-separated `list` names `rule_id` or is "*".
bool ListNames(std::string_view list, std::string_view rule_id) {
  while (true) {
    size_t comma = list.find(',');
    std::string_view item = Trim(list.substr(0, comma));
    if (item == "*" || item == rule_id) return true;
    if (comma == std::string_view::npos) return false;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace

bool HasKubeLinterIgnore(const Value& object, std::string_view check) {
  const Value* annotations = object.At({"metadata", "annotations"});
  if (annotations == nullptr) return false;
  return annotations->Contains(std::string(kKubeLinterIgnorePrefix) + std::string(check));
}

bool IsSuppressed(const Value& object, std::string_view rule_id) {
  const Value* annotations = object.At({"metadata", "annotations"});
  if (annotations == nullptr || !annotations->is_object()) return false;
  if (const Value* list = annotations->Find(kIgnoreRulesAnnotation);
      list != nullptr && list->is_string() && ListNames(list->as_string(), rule_id)) {
    return true;
  }
  if (annotations->Contains(kKubeLinterIgnoreAll)) return true;
  const BuiltinRule* rule = FindBuiltin(rule_id);
  if (rule == nullptr) return false;
  auto ignored = [&](std::string_view check) { return HasKubeLinterIgnore(object, check); };
  if (std::any_of(rule->kube_linter_checks.begin(), rule->kube_linter_checks.end(), ignored)) {
    return true;
  }
  return !rule->kube_linter_parts.empty() &&
         std::all_of(rule->kube_linter_parts.begin(), rule->kube_linter_parts.end(), ignored);
}

}  // namespace capstan::policy::internal
