// namespace-mismatch: the kustomization says where the set belongs; an object that names
// another namespace lands somewhere its Application neither shows nor prunes.
#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include "core/object.h"
#include "policy/internal/check.h"

namespace capstan::policy::internal {
namespace {

// Kinds that live outside namespaces; a namespace written on them is ignored by the API
// server, so it is not a mismatch. Custom cluster-scoped kinds cannot be known offline.
constexpr std::string_view kClusterScoped[] = {
    "APIService",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PriorityClass",
    "RuntimeClass",
    "StorageClass",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
};

bool IsClusterScoped(std::string_view kind) {
  return std::find(std::begin(kClusterScoped), std::end(kClusterScoped), kind) !=
         std::end(kClusterScoped);
}

}  // namespace

void CheckNamespaceMismatch(const CheckInput& input, FindingSink& sink) {
  const std::string& expected = input.config.expected_namespace;
  if (expected.empty()) return;
  for (size_t i = 0; i < input.manifests.size(); ++i) {
    const Value& object = input.manifests[i].object;
    std::string_view ns = NamespaceOf(object);
    if (ns.empty() || ns == expected || IsClusterScoped(KindOf(object))) continue;
    sink.Add(i, "metadata.namespace", Value(ns),
             fmt::format("the kustomization puts this set in namespace \"{}\": remove "
                         "metadata.namespace or set it to \"{}\"",
                         expected, expected));
  }
}

}  // namespace capstan::policy::internal
