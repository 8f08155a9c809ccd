#include "core/object.h"

#include <fmt/format.h>

namespace capstan {

std::string ObjectKey::ToString() const {
  std::string out = group.empty() ? kind : fmt::format("{}/{}", group, kind);
  out += " ";
  if (!ns.empty()) out += fmt::format("{}/", ns);
  out += name;
  return out;
}

std::string_view GroupOf(std::string_view api_version) {
  auto slash = api_version.find('/');
  if (slash == std::string_view::npos) return {};
  return api_version.substr(0, slash);
}

std::string_view KindOf(const Value& object) { return object.StringAt({"kind"}); }
std::string_view NameOf(const Value& object) { return object.StringAt({"metadata", "name"}); }
std::string_view NamespaceOf(const Value& object) {
  return object.StringAt({"metadata", "namespace"});
}

ObjectKey KeyOf(const Value& object) {
  return {std::string(GroupOf(object.StringAt({"apiVersion"}))), std::string(KindOf(object)),
          std::string(NamespaceOf(object)), std::string(NameOf(object))};
}

Status ValidateObject(const Value& object) {
  if (!object.is_object()) {
    return Error::Invalid(fmt::format("expected a map, found a {}", TypeName(object.type())));
  }
  for (std::string_view field : {"apiVersion", "kind"}) {
    const Value* v = object.Find(field);
    if (v == nullptr) return Error::Invalid(fmt::format("{}: missing", field));
    if (!v->is_string() || v->as_string().empty()) {
      return Error::Invalid(fmt::format("{}: expected a non-empty string", field));
    }
  }
  const Value* metadata = object.Find("metadata");
  if (metadata == nullptr || !metadata->is_object()) {
    return Error::Invalid("metadata: missing or not a map");
  }
  const Value* name = metadata->Find("name");
  if (name != nullptr && !name->is_string()) {
    return Error::Invalid("metadata.name: expected a string");
  }
  if ((name == nullptr || name->as_string().empty()) && !metadata->Find("generateName")) {
    return Error::Invalid("metadata.name: missing");
  }
  return OkStatus();
}

}  // namespace capstan
