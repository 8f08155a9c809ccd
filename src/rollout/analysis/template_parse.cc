// AnalysisTemplate and ClusterAnalysisTemplate, read as Argo Rollouts' CRDs define them.
#include <string>

#include "core/object.h"
#include "rollout/analysis/analysis.h"
#include "rollout/analysis/internal/fields.h"
#include "rollout/analysis/internal/spec_parts.h"

namespace capstan::rollout::analysis {

using internal::Field;
using internal::FieldError;
using internal::Item;

namespace {

Result<std::vector<TemplateRef>> ParseTemplateRefs(const Value& spec) {
  auto list = internal::OptionalList(spec, "templates", "spec");
  if (!list.ok()) return std::move(list).error();
  std::vector<TemplateRef> refs;
  for (size_t i = 0; i < (*list)->size(); ++i) {
    const Value& entry = (**list)[i];
    std::string path = Item("spec.templates", i);
    if (!entry.is_object()) return FieldError(path, "expected a map with templateName");
    CAPSTAN_TRY(internal::OnlyKnownFields(entry, {"templateName", "clusterScope"}, path));
    auto name = internal::RequiredString(entry, "templateName", path);
    if (!name.ok()) return std::move(name).error();
    auto cluster = internal::OptionalBool(entry, "clusterScope", path);
    if (!cluster.ok()) return std::move(cluster).error();
    refs.push_back(TemplateRef{std::move(*name), cluster->value_or(false)});
  }
  return refs;
}

Result<AnalysisTemplate> ParseTemplate(const Value& object, std::string_view source) {
  CAPSTAN_TRY(internal::CheckObject(object, {"AnalysisTemplate", "ClusterAnalysisTemplate"}));
  AnalysisTemplate out;
  out.kind = std::string(KindOf(object));
  out.name = std::string(NameOf(object));
  out.ns = std::string(NamespaceOf(object));
  out.source = std::string(source);
  const Value* spec = object.Find("spec");
  if (spec == nullptr || !spec->is_object()) return FieldError("spec", "required");
  CAPSTAN_TRY(internal::OnlyKnownFields(
      *spec, {"metrics", "args", "dryRun", "measurementRetention", "templates"}, "spec"));
  auto args = ParseArguments(spec->Find("args") ? *spec->Find("args") : Value(), "spec.args");
  if (!args.ok()) return std::move(args).error();
  out.args = std::move(*args);
  auto metrics = internal::OptionalList(*spec, "metrics", "spec");
  if (!metrics.ok()) return std::move(metrics).error();
  for (size_t i = 0; i < (*metrics)->size(); ++i) {
    const Value& metric = (**metrics)[i];
    std::string path = Item("spec.metrics", i);
    CAPSTAN_TRY(ValidateMetricTemplate(metric, path));
    std::string_view name = metric.StringAt({"name"});
    for (const Value& previous : out.metrics) {
      if (previous.StringAt({"name"}) == name) {
        return FieldError(path, "duplicate name '" + std::string(name) + "'");
      }
    }
    out.metrics.push_back(metric);
  }
  auto dry_run = internal::ParseDryRun(*spec, "spec");
  if (!dry_run.ok()) return std::move(dry_run).error();
  out.dry_run = std::move(*dry_run);
  auto retention = internal::ParseRetention(*spec, "spec");
  if (!retention.ok()) return std::move(retention).error();
  out.measurement_retention = std::move(*retention);
  auto refs = ParseTemplateRefs(*spec);
  if (!refs.ok()) return std::move(refs).error();
  out.templates = std::move(*refs);
  if (out.metrics.empty() && out.templates.empty()) {
    return FieldError("spec.metrics", "no metrics specified");
  }
  return out;
}

}  // namespace

Result<AnalysisTemplate> ParseAnalysisTemplate(const Value& object, std::string_view source) {
  auto parsed = ParseTemplate(object, source);
  if (!parsed.ok()) return internal::ObjectError(object, source, parsed.error());
  return parsed;
}

}  // namespace capstan::rollout::analysis
