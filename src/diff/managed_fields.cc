#include "diff/internal/managed_fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "core/json.h"

namespace capstan::diff::internal {
namespace {

Result<FieldPathElement> ParseKey(std::string_view key) {
  if (key.size() < 2 || key[1] != ':') return Error::Invalid(fmt::format("bad key \"{}\"", key));
  std::string_view body = key.substr(2);
  FieldPathElement element;
  switch (key[0]) {
    case 'f':
      element.kind = FieldPathElement::Kind::kField;
      element.field = std::string(body);
      return element;
    case 'k':
    case 'v': {
      auto parsed = ParseJson(body, "managedFields key");
      if (!parsed.ok()) return Error::Invalid(fmt::format("bad key \"{}\"", key));
      element.kind = key[0] == 'k' ? FieldPathElement::Kind::kKey : FieldPathElement::Kind::kValue;
      if (element.kind == FieldPathElement::Kind::kKey && !parsed->is_object()) {
        return Error::Invalid(fmt::format("bad key \"{}\": expected a JSON object", key));
      }
      element.value = std::move(parsed).value();
      return element;
    }
    case 'i': {
      element.kind = FieldPathElement::Kind::kIndex;
      auto [end, error] = std::from_chars(body.data(), body.data() + body.size(), element.index);
      if (error != std::errc() || end != body.data() + body.size()) {
        return Error::Invalid(fmt::format("bad key \"{}\"", key));
      }
      return element;
    }
    default:
      return Error::Invalid(fmt::format("bad key \"{}\"", key));
  }
}

Status CollectLeaves(const Value& set, FieldPath& prefix, std::vector<FieldPath>& out) {
  if (!set.is_object()) return OkStatus();
  for (const auto& [key, child] : set.as_object()) {
    if (key == ".") continue;
    auto element = ParseKey(key);
    if (!element.ok()) return std::move(element).error();
    prefix.push_back(std::move(element).value());
    bool has_children =
        child.is_object() && std::any_of(child.as_object().begin(), child.as_object().end(),
                                         [](const Value::Member& m) { return m.first != "."; });
    if (has_children) {
      CAPSTAN_TRY(CollectLeaves(child, prefix, out));
    } else {
      out.push_back(prefix);
    }
    prefix.pop_back();
  }
  return OkStatus();
}

bool KeyMatches(const Value& element, const Value& key_fields) {
  if (!element.is_object()) return false;
  for (const auto& [field, value] : key_fields.as_object()) {
    const Value* actual = element.Find(field);
    // A port's protocol is part of its key and defaults to TCP; desired often omits it.
    if (actual == nullptr && field == "protocol" && value == Value("TCP")) continue;
    if (actual == nullptr || !(*actual == value)) return false;
  }
  return true;
}

// The index in `list` of the element `step` names, or nullopt.
std::optional<size_t> FindElement(const Value::Array& list, const FieldPathElement& step) {
  for (size_t i = 0; i < list.size(); ++i) {
    bool match = false;
    switch (step.kind) {
      case FieldPathElement::Kind::kKey:
        match = KeyMatches(list[i], step.value);
        break;
      case FieldPathElement::Kind::kValue:
        match = list[i] == step.value;
        break;
      case FieldPathElement::Kind::kIndex:
        match = i == step.index;
        break;
      case FieldPathElement::Kind::kField:
        break;
    }
    if (match) return i;
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<FieldPath>> ManagedLeaves(const Value& managed_fields,
                                             const std::vector<std::string>& managers) {
  std::vector<FieldPath> leaves;
  if (!managed_fields.is_array()) return leaves;
  for (const Value& entry : managed_fields.as_array()) {
    std::string_view manager = entry.StringAt({"manager"});
    if (std::find(managers.begin(), managers.end(), manager) == managers.end()) continue;
    if (entry.StringAt({"fieldsType"}, "FieldsV1") != "FieldsV1") continue;
    const Value* fields = entry.Find("fieldsV1");
    if (fields == nullptr) continue;
    FieldPath prefix;
    Status status = CollectLeaves(*fields, prefix, leaves);
    if (!status.ok()) return status.error().Wrap(fmt::format("managedFields of \"{}\"", manager));
  }
  return leaves;
}

void RemoveFieldPath(Value& root, const FieldPath& path) {
  Value* current = &root;
  for (size_t i = 0; i < path.size() && current != nullptr; ++i) {
    const FieldPathElement& step = path[i];
    bool last = i + 1 == path.size();
    if (step.kind == FieldPathElement::Kind::kField) {
      if (last) {
        current->Erase(step.field);
        return;
      }
      current = current->Find(step.field);
      continue;
    }
    if (!current->is_array()) return;
    auto index = FindElement(current->as_array(), step);
    if (!index) return;
    auto& elements = current->as_array();
    if (last) {
      elements.erase(elements.begin() + static_cast<std::ptrdiff_t>(*index));
      return;
    }
    current = &elements[*index];
  }
}

std::string FieldPathString(const FieldPath& path) {
  std::string out;
  for (const FieldPathElement& step : path) {
    switch (step.kind) {
      case FieldPathElement::Kind::kField:
        if (!out.empty()) out += '.';
        out += step.field;
        break;
      case FieldPathElement::Kind::kKey:
      case FieldPathElement::Kind::kValue:
        out += fmt::format("[{}]", EmitJson(step.value));
        break;
      case FieldPathElement::Kind::kIndex:
        out += fmt::format("[{}]", step.index);
        break;
    }
  }
  return out;
}

}  // namespace capstan::diff::internal
