// namespace, namePrefix and nameSuffix: the transformers that change identities.
#include <fmt/format.h>

#include "render/kustomize/builtin_config.h"
#include "render/kustomize/transformers.h"

namespace capstan::render::kustomize {
namespace {

bool IsRoleBinding(std::string_view kind) {
  return kind == "RoleBinding" || kind == "ClusterRoleBinding";
}

FieldSetter SetString(const std::string& text) {
  return [text](Value& field) {
    field = Value(text);
    return OkStatus();
  };
}

// kustomize never renames these kinds (matched on the object's original id).
bool SkipsAffixes(const ResId& id) {
  return id.kind == "CustomResourceDefinition" || id.kind == "Namespace" ||
         (id.kind == "APIService" && id.group == "apiregistration.k8s.io");
}

Status ApplyAffix(ResMap& resources, const std::string& affix, bool prefix) {
  for (auto& resource : resources) {
    if (SkipsAffixes(resource.OrgId())) continue;
    (prefix ? resource.prefixes : resource.suffixes).push_back(affix);
    resource.StorePreviousId();
    FieldSpec spec{Gvk{}, "metadata/name", false};
    CAPSTAN_TRY(
        ApplyFieldSpec(resource.object, spec, CreateKind::kScalar, [&](Value& field) -> Status {
          std::string name = ScalarText(field);
          field = Value(prefix ? affix + name : name + affix);
          return OkStatus();
        }));
  }
  return OkStatus();
}

}  // namespace

Status ApplyNamespace(ResMap& resources, const std::string& ns) {
  for (size_t i = 0; i < resources.size(); ++i) {
    Resource& resource = resources[i];
    if (resource.IsEmpty()) continue;
    resource.StorePreviousId();
    Value& object = resource.object;
    ResId id = resource.CurId();
    if (!IsClusterScoped(id)) {
      FieldSpec spec{Gvk{}, "metadata/namespace", true};
      CAPSTAN_TRY(ApplyFieldSpec(object, spec, CreateKind::kScalar, SetString(ns)));
    }
    if (IsRoleBinding(id.kind)) {
      if (Value* subjects = object.Find("subjects"); subjects && subjects->is_array()) {
        for (Value& subject : subjects->as_array()) {
          if (subject.is_object() && subject.StringAt({"name"}) == "default") {
            subject.Set("namespace", ns);
          }
        }
      }
    }
    bool core_v1 = object.StringAt({"apiVersion"}) == "v1";
    for (const auto& spec : NamespaceSpecs()) {
      if (spec.path == "metadata/name" && !core_v1) continue;
      auto status = ApplyFieldSpec(object, spec, CreateKind::kScalar, SetString(ns));
      if (!status.ok()) {
        return std::move(status).error().Wrap(fmt::format("namespace {}", id.ToString()));
      }
    }
    ResId now = resource.CurId();
    for (size_t j = 0; j < resources.size(); ++j) {
      if (j != i && IdEquals(resources[j].CurId(), now)) {
        return Error::Conflict(
            fmt::format("namespace {}: two objects end up as {} {} in namespace {}", ns, now.kind,
                        now.name, now.ns));
      }
    }
  }
  return OkStatus();
}

Status ApplyNamePrefix(ResMap& resources, const std::string& prefix) {
  return ApplyAffix(resources, prefix, /*prefix=*/true);
}

Status ApplyNameSuffix(ResMap& resources, const std::string& suffix) {
  return ApplyAffix(resources, suffix, /*prefix=*/false);
}

}  // namespace capstan::render::kustomize
