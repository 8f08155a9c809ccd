// Step 5 of Diff: the fields that differ, as paths a person can find in the manifest.
#include <fmt/format.h>

#include <cctype>

#include "diff/internal/steps.h"

namespace capstan::diff::internal {
namespace {

bool IsPlainKey(std::string_view key) {
  if (key.empty()) return false;
  for (unsigned char c : key) {
    if (!std::isalnum(c) && c != '_' && c != '-') return false;
  }
  return true;
}

void CompareValue(const std::string& path, std::string_view field, const Value& desired,
                  const Value& live, std::vector<FieldChange>& out);

void CompareObject(const std::string& path, const Value& desired, const Value& live,
                   std::vector<FieldChange>& out) {
  for (const auto& [key, value] : desired.as_object()) {
    const Value* other = live.Find(key);
    std::string child = JoinPath(path, key);
    if (other == nullptr) {
      out.push_back({child, std::nullopt, value});
    } else {
      CompareValue(child, key, value, *other, out);
    }
  }
  for (const auto& [key, value] : live.as_object()) {
    if (desired.Find(key) == nullptr) out.push_back({JoinPath(path, key), value, std::nullopt});
  }
}

void CompareArray(const std::string& path, std::string_view field, const Value& desired,
                  const Value& live, std::vector<FieldChange>& out) {
  const Value::Array& d = desired.as_array();
  const Value::Array& l = live.as_array();
  for (const ElementPair& pair : PairElements(field, d, l)) {
    std::string child = fmt::format("{}[{}]", path, pair.desired ? *pair.desired : *pair.live);
    if (pair.desired && pair.live) {
      CompareValue(child, field, d[*pair.desired], l[*pair.live], out);
    } else if (pair.desired) {
      out.push_back({child, std::nullopt, d[*pair.desired]});
    } else {
      out.push_back({child, l[*pair.live], std::nullopt});
    }
  }
}

void CompareValue(const std::string& path, std::string_view field, const Value& desired,
                  const Value& live, std::vector<FieldChange>& out) {
  if (desired.is_object() && live.is_object()) {
    CompareObject(path, desired, live, out);
  } else if (desired.is_array() && live.is_array()) {
    CompareArray(path, field, desired, live, out);
  } else if (!(desired == live)) {
    out.push_back({path, live, desired});
  }
}

}  // namespace

std::string JoinPath(std::string_view parent, std::string_view key) {
  if (!IsPlainKey(key)) {
    std::string quoted;
    for (char c : key) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    return fmt::format("{}[\"{}\"]", parent, quoted);
  }
  if (parent.empty()) return std::string(key);
  return fmt::format("{}.{}", parent, key);
}

std::vector<FieldChange> Compare(const Value& desired, const Value& live) {
  std::vector<FieldChange> changes;
  CompareValue("", "", desired, live, changes);
  return changes;
}

}  // namespace capstan::diff::internal
