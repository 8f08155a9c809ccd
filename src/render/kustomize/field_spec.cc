#include "render/kustomize/field_spec.h"

#include <fmt/format.h>

#include <unordered_map>

namespace capstan::render::kustomize {
namespace {

struct Walk {
  const FieldSpec& spec;
  const std::vector<std::string>& path;
  CreateKind create_kind;
  const FieldSetter& setter;

  Status Visit(Value& node, size_t step) const {
    if (step == path.size()) return setter(node);
    if (node.is_null()) return OkStatus();
    if (node.is_array()) {
      // A list on the way: the same remaining path applies to every element.
      for (Value& element : node.as_array()) CAPSTAN_TRY(Visit(element, step));
      return OkStatus();
    }
    if (!node.is_object()) {
      return Error::Invalid(fmt::format("field {}: expected a map or a list at {}, found a {}",
                                        spec.path, path[step], TypeName(node.type())));
    }
    return VisitMap(node, step);
  }

  Status VisitMap(Value& node, size_t step) const {
    std::string name = path[step];
    bool is_list = name.size() > 2 && name.ends_with("[]");
    if (is_list) name.resize(name.size() - 2);
    if (name.empty()) return Error::Invalid(fmt::format("field {}: empty field name", spec.path));
    bool last = step + 1 == path.size();
    bool may_create = spec.create && create_kind != CreateKind::kNone && !is_list;
    Value* field = node.Find(name);
    if (field == nullptr) {
      if (!may_create) return OkStatus();
      field = &node.Set(name, Value());
    }
    if (field->is_null()) {
      // kustomize turns an existing null into the kind it would have created.
      if (is_list) {
        *field = Value::MakeArray();
      } else if (may_create) {
        if (!last || create_kind == CreateKind::kMap) {
          *field = Value::MakeObject();
        } else {
          *field = Value(std::string());
        }
      }
    }
    return Visit(*field, step + 1);
  }
};

}  // namespace

std::vector<std::string> SplitFieldPath(std::string_view path) {
  std::vector<std::string> parts;
  if (path.size() > 1 && path.front() == '/') path.remove_prefix(1);
  std::string current;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '\\' && i + 1 < path.size() && path[i + 1] == '/') {
      current.push_back('/');
      ++i;
    } else if (c == '/') {
      parts.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  parts.push_back(std::move(current));
  return parts;
}

bool SpecSelects(const FieldSpec& spec, const Value& object) {
  // Views, not a ResId: this runs for every object and field spec.
  std::string_view api_version = object.StringAt({"apiVersion"});
  size_t slash = api_version.find('/');
  std::string_view group = slash == std::string_view::npos ? "" : api_version.substr(0, slash);
  std::string_view version =
      slash == std::string_view::npos ? api_version : api_version.substr(slash + 1);
  return (spec.gvk.group.empty() || spec.gvk.group == group) &&
         (spec.gvk.version.empty() || spec.gvk.version == version) &&
         (spec.gvk.kind.empty() || spec.gvk.kind == object.StringAt({"kind"}));
}

Status ApplyFieldSpec(Value& object, const FieldSpec& spec, CreateKind create_kind,
                      const FieldSetter& setter) {
  if (!SpecSelects(spec, object)) return OkStatus();
  // The same few dozen built-in paths are split for every object; remember them.
  thread_local std::unordered_map<std::string, std::vector<std::string>> split_paths;
  auto it = split_paths.find(spec.path);
  if (it == split_paths.end()) it = split_paths.emplace(spec.path, SplitFieldPath(spec.path)).first;
  const std::vector<std::string>& path = it->second;
  Walk walk{spec, path, create_kind, setter};
  return walk.Visit(object, 0);
}

Result<FieldSpec> ParseFieldSpec(const Value& value, std::string_view where) {
  if (!value.is_object()) {
    return Error::Invalid(fmt::format("{}: a field spec must be a map with path, kind...", where));
  }
  FieldSpec spec;
  for (const auto& [key, field] : value.as_object()) {
    std::string* target = nullptr;
    if (key == "path") target = &spec.path;
    if (key == "group") target = &spec.gvk.group;
    if (key == "version") target = &spec.gvk.version;
    if (key == "kind") target = &spec.gvk.kind;
    if (target != nullptr) {
      if (!field.is_string() && !field.is_null()) {
        return Error::Invalid(fmt::format("{}.{}: expected a string", where, key));
      }
      if (field.is_string()) *target = field.as_string();
    } else if (key == "create") {
      if (!field.is_bool())
        return Error::Invalid(fmt::format("{}.create: expected true or false", where));
      spec.create = field.as_bool();
    } else {
      return Error::Invalid(fmt::format("{}: unknown field \"{}\"", where, key));
    }
  }
  return spec;
}

}  // namespace capstan::render::kustomize
