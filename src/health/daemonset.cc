// DaemonSet health, as Argo CD (after `kubectl rollout status`).
#include <fmt/format.h>

#include "health/internal/checks.h"
#include "health/internal/fields.h"

namespace capstan::health::internal {

Health DaemonSetHealth(const Value& live) {
  FieldReader read(live);
  if (read.Int({"metadata", "generation"}) > read.Int({"status", "observedGeneration"})) {
    return Checked(read, {HealthStatus::kProgressing,
                          "Waiting for rollout to finish: observed daemon set generation less "
                          "than desired generation"});
  }
  int64_t updated = read.Int({"status", "updatedNumberScheduled"});
  int64_t desired = read.Int({"status", "desiredNumberScheduled"});
  int64_t available = read.Int({"status", "numberAvailable"});
  std::string name = Quoted(live.StringAt({"metadata", "name"}));
  if (read.String({"spec", "updateStrategy", "type"}) == "OnDelete") {
    return Checked(read, {HealthStatus::kHealthy,
                          fmt::format("daemon set {} out of {} new pods have been updated", updated,
                                      desired)});
  }
  if (updated < desired) {
    return Checked(read, {HealthStatus::kProgressing,
                          fmt::format("Waiting for daemon set {} rollout to finish: {} out of {} "
                                      "new pods have been updated...",
                                      name, updated, desired)});
  }
  if (available < desired) {
    return Checked(read, {HealthStatus::kProgressing,
                          fmt::format("Waiting for daemon set {} rollout to finish: {} of {} "
                                      "updated pods are available...",
                                      name, available, desired)});
  }
  return Checked(read, {HealthStatus::kHealthy, ""});
}

}  // namespace capstan::health::internal
