// Reading ignoreDifferences in Argo CD's field names, strictly: a misspelt field would
// otherwise silently ignore nothing.
#include <fmt/format.h>

#include "diff/diff.h"

namespace capstan::diff {
namespace {

Status ReadString(const Value& value, std::string_view where, std::string& out) {
  if (!value.is_string()) return Error::Invalid(fmt::format("{}: expected a string", where));
  out = value.as_string();
  return OkStatus();
}

Status ReadStrings(const Value& value, std::string_view where, std::vector<std::string>& out) {
  if (!value.is_array())
    return Error::Invalid(fmt::format("{}: expected a list of strings", where));
  for (size_t i = 0; i < value.size(); ++i) {
    std::string item;
    CAPSTAN_TRY(ReadString(value.as_array()[i], fmt::format("{}[{}]", where, i), item));
    out.push_back(std::move(item));
  }
  return OkStatus();
}

Result<IgnoreDifference> ReadEntry(const Value& entry, const std::string& where) {
  if (!entry.is_object()) return Error::Invalid(fmt::format("{}: expected a map", where));
  IgnoreDifference out;
  for (const auto& [key, value] : entry.as_object()) {
    std::string field = fmt::format("{}.{}", where, key);
    if (key == "group") {
      CAPSTAN_TRY(ReadString(value, field, out.group));
    } else if (key == "kind") {
      CAPSTAN_TRY(ReadString(value, field, out.kind));
    } else if (key == "name") {
      CAPSTAN_TRY(ReadString(value, field, out.name));
    } else if (key == "namespace") {
      CAPSTAN_TRY(ReadString(value, field, out.namespace_));
    } else if (key == "jsonPointers") {
      CAPSTAN_TRY(ReadStrings(value, field, out.json_pointers));
    } else if (key == "jqPathExpressions") {
      CAPSTAN_TRY(ReadStrings(value, field, out.jq_path_expressions));
    } else if (key == "managedFieldsManagers") {
      CAPSTAN_TRY(ReadStrings(value, field, out.managed_fields_managers));
    } else {
      return Error::Invalid(
          fmt::format("{}: unknown field (expected group, kind, name, namespace, jsonPointers, "
                      "jqPathExpressions or managedFieldsManagers)",
                      field));
    }
  }
  if (out.kind.empty()) return Error::Invalid(fmt::format("{}.kind: missing", where));
  return out;
}

}  // namespace

Result<std::vector<IgnoreDifference>> ParseIgnoreDifferences(const Value& entries,
                                                             std::string_view source) {
  const Value* list = &entries;
  std::string base = "ignoreDifferences";
  if (entries.is_object()) {
    if (const Value* direct = entries.Find("ignoreDifferences")) {
      list = direct;
    } else if (const Value* in_spec = entries.At({"spec", "ignoreDifferences"})) {
      list = in_spec;
      base = "spec.ignoreDifferences";
    } else {
      return Error::Invalid(fmt::format(
          "{}: no ignoreDifferences list (expected a list, a map with ignoreDifferences, or "
          "an Application with spec.ignoreDifferences)",
          source));
    }
  }
  if (list->is_null()) return std::vector<IgnoreDifference>{};
  if (!list->is_array()) {
    return Error::Invalid(fmt::format("{}: {}: expected a list", source, base));
  }
  std::vector<IgnoreDifference> out;
  for (size_t i = 0; i < list->size(); ++i) {
    auto entry = ReadEntry(list->as_array()[i], fmt::format("{}[{}]", base, i));
    if (!entry.ok()) return std::move(entry).error().Wrap(source);
    out.push_back(std::move(entry).value());
  }
  return out;
}

}  // namespace capstan::diff
