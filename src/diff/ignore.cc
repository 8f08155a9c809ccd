// Step 2 of Diff: ignoreDifferences. An entry applies to an object when group and kind
// match (each may be "*") and name and namespace, when given, match as globs.
#include <fmt/format.h>

#include "diff/internal/managed_fields.h"
#include "diff/internal/steps.h"

namespace capstan::diff::internal {
namespace {

// `*` matches any run of characters; everything else matches itself.
bool GlobMatch(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return text.empty();
  if (pattern[0] == '*') {
    for (size_t skip = 0; skip <= text.size(); ++skip) {
      if (GlobMatch(pattern.substr(1), text.substr(skip))) return true;
    }
    return false;
  }
  return !text.empty() && pattern[0] == text[0] && GlobMatch(pattern.substr(1), text.substr(1));
}

bool Applies(const IgnoreDifference& entry, const ObjectKey& key) {
  if (entry.group != "*" && entry.group != key.group) return false;
  if (entry.kind != "*" && entry.kind != key.kind) return false;
  if (!entry.name.empty() && !GlobMatch(entry.name, key.name)) return false;
  if (!entry.namespace_.empty() && !GlobMatch(entry.namespace_, key.ns)) return false;
  return true;
}

std::string Describe(const IgnoreDifference& entry) {
  std::string kind = entry.group.empty() ? entry.kind : entry.group + "/" + entry.kind;
  return fmt::format("ignoreDifferences entry for {}{}", kind,
                     entry.name.empty() ? "" : " " + entry.name);
}

}  // namespace

Result<std::vector<const IgnoreDifference*>> MatchingIgnores(const ObjectKey& key,
                                                             const DiffOptions& options) {
  std::vector<const IgnoreDifference*> matching;
  for (const IgnoreDifference& entry : options.ignore_differences) {
    if (!entry.jq_path_expressions.empty()) {
      return Error::Invalid(fmt::format(
          "{}: jqPathExpressions are not supported by capstan yet (\"{}\"); use jsonPointers "
          "or managedFieldsManagers",
          Describe(entry), entry.jq_path_expressions.front()));
    }
    if (Applies(entry, key)) matching.push_back(&entry);
  }
  return matching;
}

Status ApplyIgnores(const std::vector<const IgnoreDifference*>& ignores,
                    const Value* live_managed_fields, Value& object) {
  for (const IgnoreDifference* entry : ignores) {
    for (const std::string& pointer : entry->json_pointers) {
      auto removed = RemoveJsonPointer(object, pointer);
      if (!removed.ok()) return std::move(removed).error().Wrap(Describe(*entry));
    }
    if (entry->managed_fields_managers.empty() || live_managed_fields == nullptr) continue;
    auto leaves = ManagedLeaves(*live_managed_fields, entry->managed_fields_managers);
    if (!leaves.ok()) return std::move(leaves).error().Wrap(Describe(*entry));
    for (const FieldPath& path : *leaves) RemoveFieldPath(object, path);
  }
  return OkStatus();
}

}  // namespace capstan::diff::internal
