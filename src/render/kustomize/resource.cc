#include "render/kustomize/resource.h"

#include <fmt/format.h>

#include <array>

namespace capstan::render::kustomize {
namespace {

// The built-in kinds kustomize knows to be cluster-scoped (from the Kubernetes OpenAPI
// document it embeds), by apiVersion. Anything else is namespaced, custom resources too.
struct ScopedKind {
  std::string_view api_version, kind;
};
constexpr std::array kClusterScoped = {
    ScopedKind{"admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"},
    ScopedKind{"admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"},
    ScopedKind{"admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration"},
    ScopedKind{"admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration"},
    ScopedKind{"apiextensions.k8s.io/v1", "CustomResourceDefinition"},
    ScopedKind{"apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"},
    ScopedKind{"apiregistration.k8s.io/v1", "APIService"},
    ScopedKind{"apiregistration.k8s.io/v1beta1", "APIService"},
    ScopedKind{"certificates.k8s.io/v1", "CertificateSigningRequest"},
    ScopedKind{"certificates.k8s.io/v1beta1", "CertificateSigningRequest"},
    ScopedKind{"flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"},
    ScopedKind{"flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration"},
    ScopedKind{"networking.k8s.io/v1", "IngressClass"},
    ScopedKind{"networking.k8s.io/v1beta1", "IngressClass"},
    ScopedKind{"node.k8s.io/v1", "RuntimeClass"},
    ScopedKind{"node.k8s.io/v1beta1", "RuntimeClass"},
    ScopedKind{"policy/v1beta1", "PodSecurityPolicy"},
    ScopedKind{"rbac.authorization.k8s.io/v1", "ClusterRole"},
    ScopedKind{"rbac.authorization.k8s.io/v1", "ClusterRoleBinding"},
    ScopedKind{"rbac.authorization.k8s.io/v1beta1", "ClusterRole"},
    ScopedKind{"rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"},
    ScopedKind{"scheduling.k8s.io/v1", "PriorityClass"},
    ScopedKind{"scheduling.k8s.io/v1beta1", "PriorityClass"},
    ScopedKind{"storage.k8s.io/v1", "CSIDriver"},
    ScopedKind{"storage.k8s.io/v1", "CSINode"},
    ScopedKind{"storage.k8s.io/v1", "StorageClass"},
    ScopedKind{"storage.k8s.io/v1", "VolumeAttachment"},
    ScopedKind{"storage.k8s.io/v1beta1", "CSIDriver"},
    ScopedKind{"storage.k8s.io/v1beta1", "CSINode"},
    ScopedKind{"storage.k8s.io/v1beta1", "StorageClass"},
    ScopedKind{"storage.k8s.io/v1beta1", "VolumeAttachment"},
    ScopedKind{"v1", "ComponentStatus"},
    ScopedKind{"v1", "Namespace"},
    ScopedKind{"v1", "Node"},
    ScopedKind{"v1", "NodeProxyOptions"},
    ScopedKind{"v1", "PersistentVolume"},
};

constexpr std::string_view kDefaultNamespace = "default";

}  // namespace

std::string ResId::ToString() const {
  return fmt::format("{}.{}.{}/{}.{}", kind.empty() ? "[noKind]" : kind,
                     version.empty() ? "[noVer]" : version, group.empty() ? "[noGrp]" : group,
                     name.empty() ? "[noName]" : name, ns.empty() ? "[noNs]" : ns);
}

bool IsClusterScoped(std::string_view group, std::string_view version, std::string_view kind) {
  // Compared piece by piece: this runs for every object and field spec, and building
  // "group/version" strings here once dominated a large render.
  for (const auto& entry : kClusterScoped) {
    if (entry.kind != kind) continue;
    std::string_view api_version = entry.api_version;
    if (group.empty()) {
      if (api_version == version) return true;
    } else if (api_version.size() == group.size() + 1 + version.size() &&
               api_version.substr(0, group.size()) == group && api_version[group.size()] == '/' &&
               api_version.substr(group.size() + 1) == version) {
      return true;
    }
  }
  return false;
}

bool IsClusterScoped(const ResId& id) { return IsClusterScoped(id.group, id.version, id.kind); }

std::string EffectiveNamespace(const ResId& id) {
  if (IsClusterScoped(id)) return "_non_namespaceable_";
  if (id.ns.empty() || id.ns == kDefaultNamespace) return std::string(kDefaultNamespace);
  return id.ns;
}

bool IdEquals(const ResId& a, const ResId& b) {
  return a.group == b.group && a.version == b.version && a.kind == b.kind && a.name == b.name &&
         EffectiveNamespace(a) == EffectiveNamespace(b);
}

bool GvkSelects(const Gvk& selector, const ResId& id) {
  return (selector.group.empty() || selector.group == id.group) &&
         (selector.version.empty() || selector.version == id.version) &&
         (selector.kind.empty() || selector.kind == id.kind);
}

void SplitApiVersion(std::string_view api_version, std::string* group, std::string* version) {
  size_t slash = api_version.find('/');
  if (slash == std::string_view::npos) {
    group->clear();
    *version = std::string(api_version);
  } else {
    *group = std::string(api_version.substr(0, slash));
    *version = std::string(api_version.substr(slash + 1));
  }
}

GenerationBehavior ParseGenerationBehavior(std::string_view text) {
  if (text == "create") return GenerationBehavior::kCreate;
  if (text == "replace") return GenerationBehavior::kReplace;
  if (text == "merge") return GenerationBehavior::kMerge;
  return GenerationBehavior::kUnspecified;
}

ResId Resource::CurId() const {
  ResId id;
  SplitApiVersion(object.StringAt({"apiVersion"}), &id.group, &id.version);
  id.kind = std::string(object.StringAt({"kind"}));
  id.name = std::string(object.StringAt({"metadata", "name"}));
  id.ns = std::string(object.StringAt({"metadata", "namespace"}));
  return id;
}

std::vector<ResId> Resource::PrevIds() const {
  ResId current = CurId();
  std::vector<ResId> ids;
  ids.reserve(previous.size());
  for (const auto& p : previous) {
    ids.push_back(ResId{current.group, current.version, p.kind, p.name, p.ns});
  }
  return ids;
}

ResId Resource::OrgId() const {
  if (previous.empty()) return CurId();
  ResId id = CurId();
  id.kind = previous.front().kind;
  id.name = previous.front().name;
  id.ns = previous.front().ns;
  return id;
}

void Resource::StorePreviousId() {
  ResId id = CurId();
  previous.push_back(PreviousId{EffectiveNamespace(id), id.name, id.kind});
}

bool Resource::IsEmpty() const { return object.is_null() || object.empty(); }

Status AppendResource(ResMap& map, Resource resource) {
  ResId id = resource.CurId();
  for (const auto& existing : map) {
    if (IdEquals(existing.CurId(), id)) {
      std::string where = resource.source.empty() ? std::string("a generator") : resource.source;
      return Error::Conflict(fmt::format(
          "{} {}{} from {} is defined twice (kustomize: may not add resource with an already "
          "registered id: {})",
          id.kind, id.ns.empty() ? "" : id.ns + "/", id.name, where, id.ToString()));
    }
  }
  map.push_back(std::move(resource));
  return OkStatus();
}

std::vector<size_t> MatchAnyId(const ResMap& map, const ResId& id) {
  std::vector<size_t> result;
  for (size_t i = 0; i < map.size(); ++i) {
    if (IdEquals(map[i].CurId(), id)) {
      result.push_back(i);
      continue;
    }
    for (const auto& prev : map[i].PrevIds()) {
      if (IdEquals(prev, id)) {
        result.push_back(i);
        break;
      }
    }
  }
  return result;
}

std::string ScalarText(const Value& value) {
  switch (value.type()) {
    case Value::Type::kString:
      return value.as_string();
    case Value::Type::kBool:
      return value.as_bool() ? "true" : "false";
    case Value::Type::kInt:
      return std::to_string(value.as_int());
    case Value::Type::kDouble:
      return fmt::format("{}", value.as_double());
    default:
      return "";
  }
}

}  // namespace capstan::render::kustomize
