// Patch strategies of the built-in kinds, as kustomize 5.6/5.7 know them: transcribed from
// the Kubernetes v1.21.2 OpenAPI definitions (x-kubernetes-patch-strategy,
// x-kubernetes-patch-merge-key, x-kubernetes-list-map-keys) that kustomize compiles in.
// Only the types on a path to a mergeable list are listed; everything else merges maps
// and replaces lists, which is also what no schema at all does.
#include <algorithm>
#include <string_view>
#include <tuple>

#include "render/kustomize/strategic_merge_schema.h"

namespace capstan::render::smp {
namespace {

enum class Shape { kObject, kArray, kMap };

struct Row {
  std::string_view type;
  std::string_view field;
  Shape shape;
  std::string_view value_type;  // the field's type, its elements' or its map values'
  std::string_view strategy;
  std::string_view keys;  // comma-separated
};

// Sorted by (type, field). Every type's "metadata" is an ObjectMeta (see FieldOf), so
// those rows are left out.
constexpr Row kFields[] = {
    {"api.admissionregistration.v1.MutatingWebhookConfiguration", "webhooks", Shape::kArray, "",
     "merge", "name"},
    {"api.admissionregistration.v1.ValidatingWebhookConfiguration", "webhooks", Shape::kArray, "",
     "merge", "name"},
    {"api.admissionregistration.v1beta1.MutatingWebhookConfiguration", "webhooks", Shape::kArray,
     "", "merge", "name"},
    {"api.admissionregistration.v1beta1.ValidatingWebhookConfiguration", "webhooks", Shape::kArray,
     "", "merge", "name"},
    {"api.apps.v1.DaemonSet", "spec", Shape::kObject, "api.apps.v1.DaemonSetSpec", "", ""},
    {"api.apps.v1.DaemonSet", "status", Shape::kObject, "api.apps.v1.DaemonSetStatus", "", ""},
    {"api.apps.v1.DaemonSetSpec", "template", Shape::kObject, "api.core.v1.PodTemplateSpec", "",
     ""},
    {"api.apps.v1.DaemonSetStatus", "conditions", Shape::kArray, "", "merge", "type"},
    {"api.apps.v1.Deployment", "spec", Shape::kObject, "api.apps.v1.DeploymentSpec", "", ""},
    {"api.apps.v1.Deployment", "status", Shape::kObject, "api.apps.v1.DeploymentStatus", "", ""},
    {"api.apps.v1.DeploymentSpec", "template", Shape::kObject, "api.core.v1.PodTemplateSpec", "",
     ""},
    {"api.apps.v1.DeploymentStatus", "conditions", Shape::kArray, "", "merge", "type"},
    {"api.apps.v1.ReplicaSet", "spec", Shape::kObject, "api.apps.v1.ReplicaSetSpec", "", ""},
    {"api.apps.v1.ReplicaSet", "status", Shape::kObject, "api.apps.v1.ReplicaSetStatus", "", ""},
    {"api.apps.v1.ReplicaSetSpec", "template", Shape::kObject, "api.core.v1.PodTemplateSpec", "",
     ""},
    {"api.apps.v1.ReplicaSetStatus", "conditions", Shape::kArray, "", "merge", "type"},
    {"api.apps.v1.StatefulSet", "spec", Shape::kObject, "api.apps.v1.StatefulSetSpec", "", ""},
    {"api.apps.v1.StatefulSet", "status", Shape::kObject, "api.apps.v1.StatefulSetStatus", "", ""},
    {"api.apps.v1.StatefulSetSpec", "template", Shape::kObject, "api.core.v1.PodTemplateSpec", "",
     ""},
    {"api.apps.v1.StatefulSetSpec", "volumeClaimTemplates", Shape::kArray,
     "api.core.v1.PersistentVolumeClaim", "", ""},
    {"api.apps.v1.StatefulSetStatus", "conditions", Shape::kArray, "", "merge", "type"},
    {"api.batch.v1.CronJob", "spec", Shape::kObject, "api.batch.v1.CronJobSpec", "", ""},
    {"api.batch.v1.CronJobSpec", "jobTemplate", Shape::kObject, "api.batch.v1.JobTemplateSpec", "",
     ""},
    {"api.batch.v1.Job", "spec", Shape::kObject, "api.batch.v1.JobSpec", "", ""},
    {"api.batch.v1.Job", "status", Shape::kObject, "api.batch.v1.JobStatus", "", ""},
    {"api.batch.v1.JobSpec", "template", Shape::kObject, "api.core.v1.PodTemplateSpec", "", ""},
    {"api.batch.v1.JobStatus", "conditions", Shape::kArray, "", "merge", "type"},
    {"api.batch.v1.JobTemplateSpec", "spec", Shape::kObject, "api.batch.v1.JobSpec", "", ""},
    {"api.batch.v1beta1.CronJob", "spec", Shape::kObject, "api.batch.v1beta1.CronJobSpec", "", ""},
    {"api.batch.v1beta1.CronJobSpec", "jobTemplate", Shape::kObject,
     "api.batch.v1beta1.JobTemplateSpec", "", ""},
    {"api.batch.v1beta1.JobTemplateSpec", "spec", Shape::kObject, "api.batch.v1.JobSpec", "", ""},
    {"api.core.v1.ComponentStatus", "conditions", Shape::kArray, "", "merge", "type"},
    {"api.core.v1.Container", "env", Shape::kArray, "", "merge", "name"},
    {"api.core.v1.Container", "ports", Shape::kArray, "", "merge", "containerPort,protocol"},
    {"api.core.v1.Container", "volumeDevices", Shape::kArray, "", "merge", "devicePath"},
    {"api.core.v1.Container", "volumeMounts", Shape::kArray, "", "merge", "mountPath"},
    {"api.core.v1.EphemeralContainer", "env", Shape::kArray, "", "merge", "name"},
    {"api.core.v1.EphemeralContainer", "volumeDevices", Shape::kArray, "", "merge", "devicePath"},
    {"api.core.v1.EphemeralContainer", "volumeMounts", Shape::kArray, "", "merge", "mountPath"},
    {"api.core.v1.EphemeralVolumeSource", "volumeClaimTemplate", Shape::kObject,
     "api.core.v1.PersistentVolumeClaimTemplate", "", ""},
    {"api.core.v1.Namespace", "status", Shape::kObject, "api.core.v1.NamespaceStatus", "", ""},
    {"api.core.v1.NamespaceStatus", "conditions", Shape::kArray, "", "merge", "type"},
    {"api.core.v1.Node", "spec", Shape::kObject, "api.core.v1.NodeSpec", "", ""},
    {"api.core.v1.Node", "status", Shape::kObject, "api.core.v1.NodeStatus", "", ""},
    {"api.core.v1.NodeSpec", "podCIDRs", Shape::kArray, "", "merge", ""},
    {"api.core.v1.NodeStatus", "addresses", Shape::kArray, "", "merge", "type"},
    {"api.core.v1.NodeStatus", "conditions", Shape::kArray, "", "merge", "type"},
    {"api.core.v1.PersistentVolumeClaim", "status", Shape::kObject,
     "api.core.v1.PersistentVolumeClaimStatus", "", ""},
    {"api.core.v1.PersistentVolumeClaimStatus", "conditions", Shape::kArray, "", "merge", "type"},
    {"api.core.v1.Pod", "spec", Shape::kObject, "api.core.v1.PodSpec", "", ""},
    {"api.core.v1.Pod", "status", Shape::kObject, "api.core.v1.PodStatus", "", ""},
    {"api.core.v1.PodSpec", "containers", Shape::kArray, "api.core.v1.Container", "merge", "name"},
    {"api.core.v1.PodSpec", "ephemeralContainers", Shape::kArray, "api.core.v1.EphemeralContainer",
     "merge", "name"},
    {"api.core.v1.PodSpec", "hostAliases", Shape::kArray, "", "merge", "ip"},
    {"api.core.v1.PodSpec", "imagePullSecrets", Shape::kArray, "", "merge", "name"},
    {"api.core.v1.PodSpec", "initContainers", Shape::kArray, "api.core.v1.Container", "merge",
     "name"},
    {"api.core.v1.PodSpec", "topologySpreadConstraints", Shape::kArray, "", "merge",
     "topologyKey,whenUnsatisfiable"},
    {"api.core.v1.PodSpec", "volumes", Shape::kArray, "api.core.v1.Volume", "merge,retainKeys",
     "name"},
    {"api.core.v1.PodStatus", "conditions", Shape::kArray, "", "merge", "type"},
    {"api.core.v1.PodStatus", "podIPs", Shape::kArray, "", "merge", "ip"},
    {"api.core.v1.PodTemplate", "template", Shape::kObject, "api.core.v1.PodTemplateSpec", "", ""},
    {"api.core.v1.PodTemplateSpec", "spec", Shape::kObject, "api.core.v1.PodSpec", "", ""},
    {"api.core.v1.ReplicationController", "spec", Shape::kObject,
     "api.core.v1.ReplicationControllerSpec", "", ""},
    {"api.core.v1.ReplicationController", "status", Shape::kObject,
     "api.core.v1.ReplicationControllerStatus", "", ""},
    {"api.core.v1.ReplicationControllerSpec", "template", Shape::kObject,
     "api.core.v1.PodTemplateSpec", "", ""},
    {"api.core.v1.ReplicationControllerStatus", "conditions", Shape::kArray, "", "merge", "type"},
    {"api.core.v1.Service", "spec", Shape::kObject, "api.core.v1.ServiceSpec", "", ""},
    {"api.core.v1.Service", "status", Shape::kObject, "api.core.v1.ServiceStatus", "", ""},
    {"api.core.v1.ServiceAccount", "secrets", Shape::kArray, "", "merge", "name"},
    {"api.core.v1.ServiceSpec", "ports", Shape::kArray, "", "merge", "port,protocol"},
    {"api.core.v1.ServiceStatus", "conditions", Shape::kArray, "", "merge", "type"},
    {"api.core.v1.Volume", "ephemeral", Shape::kObject, "api.core.v1.EphemeralVolumeSource", "",
     ""},
    {"api.policy.v1.PodDisruptionBudget", "status", Shape::kObject,
     "api.policy.v1.PodDisruptionBudgetStatus", "", ""},
    {"api.policy.v1.PodDisruptionBudgetStatus", "conditions", Shape::kArray, "", "merge", "type"},
    {"api.policy.v1beta1.PodDisruptionBudget", "status", Shape::kObject,
     "api.policy.v1beta1.PodDisruptionBudgetStatus", "", ""},
    {"api.policy.v1beta1.PodDisruptionBudgetStatus", "conditions", Shape::kArray, "", "merge",
     "type"},
    {"api.storage.v1.CSINode", "spec", Shape::kObject, "api.storage.v1.CSINodeSpec", "", ""},
    {"api.storage.v1.CSINodeSpec", "drivers", Shape::kArray, "", "merge", "name"},
    {"api.storage.v1beta1.CSINode", "spec", Shape::kObject, "api.storage.v1beta1.CSINodeSpec", "",
     ""},
    {"api.storage.v1beta1.CSINodeSpec", "drivers", Shape::kArray, "", "merge", "name"},
    {"apimachinery.pkg.apis.meta.v1.ObjectMeta", "finalizers", Shape::kArray, "", "merge", ""},
    {"apimachinery.pkg.apis.meta.v1.ObjectMeta", "ownerReferences", Shape::kArray, "", "merge",
     "uid"},
    {"kube-aggregator.pkg.apis.apiregistration.v1.APIService", "status", Shape::kObject,
     "kube-aggregator.pkg.apis.apiregistration.v1.APIServiceStatus", "", ""},
    {"kube-aggregator.pkg.apis.apiregistration.v1.APIServiceStatus", "conditions", Shape::kArray,
     "", "merge", "type"},
    {"kube-aggregator.pkg.apis.apiregistration.v1beta1.APIService", "status", Shape::kObject,
     "kube-aggregator.pkg.apis.apiregistration.v1beta1.APIServiceStatus", "", ""},
    {"kube-aggregator.pkg.apis.apiregistration.v1beta1.APIServiceStatus", "conditions",
     Shape::kArray, "", "merge", "type"},
};

struct Root {
  std::string_view api_version;
  std::string_view kind;
  std::string_view type;
};

// Sorted by (api_version, kind).
constexpr Root kRoots[] = {
    {"admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration",
     "api.admissionregistration.v1.MutatingWebhookConfiguration"},
    {"admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration",
     "api.admissionregistration.v1.ValidatingWebhookConfiguration"},
    {"admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration",
     "api.admissionregistration.v1beta1.MutatingWebhookConfiguration"},
    {"admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration",
     "api.admissionregistration.v1beta1.ValidatingWebhookConfiguration"},
    {"apiextensions.k8s.io/v1", "CustomResourceDefinition",
     "apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition"},
    {"apiextensions.k8s.io/v1beta1", "CustomResourceDefinition",
     "apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.CustomResourceDefinition"},
    {"apiregistration.k8s.io/v1", "APIService",
     "kube-aggregator.pkg.apis.apiregistration.v1.APIService"},
    {"apiregistration.k8s.io/v1beta1", "APIService",
     "kube-aggregator.pkg.apis.apiregistration.v1beta1.APIService"},
    {"apps/v1", "ControllerRevision", "api.apps.v1.ControllerRevision"},
    {"apps/v1", "DaemonSet", "api.apps.v1.DaemonSet"},
    {"apps/v1", "Deployment", "api.apps.v1.Deployment"},
    {"apps/v1", "ReplicaSet", "api.apps.v1.ReplicaSet"},
    {"apps/v1", "StatefulSet", "api.apps.v1.StatefulSet"},
    {"authentication.k8s.io/v1", "TokenRequest", "api.authentication.v1.TokenRequest"},
    {"authentication.k8s.io/v1", "TokenReview", "api.authentication.v1.TokenReview"},
    {"authentication.k8s.io/v1beta1", "TokenReview", "api.authentication.v1beta1.TokenReview"},
    {"authorization.k8s.io/v1", "LocalSubjectAccessReview",
     "api.authorization.v1.LocalSubjectAccessReview"},
    {"authorization.k8s.io/v1", "SelfSubjectAccessReview",
     "api.authorization.v1.SelfSubjectAccessReview"},
    {"authorization.k8s.io/v1", "SelfSubjectRulesReview",
     "api.authorization.v1.SelfSubjectRulesReview"},
    {"authorization.k8s.io/v1", "SubjectAccessReview", "api.authorization.v1.SubjectAccessReview"},
    {"authorization.k8s.io/v1beta1", "LocalSubjectAccessReview",
     "api.authorization.v1beta1.LocalSubjectAccessReview"},
    {"authorization.k8s.io/v1beta1", "SelfSubjectAccessReview",
     "api.authorization.v1beta1.SelfSubjectAccessReview"},
    {"authorization.k8s.io/v1beta1", "SelfSubjectRulesReview",
     "api.authorization.v1beta1.SelfSubjectRulesReview"},
    {"authorization.k8s.io/v1beta1", "SubjectAccessReview",
     "api.authorization.v1beta1.SubjectAccessReview"},
    {"autoscaling/v1", "HorizontalPodAutoscaler", "api.autoscaling.v1.HorizontalPodAutoscaler"},
    {"autoscaling/v1", "Scale", "api.autoscaling.v1.Scale"},
    {"autoscaling/v2beta1", "HorizontalPodAutoscaler",
     "api.autoscaling.v2beta1.HorizontalPodAutoscaler"},
    {"autoscaling/v2beta2", "HorizontalPodAutoscaler",
     "api.autoscaling.v2beta2.HorizontalPodAutoscaler"},
    {"batch/v1", "CronJob", "api.batch.v1.CronJob"},
    {"batch/v1", "Job", "api.batch.v1.Job"},
    {"batch/v1beta1", "CronJob", "api.batch.v1beta1.CronJob"},
    {"certificates.k8s.io/v1", "CertificateSigningRequest",
     "api.certificates.v1.CertificateSigningRequest"},
    {"certificates.k8s.io/v1beta1", "CertificateSigningRequest",
     "api.certificates.v1beta1.CertificateSigningRequest"},
    {"coordination.k8s.io/v1", "Lease", "api.coordination.v1.Lease"},
    {"coordination.k8s.io/v1beta1", "Lease", "api.coordination.v1beta1.Lease"},
    {"discovery.k8s.io/v1", "EndpointSlice", "api.discovery.v1.EndpointSlice"},
    {"discovery.k8s.io/v1beta1", "EndpointSlice", "api.discovery.v1beta1.EndpointSlice"},
    {"events.k8s.io/v1", "Event", "api.events.v1.Event"},
    {"events.k8s.io/v1beta1", "Event", "api.events.v1beta1.Event"},
    {"extensions/v1beta1", "Ingress", "api.extensions.v1beta1.Ingress"},
    {"flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", "api.flowcontrol.v1beta1.FlowSchema"},
    {"flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration",
     "api.flowcontrol.v1beta1.PriorityLevelConfiguration"},
    {"networking.k8s.io/v1", "Ingress", "api.networking.v1.Ingress"},
    {"networking.k8s.io/v1", "IngressClass", "api.networking.v1.IngressClass"},
    {"networking.k8s.io/v1", "NetworkPolicy", "api.networking.v1.NetworkPolicy"},
    {"networking.k8s.io/v1beta1", "Ingress", "api.networking.v1beta1.Ingress"},
    {"networking.k8s.io/v1beta1", "IngressClass", "api.networking.v1beta1.IngressClass"},
    {"node.k8s.io/v1", "RuntimeClass", "api.node.v1.RuntimeClass"},
    {"node.k8s.io/v1beta1", "RuntimeClass", "api.node.v1beta1.RuntimeClass"},
    {"policy/v1", "PodDisruptionBudget", "api.policy.v1.PodDisruptionBudget"},
    {"policy/v1beta1", "Eviction", "api.policy.v1beta1.Eviction"},
    {"policy/v1beta1", "PodDisruptionBudget", "api.policy.v1beta1.PodDisruptionBudget"},
    {"policy/v1beta1", "PodSecurityPolicy", "api.policy.v1beta1.PodSecurityPolicy"},
    {"rbac.authorization.k8s.io/v1", "ClusterRole", "api.rbac.v1.ClusterRole"},
    {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "api.rbac.v1.ClusterRoleBinding"},
    {"rbac.authorization.k8s.io/v1", "Role", "api.rbac.v1.Role"},
    {"rbac.authorization.k8s.io/v1", "RoleBinding", "api.rbac.v1.RoleBinding"},
    {"rbac.authorization.k8s.io/v1beta1", "ClusterRole", "api.rbac.v1beta1.ClusterRole"},
    {"rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding",
     "api.rbac.v1beta1.ClusterRoleBinding"},
    {"rbac.authorization.k8s.io/v1beta1", "Role", "api.rbac.v1beta1.Role"},
    {"rbac.authorization.k8s.io/v1beta1", "RoleBinding", "api.rbac.v1beta1.RoleBinding"},
    {"scheduling.k8s.io/v1", "PriorityClass", "api.scheduling.v1.PriorityClass"},
    {"scheduling.k8s.io/v1beta1", "PriorityClass", "api.scheduling.v1beta1.PriorityClass"},
    {"storage.k8s.io/v1", "CSIDriver", "api.storage.v1.CSIDriver"},
    {"storage.k8s.io/v1", "CSINode", "api.storage.v1.CSINode"},
    {"storage.k8s.io/v1", "StorageClass", "api.storage.v1.StorageClass"},
    {"storage.k8s.io/v1", "VolumeAttachment", "api.storage.v1.VolumeAttachment"},
    {"storage.k8s.io/v1beta1", "CSIDriver", "api.storage.v1beta1.CSIDriver"},
    {"storage.k8s.io/v1beta1", "CSINode", "api.storage.v1beta1.CSINode"},
    {"storage.k8s.io/v1beta1", "CSIStorageCapacity", "api.storage.v1beta1.CSIStorageCapacity"},
    {"storage.k8s.io/v1beta1", "StorageClass", "api.storage.v1beta1.StorageClass"},
    {"storage.k8s.io/v1beta1", "VolumeAttachment", "api.storage.v1beta1.VolumeAttachment"},
    {"v1", "Binding", "api.core.v1.Binding"},
    {"v1", "ComponentStatus", "api.core.v1.ComponentStatus"},
    {"v1", "ConfigMap", "api.core.v1.ConfigMap"},
    {"v1", "Endpoints", "api.core.v1.Endpoints"},
    {"v1", "Event", "api.core.v1.Event"},
    {"v1", "LimitRange", "api.core.v1.LimitRange"},
    {"v1", "Namespace", "api.core.v1.Namespace"},
    {"v1", "Node", "api.core.v1.Node"},
    {"v1", "PersistentVolume", "api.core.v1.PersistentVolume"},
    {"v1", "PersistentVolumeClaim", "api.core.v1.PersistentVolumeClaim"},
    {"v1", "Pod", "api.core.v1.Pod"},
    {"v1", "PodTemplate", "api.core.v1.PodTemplate"},
    {"v1", "ReplicationController", "api.core.v1.ReplicationController"},
    {"v1", "ResourceQuota", "api.core.v1.ResourceQuota"},
    {"v1", "Secret", "api.core.v1.Secret"},
    {"v1", "Service", "api.core.v1.Service"},
    {"v1", "ServiceAccount", "api.core.v1.ServiceAccount"},
};

struct Kind {
  std::string_view api_version;
  std::string_view kind;
};

// Sorted by (api_version, kind).
constexpr Kind kClusterScoped[] = {
    {"admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"},
    {"admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"},
    {"admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration"},
    {"admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration"},
    {"apiextensions.k8s.io/v1", "CustomResourceDefinition"},
    {"apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"},
    {"apiregistration.k8s.io/v1", "APIService"},
    {"apiregistration.k8s.io/v1beta1", "APIService"},
    {"certificates.k8s.io/v1", "CertificateSigningRequest"},
    {"certificates.k8s.io/v1beta1", "CertificateSigningRequest"},
    {"flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"},
    {"flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration"},
    {"networking.k8s.io/v1", "IngressClass"},
    {"networking.k8s.io/v1beta1", "IngressClass"},
    {"node.k8s.io/v1", "RuntimeClass"},
    {"node.k8s.io/v1beta1", "RuntimeClass"},
    {"policy/v1beta1", "PodSecurityPolicy"},
    {"rbac.authorization.k8s.io/v1", "ClusterRole"},
    {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding"},
    {"rbac.authorization.k8s.io/v1beta1", "ClusterRole"},
    {"rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"},
    {"scheduling.k8s.io/v1", "PriorityClass"},
    {"scheduling.k8s.io/v1beta1", "PriorityClass"},
    {"storage.k8s.io/v1", "CSIDriver"},
    {"storage.k8s.io/v1", "CSINode"},
    {"storage.k8s.io/v1", "StorageClass"},
    {"storage.k8s.io/v1", "VolumeAttachment"},
    {"storage.k8s.io/v1beta1", "CSIDriver"},
    {"storage.k8s.io/v1beta1", "CSINode"},
    {"storage.k8s.io/v1beta1", "StorageClass"},
    {"storage.k8s.io/v1beta1", "VolumeAttachment"},
    {"v1", "ComponentStatus"},
    {"v1", "Namespace"},
    {"v1", "Node"},
    {"v1", "NodeProxyOptions"},
    {"v1", "PersistentVolume"},
};

std::vector<std::string> SplitKeys(std::string_view keys) {
  std::vector<std::string> out;
  while (!keys.empty()) {
    size_t comma = keys.find(',');
    out.emplace_back(keys.substr(0, comma));
    keys = comma == std::string_view::npos ? std::string_view() : keys.substr(comma + 1);
  }
  return out;
}

}  // namespace

constexpr SchemaType kObjectMeta = "apimachinery.pkg.apis.meta.v1.ObjectMeta";

SchemaType SchemaForResource(std::string_view api_version, std::string_view kind) {
  auto it =
      std::lower_bound(std::begin(kRoots), std::end(kRoots), Root{api_version, kind, {}},
                       [](const Root& a, const Root& b) {
                         return std::tie(a.api_version, a.kind) < std::tie(b.api_version, b.kind);
                       });
  if (it == std::end(kRoots) || it->api_version != api_version || it->kind != kind) return {};
  return it->type;
}

FieldSchema FieldOf(SchemaType parent, std::string_view field) {
  if (parent.empty()) return {};
  auto it = std::lower_bound(std::begin(kFields), std::end(kFields),
                             Row{parent, field, Shape::kObject, {}, {}, {}},
                             [](const Row& a, const Row& b) {
                               return std::tie(a.type, a.field) < std::tie(b.type, b.field);
                             });
  if (it == std::end(kFields) || it->type != parent || it->field != field) {
    if (field == "metadata") return {kObjectMeta, false, {}};
    return {};
  }
  FieldSchema out;
  out.type = it->value_type;
  // "merge,retainKeys" merges too; kustomize ignores retainKeys.
  out.merge_list =
      it->shape == Shape::kArray && it->strategy.find("merge") != std::string_view::npos;
  out.keys = SplitKeys(it->keys);
  return out;
}

bool IsClusterScoped(std::string_view api_version, std::string_view kind) {
  return std::binary_search(std::begin(kClusterScoped), std::end(kClusterScoped),
                            Kind{api_version, kind}, [](const Kind& a, const Kind& b) {
                              return std::tie(a.api_version, a.kind) <
                                     std::tie(b.api_version, b.kind);
                            });
}

}  // namespace capstan::render::smp
