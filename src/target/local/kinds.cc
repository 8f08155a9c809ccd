#include "target/local/kinds.h"

namespace capstan::target::local {

const std::vector<KindInfo>& LocalKinds() {
  static const std::vector<KindInfo> kinds = {
      {"", "v1", "Namespace", "namespaces", false},
      {"", "v1", "ConfigMap", "configmaps", true},
      {"", "v1", "Secret", "secrets", true},
      {"", "v1", "Service", "services", true},
      {"", "v1", "Pod", "pods", true},
      {"apps", "v1", "Deployment", "deployments", true},
      {"apps", "v1", "ReplicaSet", "replicasets", true},
      {"apps", "v1", "StatefulSet", "statefulsets", true},
      {"apps", "v1", "ControllerRevision", "controllerrevisions", true},
      {"batch", "v1", "Job", "jobs", true},
      {"networking.k8s.io", "v1", "Ingress", "ingresses", true},
      // Argo Rollouts' resources: capstan is their controller on every destination.
      {"argoproj.io", "v1alpha1", "Rollout", "rollouts", true},
      {"argoproj.io", "v1alpha1", "AnalysisTemplate", "analysistemplates", true},
      {"argoproj.io", "v1alpha1", "ClusterAnalysisTemplate", "clusteranalysistemplates", false},
      {"argoproj.io", "v1alpha1", "AnalysisRun", "analysisruns", true},
  };
  return kinds;
}

std::optional<KindInfo> FindLocalKind(std::string_view api_version, std::string_view kind) {
  for (const KindInfo& info : LocalKinds()) {
    std::string served = info.group.empty() ? info.version : info.group + "/" + info.version;
    if (served == api_version && info.kind == kind) return info;
  }
  return std::nullopt;
}

std::string SupportedKindsText() {
  std::string text;
  for (const KindInfo& info : LocalKinds()) {
    if (!text.empty()) text += ", ";
    text += (info.group.empty() ? "" : info.group + "/") + info.version + "/" + info.kind;
  }
  return text;
}

}  // namespace capstan::target::local
