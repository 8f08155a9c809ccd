// ParseContainer: one container of a pod spec, checked against what the local target runs.
#include <fmt/format.h>

#include <cctype>
#include <set>

#include "core/hash.h"
#include "target/local/pod/internal/parsed_pod.h"
#include "target/local/pod/quantity.h"

namespace capstan::target::local::internal {

namespace {

constexpr std::string_view kContainerFields =
    "a container may have name, image, imagePullPolicy, command, args, workingDir, env, envFrom, "
    "ports, resources, volumeMounts, readinessProbe, livenessProbe, startupProbe; securityContext, "
    "terminationMessagePath/Policy, stdin, tty are accepted and ignored";
// Probes on init containers are refused as Kubernetes refuses them.
constexpr std::string_view kInitContainerFields =
    "an init container may have name, image, imagePullPolicy, command, args, workingDir, env, "
    "envFrom, ports, resources, volumeMounts; securityContext, terminationMessagePath/Policy, "
    "stdin, tty are accepted and ignored";
// Kubernetes' default: Always for :latest or no tag (unless pinned by digest), else
// IfNotPresent.
std::string DefaultPullPolicy(std::string_view image) {
  if (image.find('@') != std::string_view::npos) return "IfNotPresent";
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  bool has_tag =
      colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
  if (!has_tag || image.substr(colon + 1) == "latest") return "Always";
  return "IfNotPresent";
}

void ParsePorts(const Value& container, const std::string& path, ContainerSpecParsed& out,
                Problems& problems) {
  const Value::Array* ports = ReadArray(container, "ports", path, problems);
  std::string ports_path = Child(path, "ports");
  for (size_t i = 0; ports != nullptr && i < ports->size(); ++i) {
    const Value& item = (*ports)[i];
    std::string item_path = Index(ports_path, i);
    CheckKnownFields(item, item_path, {"name", "containerPort", "protocol", "hostPort", "hostIP"},
                     "a port has name, containerPort and protocol", problems);
    std::optional<int64_t> host_port = ReadInt(item, "hostPort", item_path, problems);
    if (host_port && *host_port != 0) {
      problems.Unsupported(Child(item_path, "hostPort"),
                           "the pod's IP is reachable from this machine: use containerPort");
    }
    if (!ReadString(item, "hostIP", item_path, problems).empty()) {
      problems.Unsupported(Child(item_path, "hostIP"),
                           "the pod's IP is reachable from this machine: use containerPort");
    }
    ContainerPort port;
    port.name = ReadString(item, "name", item_path, problems);
    std::optional<int64_t> number = ReadInt(item, "containerPort", item_path, problems);
    if (!number || *number < 1 || *number > 65535) {
      problems.Add(Child(item_path, "containerPort"),
                   number ? fmt::format("{} must be between 1 and 65535, inclusive", *number)
                          : std::string("required"));
    } else {
      port.container_port = static_cast<int>(*number);
    }
    std::string protocol = ReadString(item, "protocol", item_path, problems);
    if (!protocol.empty() && protocol != "TCP" && protocol != "UDP" && protocol != "SCTP") {
      problems.Add(Child(item_path, "protocol"),
                   fmt::format("Unsupported value: {}: supported values: \"SCTP\", \"TCP\", "
                               "\"UDP\"",
                               Quote(protocol)));
    } else if (!protocol.empty()) {
      port.protocol = protocol;
    }
    out.ports.push_back(std::move(port));
  }
}

// One resource list (limits or requests): cpu and memory, in millicores and bytes.
void ParseResourceList(const Value& list, const std::string& path, int64_t& cpu_millis,
                       int64_t& memory_bytes, Problems& problems) {
  CheckKnownFields(list, path, {"cpu", "memory", "ephemeral-storage"},
                   "resources may be cpu and memory; ephemeral-storage is accepted and ignored",
                   problems);
  if (!list.is_object()) return;
  for (const auto& [name, value] : list.as_object()) {
    std::string field = Child(path, name);
    std::optional<Quantity> quantity = Quantity::FromValue(value);
    std::string text = value.is_string()   ? value.as_string()
                       : value.is_int()    ? std::to_string(value.as_int())
                       : value.is_double() ? fmt::format("{}", value.as_double())
                                           : std::string(TypeName(value.type()));
    if (!quantity) {
      problems.Add(field, fmt::format("{} is not a quantity", Quote(text)));
      continue;
    }
    if (quantity->negative()) {
      problems.Add(field, fmt::format("{} must be greater than or equal to 0", Quote(text)));
      continue;
    }
    std::optional<int64_t> amount = name == "cpu" ? quantity->Millis() : quantity->Units();
    if (!amount) {
      problems.Add(field, fmt::format("{} is too large", Quote(text)));
      continue;
    }
    if (name == "cpu") cpu_millis = *amount;
    if (name == "memory") memory_bytes = *amount;
  }
}

void ParseResources(const Value& container, const std::string& path, ContainerSpecParsed& out,
                    Problems& problems) {
  const Value* resources = ReadObject(container, "resources", path, problems);
  if (resources == nullptr) return;
  std::string resources_path = Child(path, "resources");
  CheckKnownFields(*resources, resources_path, {"limits", "requests"},
                   "resources may have limits and requests", problems);
  int64_t request_cpu = 0;
  int64_t request_memory = 0;
  if (const Value* limits = ReadObject(*resources, "limits", resources_path, problems)) {
    ParseResourceList(*limits, Child(resources_path, "limits"), out.cpu_limit_millis,
                      out.memory_limit_bytes, problems);
  }
  if (const Value* requests = ReadObject(*resources, "requests", resources_path, problems)) {
    ParseResourceList(*requests, Child(resources_path, "requests"), request_cpu, request_memory,
                      problems);
  }
  if (out.cpu_limit_millis > 0 && request_cpu > out.cpu_limit_millis) {
    problems.Add(Child(resources_path, "requests.cpu"), "must be less than or equal to cpu limit");
  }
  if (out.memory_limit_bytes > 0 && request_memory > out.memory_limit_bytes) {
    problems.Add(Child(resources_path, "requests.memory"),
                 "must be less than or equal to memory limit");
  }
}

void ParseMounts(const Value& container, const std::string& path, ContainerSpecParsed& out,
                 Problems& problems) {
  const Value::Array* mounts = ReadArray(container, "volumeMounts", path, problems);
  std::string mounts_path = Child(path, "volumeMounts");
  std::set<std::string> seen;
  for (size_t i = 0; mounts != nullptr && i < mounts->size(); ++i) {
    const Value& item = (*mounts)[i];
    std::string item_path = Index(mounts_path, i);
    CheckKnownFields(
        item, item_path,
        {"name", "mountPath", "readOnly", "subPath", "mountPropagation", "recursiveReadOnly"},
        "a volume mount has name, mountPath, readOnly and subPath", problems);
    VolumeMountSpec mount;
    mount.volume = ReadString(item, "name", item_path, problems);
    mount.mount_path = ReadString(item, "mountPath", item_path, problems);
    mount.read_only = ReadBool(item, "readOnly", item_path, problems);
    mount.sub_path = ReadString(item, "subPath", item_path, problems);
    std::string propagation = ReadString(item, "mountPropagation", item_path, problems);
    if (!propagation.empty() && propagation != "None") {
      problems.Unsupported(Child(item_path, "mountPropagation"), "only None");
    }
    if (mount.volume.empty()) problems.Add(Child(item_path, "name"), "required");
    if (mount.mount_path.empty() || mount.mount_path[0] != '/') {
      problems.Add(Child(item_path, "mountPath"),
                   fmt::format("{} must be an absolute path", Quote(mount.mount_path)));
    } else if (!seen.insert(mount.mount_path).second) {
      problems.Add(Child(item_path, "mountPath"), "must be unique");
    }
    if (!mount.sub_path.empty() && !IsSafeRelativePath(mount.sub_path)) {
      problems.Add(Child(item_path, "subPath"),
                   fmt::format("{} must be a relative path without '..'", Quote(mount.sub_path)));
    }
    out.mounts.push_back(std::move(mount));
  }
}

}  // namespace

void ParseRunAs(const Value& owner, const std::string& path, std::optional<int64_t>& user,
                std::optional<int64_t>& group, Problems& problems) {
  const Value* context = ReadObject(owner, "securityContext", path, problems);
  if (context == nullptr) return;
  std::string context_path = Child(path, "securityContext");
  for (auto [key, target] : {std::pair{"runAsUser", &user}, std::pair{"runAsGroup", &group}}) {
    std::optional<int64_t> id = ReadInt(*context, key, context_path, problems);
    if (id && (*id < 0 || *id > 2147483647)) {
      problems.Add(Child(context_path, key),
                   fmt::format("{} must be between 0 and 2147483647, inclusive", *id));
    } else if (id) {
      *target = id;
    }
  }
}

ContainerSpecParsed ParseContainer(const Value& container, const std::string& path, bool init,
                                   Problems& problems) {
  ContainerSpecParsed out;
  if (!container.is_object()) {
    problems.Add(path, "expected a map");
    return out;
  }
  if (init) {
    for (std::string_view probe : {"readinessProbe", "livenessProbe", "startupProbe"}) {
      if (container.Contains(probe)) {
        problems.Add(Child(path, probe), "Forbidden: may not be set for init containers");
      }
    }
  }
  std::initializer_list<std::string_view> common = {"name",
                                                    "image",
                                                    "imagePullPolicy",
                                                    "command",
                                                    "args",
                                                    "workingDir",
                                                    "env",
                                                    "envFrom",
                                                    "ports",
                                                    "resources",
                                                    "volumeMounts",
                                                    "securityContext",
                                                    "terminationMessagePath",
                                                    "terminationMessagePolicy",
                                                    "stdin",
                                                    "stdinOnce",
                                                    "tty",
                                                    "resizePolicy",
                                                    "readinessProbe",
                                                    "livenessProbe",
                                                    "startupProbe"};
  CheckKnownFields(container, path, common, init ? kInitContainerFields : kContainerFields,
                   problems);
  out.name = ReadString(container, "name", path, problems);
  if (!IsDnsLabel(out.name)) {
    problems.Add(Child(path, "name"),
                 fmt::format("{} is not a valid container name (lower-case letters, digits and "
                             "'-', at most 63)",
                             Quote(out.name)));
  }
  out.image = ReadString(container, "image", path, problems);
  if (out.image.empty()) problems.Add(Child(path, "image"), "required");
  out.image_pull_policy = ReadString(container, "imagePullPolicy", path, problems);
  if (out.image_pull_policy.empty()) {
    out.image_pull_policy = DefaultPullPolicy(out.image);
  } else if (out.image_pull_policy != "Always" && out.image_pull_policy != "IfNotPresent" &&
             out.image_pull_policy != "Never") {
    problems.Add(Child(path, "imagePullPolicy"),
                 fmt::format("Unsupported value: {}: supported values: \"Always\", "
                             "\"IfNotPresent\", \"Never\"",
                             Quote(out.image_pull_policy)));
  }
  out.command = ReadStrings(container, "command", path, problems);
  out.args = ReadStrings(container, "args", path, problems);
  out.working_dir = ReadString(container, "workingDir", path, problems);
  ParseEnv(container, path, out, problems);
  ParsePorts(container, path, out, problems);
  ParseResources(container, path, out, problems);
  ParseMounts(container, path, out, problems);
  if (!init) {
    for (ProbeType type : {ProbeType::kStartup, ProbeType::kReadiness, ProbeType::kLiveness}) {
      const Value* probe = container.Find(ProbeFieldName(type));
      if (probe == nullptr || probe->is_null()) continue;
      Result<ProbeSpec> spec =
          ParseProbe(*probe, type, container, Child(path, ProbeFieldName(type)));
      if (!spec.ok()) {
        problems.AddRaw(spec.error().message());
        continue;
      }
      (type == ProbeType::kStartup     ? out.startup_probe
       : type == ProbeType::kReadiness ? out.readiness_probe
                                       : out.liveness_probe) = std::move(*spec);
    }
  }
  ParseRunAs(container, path, out.run_as_user, out.run_as_group, problems);
  if (const Value* context = ReadObject(container, "securityContext", path, problems)) {
    out.read_only_root_filesystem =
        ReadBool(*context, "readOnlyRootFilesystem", Child(path, "securityContext"), problems);
  }
  out.hash = ContentHash(container).substr(0, 16);
  return out;
}

}  // namespace capstan::target::local::internal
