// Where a replacement's value comes from: the one object whose current or earlier id the
// source selects exactly, and the field its fieldPath names (or a literal sourceValue).
#include <fmt/format.h>

#include "core/json.h"
#include "core/yaml.h"
#include "render/kustomize/replacements_internal.h"
#include "render/kustomize/strategic_merge_internal.h"

namespace capstan::render::replacements {
namespace {

using smp::ScalarText;

std::string DefaultNs(const std::string& ns) { return ns.empty() ? "default" : ns; }

std::string Describe(const Value& selector) { return EmitJson(selector); }

}  // namespace

std::vector<Id> IdsOf(const Value& object, const std::vector<ObjectKey>& previous) {
  std::string_view api_version = object.StringAt({"apiVersion"});
  std::string group(GroupOf(api_version));
  size_t slash = api_version.find('/');
  std::string version(slash == std::string_view::npos ? api_version
                                                      : api_version.substr(slash + 1));
  std::vector<Id> ids = {{group, version, std::string(KindOf(object)), std::string(NameOf(object)),
                          std::string(NamespaceOf(object))}};
  for (const ObjectKey& key : previous) {
    ids.push_back({group, version, key.kind.empty() ? ids[0].kind : key.kind, key.name, key.ns});
  }
  return ids;
}

std::vector<ObjectKey> AnnotatedPrevious(const Value& object) {
  auto split = [](std::string_view text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
      size_t comma = text.find(',', start);
      out.emplace_back(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
      if (comma == std::string_view::npos) return out;
      start = comma + 1;
    }
  };
  const Value* names = object.At({"metadata", "annotations", "config.kubernetes.io/previousNames"});
  if (names == nullptr || !names->is_string()) return {};
  std::vector<std::string> n = split(names->as_string());
  std::vector<std::string> ns = split(
      object.StringAt({"metadata", "annotations", "config.kubernetes.io/previousNamespaces"}));
  std::vector<std::string> k =
      split(object.StringAt({"metadata", "annotations", "config.kubernetes.io/previousKinds"}));
  std::vector<ObjectKey> out;
  for (size_t i = 0; i < n.size(); ++i) {
    out.push_back({"", i < k.size() ? k[i] : "", i < ns.size() ? ns[i] : "", n[i]});
  }
  return out;
}

Result<Options> ReadOptions(const Value* raw, std::string_view where) {
  Options out;
  if (raw == nullptr || raw->is_null()) return out;
  if (!raw->is_object()) return Error::Invalid(fmt::format("{}.options: expected a map", where));
  for (const auto& [key, value] : raw->as_object()) {
    if (key == "delimiter" && value.is_string()) {
      out.delimiter = value.as_string();
    } else if (key == "index" && value.is_int()) {
      out.index = value.as_int();
    } else if (key == "create" && value.is_bool()) {
      out.create = value.as_bool();
    } else if (key == "encoding" && value.is_string()) {
      // kustomize accepts and ignores it.
    } else {
      return Error::Invalid(fmt::format("{}.options.{}: unknown field or wrong type", where, key));
    }
  }
  return out;
}

bool Selects(const Id& selector, const Id& id) {
  if (!selector.name.empty() && selector.name != id.name) return false;
  if (!selector.ns.empty() && DefaultNs(selector.ns) != DefaultNs(id.ns)) return false;
  if (!selector.group.empty() && selector.group != id.group) return false;
  if (!selector.version.empty() && selector.version != id.version) return false;
  return selector.kind.empty() || selector.kind == id.kind;
}

Result<Carried> ReadSource(const std::vector<Manifest>& objects,
                           const std::vector<std::vector<ObjectKey>>& previous,
                           const Value& replacement, std::string_view where) {
  const Value* literal = replacement.Find("sourceValue");
  const Value* source = replacement.Find("source");
  if (literal != nullptr && source != nullptr) {
    return Error::Invalid(fmt::format("{}: set either source or sourceValue, not both", where));
  }
  if (literal != nullptr) {
    if (!literal->is_string()) {
      return Error::Invalid(fmt::format("{}.sourceValue: expected a string", where));
    }
    return Carried{*literal, true};
  }
  if (source == nullptr) return Error::Invalid(fmt::format("{}: no source", where));
  if (!source->is_object()) return Error::Invalid(fmt::format("{}.source: expected a map", where));
  Id selector;
  std::string field_path(kDefaultFieldPath);
  const Value* options_raw = nullptr;
  for (const auto& [key, value] : source->as_object()) {
    std::string* slot = key == "group"       ? &selector.group
                        : key == "version"   ? &selector.version
                        : key == "kind"      ? &selector.kind
                        : key == "name"      ? &selector.name
                        : key == "namespace" ? &selector.ns
                        : key == "fieldPath" ? &field_path
                                             : nullptr;
    if (key == "options") {
      options_raw = &value;
      continue;
    }
    if (slot == nullptr)
      return Error::Invalid(fmt::format("{}.source.{}: unknown field", where, key));
    if (!value.is_string()) {
      return Error::Invalid(fmt::format("{}.source.{}: expected a string", where, key));
    }
    *slot = value.as_string();
  }
  if (field_path.empty()) field_path = kDefaultFieldPath;
  auto options = ReadOptions(options_raw, fmt::format("{}.source", where));
  if (!options.ok()) return std::move(options).error();

  const Manifest* found = nullptr;
  for (size_t i = 0; i < objects.size(); ++i) {
    for (const Id& id : IdsOf(objects[i].object, previous[i])) {
      if (!Selects(selector, id)) continue;
      if (found != nullptr) {
        return Error::Conflict(
            fmt::format("{}.source: more than one object matches {}", where, Describe(*source)));
      }
      found = &objects[i];
      break;
    }
  }
  if (found == nullptr) {
    return Error::NotFound(
        fmt::format("{}.source: no object matches {}", where, Describe(*source)));
  }
  auto node = LookupSource(found->object, SplitFieldPath(field_path));
  if (!node.ok()) return std::move(node).error().Wrap(fmt::format("{}.source.fieldPath", where));
  const Value* v = *node;
  if (v == nullptr || v->is_null() || ((v->is_object() || v->is_array()) && v->empty())) {
    return Error::NotFound(fmt::format("{}.source: fieldPath `{}` is missing in {}", where,
                                       field_path, KeyOf(found->object).ToString()));
  }
  Carried carried{*v, false};
  if (!options->delimiter.empty()) {
    if (v->is_object() || v->is_array()) {
      return Error::Invalid(
          fmt::format("{}.source.options.delimiter: {} is not a scalar", where, field_path));
    }
    std::vector<std::string> parts = Split(ScalarText(*v), options->delimiter);
    if (options->index < 0 || options->index >= static_cast<int64_t>(parts.size())) {
      return Error::Invalid(fmt::format("{}.source.options.index: {} is out of bounds for \"{}\"",
                                        where, options->index, ScalarText(*v)));
    }
    std::string part = parts[options->index];
    carried.value = v->is_string() ? Value(part) : ResolvePlainScalar(part);
  }
  return carried;
}

}  // namespace capstan::render::replacements
