// kustomize `replacements`: copy one field of one object (or a literal sourceValue) into
// fields of the selected objects, in order, each replacement seeing the previous ones'
// results. Sources and targets are found by exact id (current or earlier name and
// namespace, unlike patch targets there are no regular expressions); targets also by
// labels and annotations, minus rejects.
#include <fmt/format.h>

#include "core/object.h"
#include "render/kustomize/patch.h"
#include "render/kustomize/replacements_internal.h"
#include "render/kustomize/selector_internal.h"

namespace capstan::render {
namespace {

using replacements::AnnotatedPrevious;
using replacements::Carried;
using replacements::FindTargets;
using replacements::Id;
using replacements::IdsOf;
using replacements::kDefaultFieldPath;
using replacements::ReadOptions;
using replacements::ReadSource;
using replacements::Selects;
using replacements::SplitFieldPath;
using replacements::WriteValue;

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
      if (Selects(IdOf(reject), id)) return false;
    }
  }
  for (const Id& id : ids) {
    if (Selects(IdOf(select), id)) return true;
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
