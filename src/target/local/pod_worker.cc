#include "target/local/pod_worker.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <fstream>
#include <set>

#include "core/log.h"
#include "core/time.h"
#include "target/local/pod/status.h"

namespace capstan::target::local {
namespace {

namespace fs = std::filesystem;
using std::chrono::system_clock;

// How long a worker waits before looking again when nothing is due sooner.
constexpr auto kIdleLook = std::chrono::seconds(1);
// How soon a pod whose podman pod could not be made is tried again.
constexpr auto kPodRetry = std::chrono::seconds(2);
// Image pulls back off like container restarts, from this to kMaxBackOff.
constexpr auto kFirstPullBackOff = std::chrono::seconds(10);
// The restartCount a previous capstan recorded for `name`, so counts survive a restart.
int PreviousRestartCount(const Value& pod, const std::string& field, const std::string& name) {
  const Value* statuses = pod.At({"status", field});
  if (statuses == nullptr || !statuses->is_array()) return 0;
  for (const Value& status : statuses->as_array()) {
    if (status.StringAt({"name"}) == name) {
      const Value* count = status.Find("restartCount");
      return count != nullptr && count->is_int() ? static_cast<int>(count->as_int()) : 0;
    }
  }
  return 0;
}

std::vector<ContainerRecord> RecordsFor(const std::vector<ContainerPlan>& plans, bool init,
                                        const Value& pod) {
  std::vector<ContainerRecord> records;
  for (const ContainerPlan& plan : plans) {
    ContainerRecord record;
    record.plan = plan;
    record.init = init;
    record.restart_count =
        PreviousRestartCount(pod, init ? "initContainerStatuses" : "containerStatuses", plan.name);
    record.state = "waiting";
    record.waiting_reason = init ? "PodInitializing" : "ContainerCreating";
    records.push_back(std::move(record));
  }
  return records;
}

Status WriteVolumeFile(const VolumeFile& file) {
  std::error_code ec;
  fs::create_directories(file.path.parent_path(), ec);
  if (ec) return Error::Unavailable(file.path.parent_path().string() + ": " + ec.message());
  fs::path temporary = file.path;
  temporary += ".capstan-tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << file.content;
    if (!out) return Error::Unavailable(temporary.string() + ": cannot be written");
  }
  ::chmod(temporary.c_str(), static_cast<mode_t>(file.mode));
  fs::rename(temporary, file.path, ec);  // atomic: a container never reads half a file
  if (ec) return Error::Unavailable(file.path.string() + ": " + ec.message());
  return OkStatus();
}

}  // namespace

PodWorker::PodWorker(PodWorkerContext context, ObjectKey key)
    : context_(std::move(context)), key_(std::move(key)) {
  thread_ = std::thread([this] { Run(); });
}

PodWorker::~PodWorker() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PodWorker::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  wake_.notify_all();
}

bool PodWorker::finished() const {
  std::lock_guard lock(mu_);
  return finished_;
}

std::string PodWorker::PodName() const { return key_.ns + "/" + key_.name; }

std::filesystem::path PodWorker::DataDir() const {
  return fs::absolute(context_.options.pods_dir / key_.ns / key_.name);
}

Result<PodPlan> PodWorker::Plan(const Value& pod) const {
  PlanOptions options;
  options.data_dir = DataDir();
  options.managed_by = context_.options.instance_id;
  options.pod_ip = pod_ip_;
  ObjectStore& objects = context_.objects;
  return PlanPod(
      pod,
      [&objects](const std::string& kind, const std::string& ns, const std::string& name) {
        return objects.Get({"", kind, ns, name});
      },
      options);
}

void PodWorker::Run() {
  while (true) {
    system_clock::time_point next = Step();
    std::unique_lock lock(mu_);
    if (finished_) return;
    wake_.wait_until(lock, next, [this] { return woken_ || stopping_; });
    if (stopping_) return;
    woken_ = false;
  }
}

system_clock::time_point PodWorker::Step() {
  system_clock::time_point now = system_clock::now();
  std::optional<Value> pod = context_.objects.Get(key_);
  if (!pod) {
    // Removed without termination (its namespace went, or a restart found it gone).
    if (plan_) (void)context_.podman.RemovePod(plan_->pod_name);
    std::lock_guard lock(mu_);
    finished_ = true;
    return now;
  }
  if (pod->At({"metadata", "deletionTimestamp"}) != nullptr) {
    Terminate(*pod);
    std::lock_guard lock(mu_);
    finished_ = true;
    return now;
  }
  if (!start_time_) {
    start_time_ = ParseRfc3339(pod->StringAt({"status", "startTime"})).value_or(now);
  }

  // Planned every step (pure and cheap): env from a ConfigMap or Secret that changed is
  // picked up by the container's next start.
  {
    std::filesystem::path data_dir = DataDir();
    auto plan = Plan(*pod);
    if (!plan.ok()) {
      plan_error_ = plan.error().message();
      PublishStatus(*pod, now);
      return now + kIdleLook * 5;
    }
    plan_error_.clear();
    bool first = !plan_ || pod_uid_ != pod->StringAt({"metadata", "uid"});
    pod_uid_ = std::string(pod->StringAt({"metadata", "uid"}));
    std::error_code ec;
    fs::create_directories(data_dir, ec);
    fs::permissions(data_dir, fs::perms::owner_all, ec);
    if (first) {
      init_ = RecordsFor(plan->init_containers, true, *pod);
      containers_ = RecordsFor(plan->containers, false, *pod);
    } else {
      for (size_t i = 0; i < init_.size() && i < plan->init_containers.size(); ++i) {
        init_[i].plan = plan->init_containers[i];
      }
      for (size_t i = 0; i < containers_.size() && i < plan->containers.size(); ++i) {
        containers_[i].plan = plan->containers[i];
      }
    }
    plan_ = std::move(*plan);
  }

  if (!EnsurePod(*pod)) {
    PublishStatus(*pod, now);
    return now + kPodRetry;
  }
  if (plan_->mount_error.empty()) WriteVolumes();

  std::shared_ptr<const ContainerSnapshot> snapshot = context_.snapshot();
  ContainerSnapshot empty;
  const ContainerSnapshot& containers = snapshot ? *snapshot : empty;
  bool initialized = true;
  for (ContainerRecord& record : init_) {
    if (!SyncContainer(record, containers, now)) {
      initialized = false;
      break;
    }
  }
  if (initialized) {
    for (ContainerRecord& record : containers_) SyncContainer(record, containers, now);
  }
  PublishStatus(*pod, now);

  system_clock::time_point next = now + kIdleLook;
  for (const auto* records : {&init_, &containers_}) {
    for (const ContainerRecord& record : *records) {
      if (record.probes) {
        if (auto due = record.probes->NextDue()) next = std::min(next, *due);
      }
      if (record.retry_at) next = std::min(next, *record.retry_at);
    }
  }
  return std::max(next, now + std::chrono::milliseconds(50));
}

bool PodWorker::EnsurePod(const Value& pod) {
  if (!pod_ip_.empty()) return true;
  auto existing = context_.podman.InspectPod(plan_->pod_name);
  if (existing.ok() && !existing->ip.empty()) {
    pod_ip_ = existing->ip;  // adopted: a previous capstan started it
    return true;
  }
  if (existing.ok()) (void)context_.podman.RemovePod(plan_->pod_name);  // no address: redo
  auto created = context_.podman.CreatePod(plan_->pod_name, plan_->labels);
  if (!created.ok()) {
    plan_error_ = created.error().message();
    Log(LogLevel::kWarning, "local kubelet: pod {}: {}", PodName(), plan_error_);
    return false;
  }
  plan_error_.clear();
  pod_ip_ = created->ip;
  (void)pod;
  return true;
}

void PodWorker::WriteVolumes() {
  std::set<fs::path> wanted;
  for (const VolumeFile& file : plan_->files) wanted.insert(file.path);
  for (const VolumeFile& file : plan_->files) {
    if (auto written = WriteVolumeFile(file); !written.ok()) {
      Log(LogLevel::kWarning, "local kubelet: pod {}: {}", PodName(), written.error().message());
    }
  }
  std::error_code ec;
  for (const fs::path& dir : plan_->config_dirs) {
    fs::create_directories(dir, ec);
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file() && !wanted.contains(it->path())) fs::remove(it->path(), ec);
    }
  }
  for (const fs::path& dir : plan_->empty_dirs) fs::create_directories(dir, ec);
}

bool PodWorker::SyncContainer(ContainerRecord& record, const ContainerSnapshot& snapshot,
                              system_clock::time_point now) {
  if (!record.plan.config_error.empty()) {
    record.state = "waiting";
    record.waiting_reason = "CreateContainerConfigError";
    record.waiting_message = record.plan.config_error;
    return false;
  }
  if (!plan_->mount_error.empty()) {
    record.state = "waiting";
    record.waiting_reason = record.init ? "PodInitializing" : "ContainerCreating";
    record.waiting_message = plan_->mount_error;
    return false;
  }
  const std::string& name = record.plan.spec.name;
  bool fresh = snapshot.taken > record.last_action;
  auto found = snapshot.by_name.find(name);
  const ContainerState* state = found != snapshot.by_name.end() ? &found->second : nullptr;

  if (state == nullptr) {
    if (fresh && record.state != "waiting") record.state = "";  // removed behind our back
    if (record.state == "running" || record.state == "terminated") return !record.init;
    if (record.retry_at && *record.retry_at > now) return false;
    StartContainer(record, now);
    return false;
  }
  if (!fresh) return record.state == "terminated" && record.exit_code == 0;

  if (state->state == "running" || state->state == "stopping") {
    if (record.state != "running") {
      // Adopted (a previous capstan started it) or just seen running after a start.
      record.state = "running";
      record.container_id = state->id;
      record.started_at = state->started_at.value_or(now);
      record.probes.emplace(record.plan.startup_probe, record.plan.readiness_probe,
                            record.plan.liveness_probe, *record.started_at);
    } else if (state->started_at) {
      // Podman's start time, not the moment our start call returned: the one the status
      // shows once the container has exited (lastState), so startedAt does not move then.
      record.started_at = state->started_at;
    }
    RunProbes(record, now);
    return false;  // an init container is not done while it runs
  }
  if (state->state == "exited" || state->state == "stopped") {
    if (record.state != "terminated" || record.finished_at != state->finished_at) {
      ObserveExit(record, *state);
    }
    if (record.init) {
      if (record.exit_code == 0) return true;
      if (plan_->restart_policy == "Never") return false;  // the pod fails
    } else if (plan_->restart_policy == "Never" ||
               (plan_->restart_policy == "OnFailure" && record.exit_code == 0)) {
      return true;
    }
    RestartDecision decision = record.back_off.Decide(
        record.finished_at.value_or(now), now, {record.plan.name, key_.name, key_.ns, pod_uid_});
    if (!decision.restart) {
      record.waiting_reason = "CrashLoopBackOff";
      record.waiting_message = decision.message;
      record.retry_at = decision.retry_at;
      return false;
    }
    record.previous = Current(record);
    ++record.restart_count;
    StartContainer(record, now);
    return false;
  }
  // created, paused, ...: start it.
  StartContainer(record, now);
  return false;
}

void PodWorker::StartContainer(ContainerRecord& record, system_clock::time_point now) {
  const ContainerSpec& spec = record.plan.spec;
  record.last_action = now;
  auto present = context_.podman.ImageExists(spec.image);
  bool have = present.ok() && *present;
  if (!have && record.plan.image_pull_policy != "Never") {
    Status pulled = context_.podman.PullImage(spec.image);
    have = pulled.ok();
    if (!pulled.ok()) {
      bool again =
          record.waiting_reason == "ErrImagePull" || record.waiting_reason == "ImagePullBackOff";
      record.state = "waiting";
      record.waiting_reason = again ? "ImagePullBackOff" : "ErrImagePull";
      record.waiting_message = again ? fmt::format("Back-off pulling image \"{}\"", spec.image)
                                     : pulled.error().message();
      auto wait = std::min<std::chrono::seconds>(
          kMaxBackOff, record.retry_at ? kFirstPullBackOff * 2 : kFirstPullBackOff);
      record.retry_at = now + wait;
      return;
    }
  } else if (!have) {
    record.state = "waiting";
    record.waiting_reason = "ErrImageNeverPull";
    record.waiting_message =
        fmt::format("Container image \"{}\" is not present with pull policy of Never", spec.image);
    record.retry_at = now + kFirstPullBackOff;
    return;
  }
  if (record.created_spec && !(*record.created_spec == spec)) {
    (void)context_.podman.RemoveContainer(spec.name);  // its spec changed: create it anew
    record.created_spec.reset();
  }
  auto id = context_.podman.CreateContainer(spec);
  if (id.ok()) {
    record.created_spec = spec;
  } else if (id.error().code() == ErrorCode::kConflict) {
    auto existing = context_.podman.InspectContainer(spec.name);
    if (existing.ok()) id = existing->id;
    if (!record.created_spec) record.created_spec = spec;  // adopted: assume it matches
  }
  Status started = id.ok() ? context_.podman.StartContainer(spec.name) : Status(id.error());
  record.last_action = system_clock::now();
  if (!started.ok()) {
    record.state = "waiting";
    record.waiting_reason = id.ok() ? "RunContainerError" : "CreateContainerError";
    record.waiting_message = started.error().message();
    record.retry_at = now + kFirstPullBackOff;
    Log(LogLevel::kWarning, "local kubelet: pod {} container {}: {}", PodName(), record.plan.name,
        record.waiting_message);
    return;
  }
  record.retry_at.reset();
  record.state = "running";
  record.waiting_reason.clear();
  record.waiting_message.clear();
  record.container_id = *id;
  record.started_at = record.last_action;
  record.finished_at.reset();
  record.probes.emplace(record.plan.startup_probe, record.plan.readiness_probe,
                        record.plan.liveness_probe, *record.started_at);
}

void PodWorker::ObserveExit(ContainerRecord& record, const ContainerState& listed) {
  ContainerState state = listed;
  if (auto inspected = context_.podman.InspectContainer(record.plan.spec.name); inspected.ok()) {
    state = *inspected;  // OOMKilled and exact times are only in inspect
  }
  record.state = "terminated";
  record.container_id = state.id;
  record.exit_code = state.exit_code;
  record.started_at = state.started_at ? state.started_at : record.started_at;
  record.finished_at = state.finished_at.value_or(system_clock::now());
  record.terminated_reason =
      state.oom_killed ? "OOMKilled" : (state.exit_code == 0 ? "Completed" : "Error");
  record.probes.reset();
}

void PodWorker::RunProbes(ContainerRecord& record, system_clock::time_point now) {
  if (!record.probes) return;
  const Podman& podman = context_.podman;
  std::string container = record.plan.spec.name;
  ExecFunction exec = [&podman, container](const std::vector<std::string>& command,
                                           std::chrono::seconds timeout) -> Result<ExecResult> {
    auto ran = podman.Exec(container, command, timeout);
    if (!ran.ok()) return std::move(ran).error();
    return ExecResult{ran->exit_code, ran->stdout_data + ran->stderr_data, ran->signal == SIGKILL};
  };
  for (ProbeType type : {ProbeType::kStartup, ProbeType::kLiveness, ProbeType::kReadiness}) {
    if (!record.probes->Due(type, now)) continue;
    ProbeOutcome outcome = RunProbe(record.probes->spec(type), pod_ip_, exec);
    record.probes->Record(type, outcome, system_clock::now());
    if (!outcome.success() && !outcome.message.empty()) {
      Log(LogLevel::kDebug, "local kubelet: pod {} container {}: {}", PodName(), record.plan.name,
          outcome.message);
    }
  }
  if (record.probes->should_restart()) {
    Log(LogLevel::kInfo, "local kubelet: pod {}: Container {} failed {} probe, will be restarted",
        PodName(), record.plan.name, record.probes->restart_reason());
    int64_t grace = plan_->termination_grace_period_seconds;
    const ProbeType type =
        record.probes->restart_reason() == "startup" ? ProbeType::kStartup : ProbeType::kLiveness;
    if (auto probe_grace = record.probes->spec(type).termination_grace_period_seconds) {
      grace = *probe_grace;
    }
    (void)context_.podman.StopContainer(container, std::chrono::seconds(grace));
    record.last_action = system_clock::now();
    if (auto state = context_.podman.InspectContainer(container); state.ok()) {
      ObserveExit(record, *state);
    }
  }
}

bool PodWorker::Stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

std::optional<ContainerState> PodWorker::Current(const ContainerRecord& record) {
  if (record.container_id.empty() || (record.state != "running" && record.state != "terminated")) {
    return std::nullopt;
  }
  ContainerState state;
  state.id = record.container_id;
  state.name = record.plan.spec.name;
  state.image = record.plan.spec.image;
  state.state = record.state == "running" ? "running" : "exited";
  state.exit_code = record.exit_code;
  state.oom_killed = record.terminated_reason == "OOMKilled";
  state.started_at = record.started_at;
  if (record.state == "terminated") state.finished_at = record.finished_at;
  return state;
}

void PodWorker::PublishStatus(const Value& pod, system_clock::time_point now) {
  auto observe = [](const ContainerRecord& record) {
    ContainerObservation observation;
    observation.name = record.plan.name;
    observation.current = Current(record);
    observation.previous = record.previous;
    observation.restart_count = record.restart_count;
    bool waiting = record.state == "waiting" || record.state.empty() ||
                   (record.state == "terminated" && !record.waiting_reason.empty());
    if (waiting && !record.waiting_reason.empty()) {
      observation.waiting = WaitingState{record.waiting_reason, record.waiting_message};
    }
    if (record.state == "running" && record.probes) {
      observation.ready = record.probes->ready();
      observation.started = record.probes->started();
    }
    return observation;
  };
  PodStatusInput input;
  for (const ContainerRecord& record : init_) input.init_containers.push_back(observe(record));
  for (const ContainerRecord& record : containers_) input.containers.push_back(observe(record));
  input.pod_ip = pod_ip_;
  input.sandbox_ready = !pod_ip_.empty();
  input.start_time = start_time_;
  input.now = now;
  Value status = ComposePodStatus(pod, input);
  if (!plan_error_.empty()) status.Set("message", plan_error_);
  bool ready = false;
  if (const Value* conditions = status.Find("conditions"); conditions != nullptr) {
    for (const Value& condition : conditions->as_array()) {
      if (condition.StringAt({"type"}) == "Ready") ready = condition.StringAt({"status"}) == "True";
    }
  }
  auto updated = context_.objects.UpdateStatus(key_, status);
  if (updated.ok() && *updated && ready != was_ready_ && context_.after_change) {
    context_.after_change();
  }
  was_ready_ = ready;
}

}  // namespace capstan::target::local
