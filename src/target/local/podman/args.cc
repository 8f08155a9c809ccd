#include "target/local/podman/internal/args.h"

#include <fmt/format.h>

#include "core/json.h"
#include "core/value.h"

namespace capstan::target::local::podman_internal {

namespace {

// podman's -v splits on ':' and its --mount on ','; paths holding either cannot be passed.
Status CheckMountPath(const std::string& container, const std::string& field,
                      const std::string& path) {
  if (path.empty() || path.front() != '/') {
    return Error::Invalid(
        fmt::format("container {}: {}: \"{}\" is not an absolute path", container, field, path));
  }
  if (path.find_first_of(":,") != std::string::npos) {
    return Error::Invalid(
        fmt::format("container {}: {}: \"{}\": podman cannot mount a path holding ':' or ','",
                    container, field, path));
  }
  return OkStatus();
}

}  // namespace

std::string CpusFlag(int64_t millis) {
  return fmt::format("{}.{:03d}", millis / 1000, static_cast<int>(millis % 1000));
}

std::string InfraName(const std::string& pod) { return pod + ".infra"; }

std::vector<std::string> LabelFilters(const std::map<std::string, std::string>& selector) {
  std::vector<std::string> args;
  for (const auto& [key, value] : selector) {
    args.push_back("--filter");
    args.push_back("label=" + key + "=" + value);
  }
  return args;
}

std::vector<std::string> CreatePodArgs(const std::string& name,
                                       const std::map<std::string, std::string>& labels) {
  // The pod's hostname is its Kubernetes name (the kubelet's default), not podman's longer
  // name, which may pass the 63 characters sethostname allows.
  std::string hostname = name;
  if (auto pod = labels.find("io.kubernetes.pod.name"); pod != labels.end()) hostname = pod->second;
  if (hostname.size() > 63) hostname.resize(63);
  while (!hostname.empty() && (hostname.back() == '-' || hostname.back() == '.')) {
    hostname.pop_back();
  }
  std::vector<std::string> args = {"pod",        "create", "--name",       name,
                                   "--hostname", hostname, "--infra-name", InfraName(name)};
  for (const auto& [key, value] : labels) {
    args.push_back("--label");
    args.push_back(key + "=" + value);
  }
  return args;
}

Result<std::vector<std::string>> CreateContainerArgs(const ContainerSpec& spec) {
  if (spec.name.empty()) return Error::Invalid("container: name is empty");
  if (spec.image.empty()) return Error::Invalid("container " + spec.name + ": image is empty");
  // Never pull: podman would try any registry; PullImage decides what may be pulled.
  std::vector<std::string> args = {"create", "--pull", "never", "--name", spec.name};
  if (!spec.pod.empty()) {
    args.push_back("--pod");
    args.push_back(spec.pod);
  }
  if (spec.init) args.push_back("--init");
  for (const auto& [key, value] : spec.labels) {
    args.push_back("--label");
    args.push_back(key + "=" + value);
  }
  for (const auto& [name, value] : spec.env) {
    if (name.empty() || name.find('=') != std::string::npos) {
      return Error::Invalid(
          fmt::format("container {}: env: invalid variable name \"{}\"", spec.name, name));
    }
    args.push_back("--env");
    args.push_back(name + "=" + value);
  }
  for (const Mount& mount : spec.mounts) {
    CAPSTAN_TRY(CheckMountPath(spec.name, "mount host path", mount.host_path));
    CAPSTAN_TRY(CheckMountPath(spec.name, "mount path", mount.container_path));
    args.push_back("--volume");
    args.push_back(mount.host_path + ":" + mount.container_path +
                   (mount.read_only ? ":ro" : ":rw"));
  }
  if (spec.memory_limit_bytes > 0) {
    // The same limit for memory plus swap, as the kubelet sets it: no swapping past it.
    std::string bytes = std::to_string(spec.memory_limit_bytes);
    args.insert(args.end(), {"--memory", bytes, "--memory-swap", bytes});
  }
  if (spec.cpu_limit_millis > 0) {
    args.push_back("--cpus");
    args.push_back(CpusFlag(spec.cpu_limit_millis));
  }
  if (!spec.command.empty()) {
    // One word or several, --entrypoint takes a JSON array; podman then drops the image's
    // CMD, as Kubernetes does when only `command` is given.
    Value entrypoint = Value::MakeArray();
    for (const std::string& word : spec.command) entrypoint.as_array().emplace_back(word);
    args.push_back("--entrypoint");
    args.push_back(EmitJson(entrypoint));
  }
  if (!spec.working_dir.empty()) {
    args.push_back("--workdir");
    args.push_back(spec.working_dir);
  }
  if (!spec.user.empty()) {
    args.push_back("--user");
    args.push_back(spec.user);
  }
  if (spec.read_only_root_filesystem) args.push_back("--read-only");
  // podman reads no flags after the image: the arguments pass as they are, "-x" included.
  args.push_back(spec.image);
  args.insert(args.end(), spec.args.begin(), spec.args.end());
  return args;
}

}  // namespace capstan::target::local::podman_internal
