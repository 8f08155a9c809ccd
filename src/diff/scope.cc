// Which built-in kinds are cluster-scoped, and the namespace an object is compared in.
#include <array>
#include <utility>

#include "diff/diff.h"
#include "diff/internal/steps.h"

namespace capstan::diff {
namespace {

// (group, kind) of the built-in cluster-scoped kinds a Kubernetes v1.20+ server serves.
constexpr std::array<std::pair<std::string_view, std::string_view>, 24> kClusterScoped = {{
    {"", "Namespace"},
    {"", "Node"},
    {"", "PersistentVolume"},
    {"", "ComponentStatus"},
    {"rbac.authorization.k8s.io", "ClusterRole"},
    {"rbac.authorization.k8s.io", "ClusterRoleBinding"},
    {"apiextensions.k8s.io", "CustomResourceDefinition"},
    {"apiregistration.k8s.io", "APIService"},
    {"storage.k8s.io", "StorageClass"},
    {"storage.k8s.io", "CSIDriver"},
    {"storage.k8s.io", "CSINode"},
    {"storage.k8s.io", "VolumeAttachment"},
    {"scheduling.k8s.io", "PriorityClass"},
    {"networking.k8s.io", "IngressClass"},
    {"node.k8s.io", "RuntimeClass"},
    {"policy", "PodSecurityPolicy"},
    {"admissionregistration.k8s.io", "ValidatingWebhookConfiguration"},
    {"admissionregistration.k8s.io", "MutatingWebhookConfiguration"},
    {"admissionregistration.k8s.io", "ValidatingAdmissionPolicy"},
    {"admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"},
    {"certificates.k8s.io", "CertificateSigningRequest"},
    {"flowcontrol.apiserver.k8s.io", "FlowSchema"},
    {"flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"},
    {"authentication.k8s.io", "SelfSubjectReview"},
}};

}  // namespace

bool IsClusterScoped(std::string_view group, std::string_view kind) {
  for (const auto& [g, k] : kClusterScoped) {
    if (g == group && k == kind) return true;
  }
  return false;
}

namespace internal {

ObjectKey ComparedKey(const Value& object, const DiffOptions& options) {
  ObjectKey key = KeyOf(object);
  if (IsClusterScoped(key.group, key.kind)) {
    key.ns.clear();
  } else if (key.ns.empty()) {
    key.ns = options.default_namespace;
  }
  return key;
}

}  // namespace internal
}  // namespace capstan::diff
