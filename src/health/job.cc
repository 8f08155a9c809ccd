// Job health, as Argo CD: Progressing until a Complete, Failed or Suspended condition.
#include "health/internal/checks.h"
#include "health/internal/fields.h"

namespace capstan::health::internal {

Health JobHealth(const Value& live) {
  FieldReader read(live);
  // Unlike Argo CD, a condition counts only when its status is "True": a Job resumed after
  // suspension keeps a Suspended=False condition and is running again, not finished.
  auto is_true = [&](const char* type) -> const Value* {
    const Value* condition = read.Condition(type);
    return ConditionField(condition, "status") == "True" ? condition : nullptr;
  };
  if (const Value* failed = is_true("Failed")) {
    return Checked(read, {HealthStatus::kDegraded, ConditionField(failed, "message")});
  }
  if (const Value* complete = is_true("Complete")) {
    return Checked(read, {HealthStatus::kHealthy, ConditionField(complete, "message")});
  }
  if (const Value* suspended = is_true("Suspended")) {
    return Checked(read, {HealthStatus::kSuspended, ConditionField(suspended, "message")});
  }
  // A suspended Job the controller has not yet marked (spec.suspend set, no condition).
  if (read.Bool({"spec", "suspend"})) {
    return Checked(read, {HealthStatus::kSuspended, "Job is suspended"});
  }
  return Checked(read, {HealthStatus::kProgressing, ""});
}

}  // namespace capstan::health::internal
