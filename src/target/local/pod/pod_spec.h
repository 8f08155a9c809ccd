// PlanPod: a Kubernetes Pod turned into what podman runs — one podman pod, a container spec
// per init container and container, and the files of its ConfigMap and Secret volumes —
// resolving env, envFrom, $(VAR) references and quantities as the kubelet does. Pure: it
// reads ConfigMaps and Secrets through ObjectLookup and writes nothing.
//
// docs/local-pods.md lists every supported, ignored and refused field.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "target/local/pod/probe.h"
#include "target/local/podman/podman.h"

namespace capstan::target::local {

// Finds a ConfigMap or Secret. `kind` is "ConfigMap" or "Secret"; nullopt when it does not
// exist. Called while planning only; it may be called several times for one object.
using ObjectLookup = std::function<std::optional<Value>(
    const std::string& kind, const std::string& ns, const std::string& name)>;

// Labels on the podman pod and containers (the CRI's names), so `podman ps` shows which
// Kubernetes object a container belongs to.
inline constexpr char kPodNameLabel[] = "io.kubernetes.pod.name";
inline constexpr char kPodNamespaceLabel[] = "io.kubernetes.pod.namespace";
inline constexpr char kPodUidLabel[] = "io.kubernetes.pod.uid";
inline constexpr char kContainerNameLabel[] = "io.kubernetes.container.name";
// Hash of the container's Kubernetes spec: a container whose hash changed must be replaced,
// as the kubelet compares its container hash. Env values resolved from ConfigMaps are not
// part of it, so editing a ConfigMap does not restart containers (as in Kubernetes).
inline constexpr char kContainerHashLabel[] = "capstan.dev/container-hash";

// status.hostIP and the downward API's status.hostIP: the pods' host is this machine.
inline constexpr char kLocalHostIP[] = "127.0.0.1";
// terminationGracePeriodSeconds when the pod does not set it.
inline constexpr int64_t kDefaultTerminationGracePeriodSeconds = 30;

struct PlanOptions {
  // This pod's own folder on the host, <state>/pods/<ns>/<name>; volumes go below it in
  // volumes/kubernetes.io~configmap/<volume>, ...~secret/<volume>, ...~empty-dir/<volume>
  // (the kubelet's layout). REQUIRES: absolute. The caller creates it mode 0700: Secret
  // files inside keep Kubernetes' modes (0644 by default) so that a container's non-root user
  // can read them, and only the folder keeps other users of the machine out.
  std::filesystem::path data_dir;
  // Start of every podman pod and container name; tells capstan's containers apart from
  // others on the machine. Characters podman does not allow become '-'.
  std::string name_prefix = "capstan-";
  // Value of kManagedLabel on the pod and containers; empty leaves the label out.
  std::string managed_by;
  // The pod's address, for fieldRef status.podIP/podIPs. Empty before the podman pod
  // started: those variables are then empty and PodPlan::uses_pod_ip says to plan again.
  std::string pod_ip;
  // spec.nodeName when the pod has none (fieldRef spec.nodeName).
  std::string node_name = "local";
};

struct ContainerPort {
  std::string name;  // may be empty
  int container_port = 0;
  std::string protocol = "TCP";  // TCP, UDP or SCTP
};

struct ContainerPlan {
  std::string name;  // the Kubernetes container name
  ContainerSpec spec;
  std::vector<ContainerPort> ports;
  std::optional<ProbeSpec> startup_probe;
  std::optional<ProbeSpec> readiness_probe;
  std::optional<ProbeSpec> liveness_probe;
  // Always, IfNotPresent or Never; defaulted as Kubernetes does (Always for :latest or no
  // tag, else IfNotPresent).
  std::string image_pull_policy;
  // Non-empty when the container cannot be created yet because a ConfigMap, Secret or key
  // its environment needs is missing: the kubelet shows it as waiting, reason
  // CreateContainerConfigError, with this message (`configmap "app" not found`,
  // `couldn't find key url in Secret default/db`) and plans again later. spec.env is then
  // incomplete.
  std::string config_error;
};

// One file of a ConfigMap or Secret volume.
struct VolumeFile {
  std::filesystem::path path;  // absolute, below PlanOptions::data_dir
  std::string content;         // Secret data already base64-decoded
  int mode = 0644;             // the item's mode, else the volume's defaultMode, else 0644
};

struct PodPlan {
  std::string pod_name;  // podman's pod name: <prefix><namespace>_<name>
  std::string hostname;  // spec.hostname, else the pod name (at most 63 characters)
  // For the podman pod and every container (containers add kContainerNameLabel and
  // kContainerHashLabel).
  std::map<std::string, std::string> labels;
  std::vector<ContainerPlan> init_containers;  // run one after another, in order
  std::vector<ContainerPlan> containers;
  std::string restart_policy = "Always";  // Always, OnFailure or Never
  int64_t termination_grace_period_seconds = kDefaultTerminationGracePeriodSeconds;
  std::string qos_class;  // Guaranteed, Burstable or BestEffort

  // Volumes. config_dirs (ConfigMap and Secret volumes) must hold exactly `files` (stale
  // files removed when the ConfigMap changes); empty_dirs (emptyDir volumes and subPath
  // folders below them) are created when missing and kept while the pod exists.
  std::vector<VolumeFile> files;
  std::vector<std::filesystem::path> config_dirs;
  std::vector<std::filesystem::path> empty_dirs;
  // Non-empty when a volume's ConfigMap, Secret or key is missing: no container can start
  // (the kubelet's FailedMount: `MountVolume.SetUp failed for volume "config" : configmap
  // "app" not found`); containers wait with reason ContainerCreating.
  std::string mount_error;

  // fieldRef status.podIP or status.podIPs is used: plan again once the pod has its IP.
  bool uses_pod_ip = false;
  // Things the kubelet reports as events but that do not stop the pod, e.g. "Keys [1x] from
  // the EnvFrom configMap default/app were skipped since they are considered invalid
  // environment variable names."
  std::vector<std::string> warnings;
};

// Plans `pod` (a v1 Pod with metadata.name and .namespace).
// Errors: Invalid when the pod uses something the local target does not run or is malformed;
// one error names the object and every such field with what is supported:
//   `Pod default/web: spec.volumes[0].persistentVolumeClaim: not supported by the local
//   target (a volume may be configMap, secret or emptyDir); spec.containers[0].resources.
//   limits.memory: "12XB" is not a quantity`.
// A missing ConfigMap or Secret is not an error here: see ContainerPlan::config_error and
// PodPlan::mount_error (optional ones are skipped, as in Kubernetes).
Result<PodPlan> PlanPod(const Value& pod, const ObjectLookup& lookup, const PlanOptions& options);

// Only the checks of PlanPod that need no ConfigMaps, Secrets or host paths: what the local
// target's validator runs when a Pod (or a workload's pod template, `spec` being the
// template's spec and `field` "spec.template.spec") is applied. `object` names it in errors.
Status ValidatePodSpec(const Value& spec, const std::string& object, const std::string& field);

// "Guaranteed", "Burstable" or "BestEffort" from the containers' requests and limits, as
// Kubernetes' GetPodQOS (requests default to limits). Unparseable quantities are skipped.
std::string QosClass(const Value& pod_spec);

}  // namespace capstan::target::local
