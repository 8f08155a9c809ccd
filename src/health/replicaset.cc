// ReplicaSet health, as Argo CD.
#include <fmt/format.h>

#include "health/internal/checks.h"
#include "health/internal/fields.h"

namespace capstan::health::internal {

Health ReplicaSetHealth(const Value& live) {
  FieldReader read(live);
  if (read.Int({"metadata", "generation"}) > read.Int({"status", "observedGeneration"})) {
    return Checked(read, {HealthStatus::kProgressing,
                          "Waiting for rollout to finish: observed replica set generation less "
                          "than desired generation"});
  }
  const Value* failure = read.Condition("ReplicaFailure");
  if (ConditionField(failure, "status") == "True") {
    return Checked(read, {HealthStatus::kDegraded, ConditionField(failure, "message")});
  }
  int64_t available = read.Int({"status", "availableReplicas"});
  if (read.Has({"spec", "replicas"})) {
    int64_t desired = read.Int({"spec", "replicas"});
    if (available < desired) {
      return Checked(read, {HealthStatus::kProgressing,
                            fmt::format("Waiting for rollout to finish: {} out of {} new replicas "
                                        "are available...",
                                        available, desired)});
    }
  }
  return Checked(read, {HealthStatus::kHealthy, ""});
}

}  // namespace capstan::health::internal
