// Deployment health, as Argo CD (which follows `kubectl rollout status`).
#include <fmt/format.h>

#include "health/internal/checks.h"
#include "health/internal/fields.h"

namespace capstan::health::internal {

Health DeploymentHealth(const Value& live) {
  FieldReader read(live);
  if (read.Bool({"spec", "paused"})) {
    return Checked(read, {HealthStatus::kSuspended, "Deployment is paused"});
  }
  int64_t generation = read.Int({"metadata", "generation"});
  int64_t observed = read.Int({"status", "observedGeneration"});
  if (generation > observed) {
    return Checked(read, {HealthStatus::kProgressing,
                          "Waiting for rollout to finish: observed deployment generation less "
                          "than desired generation"});
  }
  int64_t updated = read.Int({"status", "updatedReplicas"});
  int64_t replicas = read.Int({"status", "replicas"});
  int64_t available = read.Int({"status", "availableReplicas"});
  const Value* progressing = read.Condition("Progressing");
  if (ConditionField(progressing, "reason") == "ProgressDeadlineExceeded") {
    return Checked(
        read, {HealthStatus::kDegraded, fmt::format("Deployment {} exceeded its progress deadline",
                                                    Quoted(live.StringAt({"metadata", "name"})))});
  }
  // spec.replicas absent (never the case on a live object: the server defaults it to 1)
  // skips this test, as Argo CD's nil pointer does.
  if (read.Has({"spec", "replicas"})) {
    int64_t desired = read.Int({"spec", "replicas"});
    if (updated < desired) {
      return Checked(read, {HealthStatus::kProgressing,
                            fmt::format("Waiting for rollout to finish: {} out of {} new replicas "
                                        "have been updated...",
                                        updated, desired)});
    }
  }
  if (replicas > updated) {
    return Checked(read, {HealthStatus::kProgressing,
                          fmt::format("Waiting for rollout to finish: {} old replicas are pending "
                                      "termination...",
                                      replicas - updated)});
  }
  if (available < updated) {
    return Checked(read, {HealthStatus::kProgressing,
                          fmt::format("Waiting for rollout to finish: {} of {} updated replicas "
                                      "are available...",
                                      available, updated)});
  }
  return Checked(read, {HealthStatus::kHealthy, ""});
}

}  // namespace capstan::health::internal
