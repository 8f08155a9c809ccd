#include "render/kustomize/builtin_config.h"

#include <string>

namespace capstan::render::kustomize {
namespace {

FieldSpec Spec(std::string group, std::string version, std::string kind, std::string path,
               bool create) {
  return FieldSpec{Gvk{std::move(group), std::move(version), std::move(kind)}, std::move(path),
                   create};
}

// Where each workload kind keeps its pod spec and pod-template metadata.
struct PodHolder {
  std::string group, version, kind;
  std::string pod_spec;  // path of the PodSpec
};

// Kinds that carry a pod template, for name references (kustomize lists them without
// groups, except Pod and PodTemplate which it pins to v1 / no version).
const std::vector<PodHolder>& NameRefPodHolders() {
  static const std::vector<PodHolder> holders = {
      {"", "v1", "Pod", "spec"},
      {"", "", "PodTemplate", "template/spec"},
      {"", "", "Deployment", "spec/template/spec"},
      {"", "", "ReplicaSet", "spec/template/spec"},
      {"", "", "DaemonSet", "spec/template/spec"},
      {"", "", "StatefulSet", "spec/template/spec"},
      {"", "", "Job", "spec/template/spec"},
      {"", "", "CronJob", "spec/jobTemplate/spec/template/spec"},
  };
  return holders;
}

std::vector<FieldSpec> MetadataLabelSpecs() {
  std::vector<FieldSpec> specs = {
      Spec("", "", "", "metadata/labels", true),
      Spec("", "v1", "ReplicationController", "spec/template/metadata/labels", true),
      Spec("", "", "Deployment", "spec/template/metadata/labels", true),
      Spec("", "", "ReplicaSet", "spec/template/metadata/labels", true),
      Spec("", "", "DaemonSet", "spec/template/metadata/labels", true),
      Spec("apps", "", "StatefulSet", "spec/template/metadata/labels", true),
      Spec("apps", "", "StatefulSet", "spec/volumeClaimTemplates[]/metadata/labels", true),
      Spec("batch", "", "Job", "spec/template/metadata/labels", true),
      Spec("batch", "", "CronJob", "spec/jobTemplate/metadata/labels", true),
      Spec("batch", "", "CronJob", "spec/jobTemplate/spec/template/metadata/labels", true),
  };
  return specs;
}

void AddPodSpecRefs(std::vector<FieldSpec>& out, const std::vector<std::string>& tails,
                    bool with_image_pull_secrets) {
  for (const auto& holder : NameRefPodHolders()) {
    for (const auto& tail : tails) {
      out.push_back(
          Spec(holder.group, holder.version, holder.kind, holder.pod_spec + "/" + tail, false));
    }
    if (with_image_pull_secrets) {
      out.push_back(Spec(holder.group, holder.version, holder.kind,
                         holder.pod_spec + "/imagePullSecrets/name", false));
    }
  }
}

std::vector<FieldSpec> PodSpecField(const std::string& tail, bool replication_controller) {
  // Pod, StatefulSet, Deployment, [ReplicationController], CronJob, Job, DaemonSet.
  std::vector<FieldSpec> out = {Spec("", "", "Pod", "spec/" + tail, false),
                                Spec("", "", "StatefulSet", "spec/template/spec/" + tail, false),
                                Spec("", "", "Deployment", "spec/template/spec/" + tail, false)};
  if (replication_controller) {
    out.push_back(Spec("", "", "ReplicationController", "spec/template/spec/" + tail, false));
  }
  out.push_back(Spec("", "", "CronJob", "spec/jobTemplate/spec/template/spec/" + tail, false));
  out.push_back(Spec("", "", "Job", "spec/template/spec/" + tail, false));
  out.push_back(Spec("", "", "DaemonSet", "spec/template/spec/" + tail, false));
  return out;
}

std::vector<NameBackReference> MakeNameReferences() {
  std::vector<NameBackReference> refs;
  auto hpa = [](const std::string& kind) {
    return NameBackReference{
        Gvk{"", "", kind},
        {Spec("", "", "HorizontalPodAutoscaler", "spec/scaleTargetRef/name", false)}};
  };
  refs.push_back(hpa("Deployment"));
  refs.push_back(hpa("ReplicationController"));
  refs.push_back(hpa("ReplicaSet"));
  refs.push_back(hpa("StatefulSet"));

  NameBackReference config_map{Gvk{"", "v1", "ConfigMap"}, {}};
  AddPodSpecRefs(
      config_map.referrers,
      {"volumes/configMap/name", "containers/env/valueFrom/configMapKeyRef/name",
       "initContainers/env/valueFrom/configMapKeyRef/name", "containers/envFrom/configMapRef/name",
       "initContainers/envFrom/configMapRef/name", "volumes/projected/sources/configMap/name"},
      false);
  config_map.referrers.push_back(Spec("", "", "Node", "spec/configSource/configMap", false));
  config_map.referrers.push_back(Spec("", "", "Role", "rules/resourceNames", false));
  config_map.referrers.push_back(Spec("", "", "ClusterRole", "rules/resourceNames", false));
  config_map.referrers.push_back(
      Spec("", "", "Ingress",
           "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap", false));
  refs.push_back(std::move(config_map));

  NameBackReference secret{Gvk{"", "v1", "Secret"}, {}};
  AddPodSpecRefs(
      secret.referrers,
      {"volumes/secret/secretName", "containers/env/valueFrom/secretKeyRef/name",
       "initContainers/env/valueFrom/secretKeyRef/name", "containers/envFrom/secretRef/name",
       "initContainers/envFrom/secretRef/name", "volumes/projected/sources/secret/name"},
      true);
  for (const char* path :
       {"spec/tls/secretName", "metadata/annotations/ingress.kubernetes.io\\/auth-secret",
        "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
        "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret"}) {
    secret.referrers.push_back(Spec("", "", "Ingress", path, false));
  }
  secret.referrers.push_back(Spec("", "", "ServiceAccount", "imagePullSecrets/name", false));
  for (const char* path : {"parameters/secretName", "parameters/adminSecretName",
                           "parameters/userSecretName", "parameters/secretRef"}) {
    secret.referrers.push_back(Spec("", "", "StorageClass", path, false));
  }
  secret.referrers.push_back(Spec("", "", "Role", "rules/resourceNames", false));
  secret.referrers.push_back(Spec("", "", "ClusterRole", "rules/resourceNames", false));
  secret.referrers.push_back(Spec("serving.knative.dev", "v1", "Service",
                                  "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
                                  false));
  secret.referrers.push_back(Spec("", "", "PersistentVolume", "spec/azureFile/secretName", false));
  refs.push_back(std::move(secret));

  refs.push_back(NameBackReference{
      Gvk{"", "v1", "Service"},
      {Spec("apps", "", "StatefulSet", "spec/serviceName", false),
       Spec("", "", "Ingress", "spec/rules/http/paths/backend/serviceName", false),
       Spec("", "", "Ingress", "spec/backend/serviceName", false),
       Spec("", "", "Ingress", "spec/rules/http/paths/backend/service/name", false),
       Spec("", "", "Ingress", "spec/defaultBackend/service/name", false),
       Spec("apiregistration.k8s.io", "", "APIService", "spec/service/name", false),
       Spec("admissionregistration.k8s.io", "", "ValidatingWebhookConfiguration",
            "webhooks/clientConfig/service", false),
       Spec("admissionregistration.k8s.io", "", "MutatingWebhookConfiguration",
            "webhooks/clientConfig/service", false)}});

  refs.push_back(NameBackReference{
      Gvk{"rbac.authorization.k8s.io", "", "Role"},
      {Spec("rbac.authorization.k8s.io", "", "RoleBinding", "roleRef/name", false)}});
  refs.push_back(NameBackReference{
      Gvk{"rbac.authorization.k8s.io", "", "ClusterRole"},
      {Spec("rbac.authorization.k8s.io", "", "RoleBinding", "roleRef/name", false),
       Spec("rbac.authorization.k8s.io", "", "ClusterRoleBinding", "roleRef/name", false)}});

  NameBackReference service_account{
      Gvk{"", "v1", "ServiceAccount"},
      {Spec("rbac.authorization.k8s.io", "", "RoleBinding", "subjects", false),
       Spec("rbac.authorization.k8s.io", "", "ClusterRoleBinding", "subjects", false)}};
  for (auto& spec : PodSpecField("serviceAccountName", true)) {
    service_account.referrers.push_back(std::move(spec));
  }
  refs.push_back(std::move(service_account));

  refs.push_back(NameBackReference{Gvk{"", "v1", "PersistentVolumeClaim"},
                                   PodSpecField("volumes/persistentVolumeClaim/claimName", true)});
  refs.push_back(NameBackReference{Gvk{"", "v1", "PersistentVolume"},
                                   {Spec("", "", "PersistentVolumeClaim", "spec/volumeName", false),
                                    Spec("", "", "ClusterRole", "rules/resourceNames", false)}});
  refs.push_back(NameBackReference{
      Gvk{"storage.k8s.io", "v1", "StorageClass"},
      {Spec("", "", "PersistentVolume", "spec/storageClassName", false),
       Spec("", "", "PersistentVolumeClaim", "spec/storageClassName", false),
       Spec("", "", "StatefulSet", "spec/volumeClaimTemplates/spec/storageClassName", false)}});
  refs.push_back(NameBackReference{Gvk{"scheduling.k8s.io", "v1", "PriorityClass"},
                                   PodSpecField("priorityClassName", true)});
  // kustomize spells this group "networking.k8s.io/v1", so it never matches an object.
  refs.push_back(NameBackReference{Gvk{"networking.k8s.io/v1", "v1", "IngressClass"},
                                   {Spec("", "", "Ingress", "spec/ingressClassName", false)}});
  refs.push_back(
      NameBackReference{Gvk{"admissionregistration.k8s.io", "", "ValidatingAdmissionPolicy"},
                        {Spec("admissionregistration.k8s.io", "",
                              "ValidatingAdmissionPolicyBinding", "spec/policyName", false)}});
  return refs;
}

}  // namespace

const std::vector<FieldSpec>& CommonLabelSpecs() {
  static const std::vector<FieldSpec> specs = [] {
    std::vector<FieldSpec> out = {
        Spec("", "v1", "Service", "spec/selector", true),
        Spec("", "v1", "ReplicationController", "spec/selector", true),
        Spec("", "", "Deployment", "spec/selector/matchLabels", true),
        Spec("", "", "ReplicaSet", "spec/selector/matchLabels", true),
        Spec("", "", "DaemonSet", "spec/selector/matchLabels", true),
        Spec("apps", "", "StatefulSet", "spec/selector/matchLabels", true),
        Spec("batch", "", "Job", "spec/selector/matchLabels", false),
        Spec("batch", "", "CronJob", "spec/jobTemplate/spec/selector/matchLabels", false),
        Spec("policy", "", "PodDisruptionBudget", "spec/selector/matchLabels", false),
        Spec("networking.k8s.io", "", "NetworkPolicy", "spec/podSelector/matchLabels", false),
        Spec("networking.k8s.io", "", "NetworkPolicy", "spec/ingress/from/podSelector/matchLabels",
             false),
        Spec("networking.k8s.io", "", "NetworkPolicy", "spec/egress/to/podSelector/matchLabels",
             false),
    };
    // Pod (anti-)affinity and topology-spread selectors of Deployments and StatefulSets.
    for (const char* kind : {"Deployment", "StatefulSet"}) {
      for (const char* path :
           {"spec/template/spec/affinity/podAffinity/"
            "preferredDuringSchedulingIgnoredDuringExecution/"
            "podAffinityTerm/labelSelector/matchLabels",
            "spec/template/spec/affinity/podAffinity/"
            "requiredDuringSchedulingIgnoredDuringExecution/"
            "labelSelector/matchLabels",
            "spec/template/spec/affinity/podAntiAffinity/"
            "preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/"
            "matchLabels",
            "spec/template/spec/affinity/podAntiAffinity/"
            "requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
            "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels"}) {
        out.push_back(Spec("apps", "", kind, path, false));
      }
    }
    for (auto& spec : MetadataLabelSpecs()) out.push_back(std::move(spec));
    return out;
  }();
  return specs;
}

const std::vector<FieldSpec>& TemplateLabelSpecs() {
  static const std::vector<FieldSpec> specs = MetadataLabelSpecs();
  return specs;
}

const std::vector<FieldSpec>& CommonAnnotationSpecs() {
  static const std::vector<FieldSpec> specs = {
      Spec("", "", "", "metadata/annotations", true),
      Spec("", "v1", "ReplicationController", "spec/template/metadata/annotations", true),
      Spec("", "", "Deployment", "spec/template/metadata/annotations", true),
      Spec("", "", "ReplicaSet", "spec/template/metadata/annotations", true),
      Spec("", "", "DaemonSet", "spec/template/metadata/annotations", true),
      Spec("", "", "StatefulSet", "spec/template/metadata/annotations", true),
      Spec("batch", "", "Job", "spec/template/metadata/annotations", true),
      Spec("batch", "", "CronJob", "spec/jobTemplate/metadata/annotations", true),
      Spec("batch", "", "CronJob", "spec/jobTemplate/spec/template/metadata/annotations", true),
  };
  return specs;
}

const std::vector<FieldSpec>& NamespaceSpecs() {
  static const std::vector<FieldSpec> specs = {
      Spec("", "", "Namespace", "metadata/name", true),
      Spec("apiregistration.k8s.io", "", "APIService", "spec/service/namespace", true),
      Spec("apiextensions.k8s.io", "", "CustomResourceDefinition",
           "spec/conversion/webhook/clientConfig/service/namespace", false),
  };
  return specs;
}

const std::vector<FieldSpec>& ImageSpecs() {
  static const std::vector<FieldSpec> specs = {
      Spec("", "", "", "spec/containers[]/image", true),
      Spec("", "", "", "spec/initContainers[]/image", true),
      Spec("", "", "", "spec/template/spec/containers[]/image", true),
      Spec("", "", "", "spec/template/spec/initContainers[]/image", true),
  };
  return specs;
}

const std::vector<FieldSpec>& ReplicaSpecs() {
  static const std::vector<FieldSpec> specs = {
      Spec("", "", "Deployment", "spec/replicas", true),
      Spec("", "", "ReplicationController", "spec/replicas", true),
      Spec("", "", "ReplicaSet", "spec/replicas", true),
      Spec("", "", "StatefulSet", "spec/replicas", true),
  };
  return specs;
}

const std::vector<NameBackReference>& NameReferenceSpecs() {
  static const std::vector<NameBackReference> refs = MakeNameReferences();
  return refs;
}

}  // namespace capstan::render::kustomize
