#include "pod_status.h"

#include <charconv>
#include <ctime>
#include <optional>
#include <vector>

namespace capstan::standin {
namespace {

enum class RestartPolicy { kAlways, kOnFailure, kNever };

RestartPolicy RestartPolicyOf(const Value& pod) {
  std::string_view policy = pod.StringAt({"spec", "restartPolicy"}, "Always");
  if (policy == "Never") return RestartPolicy::kNever;
  if (policy == "OnFailure") return RestartPolicy::kOnFailure;
  return RestartPolicy::kAlways;
}

std::string_view Annotation(const Value& pod, std::string_view name) {
  const Value* annotations = pod.At({"metadata", "annotations"});
  if (annotations == nullptr) return {};
  const Value* value = annotations->Find(name);
  return value != nullptr && value->is_string() ? std::string_view(value->as_string())
                                                : std::string_view();
}

// The annotation as an integer in [0, max], or `fallback`.
int IntAnnotation(const Value& pod, std::string_view name, int fallback, int max) {
  std::string_view text = Annotation(pod, name);
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 0 ||
      value > max) {
    return fallback;
  }
  return value;
}

Value Condition(std::string_view type, bool status, const std::string& since,
                std::string_view reason = {}, const std::string& message = {}) {
  Value condition = Value::MakeObject();
  condition.Set("type", type);
  condition.Set("status", status ? "True" : "False");
  condition.Set("lastProbeTime", nullptr);
  condition.Set("lastTransitionTime", since);
  if (!reason.empty()) condition.Set("reason", reason);
  if (!message.empty()) condition.Set("message", message);
  return condition;
}

// How one container is doing.
enum class ContainerState { kRunning, kPullError, kCompleted, kFailed };

struct ContainerView {
  std::string name;
  std::string image;
  ContainerState state = ContainerState::kRunning;
  bool ready = false;
};

Value ContainerStatus(const Value& pod, const ContainerView& view, const std::string& started,
                      const std::string& finished, int exit_code) {
  std::string id =
      "test-kubelet://" + std::string(pod.StringAt({"metadata", "uid"})) + "/" + view.name;
  Value state = Value::MakeObject();
  switch (view.state) {
    case ContainerState::kRunning:
      state["running"].Set("startedAt", started);
      break;
    case ContainerState::kPullError:
      state["waiting"].Set("reason", "ImagePullBackOff");
      state["waiting"].Set("message", "Back-off pulling image \"" + view.image + "\"");
      break;
    case ContainerState::kCompleted:
    case ContainerState::kFailed: {
      Value& terminated = state["terminated"];
      terminated.Set("exitCode", view.state == ContainerState::kCompleted ? 0 : exit_code);
      terminated.Set("reason", view.state == ContainerState::kCompleted ? "Completed" : "Error");
      terminated.Set("startedAt", started);
      terminated.Set("finishedAt", finished);
      terminated.Set("containerID", id);
      break;
    }
  }
  Value status = Value::MakeObject();
  status.Set("name", view.name);
  status.Set("state", std::move(state));
  status.Set("lastState", Value::MakeObject());
  status.Set("ready", view.ready);
  status.Set("restartCount", 0);
  status.Set("image", view.image);
  status.Set("imageID",
             view.state == ContainerState::kPullError ? "" : "test-kubelet://" + view.image);
  if (view.state != ContainerState::kPullError) status.Set("containerID", id);
  status.Set("started", view.state == ContainerState::kRunning);
  return status;
}

std::vector<ContainerView> Containers(const Value& pod, std::string_view field) {
  std::vector<ContainerView> views;
  const Value* list = pod.At({"spec", field});
  if (list == nullptr || !list->is_array()) return views;
  for (const Value& container : list->as_array()) {
    ContainerView view;
    view.name = std::string(container.StringAt({"name"}));
    view.image = std::string(container.StringAt({"image"}));
    if (view.image == kPullErrorImage) view.state = ContainerState::kPullError;
    views.push_back(std::move(view));
  }
  return views;
}

// "containers with unready status: [a b]", as the kubelet says it.
std::string Unready(const std::vector<ContainerView>& views) {
  std::string names;
  for (const ContainerView& view : views) {
    if (view.ready) continue;
    if (!names.empty()) names += ' ';
    names += view.name;
  }
  return names.empty() ? "" : "containers with unready status: [" + names + "]";
}

}  // namespace

std::optional<Clock::time_point> PodEndsAt(const Value& pod, const PodRun& run) {
  if (RestartPolicyOf(pod) == RestartPolicy::kAlways) return std::nullopt;
  for (std::string_view field : {"initContainers", "containers"}) {
    for (const ContainerView& view : Containers(pod, field)) {
      if (view.state == ContainerState::kPullError) return std::nullopt;
    }
  }
  return run.started + std::chrono::seconds(IntAnnotation(pod, kRunSecondsAnnotation,
                                                          kDefaultRunSeconds, kMaxRunSeconds));
}

Value DesiredPodStatus(const Value& pod, const PodRun& run, Clock::time_point now,
                       std::string_view host_ip) {
  const int exit_code = IntAnnotation(pod, kExitCodeAnnotation, 0, kMaxExitCode);
  const bool wants_ready = Annotation(pod, kReadyAnnotation) != "false";
  // A Pod that cannot start never ends.
  const std::optional<Clock::time_point> ends = PodEndsAt(pod, run);
  const bool done = ends.has_value() && now >= *ends;
  const std::string started = FormatTime(run.started);
  const std::string finished = ends.has_value() ? FormatTime(*ends) : started;

  std::vector<ContainerView> init = Containers(pod, "initContainers");
  std::vector<ContainerView> main = Containers(pod, "containers");
  bool init_blocked = false;
  for (ContainerView& view : init) {
    if (view.state == ContainerState::kPullError) {
      init_blocked = true;
    } else {
      view.state = ContainerState::kCompleted;
      view.ready = true;
    }
  }
  bool pull_error = init_blocked;
  for (ContainerView& view : main) {
    if (init_blocked) {
      view.state = ContainerState::kPullError;  // never reached; shown as waiting below
      continue;
    }
    if (view.state == ContainerState::kPullError) {
      pull_error = true;
      continue;
    }
    if (done) {
      view.state = exit_code == 0 ? ContainerState::kCompleted : ContainerState::kFailed;
    } else {
      view.ready = wants_ready;
    }
  }

  std::string phase = "Running";
  if (pull_error) {
    phase = "Pending";
  } else if (done) {
    phase = exit_code == 0 ? "Succeeded" : "Failed";
  }
  const std::string& since = done ? finished : started;

  Value conditions = Value::MakeArray();
  conditions.as_array().push_back(
      init_blocked ? Condition("Initialized", false, started, "ContainersNotInitialized",
                               "containers with incomplete status: [" + init.front().name + "]")
                   : Condition("Initialized", true, started));
  if (done) {
    conditions.as_array().push_back(Condition("Ready", false, since, "PodCompleted"));
    conditions.as_array().push_back(Condition("ContainersReady", false, since, "PodCompleted"));
  } else {
    std::string unready = Unready(main);
    bool ready = unready.empty();
    conditions.as_array().push_back(
        Condition("Ready", ready, started, ready ? "" : "ContainersNotReady", unready));
    conditions.as_array().push_back(
        Condition("ContainersReady", ready, started, ready ? "" : "ContainersNotReady", unready));
  }
  conditions.as_array().push_back(Condition("PodScheduled", true, started));

  Value status = Value::MakeObject();
  status.Set("phase", phase);
  status.Set("conditions", std::move(conditions));
  status.Set("hostIP", host_ip);
  if (!pull_error) {
    status.Set("podIP", run.pod_ip);
    Value ip = Value::MakeObject();
    ip.Set("ip", run.pod_ip);
    status.Set("podIPs", Value::Array{ip});
  }
  status.Set("startTime", started);
  if (!init.empty()) {
    Value statuses = Value::MakeArray();
    for (const ContainerView& view : init) {
      statuses.as_array().push_back(ContainerStatus(pod, view, started, started, 0));
    }
    status.Set("initContainerStatuses", std::move(statuses));
  }
  Value statuses = Value::MakeArray();
  for (const ContainerView& view : main) {
    if (init_blocked) {
      // Waiting behind the init container, not pulling itself.
      Value waiting = ContainerStatus(pod, view, started, finished, exit_code);
      waiting["state"] = Value::MakeObject();
      waiting["state"]["waiting"].Set("reason", "PodInitializing");
      waiting.Set("imageID", "");
      waiting.Erase("containerID");
      statuses.as_array().push_back(std::move(waiting));
      continue;
    }
    statuses.as_array().push_back(ContainerStatus(pod, view, started, finished, exit_code));
  }
  status.Set("containerStatuses", std::move(statuses));
  return status;
}

bool Covers(const Value& have, const Value& want) {
  if (want.is_object()) {
    if (!have.is_object()) return false;
    for (const auto& [key, value] : want.as_object()) {
      const Value* member = have.Find(key);
      if (member == nullptr) {
        if (!value.is_null()) return false;
        continue;
      }
      if (!Covers(*member, value)) return false;
    }
    return true;
  }
  if (want.is_array()) {
    if (!have.is_array() || have.size() != want.size()) return false;
    for (size_t i = 0; i < want.size(); ++i) {
      if (!Covers(have.as_array()[i], want.as_array()[i])) return false;
    }
    return true;
  }
  return have == want;
}

std::string FormatTime(Clock::time_point time) {
  std::time_t seconds = Clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(text, length);
}

Result<Clock::time_point> ParseTime(std::string_view text) {
  std::tm utc{};
  std::string copy(text);
  const char* end = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  if (end == nullptr || *end != '\0') {
    return Error::Invalid("not an RFC 3339 UTC time: \"" + copy.substr(0, 64) + "\"");
  }
  return Clock::from_time_t(timegm(&utc));
}

}  // namespace capstan::standin
