// A pod spec read and checked field by field (the syntax half of PlanPod): everything the
// local target supports, typed, with defaults applied; nothing looked up yet.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/value.h"
#include "target/local/pod/internal/fields.h"
#include "target/local/pod/pod_spec.h"
#include "target/local/pod/probe.h"

namespace capstan::target::local::internal {

struct EnvVarSpec {
  enum class Source { kValue, kFieldRef, kConfigMapKey, kSecretKey };
  std::string name;
  Source source = Source::kValue;
  std::string value;       // kValue: the text, before $(VAR) expansion
  std::string field_path;  // kFieldRef: "metadata.name", "metadata.labels['app']", ...
  std::string object;      // kConfigMapKey / kSecretKey: the object's name
  std::string key;
  bool optional = false;
};

struct EnvFromSpec {
  bool secret = false;  // secretRef, else configMapRef
  std::string object;
  std::string prefix;
  bool optional = false;
};

struct VolumeMountSpec {
  std::string volume;
  std::string mount_path;
  bool read_only = false;
  std::string sub_path;
};

struct ContainerSpecParsed {
  std::string name;
  std::string image;
  std::string image_pull_policy;
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::string working_dir;
  std::vector<EnvVarSpec> env;
  std::vector<EnvFromSpec> env_from;
  std::vector<ContainerPort> ports;
  int64_t memory_limit_bytes = 0;
  int64_t cpu_limit_millis = 0;
  std::vector<VolumeMountSpec> mounts;
  std::optional<ProbeSpec> startup_probe;
  std::optional<ProbeSpec> readiness_probe;
  std::optional<ProbeSpec> liveness_probe;
  std::string hash;  // of the container's manifest, see kContainerHashLabel
  // securityContext: the fields podman applies; the rest is accepted and ignored.
  std::optional<int64_t> run_as_user;
  std::optional<int64_t> run_as_group;
  bool read_only_root_filesystem = false;
};

struct KeyToPath {
  std::string key;
  std::string path;
  std::optional<int> mode;
};

struct VolumeSpec {
  enum class Kind { kConfigMap, kSecret, kEmptyDir };
  std::string name;
  Kind kind = Kind::kEmptyDir;
  std::string object;            // the ConfigMap's or Secret's name
  std::vector<KeyToPath> items;  // empty: every key
  int default_mode = 0644;
  bool optional = false;
};

struct PodSpecParsed {
  std::vector<ContainerSpecParsed> init_containers;
  std::vector<ContainerSpecParsed> containers;
  std::vector<VolumeSpec> volumes;
  std::string restart_policy = "Always";
  int64_t termination_grace_period_seconds = kDefaultTerminationGracePeriodSeconds;
  std::string hostname;
  std::string node_name;
  std::string service_account_name;
  // spec.securityContext's defaults for every container.
  std::optional<int64_t> run_as_user;
  std::optional<int64_t> run_as_group;
};

// Reads `spec` (a PodSpec at `path`, e.g. "spec"), noting every unsupported or malformed
// field in `problems`.
PodSpecParsed ParsePodSpec(const Value& spec, const std::string& path, Problems& problems);

// One container of `containers` / `initContainers` (`path` = "spec.containers[0]").
ContainerSpecParsed ParseContainer(const Value& container, const std::string& path, bool init,
                                   Problems& problems);

// runAsUser and runAsGroup of a securityContext (pod or container) at `path`.
void ParseRunAs(const Value& owner, const std::string& path, std::optional<int64_t>& user,
                std::optional<int64_t>& group, Problems& problems);

// The container's env and envFrom into `out`.
void ParseEnv(const Value& container, const std::string& path, ContainerSpecParsed& out,
              Problems& problems);

// `volumes[i]` at `path`.
VolumeSpec ParseVolume(const Value& volume, const std::string& path, Problems& problems);

// A DNS-1123 label: lower-case letters, digits and '-', at most 63, alphanumeric at both ends.
bool IsDnsLabel(std::string_view name);

// Whether `path` is relative and never climbs out ("a/b.txt" yes; "/a", "../a", "a/../../b" no).
bool IsSafeRelativePath(const std::string& path);

}  // namespace capstan::target::local::internal
