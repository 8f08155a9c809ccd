// kustomize reads replacement sources with kyaml's PathGetter and finds targets with its
// PathMatcher; the two differ (exact versus unanchored regular-expression element
// selectors, wildcard support), and both differences show in `kustomize build` output.
#include <fmt/format.h>

#include <charconv>
#include <regex>

#include "core/yaml.h"
#include "render/kustomize/replacements_internal.h"
#include "render/kustomize/strategic_merge_internal.h"

namespace capstan::render::replacements {
namespace {

using smp::ScalarText;

bool IsListSelector(std::string_view part) {
  return part.size() >= 2 && part.front() == '[' && part.back() == ']';
}

// Go's strconv.Atoi.
bool ParseIndex(std::string_view s, int64_t& out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

Status SplitSelector(std::string_view part, std::string& key, std::string& value) {
  std::string_view inner = part.substr(1, part.size() - 2);
  size_t eq = inner.find('=');
  if (eq == std::string_view::npos) {
    return Error::Invalid(fmt::format("\"{}\": a list element selector needs key=value", part));
  }
  key = std::string(inner.substr(0, eq));
  value = std::string(inner.substr(eq + 1));
  return OkStatus();
}

std::string WrongKind(std::string_view part, const Value& node, std::string_view want) {
  return fmt::format("\"{}\" expects a {} but the field holds a {}", part, want,
                     TypeName(node.type()));
}

// The kind a created node gets: a list when the next step indexes a list, a map when there
// is a next step, `last` when this is the last step.
Value NewNode(const std::string* next, Value::Type last) {
  if (next == nullptr) {
    if (last == Value::Type::kObject) return Value::MakeObject();
    if (last == Value::Type::kArray) return Value::MakeArray();
    return Value(nullptr);
  }
  int64_t idx = 0;
  if (IsListSelector(*next) || (ParseIndex(*next, idx) && idx >= 0)) return Value::MakeArray();
  return Value::MakeObject();
}

struct Matcher {
  const std::vector<std::string>& path;
  bool create;
  Value::Type create_kind;
  std::vector<TargetField> found;
  const Value* created_leaf = nullptr;

  Status Visit(Value& node, size_t i) {
    if (i == path.size()) {
      found.push_back({&node, &node == created_leaf});
      return OkStatus();
    }
    const std::string& part = path[i];
    const std::string* next = i + 1 < path.size() ? &path[i + 1] : nullptr;
    int64_t idx = 0;
    if (ParseIndex(part, idx) && idx >= 0) {
      if (node.is_null() && create) node = Value::MakeArray();
      if (!node.is_array()) return Error::Invalid(WrongKind(part, node, "list"));
      auto& items = node.as_array();
      if (static_cast<int64_t>(items.size()) == idx && create) {
        items.push_back(NewNode(next, create_kind));
        if (next == nullptr) created_leaf = &items.back();
      }
      if (static_cast<int64_t>(items.size()) < idx + 1) {
        return Error::NotFound(
            fmt::format("index {} specified but only {} elements found", idx, items.size()));
      }
      return Visit(items[idx], i + 1);
    }
    if (IsListSelector(part)) return VisitSelected(node, i);
    if (part == "*") {
      if (!node.is_array()) return Error::Invalid(WrongKind(part, node, "list"));
      for (Value& item : node.as_array()) CAPSTAN_TRY(Visit(item, i + 1));
      return OkStatus();
    }
    if (node.is_null() && create) node = Value::MakeObject();
    if (node.is_null()) return OkStatus();
    if (!node.is_object()) return Error::Invalid(WrongKind(part, node, "map"));
    Value* field = node.Find(part);
    if (field == nullptr) {
      if (!create) return OkStatus();
      field = &node.Set(part, NewNode(next, create_kind));
      if (next == nullptr) created_leaf = field;
    }
    return Visit(*field, i + 1);
  }

  Status VisitSelected(Value& node, size_t i) {
    const std::string& part = path[i];
    std::string key, pattern;
    CAPSTAN_TRY(SplitSelector(part, key, pattern));
    std::regex re;
    try {
      re = std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      return Error::Invalid(
          fmt::format("\"{}\": \"{}\" is not a valid regular expression", part, pattern));
    }
    if (node.is_null() && create) node = Value::MakeArray();
    if (!node.is_array()) return Error::Invalid(WrongKind(part, node, "list"));
    for (int attempt = 0; attempt < 2; ++attempt) {
      size_t before = found.size();
      for (Value& item : node.as_array()) {
        const Value* field = key.empty() ? &item : (item.is_object() ? item.Find(key) : nullptr);
        if (field == nullptr) continue;
        if (!std::regex_search(ScalarText(*field), re)) continue;
        CAPSTAN_TRY(Visit(item, i + 1));
      }
      if (found.size() > before || !create || attempt == 1) return OkStatus();
      // kustomize appends {key: pattern} and looks again.
      Value created = ResolvePlainScalar(pattern);
      if (!key.empty()) {
        Value element = Value::MakeObject();
        element.Set(key, std::move(created));
        created = std::move(element);
      }
      node.as_array().push_back(std::move(created));
    }
    return OkStatus();
  }
};

}  // namespace

std::vector<std::string> SplitFieldPath(std::string_view path) {
  std::vector<std::string> raw;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    raw.emplace_back(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (raw.size() > 1 && raw.front().empty()) raw.erase(raw.begin());
  // "a\.b" is one key.
  std::vector<std::string> joined;
  for (std::string& part : raw) {
    if (!joined.empty() && !joined.back().empty() && joined.back().back() == '\\') {
      joined.back().pop_back();
      joined.back() += "." + part;
    } else {
      joined.push_back(std::move(part));
    }
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < joined.size(); ++i) {
    const std::string& part = joined[i];
    if (part.empty() || part.front() != '[' || part.back() == ']') {
      out.push_back(part);
      continue;
    }
    std::string bracketed = part;
    while (i + 1 < joined.size()) {
      ++i;
      bracketed += "." + joined[i];
      if (!joined[i].empty() && joined[i].back() == ']') break;
    }
    if (bracketed.find('=') != std::string::npos) {
      out.push_back(bracketed);
    } else {
      size_t b = bracketed.find_first_not_of("[]");
      size_t e = bracketed.find_last_not_of("[]");
      out.push_back(b == std::string::npos ? "" : bracketed.substr(b, e - b + 1));
    }
  }
  return out;
}

Result<const Value*> LookupSource(const Value& object, const std::vector<std::string>& path) {
  const Value* node = &object;
  for (const std::string& raw : path) {
    std::string_view trimmed = raw;
    while (!trimmed.empty() && trimmed.front() == ' ') trimmed.remove_prefix(1);
    while (!trimmed.empty() && trimmed.back() == ' ') trimmed.remove_suffix(1);
    if (trimmed.empty()) continue;
    std::string part(trimmed);
    int64_t idx = 0;
    if (ParseIndex(part, idx) || part == "-") {
      if (part != "-" && idx < 0) {
        return Error::Invalid(fmt::format("array index {} cannot be negative", idx));
      }
      if (!node->is_array()) return Error::Invalid(WrongKind(part, *node, "list"));
      const auto& items = node->as_array();
      if (part == "-") {
        if (items.empty()) return static_cast<const Value*>(nullptr);
        node = &items.back();
      } else {
        if (idx >= static_cast<int64_t>(items.size())) return static_cast<const Value*>(nullptr);
        node = &items[idx];
      }
      continue;
    }
    if (part == "*") return Error::Invalid("a wildcard \"*\" cannot name a replacement source");
    if (IsListSelector(part)) {
      std::string key, value;
      CAPSTAN_TRY(SplitSelector(part, key, value));
      if (!node->is_array()) return Error::Invalid(WrongKind(part, *node, "list"));
      const Value* hit = nullptr;
      for (const Value& item : node->as_array()) {
        const Value* field = key.empty() ? &item : (item.is_object() ? item.Find(key) : nullptr);
        if (field != nullptr && ScalarText(*field) == value) {
          hit = &item;
          break;
        }
      }
      if (hit == nullptr) return hit;
      node = hit;
      continue;
    }
    if (node->is_null()) return static_cast<const Value*>(nullptr);
    if (!node->is_object()) return Error::Invalid(WrongKind(part, *node, "map"));
    node = node->Find(part);
    if (node == nullptr) return node;
  }
  return node;
}

Result<std::vector<TargetField>> FindTargets(Value& object, const std::vector<std::string>& path,
                                             bool create, Value::Type create_kind) {
  Matcher matcher{path, create, create_kind, {}, nullptr};
  CAPSTAN_TRY(matcher.Visit(object, 0));
  return std::move(matcher.found);
}

}  // namespace capstan::render::replacements

namespace capstan::render::replacements {
namespace {

// Reads plain text as kustomize's YAML 1.2 writer and reader would: only true/false are
// booleans ("yes" stays a string).
Value ResolveUntyped(const std::string& text) {
  Value v = ResolvePlainScalar(text);
  if (v.is_bool() && text != "true" && text != "True" && text != "TRUE" && text != "false" &&
      text != "False" && text != "FALSE") {
    return Value(text);
  }
  return v;
}

}  // namespace

std::vector<std::string> Split(const std::string& text, const std::string& delimiter) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t at = text.find(delimiter, start);
    if (at == std::string::npos) {
      out.push_back(text.substr(start));
      return out;
    }
    out.push_back(text.substr(start, at - start));
    start = at + delimiter.size();
  }
}

Status WriteValue(const TargetField& target, const Carried& carried, const std::string& delimiter,
                  int64_t index, std::string_view field) {
  Value& node = *target.node;
  const bool scalar_target = !(node.is_object() || node.is_array());
  std::string text = ScalarText(carried.value);
  if (!delimiter.empty()) {
    if (!scalar_target) {
      return Error::Invalid(fmt::format("{}: a delimiter needs a scalar field", field));
    }
    std::vector<std::string> parts = Split(ScalarText(node), delimiter);
    if (index < 0) {
      parts.insert(parts.begin(), text);
    } else if (index >= static_cast<int64_t>(parts.size())) {
      parts.push_back(text);
    } else {
      parts[index] = text;
    }
    text.clear();
    for (size_t i = 0; i < parts.size(); ++i) text += (i ? delimiter : "") + parts[i];
  }
  if (!scalar_target) {
    node = carried.untyped ? ResolveUntyped(text) : carried.value;
    return OkStatus();
  }
  if (target.created) {
    node = ResolveUntyped(text);
    return OkStatus();
  }
  // An existing scalar keeps its type; kustomize fails to decode text that does not fit.
  Value resolved = ResolveUntyped(text);
  auto mismatch = [&](std::string_view type) {
    return Error::Invalid(
        fmt::format("{}: cannot put \"{}\" into a field of type {}", field, text, type));
  };
  switch (node.type()) {
    case Value::Type::kString:
      node = Value(text);
      break;
    case Value::Type::kInt:
      if (!resolved.is_int()) return mismatch("integer");
      node = resolved;
      break;
    case Value::Type::kDouble:
      if (!resolved.is_number()) return mismatch("float");
      node = resolved;
      break;
    case Value::Type::kBool:
      if (!resolved.is_bool()) return mismatch("boolean");
      node = resolved;
      break;
    default:
      return mismatch("null");
  }
  return OkStatus();
}

}  // namespace capstan::render::replacements
