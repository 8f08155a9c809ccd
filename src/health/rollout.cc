// Argo Rollouts' resources, as Argo CD's built-in health checks for argoproj.io read them:
// a Rollout by status.phase once its spec change was observed (Paused is Suspended, the
// state in which a canary waits for promotion), an AnalysisRun by its phase.
#include "health/internal/checks.h"
#include "health/internal/fields.h"

namespace capstan::health::internal {

Health RolloutHealth(const Value& live) {
  FieldReader read(live);
  int64_t generation = read.Int({"metadata", "generation"});
  std::string observed = read.String({"status", "observedGeneration"});
  if (observed.empty() && read.Has({"status", "observedGeneration"})) {
    observed = std::to_string(read.Int({"status", "observedGeneration"}));
  }
  if (!observed.empty() && observed != std::to_string(generation)) {
    return Checked(read,
                   {HealthStatus::kProgressing, "Waiting for rollout spec update to be observed"});
  }
  std::string phase = read.String({"status", "phase"});
  std::string message = read.String({"status", "message"});
  if (phase == "Healthy") return Checked(read, {HealthStatus::kHealthy, message});
  if (phase == "Paused") return Checked(read, {HealthStatus::kSuspended, message});
  if (phase == "Degraded") return Checked(read, {HealthStatus::kDegraded, message});
  return Checked(read, {HealthStatus::kProgressing, message});
}

Health AnalysisRunHealth(const Value& live) {
  FieldReader read(live);
  std::string phase = read.String({"status", "phase"});
  std::string message = read.String({"status", "message"});
  if (phase == "Successful") return Checked(read, {HealthStatus::kHealthy, message});
  if (phase == "Failed" || phase == "Error") {
    return Checked(read, {HealthStatus::kDegraded, message});
  }
  if (phase == "Inconclusive") return Checked(read, {HealthStatus::kUnknown, message});
  return Checked(read, {HealthStatus::kProgressing, message});
}

}  // namespace capstan::health::internal
