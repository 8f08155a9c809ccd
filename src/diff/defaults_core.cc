// Defaults of core and networking kinds (v1.20 SetDefaults_Service, _Secret,
// _PersistentVolumeClaim, ...). Fields the server allocates rather than defaults
// (clusterIP, clusterIPs, ipFamilies, ipFamilyPolicy, nodePort, a claim's volumeName) have
// no value to fill in; step 3 leaves them out of the comparison when desired does not set
// them.
#include "diff/internal/defaults.h"

namespace capstan::diff::internal {
namespace {

constexpr int kClientIPTimeoutSeconds = 10800;
constexpr int kHpaMinReplicas = 1;

}  // namespace

void DefaultPod(Value& object) {
  Value* spec = MapMember(object, "spec");
  if (spec == nullptr) return;
  DefaultPodSpec(*spec);
  SetDefault(*spec, "enableServiceLinks", true);  // Pods only, not pod templates
}

void DefaultService(Value& object) {
  Value* spec = MapMember(object, "spec");
  if (spec == nullptr) return;
  SetDefault(*spec, "type", "ClusterIP");
  SetDefault(*spec, "sessionAffinity", "None");
  if (spec->StringAt({"sessionAffinity"}) == "ClientIP") {
    if (Value* config = MapMember(*spec, "sessionAffinityConfig")) {
      if (Value* client_ip = MapMember(*config, "clientIP")) {
        SetDefault(*client_ip, "timeoutSeconds", kClientIPTimeoutSeconds);
      }
    }
  }
  std::string_view type = spec->StringAt({"type"});
  if (type == "NodePort" || type == "LoadBalancer") {
    SetDefault(*spec, "externalTrafficPolicy", "Cluster");
  }
  ForEachElement(*spec, "ports", [](Value& port) {
    SetDefault(port, "protocol", "TCP");
    if (const Value* number = port.Find("port"); number != nullptr) {
      SetDefault(port, "targetPort", *number);
    }
  });
}

void DefaultSecret(Value& object) { SetDefault(object, "type", "Opaque"); }

void DefaultPersistentVolumeClaim(Value& object) {
  if (Value* spec = MapMember(object, "spec")) SetDefault(*spec, "volumeMode", "Filesystem");
}

void DefaultPersistentVolume(Value& object) {
  Value* spec = MapMember(object, "spec");
  if (spec == nullptr) return;
  SetDefault(*spec, "persistentVolumeReclaimPolicy", "Retain");
  SetDefault(*spec, "volumeMode", "Filesystem");
}

void DefaultIngressBeta(Value& object) {
  Value* spec = object.Find("spec");
  if (spec == nullptr) return;
  ForEachElement(*spec, "rules", [](Value& rule) {
    Value* http = rule.Find("http");
    if (http == nullptr) return;
    ForEachElement(*http, "paths",
                   [](Value& path) { SetDefault(path, "pathType", "ImplementationSpecific"); });
  });
}

void DefaultRoleBinding(Value& object) {
  ForEachElement(object, "subjects", [](Value& subject) {
    bool service_account = subject.StringAt({"kind"}) == "ServiceAccount";
    SetDefault(subject, "apiGroup", service_account ? "" : "rbac.authorization.k8s.io");
  });
}

void DefaultNetworkPolicy(Value& object) {
  Value* spec = MapMember(object, "spec");
  if (spec == nullptr) return;
  for (std::string_view direction : {"ingress", "egress"}) {
    ForEachElement(*spec, direction, [](Value& rule) {
      ForEachElement(rule, "ports", [](Value& port) { SetDefault(port, "protocol", "TCP"); });
    });
  }
  if (spec->Find("policyTypes") == nullptr) {
    Value::Array types = {Value("Ingress")};
    if (spec->Find("egress") != nullptr) types.emplace_back("Egress");
    spec->Set("policyTypes", Value(std::move(types)));
  }
}

void DefaultHorizontalPodAutoscaler(Value& object) {
  if (Value* spec = MapMember(object, "spec")) SetDefault(*spec, "minReplicas", kHpaMinReplicas);
}

}  // namespace capstan::diff::internal
