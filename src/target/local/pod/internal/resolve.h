// The lookup half of PlanPod: ConfigMaps and Secrets read (once each) through ObjectLookup,
// environment variables and volume files resolved from them as the kubelet does.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/value.h"
#include "target/local/pod/internal/parsed_pod.h"
#include "target/local/pod/pod_spec.h"

namespace capstan::target::local::internal {

// ConfigMaps and Secrets of one namespace, each looked up at most once.
class ObjectCache {
 public:
  ObjectCache(const ObjectLookup& lookup, std::string ns) : lookup_(lookup), ns_(std::move(ns)) {}
  // nullptr when it does not exist. `kind` is "ConfigMap" or "Secret".
  const Value* Get(const std::string& kind, const std::string& name);
  const std::string& ns() const { return ns_; }

 private:
  const ObjectLookup& lookup_;
  std::string ns_;
  std::map<std::pair<std::string, std::string>, std::optional<Value>> cache_;
};

// A ConfigMap's or Secret's entries, key -> content, in the object's order: a Secret's data
// base64-decoded (entries that do not decode are left out) overlaid by stringData; a
// ConfigMap's data, plus binaryData decoded when `with_binary`.
std::vector<std::pair<std::string, std::string>> ObjectEntries(const Value& object, bool secret,
                                                               bool with_binary);

// What fieldRef paths read.
struct PodFacts {
  std::string name;
  std::string ns;
  std::string uid;
  const Value* labels = nullptr;
  const Value* annotations = nullptr;
  std::string node_name;
  std::string service_account_name;
  std::string pod_ip;
};

struct ResolvedEnv {
  std::vector<std::pair<std::string, std::string>> env;  // in declaration order, names unique
  std::string config_error;  // CreateContainerConfigError's message; env is then incomplete
  std::vector<std::string> warnings;
  bool uses_pod_ip = false;
};

// The kubelet's makeEnvironmentVariables: envFrom first (later sources win), then env in
// order (a value's $(VAR) sees envFrom and the env vars before it; later wins).
ResolvedEnv ResolveEnv(const ContainerSpecParsed& container, const PodFacts& pod,
                       ObjectCache& objects);

// The host folder of each volume, by name, and whether it is a ConfigMap or Secret (always
// mounted read-only). Fills plan.files, config_dirs, empty_dirs and mount_error.
struct VolumeDir {
  std::filesystem::path path;
  bool read_only = false;
  bool empty_dir = false;
};
std::map<std::string, VolumeDir> PlanVolumes(const std::vector<VolumeSpec>& volumes,
                                             const std::filesystem::path& data_dir,
                                             ObjectCache& objects, PodPlan& plan);

}  // namespace capstan::target::local::internal
