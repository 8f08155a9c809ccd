#include "render/kustomize/resource_reader.h"

#include <fmt/format.h>

#include <deque>

#include "core/yaml.h"

namespace capstan::render::kustomize {
namespace {

// The path of the first null list element under `value`, or "" when there is none.
bool FindNullInList(const Value& value, std::string* path) {
  if (value.is_object()) {
    for (const auto& [key, member] : value.as_object()) {
      if (FindNullInList(member, path)) {
        *path = key + (path->empty() ? "" : "." + *path);
        return true;
      }
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.as_array().size(); ++i) {
      const Value& element = value.as_array()[i];
      if (element.is_null()) {
        *path = fmt::format("[{}]", i);
        return true;
      }
      if (FindNullInList(element, path)) {
        *path = fmt::format("[{}].{}", i, *path);
        return true;
      }
    }
  }
  return false;
}

}  // namespace

Result<std::vector<Value>> ReadObjects(std::string_view text, std::string_view source) {
  auto documents = ParseYamlStream(text, source);
  if (!documents.ok()) return std::move(documents).error();
  std::deque<std::pair<Value, int>> queue;
  for (auto& document : *documents) {
    if (document.value.is_null() || (document.value.is_object() && document.value.empty())) {
      continue;
    }
    queue.emplace_back(std::move(document.value), document.line);
  }
  std::vector<Value> objects;
  while (!queue.empty()) {
    auto [object, line] = std::move(queue.front());
    queue.pop_front();
    if (!object.is_object()) {
      return Error::Invalid(
          fmt::format("{}:{}: expected an object (a map with apiVersion, kind "
                      "and metadata), found a {}",
                      source, line, TypeName(object.type())));
    }
    std::string_view kind = object.StringAt({"kind"});
    if (kind.empty()) {
      return Error::Invalid(fmt::format("{}:{}: object has no kind", source, line));
    }
    if (kind.ends_with("List") && object.Contains("items")) {
      const Value& items = *object.Find("items");
      if (items.is_null()) continue;
      if (!items.is_array()) {
        return Error::Invalid(fmt::format("{}:{}: {}: items must be a list", source, line, kind));
      }
      for (const Value& item : items.as_array()) {
        if (item.is_null()) continue;
        queue.emplace_back(item, line);
      }
      continue;
    }
    if (!kind.ends_with("List") && object.StringAt({"metadata", "name"}).empty()) {
      return Error::Invalid(
          fmt::format("{}:{}: {} object has no metadata.name", source, line, kind));
    }
    std::string path;
    if (FindNullInList(object, &path)) {
      return Error::Invalid(fmt::format("{}:{}: {} {}: empty list item at {}", source, line, kind,
                                        object.StringAt({"metadata", "name"}), path));
    }
    objects.push_back(std::move(object));
  }
  return objects;
}

}  // namespace capstan::render::kustomize
