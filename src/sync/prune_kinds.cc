#include "sync/prune_kinds.h"

namespace capstan::sync {

const std::vector<std::pair<std::string, std::string>>& CommonPruneKinds() {
  static const std::vector<std::pair<std::string, std::string>> kinds = {
      {"v1", "ConfigMap"},
      {"v1", "Secret"},
      {"v1", "Service"},
      {"v1", "ServiceAccount"},
      {"v1", "PersistentVolumeClaim"},
      {"apps/v1", "Deployment"},
      {"apps/v1", "StatefulSet"},
      {"apps/v1", "DaemonSet"},
      {"batch/v1", "Job"},
      {"batch/v1beta1", "CronJob"},
      {"networking.k8s.io/v1", "Ingress"},
      {"autoscaling/v1", "HorizontalPodAutoscaler"},
      {"rbac.authorization.k8s.io/v1", "Role"},
      {"rbac.authorization.k8s.io/v1", "RoleBinding"},
  };
  return kinds;
}

}  // namespace capstan::sync
