// kustomize `replacements`: copy one field of one object (or a literal sourceValue) into
// fields of the selected objects, in order, each replacement seeing the previous ones'
// results. Sources and targets are found by exact id (current or earlier name and
// namespace, unlike patch targets there are no regular expressions); targets also by
// labels and annotations, minus rejects.
#include <fmt/format.h>

#include <tuple>

#include "core/json.h"
#include "core/object.h"
#include "core/yaml.h"
#include "render/kustomize/patch.h"
#include "render/kustomize/replacements_path.h"
#include "render/kustomize/selector_internal.h"
#include "render/kustomize/strategic_merge_internal.h"

namespace capstan::render {
namespace {

using replacements::FindTargets;
using replacements::LookupSource;
using replacements::SplitFieldPath;
using replacements::TargetField;
using smp::ScalarText;

constexpr std::string_view kDefaultFieldPath = "metadata.name";

struct Id {
  std::string group, version, kind, name, ns;
};

// The object's current id, then its earlier ones.
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

// kustomize records earlier ids in build annotations while it builds; honour them when a
// caller passes objects that still carry them.
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

std::string DefaultNs(const std::string& ns) { return ns.empty() ? "default" : ns; }

std::string Describe(const Value& selector) { return EmitJson(selector); }

struct Options {
  std::string delimiter;
  int64_t index = 0;
  bool create = false;
};

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

using replacements::Carried;
using replacements::Split;
using replacements::WriteValue;

// kustomize's ResId.IsSelectedBy, for sources and targets alike: exact fields, empty selector
// fields match anything, namespaces compared with "" meaning "default".
bool SourceSelects(const Id& selector, const Id& id) {
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
      if (!SourceSelects(selector, id)) continue;
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

Result<TargetSelector> ReadSelector(const Value& raw, std::string_view where) {
  auto selector = ParseTargetSelector(raw);
  if (!selector.ok()) return std::move(selector).error().Wrap(where);
  return selector;
}

// kustomize 5.6/5.7 select replacement targets by exact id (like sources), not by the
// regular expressions that patch targets use.
Id IdOf(const TargetSelector& s) { return {s.group, s.version, s.kind, s.name, s.namespace_}; }

Result<bool> LabelsAndAnnotationsMatch(const TargetSelector& s, const Value& object) {
  for (auto [text, field] :
       {std::pair{&s.label_selector, "labels"}, std::pair{&s.annotation_selector, "annotations"}}) {
    auto requirements = ParseLabelSelector(*text);
    if (!requirements.ok()) return std::move(requirements).error();
    if (!LabelsMatch(*requirements, object.At({"metadata", field}))) return false;
  }
  return true;
}

bool HasIdFields(const TargetSelector& s) {
  return !(s.group.empty() && s.version.empty() && s.kind.empty() && s.name.empty() &&
           s.namespace_.empty());
}

// kustomize's target choice: labels and annotations of `select` must match; a reject
// with label or annotation selectors rejects what they match, a reject with id fields
// rejects objects any of whose ids it selects (either suffices); then any id must be
// selected by `select`.
Result<bool> Chosen(const TargetSelector& select, const std::vector<TargetSelector>& rejects,
                    const Value& object, const std::vector<Id>& ids) {
  auto labels = LabelsAndAnnotationsMatch(select, object);
  if (!labels.ok() || !*labels) return labels;
  for (const TargetSelector& reject : rejects) {
    if (!reject.label_selector.empty() || !reject.annotation_selector.empty()) {
      auto hit = LabelsAndAnnotationsMatch(reject, object);
      if (!hit.ok()) return hit;
      if (*hit) return false;
    }
    if (!HasIdFields(reject)) continue;
    for (const Id& id : ids) {
      if (SourceSelects(IdOf(reject), id)) return false;
    }
  }
  for (const Id& id : ids) {
    if (SourceSelects(IdOf(select), id)) return true;
  }
  return false;
}

Status ApplyTarget(std::vector<Manifest>& objects,
                   const std::vector<std::vector<ObjectKey>>& previous, const Carried& carried,
                   const Value& target, const std::string& where) {
  if (!target.is_object()) return Error::Invalid(where + ": expected a map");
  const Value* select_raw = target.Find("select");
  if (select_raw == nullptr || select_raw->is_null()) {
    return Error::Invalid(where + ".select: a target must select objects");
  }
  auto select = ReadSelector(*select_raw, where + ".select");
  if (!select.ok()) return std::move(select).error();
  std::vector<TargetSelector> rejects;
  if (const Value* raw = target.Find("reject"); raw != nullptr && raw->is_array()) {
    for (size_t i = 0; i < raw->as_array().size(); ++i) {
      auto reject = ReadSelector(raw->as_array()[i], fmt::format("{}.reject[{}]", where, i));
      if (!reject.ok()) return std::move(reject).error();
      rejects.push_back(std::move(*reject));
    }
  }
  std::vector<std::string> paths;
  if (const Value* raw = target.Find("fieldPaths"); raw != nullptr && raw->is_array()) {
    for (const Value& p : raw->as_array()) {
      if (!p.is_string()) return Error::Invalid(where + ".fieldPaths: expected strings");
      paths.push_back(p.as_string());
    }
  }
  if (paths.empty()) paths.emplace_back(kDefaultFieldPath);
  auto options = ReadOptions(target.Find("options"), where);
  if (!options.ok()) return std::move(options).error();
  for (const auto& [key, _] : target.as_object()) {
    if (key != "select" && key != "reject" && key != "fieldPaths" && key != "options") {
      return Error::Invalid(fmt::format("{}.{}: unknown field", where, key));
    }
  }

  for (size_t i = 0; i < objects.size(); ++i) {
    Value& object = objects[i].object;
    auto chosen = Chosen(*select, rejects, object, IdsOf(object, previous[i]));
    if (!chosen.ok()) return std::move(chosen).error().Wrap(where);
    if (!*chosen) continue;
    const std::string who = KeyOf(object).ToString();
    for (const std::string& path : paths) {
      auto fields =
          FindTargets(object, SplitFieldPath(path), options->create, carried.value.type());
      std::string what = options->create ? "find or create" : "find";
      if (!fields.ok()) {
        return std::move(fields).error().Wrap(
            fmt::format("{}: {}: unable to {} field \"{}\"", where, who, what, path));
      }
      if (fields->empty()) {
        return Error::NotFound(
            fmt::format("{}: {}: unable to {} field \"{}\"", where, who, what, path));
      }
      for (const auto& field : *fields) {
        CAPSTAN_TRY(WriteValue(field, carried, options->delimiter, options->index,
                               fmt::format("{}: {}: {}", where, who, path)));
      }
    }
  }
  return OkStatus();
}

}  // namespace

Status ApplyReplacements(std::vector<Manifest>& objects, const Value& replacements) {
  std::vector<std::vector<ObjectKey>> previous;
  previous.reserve(objects.size());
  for (const Manifest& m : objects) previous.push_back(AnnotatedPrevious(m.object));
  return ApplyReplacements(objects, replacements, previous);
}

Status ApplyReplacements(std::vector<Manifest>& objects, const Value& replacements,
                         const std::vector<std::vector<ObjectKey>>& previous_ids) {
  if (replacements.is_null()) return OkStatus();
  if (!replacements.is_array()) return Error::Invalid("replacements: expected a list");
  std::vector<std::vector<ObjectKey>> previous = previous_ids;
  previous.resize(objects.size());
  const auto& list = replacements.as_array();
  for (size_t r = 0; r < list.size(); ++r) {
    const std::string where = fmt::format("replacements[{}]", r);
    const Value& replacement = list[r];
    if (!replacement.is_object()) return Error::Invalid(where + ": expected a map");
    for (const auto& [key, _] : replacement.as_object()) {
      if (key != "source" && key != "sourceValue" && key != "targets") {
        return Error::Invalid(fmt::format("{}.{}: unknown field", where, key));
      }
    }
    const Value* targets = replacement.Find("targets");
    if ((!replacement.Contains("source") && !replacement.Contains("sourceValue")) ||
        targets == nullptr || targets->is_null()) {
      return Error::Invalid(where + ": a replacement needs a source and at least one target");
    }
    if (!targets->is_array()) return Error::Invalid(where + ".targets: expected a list");
    auto carried = ReadSource(objects, previous, replacement, where);
    if (!carried.ok()) return std::move(carried).error();
    for (size_t t = 0; t < targets->as_array().size(); ++t) {
      CAPSTAN_TRY(ApplyTarget(objects, previous, *carried, targets->as_array()[t],
                              fmt::format("{}.targets[{}]", where, t)));
    }
  }
  return OkStatus();
}

}  // namespace capstan::render
