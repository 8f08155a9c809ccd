#include "target/local/pod/internal/container_status.h"

#include "core/time.h"

namespace capstan::target::local::internal {

namespace {

// A metav1.Time: RFC 3339, or null when unknown (as Go's zero time serializes).
Value Time(const std::optional<std::chrono::system_clock::time_point>& time) {
  return time ? Value(FormatRfc3339(*time)) : Value();
}

bool Runs(const ContainerState& state) {
  return state.state == "running" || state.state == "paused" || state.state == "stopping";
}

// podman could not start it (its entrypoint does not exist, ...).
bool FailedToStart(const ContainerState& state) { return !state.error.empty() && !Runs(state); }

bool Ended(const ContainerState& state) {
  return state.state == "exited" || state.state == "stopped" || FailedToStart(state);
}

Value Terminated(const ContainerState& state) {
  Value terminated = Value::MakeObject();
  if (FailedToStart(state)) {
    // As CRI runtimes report a container whose process never started.
    terminated["exitCode"] = state.exit_code != 0 ? state.exit_code : 128;
    terminated["reason"] = "StartError";
    terminated["message"] = state.error;
  } else {
    terminated["exitCode"] = state.exit_code;
    terminated["reason"] = state.oom_killed       ? "OOMKilled"
                           : state.exit_code == 0 ? "Completed"
                                                  : "Error";
  }
  terminated["startedAt"] = Time(state.started_at);
  terminated["finishedAt"] = Time(state.finished_at);
  terminated["containerID"] = std::string(kContainerIdScheme) + state.id;
  Value out = Value::MakeObject();
  out["terminated"] = std::move(terminated);
  return out;
}

Value Waiting(const std::string& reason, const std::string& message) {
  Value waiting = Value::MakeObject();
  if (!reason.empty()) waiting["reason"] = reason;
  if (!message.empty()) waiting["message"] = message;
  Value out = Value::MakeObject();
  out["waiting"] = std::move(waiting);
  return out;
}

}  // namespace

Value ContainerStatus(const std::string& name, const std::string& spec_image,
                      const ContainerObservation* observation, bool init,
                      const std::string& default_reason) {
  const ContainerState* current =
      observation != nullptr && observation->current ? &*observation->current : nullptr;
  const ContainerState* previous =
      observation != nullptr && observation->previous ? &*observation->previous : nullptr;
  Value state;
  Value last_state = Value::MakeObject();
  bool running = false;
  bool terminated_ok = false;
  if (current == nullptr) {
    state = Waiting(default_reason, "");
  } else if (Runs(*current)) {
    running = true;
    state = Value::MakeObject();
    state["running"]["startedAt"] = Time(current->started_at);
  } else if (Ended(*current)) {
    state = Terminated(*current);
    terminated_ok = !FailedToStart(*current) && current->exit_code == 0;
  } else {
    state = Waiting("", "");  // created, not started yet
  }
  if (previous != nullptr && Ended(*previous)) last_state = Terminated(*previous);
  if (observation != nullptr && observation->waiting) {
    if (current != nullptr && Ended(*current)) last_state = std::move(state);
    state = Waiting(observation->waiting->reason, observation->waiting->message);
    running = false;
    terminated_ok = false;
  }

  Value status = Value::MakeObject();
  status["name"] = name;
  status["state"] = std::move(state);
  status["lastState"] = std::move(last_state);
  // Init containers are ready once they succeeded; others when running, started (startup
  // probe passed) and their readiness says so.
  status["ready"] = init ? terminated_ok : running && observation->started && observation->ready;
  status["restartCount"] = observation != nullptr ? observation->restart_count : 0;
  status["image"] = current != nullptr && !current->image.empty() ? current->image : spec_image;
  status["imageID"] = "";
  if (current != nullptr && !current->id.empty()) {
    status["containerID"] = std::string(kContainerIdScheme) + current->id;
  }
  status["started"] = running && (init || observation->started);
  return status;
}

}  // namespace capstan::target::local::internal
