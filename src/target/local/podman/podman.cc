#include "target/local/podman/podman.h"

#include <fmt/format.h>

#include <csignal>
#include <utility>

#include "core/process.h"
#include "target/local/podman/internal/args.h"
#include "target/local/podman/internal/image_ref.h"
#include "target/local/podman/internal/parse.h"

namespace capstan::target::local {

namespace pi = podman_internal;

namespace {

constexpr char kInstallHint[] =
    "install podman (scripts/install-deps.sh) and set up its configuration with "
    "scripts/podman-env.sh setup DIR";
// Largest `podman logs` output read, whatever max_bytes asks: kLogTailLines long lines.
constexpr size_t kMaxLogBytes = 64u << 20;

std::string Quoted(const std::string& name) { return "\"" + name + "\""; }

}  // namespace

Podman::Podman(PodmanOptions options) : options_(std::move(options)) {}

Result<ProcessResult> Podman::Run(std::vector<std::string> args, std::chrono::milliseconds timeout,
                                  const std::string& working_directory) const {
  ProcessOptions process;
  process.argv.reserve(args.size() + 1);
  process.argv.push_back(options_.binary);
  for (std::string& arg : args) process.argv.push_back(std::move(arg));
  process.env = options_.env;
  process.timeout = timeout;
  process.working_directory = working_directory;
  process.max_stdout_bytes = kMaxLogBytes;
  process.install_hint = kInstallHint;
  return RunProcess(process);
}

Result<ProcessResult> Podman::MustRun(std::vector<std::string> args,
                                      const std::string& what) const {
  auto result = Run(std::move(args), options_.timeout);
  if (!result.ok()) return std::move(result).error().Wrap(what);
  if (!result->success()) return pi::PodmanError(what, *result);
  return result;
}

Result<std::string> Podman::Version() const {
  auto result = MustRun({"version", "--format", "{{.Client.Version}}"}, "podman version");
  if (!result.ok()) return std::move(result).error();
  return TrimProgramOutput(result->stdout_data);
}

// ---- pods ----

Result<std::map<std::string, std::string>> Podman::Addresses(
    const std::vector<std::string>& ids) const {
  std::map<std::string, std::string> addresses;
  if (ids.empty()) return addresses;
  std::vector<std::string> args = {"container", "inspect", "--format", "json"};
  args.insert(args.end(), ids.begin(), ids.end());
  auto result = MustRun(std::move(args), "inspect infra containers");
  if (!result.ok()) return std::move(result).error();
  auto inspected = pi::ParseContainerInspect(result->stdout_data);
  if (!inspected.ok()) return std::move(inspected).error();
  for (const pi::InspectedContainer& container : *inspected) {
    if (container.state.state == "running") addresses[container.state.id] = container.ip;
  }
  return addresses;
}

Result<PodState> Podman::CreatePod(const std::string& name,
                                   const std::map<std::string, std::string>& labels) const {
  std::string what = "create pod " + Quoted(name);
  auto created = MustRun(pi::CreatePodArgs(name, labels), what);
  if (!created.ok()) return std::move(created).error();
  auto started = MustRun({"pod", "start", name}, "start pod " + Quoted(name));
  Result<PodState> pod = started.ok() ? InspectPod(name) : Result<PodState>(started.error());
  if (pod.ok() && pod->ip.empty()) {
    pod = Error::Unavailable("pod " + Quoted(name) + " started but has no address");
  }
  if (!pod.ok()) {
    (void)RemovePod(name);  // nothing half-made stays behind; the first error is the news
    return std::move(pod).error();
  }
  return pod;
}

Result<PodState> Podman::InspectPod(const std::string& name) const {
  std::string what = "inspect pod " + Quoted(name);
  auto result = MustRun({"pod", "inspect", "--format", "json", name}, what);
  if (!result.ok()) return std::move(result).error();
  auto listed = pi::ParsePodInspect(result->stdout_data);
  if (!listed.ok()) return std::move(listed).error().Wrap(what);
  PodState pod = std::move(listed->state);
  auto addresses = Addresses({listed->infra_id});
  if (!addresses.ok()) return std::move(addresses).error().Wrap(what);
  if (auto it = addresses->find(listed->infra_id); it != addresses->end()) pod.ip = it->second;
  return pod;
}

Result<std::vector<PodState>> Podman::ListPods(
    const std::map<std::string, std::string>& selector) const {
  std::vector<std::string> args = {"pod", "ps", "--format", "json"};
  for (std::string& filter : pi::LabelFilters(selector)) args.push_back(std::move(filter));
  auto result = MustRun(std::move(args), "list pods");
  if (!result.ok()) return std::move(result).error();
  auto listed = pi::ParsePodList(result->stdout_data);
  if (!listed.ok()) return std::move(listed).error().Wrap("list pods");
  std::vector<std::string> infra;
  for (const pi::ListedPod& pod : *listed) {
    if (!pod.infra_id.empty()) infra.push_back(pod.infra_id);
  }
  auto addresses = Addresses(infra);
  if (!addresses.ok()) return std::move(addresses).error().Wrap("list pods");
  std::vector<PodState> pods;
  for (pi::ListedPod& pod : *listed) {
    if (auto it = addresses->find(pod.infra_id); it != addresses->end()) {
      pod.state.ip = it->second;
    }
    pods.push_back(std::move(pod.state));
  }
  return pods;
}

Status Podman::RemovePod(const std::string& name) const {
  auto result = MustRun({"pod", "rm", "--force", "--ignore", "--time", "0", name},
                        "remove pod " + Quoted(name));
  if (!result.ok()) return std::move(result).error();
  return OkStatus();
}

// ---- containers ----

Result<std::string> Podman::CreateContainer(const ContainerSpec& spec) const {
  auto args = pi::CreateContainerArgs(spec);
  if (!args.ok()) return std::move(args).error();
  std::string what = "create container " + Quoted(spec.name);
  if (!spec.pod.empty()) what += " in pod " + Quoted(spec.pod);
  auto result = MustRun(std::move(*args), what);
  if (!result.ok()) return std::move(result).error();
  return TrimProgramOutput(result->stdout_data);
}

Status Podman::StartContainer(const std::string& name) const {
  std::string what = "start container " + Quoted(name);
  auto inspected = MustRun({"container", "inspect", "--format", "json", name}, what);
  if (!inspected.ok()) return std::move(inspected).error();
  auto containers = pi::ParseContainerInspect(inspected->stdout_data);
  if (!containers.ok()) return std::move(containers).error().Wrap(what);
  if (containers->size() != 1) return Error::Internal(what + ": inspect found no container");
  // conmon writes its "oom" marker into its working directory, and podman looks for it in
  // the container's bundle directory: started from anywhere else, a container the kernel
  // killed for memory is never reported OOMKilled (podman 4.3, conmon 2.1, cgroup v1).
  auto result = Run({"start", name}, options_.timeout, containers->front().static_dir);
  if (!result.ok()) return std::move(result).error().Wrap(what);
  if (!result->success()) return pi::PodmanError(what, *result);
  return OkStatus();
}

Result<std::string> Podman::RunContainer(const ContainerSpec& spec) const {
  auto id = CreateContainer(spec);
  if (!id.ok()) return id;
  CAPSTAN_TRY(StartContainer(spec.name));
  return id;
}

Status Podman::StopContainer(const std::string& name, std::chrono::seconds grace) const {
  std::string what = "stop container " + Quoted(name);
  auto result =
      Run({"stop", "--time", std::to_string(grace.count()), name}, options_.timeout + grace);
  if (!result.ok()) return std::move(result).error().Wrap(what);
  if (!result->success()) return pi::PodmanError(what, *result);
  return OkStatus();
}

Status Podman::RemoveContainer(const std::string& name) const {
  auto result = MustRun({"rm", "--force", "--ignore", "--time", "0", name},
                        "remove container " + Quoted(name));
  if (!result.ok()) return std::move(result).error();
  return OkStatus();
}

Result<ContainerState> Podman::InspectContainer(const std::string& name) const {
  std::string what = "inspect container " + Quoted(name);
  auto result = MustRun({"container", "inspect", "--format", "json", name}, what);
  if (!result.ok()) return std::move(result).error();
  auto containers = pi::ParseContainerInspect(result->stdout_data);
  if (!containers.ok()) return std::move(containers).error().Wrap(what);
  if (containers->size() != 1) return Error::Internal(what + ": inspect found no container");
  pi::InspectedContainer& found = containers->front();
  if (!found.pod_id.empty()) {
    // inspect names the pod by id only.
    auto pod = MustRun({"pod", "inspect", "--format", "{{.Name}}", found.pod_id}, what);
    if (!pod.ok()) return std::move(pod).error();
    found.state.pod = TrimProgramOutput(pod->stdout_data);
  }
  return std::move(found.state);
}

Result<std::vector<ContainerState>> Podman::ListContainers(
    const std::map<std::string, std::string>& selector) const {
  std::vector<std::string> args = {"ps", "--all", "--pod", "--format", "json"};
  for (std::string& filter : pi::LabelFilters(selector)) args.push_back(std::move(filter));
  auto result = MustRun(std::move(args), "list containers");
  if (!result.ok()) return std::move(result).error();
  auto containers = pi::ParseContainerList(result->stdout_data);
  if (!containers.ok()) return std::move(containers).error().Wrap("list containers");
  return containers;
}

Result<ProcessResult> Podman::Exec(const std::string& container,
                                   const std::vector<std::string>& argv,
                                   std::chrono::milliseconds timeout) const {
  std::string what = "exec in container " + Quoted(container);
  if (argv.empty()) return Error::Invalid(what + ": no command");
  std::vector<std::string> args = {"exec", container};
  args.insert(args.end(), argv.begin(), argv.end());
  auto started = std::chrono::steady_clock::now();
  auto result = Run(std::move(args), timeout);
  if (!result.ok()) {
    if (result.error().code() == ErrorCode::kUnavailable &&
        std::chrono::steady_clock::now() - started >= timeout) {
      ProcessResult killed;
      killed.exit_code = -1;
      killed.signal = SIGKILL;
      killed.stderr_data = fmt::format("command timed out after {} ms", timeout.count());
      return killed;
    }
    return std::move(result).error().Wrap(what);
  }
  // 125 is podman's own failure (no such container, not running); 126 and 127 are the
  // command's, as a shell reports them.
  if (result->exit_code == 125 && result->signal == 0) return pi::PodmanError(what, *result);
  return result;
}

Result<std::string> Podman::Logs(const std::string& container, size_t max_bytes) const {
  auto result =
      MustRun({"logs", "--timestamps", "--tail", std::to_string(kLogTailLines), container},
              "logs of container " + Quoted(container));
  if (!result.ok()) return std::move(result).error();
  return pi::MergeLogs(result->stdout_data, result->stderr_data, max_bytes);
}

// ---- images ----

Result<bool> Podman::ImageExists(const std::string& image) const {
  std::string what = "image " + Quoted(image);
  auto result = Run({"image", "exists", image}, options_.timeout);
  if (!result.ok()) return std::move(result).error().Wrap(what);
  if (result->success()) return true;
  if (result->exit_code == 1 && result->signal == 0) return false;
  return pi::PodmanError(what, *result);
}

Status Podman::PullImage(const std::string& image) const {
  std::string host = pi::RegistryHost(image);
  if (!pi::IsLoopbackRegistry(host)) {
    return Error::Invalid(fmt::format(
        "image {} is not in podman's local storage and capstan pulls only from registries on "
        "loopback (its registry is {}); build it with buildah or push it to 127.0.0.1:PORT",
        image, host));
  }
  if (!pi::HasPort(host)) {
    return Error::NotFound(fmt::format(
        "image {} is not in podman's local storage, and {}/ images are local names that are "
        "never pulled; build it with buildah (scripts/demo-image.sh builds "
        "localhost/capstan-demo) or push it to 127.0.0.1:PORT and name it so",
        image, host));
  }
  // Plain HTTP is fine on loopback: nothing leaves the machine.
  auto result =
      MustRun({"pull", "--quiet", "--tls-verify=false", image}, "pull image " + Quoted(image));
  if (!result.ok()) return std::move(result).error();
  return OkStatus();
}

Status Podman::RemoveAll(const std::map<std::string, std::string>& selector) const {
  if (selector.empty()) {
    return Error::Invalid(
        "remove all: refusing an empty label selector (it would match "
        "every pod and container on the machine)");
  }
  std::vector<std::string> filters = pi::LabelFilters(selector);
  std::vector<std::string> pods_args = {"pod", "ps", "--quiet"};
  pods_args.insert(pods_args.end(), filters.begin(), filters.end());
  auto pods = MustRun(std::move(pods_args), "remove all: list pods");
  if (!pods.ok()) return std::move(pods).error();
  std::vector<std::string> ids;
  auto collect = [&ids](const std::string& text) {
    ids.clear();
    size_t begin = 0;
    while (begin < text.size()) {
      size_t end = text.find('\n', begin);
      if (end == std::string::npos) end = text.size();
      if (end > begin) ids.push_back(text.substr(begin, end - begin));
      begin = end + 1;
    }
  };
  collect(pods->stdout_data);
  if (!ids.empty()) {
    std::vector<std::string> args = {"pod", "rm", "--force", "--ignore", "--time", "0"};
    args.insert(args.end(), ids.begin(), ids.end());
    CAPSTAN_TRY(MustRun(std::move(args), "remove all: remove pods"));
  }
  // Containers outside those pods (or left by a pod removal that failed half-way).
  std::vector<std::string> containers_args = {"ps", "--all", "--quiet"};
  containers_args.insert(containers_args.end(), filters.begin(), filters.end());
  auto containers = MustRun(std::move(containers_args), "remove all: list containers");
  if (!containers.ok()) return std::move(containers).error();
  collect(containers->stdout_data);
  if (!ids.empty()) {
    std::vector<std::string> args = {"rm", "--force", "--ignore", "--time", "0"};
    args.insert(args.end(), ids.begin(), ids.end());
    CAPSTAN_TRY(MustRun(std::move(args), "remove all: remove containers"));
  }
  return OkStatus();
}

}  // namespace capstan::target::local
