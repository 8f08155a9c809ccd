// ComposePodStatus: container statuses (internal/container_status.cc), then the phase and
// conditions from them, as the kubelet's generateAPIPodStatus.
#include "target/local/pod/status.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/time.h"
#include "target/local/pod/internal/container_status.h"
#include "target/local/pod/pod_spec.h"

namespace capstan::target::local {

namespace {

const Value::Array& ArrayAt(const Value& object, Value::Path path) {
  static const Value::Array kEmpty;
  const Value* value = object.At(path);
  return value != nullptr && value->is_array() ? value->as_array() : kEmpty;
}

const ContainerObservation* FindObservation(const std::vector<ContainerObservation>& list,
                                            std::string_view name) {
  for (const ContainerObservation& observation : list) {
    if (observation.name == name) return &observation;
  }
  return nullptr;
}

bool Has(const Value& status, std::string_view state) {
  const Value* value = status.At({"state", state});
  return value != nullptr && value->is_object();
}

int64_t ExitCode(const Value& status, Value::Path path) {
  const Value* code = status.At(path);
  return code != nullptr && code->is_int() ? code->as_int() : 0;
}

bool LastTerminated(const Value& status) {
  const Value* value = status.At({"lastState", "terminated"});
  return value != nullptr && value->is_object();
}

// The kubelet's getPhase, for pods without sidecar containers.
std::string Phase(const Value::Array& init, const Value::Array& regular,
                  const std::string& restart_policy) {
  int pending_init = 0;
  int failed_init = 0;
  for (const Value& status : init) {
    // Failed: it exited non-zero (now, or last time while it waits to restart). Pending: it
    // runs or waits for its first start. A success counts as neither.
    bool terminated = Has(status, "terminated");
    if (terminated || (!Has(status, "running") && LastTerminated(status))) {
      int64_t code = terminated ? ExitCode(status, {"state", "terminated", "exitCode"})
                                : ExitCode(status, {"lastState", "terminated", "exitCode"});
      if (code != 0) ++failed_init;
    } else {
      ++pending_init;
    }
  }
  int running = 0;
  int waiting = 0;
  int stopped = 0;
  int succeeded = 0;
  for (const Value& status : regular) {
    if (Has(status, "running")) {
      ++running;
    } else if (Has(status, "terminated")) {
      ++stopped;
      if (ExitCode(status, {"state", "terminated", "exitCode"}) == 0) ++succeeded;
    } else if (LastTerminated(status)) {
      ++stopped;
    } else {
      ++waiting;
    }
  }
  if (failed_init > 0 && restart_policy == "Never") return "Failed";
  if (pending_init > 0 || waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped == 0) return "Pending";
  if (restart_policy == "Always") return "Running";  // all restarting
  if (stopped == succeeded) return "Succeeded";
  if (restart_policy == "Never") return "Failed";
  return "Running";  // OnFailure: the failed ones restart
}

// Go's fmt of a []string: "[web sidecar]".
std::string GoList(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : " ") + name;
  return "[" + out + "]";
}

struct Condition {
  std::string type;
  bool status = false;
  std::string reason;
  std::string message;
};

Condition Initialized(const Value::Array& init, const Value::Array& regular,
                      const std::string& phase) {
  if (phase == "Succeeded") return {"Initialized", true, "PodCompleted", ""};
  for (const Value& status : regular) {
    if (Has(status, "running") || Has(status, "terminated")) return {"Initialized", true, "", ""};
  }
  std::vector<std::string> incomplete;
  for (const Value& status : init) {
    const Value* ready = status.Find("ready");
    if (ready == nullptr || !ready->is_bool() || !ready->as_bool()) {
      incomplete.emplace_back(status.StringAt({"name"}));
    }
  }
  if (incomplete.empty()) return {"Initialized", true, "", ""};
  return {"Initialized", false, "ContainersNotInitialized",
          "containers with incomplete status: " + GoList(incomplete)};
}

Condition ContainersReady(const Value& spec, const Value::Array& regular,
                          const std::string& phase) {
  if (phase == "Succeeded") return {"ContainersReady", false, "PodCompleted", ""};
  if (phase == "Failed") return {"ContainersReady", false, "PodFailed", ""};
  std::vector<std::string> unready;
  // In the spec's order, as the kubelet lists them.
  for (const Value& container : ArrayAt(spec, {"containers"})) {
    std::string_view name = container.StringAt({"name"});
    for (const Value& status : regular) {
      const Value* ready = status.Find("ready");
      if (status.StringAt({"name"}) == name &&
          !(ready != nullptr && ready->is_bool() && ready->as_bool())) {
        unready.emplace_back(name);
      }
    }
  }
  if (unready.empty()) return {"ContainersReady", true, "", ""};
  return {"ContainersReady", false, "ContainersNotReady",
          "containers with unready status: " + GoList(unready)};
}

// Keeps the previous lastTransitionTime while the condition's status is unchanged.
Value ConditionValue(const Condition& condition, const Value& previous_status,
                     std::chrono::system_clock::time_point now) {
  std::string status = condition.status ? "True" : "False";
  std::string since = FormatRfc3339(now);
  for (const Value& old : ArrayAt(previous_status, {"conditions"})) {
    if (old.StringAt({"type"}) == condition.type && old.StringAt({"status"}) == status &&
        !old.StringAt({"lastTransitionTime"}).empty()) {
      since = std::string(old.StringAt({"lastTransitionTime"}));
    }
  }
  Value out = Value::MakeObject();
  out["type"] = condition.type;
  out["status"] = status;
  out["lastProbeTime"] = Value();
  out["lastTransitionTime"] = since;
  if (!condition.reason.empty()) out["reason"] = condition.reason;
  if (!condition.message.empty()) out["message"] = condition.message;
  return out;
}

Value IpList(const std::string& ip) {
  Value entry = Value::MakeObject();
  entry["ip"] = ip;
  return Value(Value::Array{std::move(entry)});
}

}  // namespace

Value ComposePodStatus(const Value& pod, const PodStatusInput& input) {
  static const Value kNone;
  const Value* spec_pointer = pod.Find("spec");
  const Value& spec = spec_pointer != nullptr ? *spec_pointer : kNone;
  const Value* previous_pointer = pod.Find("status");
  const Value& previous = previous_pointer != nullptr ? *previous_pointer : kNone;
  std::string restart_policy(spec.StringAt({"restartPolicy"}, "Always"));
  bool has_init = !ArrayAt(spec, {"initContainers"}).empty();
  std::string default_reason = has_init ? kReasonPodInitializing : kReasonContainerCreating;

  Value::Array init;
  for (const Value& container : ArrayAt(spec, {"initContainers"})) {
    std::string name(container.StringAt({"name"}));
    init.push_back(internal::ContainerStatus(name, std::string(container.StringAt({"image"})),
                                             FindObservation(input.init_containers, name), true,
                                             default_reason));
  }
  Value::Array regular;
  for (const Value& container : ArrayAt(spec, {"containers"})) {
    std::string name(container.StringAt({"name"}));
    regular.push_back(internal::ContainerStatus(name, std::string(container.StringAt({"image"})),
                                                FindObservation(input.containers, name), false,
                                                default_reason));
  }
  std::sort(regular.begin(), regular.end(), [](const Value& a, const Value& b) {
    return a.StringAt({"name"}) < b.StringAt({"name"});
  });

  std::string phase = Phase(init, regular, restart_policy);
  std::string old_phase(previous.StringAt({"phase"}));
  if (old_phase == "Succeeded" || old_phase == "Failed") phase = old_phase;  // terminal stays

  Condition containers_ready = ContainersReady(spec, regular, phase);
  Condition ready = containers_ready;
  ready.type = "Ready";
  Value::Array conditions;
  for (const Condition& condition :
       {Condition{"PodReadyToStartContainers", input.sandbox_ready, "", ""},
        Initialized(init, regular, phase), ready, containers_ready,
        Condition{"PodScheduled", true, "", ""}}) {
    conditions.push_back(ConditionValue(condition, previous, input.now));
  }

  Value status = Value::MakeObject();
  status["phase"] = phase;
  status["conditions"] = std::move(conditions);
  status["hostIP"] = kLocalHostIP;
  status["hostIPs"] = IpList(kLocalHostIP);
  if (!input.pod_ip.empty()) {
    status["podIP"] = input.pod_ip;
    status["podIPs"] = IpList(input.pod_ip);
  }
  std::string start_time = input.start_time ? FormatRfc3339(*input.start_time)
                                            : std::string(previous.StringAt({"startTime"}));
  status["startTime"] = start_time.empty() ? FormatRfc3339(input.now) : start_time;
  if (has_init) status["initContainerStatuses"] = std::move(init);
  status["containerStatuses"] = std::move(regular);
  status["qosClass"] = QosClass(spec);
  return status;
}

}  // namespace capstan::target::local
