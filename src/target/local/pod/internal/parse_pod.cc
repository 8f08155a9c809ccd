// ParsePodSpec and ParseVolume: the pod-level fields and volumes the local target runs.
#include <fmt/format.h>

#include <set>

#include "target/local/pod/internal/parsed_pod.h"
#include "target/local/pod/quantity.h"

namespace capstan::target::local::internal {

namespace {

constexpr std::string_view kSpecFields =
    "the local target runs containers, initContainers, volumes, restartPolicy, "
    "terminationGracePeriodSeconds, hostname, subdomain, serviceAccountName and nodeName, and "
    "ignores scheduling, security and DNS-policy fields (see docs/local-pods.md)";
constexpr std::string_view kVolumeKinds = "a volume may be configMap, secret or emptyDir";

// Fields the local target accepts and ignores: scheduling (there is one node), security
// settings podman applies its own defaults for, and defaults the API server fills in.
constexpr std::string_view kIgnoredSpecFields[] = {
    "serviceAccount",    "automountServiceAccountToken",
    "nodeSelector",      "affinity",
    "tolerations",       "topologySpreadConstraints",
    "schedulerName",     "priorityClassName",
    "priority",          "preemptionPolicy",
    "securityContext",   "imagePullSecrets",
    "dnsPolicy",         "enableServiceLinks",
    "runtimeClassName",  "overhead",
    "setHostnameAsFQDN", "os",
    "hostUsers"};
// Booleans the local target runs only when false.
constexpr std::string_view kFalseOnlySpecFields[] = {"hostNetwork", "hostPID", "hostIPC",
                                                     "shareProcessNamespace"};

void CheckSpecFields(const Value& spec, const std::string& path, Problems& problems) {
  static const std::set<std::string_view> kSupported = {"containers",
                                                        "initContainers",
                                                        "volumes",
                                                        "restartPolicy",
                                                        "terminationGracePeriodSeconds",
                                                        "hostname",
                                                        "subdomain",
                                                        "serviceAccountName",
                                                        "nodeName"};
  for (const auto& [key, value] : spec.as_object()) {
    if (kSupported.count(key) > 0) continue;
    bool ignored = false;
    for (std::string_view name : kIgnoredSpecFields) ignored = ignored || key == name;
    if (ignored) continue;
    bool false_only = false;
    for (std::string_view name : kFalseOnlySpecFields) false_only = false_only || key == name;
    if (false_only && (value.is_null() || (value.is_bool() && !value.as_bool()))) continue;
    problems.Unsupported(Child(path, key) + (false_only ? ": true" : ""), kSpecFields);
  }
}

// A file mode as Kubernetes takes it: 0 to 0777 (YAML's 0644 arrives as 420).
std::optional<int> ReadMode(const Value& object, std::string_view key, const std::string& path,
                            Problems& problems) {
  std::optional<int64_t> mode = ReadInt(object, key, path, problems);
  if (!mode) return std::nullopt;
  if (*mode < 0 || *mode > 0777) {
    problems.Add(Child(path, key), fmt::format("Invalid value: {}: must be a number between 0 and "
                                               "0777 (octal), both inclusive",
                                               *mode));
    return std::nullopt;
  }
  return static_cast<int>(*mode);
}

void ParseItems(const Value& source, const std::string& path, VolumeSpec& volume,
                Problems& problems) {
  const Value::Array* items = ReadArray(source, "items", path, problems);
  std::string items_path = Child(path, "items");
  for (size_t i = 0; items != nullptr && i < items->size(); ++i) {
    const Value& item = (*items)[i];
    std::string item_path = Index(items_path, i);
    CheckKnownFields(item, item_path, {"key", "path", "mode"}, "an item has key, path and mode",
                     problems);
    KeyToPath entry;
    entry.key = ReadString(item, "key", item_path, problems);
    entry.path = ReadString(item, "path", item_path, problems);
    entry.mode = ReadMode(item, "mode", item_path, problems);
    if (entry.key.empty()) problems.Add(Child(item_path, "key"), "required");
    if (!IsSafeRelativePath(entry.path)) {
      problems.Add(Child(item_path, "path"),
                   fmt::format("{} must be a relative path without '..'", Quote(entry.path)));
    }
    volume.items.push_back(std::move(entry));
  }
}

}  // namespace

bool IsDnsLabel(std::string_view name) {
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

bool IsSafeRelativePath(const std::string& path) {
  if (path.empty() || path[0] == '/') return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (path.compare(start, end - start, "..") == 0) return false;
    start = end + 1;
  }
  return true;
}

VolumeSpec ParseVolume(const Value& volume, const std::string& path, Problems& problems) {
  VolumeSpec out;
  if (!volume.is_object()) {
    problems.Add(path, "expected a map");
    return out;
  }
  CheckKnownFields(volume, path, {"name", "configMap", "secret", "emptyDir"}, kVolumeKinds,
                   problems);
  out.name = ReadString(volume, "name", path, problems);
  if (!IsDnsLabel(out.name)) {
    problems.Add(Child(path, "name"),
                 fmt::format("{} is not a valid volume name (lower-case letters, digits and '-', "
                             "at most 63)",
                             Quote(out.name)));
  }
  int sources = 0;
  struct ObjectSource {
    std::string_view field;     // the volume's field: configMap or secret
    std::string_view name_key;  // where it names its object
    VolumeSpec::Kind kind;
    std::string_view fields;
  };
  for (const ObjectSource& source :
       {ObjectSource{"configMap", "name", VolumeSpec::Kind::kConfigMap,
                     "configMap has name, items, defaultMode and optional"},
        ObjectSource{"secret", "secretName", VolumeSpec::Kind::kSecret,
                     "secret has secretName, items, defaultMode and optional"}}) {
    const Value* object = ReadObject(volume, source.field, path, problems);
    if (object == nullptr) continue;
    ++sources;
    std::string source_path = Child(path, source.field);
    CheckKnownFields(*object, source_path, {source.name_key, "items", "defaultMode", "optional"},
                     source.fields, problems);
    out.kind = source.kind;
    out.object = ReadString(*object, source.name_key, source_path, problems);
    if (out.object.empty()) problems.Add(Child(source_path, source.name_key), "required");
    out.default_mode = ReadMode(*object, "defaultMode", source_path, problems).value_or(0644);
    out.optional = ReadBool(*object, "optional", source_path, problems);
    ParseItems(*object, source_path, out, problems);
  }
  if (const Value* empty_dir = ReadObject(volume, "emptyDir", path, problems)) {
    ++sources;
    std::string source_path = Child(path, "emptyDir");
    CheckKnownFields(*empty_dir, source_path, {"medium", "sizeLimit"},
                     "emptyDir has medium and sizeLimit", problems);
    std::string medium = ReadString(*empty_dir, "medium", source_path, problems);
    if (!medium.empty() && medium != "Memory") {
      problems.Unsupported(Child(source_path, "medium"), "medium may be \"\" or Memory");
    }
    const Value* size = empty_dir->Find("sizeLimit");
    if (size != nullptr && !size->is_null() && !Quantity::FromValue(*size)) {
      problems.Add(Child(source_path, "sizeLimit"), "is not a quantity");
    }
    out.kind = VolumeSpec::Kind::kEmptyDir;
  }
  if (sources > 1) problems.Add(path, "may not specify more than 1 volume type");
  // No source at all is an emptyDir, as the API server defaults it.
  return out;
}

PodSpecParsed ParsePodSpec(const Value& spec, const std::string& path, Problems& problems) {
  PodSpecParsed out;
  if (!spec.is_object()) {
    problems.Add(path, "expected a map");
    return out;
  }
  CheckSpecFields(spec, path, problems);
  out.restart_policy = ReadString(spec, "restartPolicy", path, problems);
  if (out.restart_policy.empty()) {
    out.restart_policy = "Always";
  } else if (out.restart_policy != "Always" && out.restart_policy != "OnFailure" &&
             out.restart_policy != "Never") {
    problems.Add(Child(path, "restartPolicy"),
                 fmt::format("Unsupported value: {}: supported values: \"Always\", "
                             "\"OnFailure\", \"Never\"",
                             Quote(out.restart_policy)));
  }
  std::optional<int64_t> grace = ReadInt(spec, "terminationGracePeriodSeconds", path, problems);
  if (grace && *grace < 0) {
    problems.Add(Child(path, "terminationGracePeriodSeconds"),
                 fmt::format("{} must be greater than or equal to 0", *grace));
  } else if (grace) {
    out.termination_grace_period_seconds = *grace;
  }
  out.hostname = ReadString(spec, "hostname", path, problems);
  if (!out.hostname.empty() && !IsDnsLabel(out.hostname)) {
    problems.Add(Child(path, "hostname"),
                 fmt::format("{} is not a valid hostname (a DNS label)", Quote(out.hostname)));
  }
  ReadString(spec, "subdomain", path, problems);
  out.node_name = ReadString(spec, "nodeName", path, problems);
  out.service_account_name = ReadString(spec, "serviceAccountName", path, problems);
  ParseRunAs(spec, path, out.run_as_user, out.run_as_group, problems);

  std::set<std::string> volume_names;
  const Value::Array* volumes = ReadArray(spec, "volumes", path, problems);
  for (size_t i = 0; volumes != nullptr && i < volumes->size(); ++i) {
    std::string volume_path = Index(Child(path, "volumes"), i);
    VolumeSpec volume = ParseVolume((*volumes)[i], volume_path, problems);
    if (!volume.name.empty() && !volume_names.insert(volume.name).second) {
      problems.Add(Child(volume_path, "name"),
                   fmt::format("Duplicate value: {}", Quote(volume.name)));
    }
    out.volumes.push_back(std::move(volume));
  }

  std::set<std::string> container_names;
  for (bool init : {true, false}) {
    std::string key = init ? "initContainers" : "containers";
    const Value::Array* containers = ReadArray(spec, key, path, problems);
    if (!init && (containers == nullptr || containers->empty())) {
      problems.Add(Child(path, key), "Required value");
    }
    for (size_t i = 0; containers != nullptr && i < containers->size(); ++i) {
      std::string container_path = Index(Child(path, key), i);
      ContainerSpecParsed container =
          ParseContainer((*containers)[i], container_path, init, problems);
      if (!container.name.empty() && !container_names.insert(container.name).second) {
        problems.Add(Child(container_path, "name"),
                     fmt::format("Duplicate value: {}", Quote(container.name)));
      }
      for (size_t m = 0; m < container.mounts.size(); ++m) {
        const std::string& volume = container.mounts[m].volume;
        if (!volume.empty() && volume_names.count(volume) == 0) {
          problems.Add(Child(Index(Child(container_path, "volumeMounts"), m), "name"),
                       fmt::format("Not found: {}", Quote(volume)));
        }
      }
      (init ? out.init_containers : out.containers).push_back(std::move(container));
    }
  }
  return out;
}

}  // namespace capstan::target::local::internal
