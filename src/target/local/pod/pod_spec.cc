// PlanPod: parse (internal/parse_*.cc), resolve (internal/resolve_*.cc), then name and
// assemble what podman runs.
#include "target/local/pod/pod_spec.h"

#include <fmt/format.h>

#include "core/object.h"
#include "target/local/pod/internal/expand.h"
#include "target/local/pod/internal/parsed_pod.h"
#include "target/local/pod/internal/resolve.h"

namespace capstan::target::local {

namespace {

using internal::ContainerSpecParsed;
using internal::PodSpecParsed;

// Kubernetes' hostname limit (a DNS label).
constexpr size_t kMaxHostnameLength = 63;

// Podman names allow [a-zA-Z0-9_.-] after an alphanumeric first character.
std::string SanitizeName(std::string_view name) {
  std::string out;
  for (char c : name) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '.' || c == '-';
    out += allowed ? c : '-';
  }
  return out;
}

// The kubelet's hostname: spec.hostname, else the pod name cut to 63 characters without a
// trailing '-' or '.'.
std::string Hostname(const PodSpecParsed& spec, std::string_view pod_name) {
  if (!spec.hostname.empty()) return spec.hostname;
  std::string name(pod_name.substr(0, kMaxHostnameLength));
  while (!name.empty() && (name.back() == '-' || name.back() == '.')) name.pop_back();
  return name;
}

// podman's --user from runAsUser[:runAsGroup], the container's over the pod's. A group
// without a user cannot be expressed to podman and is left out.
std::string User(const ContainerSpecParsed& container, const PodSpecParsed& pod) {
  std::optional<int64_t> user = container.run_as_user ? container.run_as_user : pod.run_as_user;
  std::optional<int64_t> group = container.run_as_group ? container.run_as_group : pod.run_as_group;
  if (!user) return {};
  return group ? fmt::format("{}:{}", *user, *group) : std::to_string(*user);
}

ContainerPlan PlanContainer(const ContainerSpecParsed& parsed, const PodSpecParsed& pod,
                            const internal::PodFacts& facts,
                            const std::map<std::string, internal::VolumeDir>& volumes,
                            internal::ObjectCache& objects, PodPlan& plan) {
  ContainerPlan out;
  out.name = parsed.name;
  out.ports = parsed.ports;
  out.startup_probe = parsed.startup_probe;
  out.readiness_probe = parsed.readiness_probe;
  out.liveness_probe = parsed.liveness_probe;
  out.image_pull_policy = parsed.image_pull_policy;

  internal::ResolvedEnv env = internal::ResolveEnv(parsed, facts, objects);
  out.config_error = env.config_error;
  plan.uses_pod_ip = plan.uses_pod_ip || env.uses_pod_ip;
  plan.warnings.insert(plan.warnings.end(), env.warnings.begin(), env.warnings.end());

  ContainerSpec& spec = out.spec;
  spec.name = plan.pod_name + "_" + parsed.name;
  spec.pod = plan.pod_name;
  spec.image = parsed.image;
  // command and args see the whole environment (kubelet's ExpandContainerCommandAndArgs).
  std::map<std::string, std::string, std::less<>> all(env.env.begin(), env.env.end());
  auto lookup = [&all](std::string_view name) -> std::optional<std::string> {
    auto it = all.find(name);
    if (it == all.end()) return std::nullopt;
    return it->second;
  };
  for (const std::string& part : parsed.command) {
    spec.command.push_back(internal::ExpandVariables(part, lookup));
  }
  for (const std::string& part : parsed.args) {
    spec.args.push_back(internal::ExpandVariables(part, lookup));
  }
  spec.env = std::move(env.env);
  spec.working_dir = parsed.working_dir;
  for (const internal::VolumeMountSpec& mount : parsed.mounts) {
    const internal::VolumeDir& dir = volumes.at(mount.volume);  // checked by ParsePodSpec
    std::filesystem::path host = dir.path;
    if (!mount.sub_path.empty()) {
      host /= mount.sub_path;
      if (dir.empty_dir) plan.empty_dirs.push_back(host);  // the kubelet creates it
    }
    spec.mounts.push_back(Mount{host.string(), mount.mount_path, dir.read_only || mount.read_only});
  }
  spec.labels = plan.labels;
  spec.labels[kContainerNameLabel] = parsed.name;
  spec.labels[kContainerHashLabel] = parsed.hash;
  spec.memory_limit_bytes = parsed.memory_limit_bytes;
  spec.cpu_limit_millis = parsed.cpu_limit_millis;
  spec.user = User(parsed, pod);
  spec.read_only_root_filesystem = parsed.read_only_root_filesystem;
  return out;
}

}  // namespace

Status ValidatePodSpec(const Value& spec, const std::string& object, const std::string& field) {
  internal::Problems problems;
  internal::ParsePodSpec(spec, field, problems);
  if (!problems.empty()) return Error::Invalid(object + ": " + problems.Join());
  return OkStatus();
}

Result<PodPlan> PlanPod(const Value& pod, const ObjectLookup& lookup, const PlanOptions& options) {
  std::string object = KeyOf(pod).ToString();
  std::string name(NameOf(pod));
  std::string ns(NamespaceOf(pod));
  if (ns.empty()) ns = "default";
  if (name.empty()) return Error::Invalid(object + ": metadata.name: required");
  const Value* spec_value = pod.Find("spec");
  internal::Problems problems;
  PodSpecParsed spec =
      internal::ParsePodSpec(spec_value != nullptr ? *spec_value : Value(), "spec", problems);
  if (!problems.empty()) return Error::Invalid(object + ": " + problems.Join());

  PodPlan plan;
  plan.pod_name = SanitizeName(options.name_prefix) + ns + "_" + name;
  plan.hostname = Hostname(spec, name);
  plan.restart_policy = spec.restart_policy;
  plan.termination_grace_period_seconds = spec.termination_grace_period_seconds;
  plan.qos_class = QosClass(spec_value != nullptr ? *spec_value : Value());
  std::string uid(pod.StringAt({"metadata", "uid"}));
  plan.labels[kPodNameLabel] = name;
  plan.labels[kPodNamespaceLabel] = ns;
  if (!uid.empty()) plan.labels[kPodUidLabel] = uid;
  if (!options.managed_by.empty()) plan.labels[kManagedLabel] = options.managed_by;

  internal::ObjectCache objects(lookup, ns);
  std::map<std::string, internal::VolumeDir> volumes =
      internal::PlanVolumes(spec.volumes, options.data_dir, objects, plan);

  internal::PodFacts facts;
  facts.name = name;
  facts.ns = ns;
  facts.uid = uid;
  facts.labels = pod.At({"metadata", "labels"});
  facts.annotations = pod.At({"metadata", "annotations"});
  facts.node_name = spec.node_name.empty() ? options.node_name : spec.node_name;
  // The ServiceAccount admission plugin's default.
  facts.service_account_name =
      spec.service_account_name.empty() ? "default" : spec.service_account_name;
  facts.pod_ip = options.pod_ip;
  for (const ContainerSpecParsed& container : spec.init_containers) {
    plan.init_containers.push_back(PlanContainer(container, spec, facts, volumes, objects, plan));
  }
  for (const ContainerSpecParsed& container : spec.containers) {
    plan.containers.push_back(PlanContainer(container, spec, facts, volumes, objects, plan));
  }
  return plan;
}

}  // namespace capstan::target::local
