// Workloads: the objects that carry a pod template, and the containers inside it.
//
// Kinds (API group in brackets): Deployment, StatefulSet, DaemonSet, ReplicaSet [apps,
// extensions], Job, CronJob [batch], Pod [core], Rollout [argoproj.io].
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/value.h"

namespace capstan::policy::internal {

struct PodTemplate {
  const Value* spec = nullptr;    // the pod spec; never null in a returned PodTemplate
  const Value* labels = nullptr;  // the pod's metadata.labels; null when absent
  std::string spec_path;          // "spec.template.spec", "spec", ...
  std::string labels_path;        // "spec.template.metadata.labels", "metadata.labels", ...
  // Whether the pods are meant to run until replaced (everything but Job, CronJob and a
  // bare Pod whose restartPolicy is Never or OnFailure): probes matter for these.
  bool long_running = true;
};

// The pod template of `object`, or nullopt when it is not a workload or has no template
// (a Rollout using workloadRef, a Deployment without spec.template).
std::optional<PodTemplate> PodTemplateOf(const Value& object);

// Whether `object` is one of the workload kinds above (template or not).
bool IsWorkload(const Value& object);

struct ContainerRef {
  const Value* container = nullptr;  // never null
  std::string path;                  // "spec.template.spec.containers[0]"
  std::string name;                  // its `name`, "" when missing
  size_t index = 0;                  // position in its list
  bool init = false;                 // from initContainers
};

enum class ContainerSet { kMain, kMainAndInit };

// The containers of `pod` (main containers first, then init containers when asked), skipping
// list entries that are not maps.
std::vector<ContainerRef> ContainersOf(const PodTemplate& pod, ContainerSet set);

// Paths as Finding::path spells them. A key that is not a plain identifier is bracketed:
// AppendKey("metadata.labels", "app.kubernetes.io/name") ->
// `metadata.labels["app.kubernetes.io/name"]`.
std::string AppendKey(std::string_view path, std::string_view key);
std::string AppendIndex(std::string_view path, size_t index);

// `container "web"`, `init container "setup"`, or `container #0` when it has no name.
std::string DescribeContainer(const ContainerRef& ref);

}  // namespace capstan::policy::internal
