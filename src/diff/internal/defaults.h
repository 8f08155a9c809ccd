// Helpers shared by the per-kind defaults files (defaults_*.cc). Each Default* function
// fills, in place, the fields a v1.20 API server sets when the manifest leaves them out,
// and leaves every field the manifest sets alone.
#pragma once

#include <string_view>

#include "core/value.h"

namespace capstan::diff::internal {

// Sets `key` of `object` to `value` when it is missing. No-op unless `object` is a map.
void SetDefault(Value& object, std::string_view key, Value value);
// The map at `key`, created empty when missing; nullptr when `object` is not a map or the
// member is something else.
Value* MapMember(Value& object, std::string_view key);
// Calls `fn` on every map element of the list at `key` (if it is a list).
template <typename Fn>
void ForEachElement(Value& object, std::string_view key, Fn fn) {
  Value* list = object.Find(key);
  if (list == nullptr || !list->is_array()) return;
  for (Value& element : list->as_array()) {
    if (element.is_object()) fn(element);
  }
}

// defaults_pod.cc
void DefaultPodTemplate(Value& template_spec);  // {metadata, spec} of a workload
void DefaultPodSpec(Value& pod_spec);

// defaults_workloads.cc
void DefaultDeployment(Value& object);
void DefaultStatefulSet(Value& object);
void DefaultDaemonSet(Value& object);
void DefaultReplicaSet(Value& object);
void DefaultJob(Value& object);
void DefaultCronJob(Value& object);

// defaults_core.cc
void DefaultPod(Value& object);
void DefaultService(Value& object);
void DefaultSecret(Value& object);
void DefaultPersistentVolumeClaim(Value& object);
void DefaultPersistentVolume(Value& object);
void DefaultIngressBeta(Value& object);
void DefaultRoleBinding(Value& object);
void DefaultNetworkPolicy(Value& object);
void DefaultHorizontalPodAutoscaler(Value& object);

}  // namespace capstan::diff::internal
