// Step 3's defaults: which kind gets which table. The tables follow the v1.20 API
// server's SetDefaults_* functions; docs/diff.md lists every field.
#include "diff/internal/defaults.h"

#include <string_view>

#include "core/object.h"
#include "diff/internal/steps.h"

namespace capstan::diff::internal {
namespace {

struct KindDefaults {
  std::string_view group;
  std::string_view kind;
  void (*apply)(Value&);
};

constexpr KindDefaults kTables[] = {
    {"apps", "Deployment", DefaultDeployment},
    {"apps", "StatefulSet", DefaultStatefulSet},
    {"apps", "DaemonSet", DefaultDaemonSet},
    {"apps", "ReplicaSet", DefaultReplicaSet},
    {"batch", "Job", DefaultJob},
    {"batch", "CronJob", DefaultCronJob},
    {"", "Pod", DefaultPod},
    {"", "Service", DefaultService},
    {"", "Secret", DefaultSecret},
    {"", "PersistentVolumeClaim", DefaultPersistentVolumeClaim},
    {"", "PersistentVolume", DefaultPersistentVolume},
    {"extensions", "Ingress", DefaultIngressBeta},
    {"rbac.authorization.k8s.io", "RoleBinding", DefaultRoleBinding},
    {"rbac.authorization.k8s.io", "ClusterRoleBinding", DefaultRoleBinding},
    {"networking.k8s.io", "NetworkPolicy", DefaultNetworkPolicy},
    {"autoscaling", "HorizontalPodAutoscaler", DefaultHorizontalPodAutoscaler},
};

}  // namespace

void SetDefault(Value& object, std::string_view key, Value value) {
  if (object.is_object() && object.Find(key) == nullptr) object.Set(key, std::move(value));
}

Value* MapMember(Value& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  Value& member = object[key];
  if (member.is_null()) member = Value::MakeObject();
  return member.is_object() ? &member : nullptr;
}

void ApplyDefaults(Value& object) {
  std::string_view api_version = object.StringAt({"apiVersion"});
  std::string_view group = GroupOf(api_version);
  std::string_view kind = KindOf(object);
  // networking.k8s.io/v1beta1 Ingress defaults pathType; networking.k8s.io/v1 requires it.
  if (group == "networking.k8s.io" && kind == "Ingress" && api_version.ends_with("v1beta1")) {
    DefaultIngressBeta(object);
    return;
  }
  for (const KindDefaults& table : kTables) {
    if (table.group == group && table.kind == kind) {
      table.apply(object);
      return;
    }
  }
}

}  // namespace capstan::diff::internal
