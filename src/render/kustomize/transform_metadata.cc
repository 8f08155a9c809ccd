// commonLabels / labels / commonAnnotations: set keys at every field spec, creating maps.
#include <fmt/format.h>

#include "render/kustomize/builtin_config.h"
#include "render/kustomize/transformers.h"

namespace capstan::render::kustomize {
namespace {

// Adds `spec` unless an equivalent one (same path, selecting the same kinds) is there;
// kustomize refuses two that disagree on `create`, capstan keeps the first.
void MergeSpec(std::vector<FieldSpec>& specs, const FieldSpec& spec) {
  for (const auto& existing : specs) {
    bool same_kinds = (existing.gvk.group.empty() || existing.gvk.group == spec.gvk.group) &&
                      (existing.gvk.version.empty() || existing.gvk.version == spec.gvk.version) &&
                      (existing.gvk.kind.empty() || existing.gvk.kind == spec.gvk.kind);
    if (same_kinds && existing.path == spec.path) return;
  }
  specs.push_back(spec);
}

Status SetKeys(ResMap& resources, const std::map<std::string, std::string>& pairs,
               const std::vector<FieldSpec>& specs, std::string_view what) {
  for (auto& resource : resources) {
    for (const auto& pair : pairs) {
      // Named references, not structured bindings: clang 14 cannot capture those in lambdas.
      const std::string& key = pair.first;
      const std::string& value = pair.second;
      for (const auto& spec : specs) {
        auto status =
            ApplyFieldSpec(resource.object, spec, CreateKind::kMap, [&](Value& field) -> Status {
              if (field.is_null()) field = Value::MakeObject();
              if (!field.is_object()) {
                return Error::Invalid(fmt::format("{}: expected a map, found a {}", spec.path,
                                                  TypeName(field.type())));
              }
              field.Set(key, value);
              return OkStatus();
            });
        if (!status.ok()) {
          return std::move(status).error().Wrap(
              fmt::format("{} {}", what, resource.CurId().ToString()));
        }
      }
    }
  }
  return OkStatus();
}

}  // namespace

std::vector<FieldSpec> LabelEntrySpecs(const LabelEntry& entry) {
  std::vector<FieldSpec> specs = entry.fields;
  if (entry.include_selectors) {
    for (const auto& spec : CommonLabelSpecs()) MergeSpec(specs, spec);
    return specs;
  }
  if (entry.include_templates) {
    for (const auto& spec : TemplateLabelSpecs()) MergeSpec(specs, spec);
  }
  MergeSpec(specs, FieldSpec{Gvk{}, "metadata/labels", true});
  return specs;
}

Status ApplyLabels(ResMap& resources, const std::map<std::string, std::string>& labels,
                   const std::vector<FieldSpec>& specs) {
  if (labels.empty()) return OkStatus();
  return SetKeys(resources, labels, specs, "labels");
}

Status ApplyAnnotations(ResMap& resources, const std::map<std::string, std::string>& annotations) {
  if (annotations.empty()) return OkStatus();
  return SetKeys(resources, annotations, CommonAnnotationSpecs(), "commonAnnotations");
}

}  // namespace capstan::render::kustomize
