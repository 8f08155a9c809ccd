// Pod health, as Argo CD. Pods that run to completion (restartPolicy OnFailure or Never)
// are usually hooks: they stay Progressing while running and are never Degraded for a
// waiting reason, so a hook is not failed early by an image that is still being pulled.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "health/internal/checks.h"
#include "health/internal/fields.h"

namespace capstan::health::internal {

namespace {

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Waiting reasons that mean the container will not start without a change:
// ErrImagePull, CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError, ...
bool IsFailedWaitingReason(std::string_view reason) {
  return reason.rfind("Err", 0) == 0 || EndsWith(reason, "Error") || EndsWith(reason, "BackOff");
}

const Value::Array& ArrayOr(const Value& object, Value::Path path) {
  static const Value::Array kEmpty;
  const Value* value = object.At(path);
  return value != nullptr && value->is_array() ? value->as_array() : kEmpty;
}

// Why a terminated container failed, or "" when it did not.
std::string FailMessage(const Value& status) {
  const Value* terminated = status.At({"state", "terminated"});
  if (terminated == nullptr || !terminated->is_object()) return {};
  std::string_view message = terminated->StringAt({"message"});
  if (!message.empty()) return std::string(message);
  if (terminated->StringAt({"reason"}) == "OOMKilled") return "OOMKilled";
  const Value* code = terminated->Find("exitCode");
  if (code != nullptr && code->is_int() && code->as_int() != 0) {
    return fmt::format("container \"{}\" failed with exit code {}", status.StringAt({"name"}),
                       code->as_int());
  }
  return {};
}

}  // namespace

Health PodHealth(const Value& live) {
  FieldReader read(live);
  // The server defaults restartPolicy to Always.
  std::string restart = read.String({"spec", "restartPolicy"});
  if (restart.empty()) restart = "Always";
  std::string message = read.String({"status", "message"});
  const Value::Array& containers = ArrayOr(live, {"status", "containerStatuses"});

  if (restart == "Always") {
    std::vector<std::string> messages;
    for (const Value& status : containers) {
      if (IsFailedWaitingReason(status.StringAt({"state", "waiting", "reason"}))) {
        messages.emplace_back(status.StringAt({"state", "waiting", "message"}));
      }
    }
    if (!messages.empty()) {
      std::string joined;
      for (const std::string& part : messages) joined += (joined.empty() ? "" : ", ") + part;
      return Checked(read, {HealthStatus::kDegraded, joined});
    }
  }

  std::string phase = read.String({"status", "phase"});
  if (phase == "Pending") return Checked(read, {HealthStatus::kProgressing, message});
  if (phase == "Succeeded") return Checked(read, {HealthStatus::kHealthy, message});
  if (phase == "Failed") {
    if (!message.empty()) return Checked(read, {HealthStatus::kDegraded, message});
    for (const Value::Array* list :
         {&ArrayOr(live, {"status", "initContainerStatuses"}), &containers}) {
      for (const Value& status : *list) {
        std::string why = FailMessage(status);
        if (!why.empty()) return Checked(read, {HealthStatus::kDegraded, why});
      }
    }
    return Checked(read, {HealthStatus::kDegraded, ""});
  }
  if (phase == "Running") {
    if (restart != "Always") return Checked(read, {HealthStatus::kProgressing, message});
    if (ConditionField(read.Condition("Ready"), "status") == "True") {
      return Checked(read, {HealthStatus::kHealthy, message});
    }
    for (const Value& status : containers) {
      const Value* last = status.At({"lastState", "terminated"});
      if (last != nullptr && last->is_object()) {
        return Checked(read, {HealthStatus::kDegraded, message});
      }
    }
    return Checked(read, {HealthStatus::kProgressing, message});
  }
  return Checked(read, {HealthStatus::kUnknown, message});
}

}  // namespace capstan::health::internal
