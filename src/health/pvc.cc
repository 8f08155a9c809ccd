// PersistentVolumeClaim health, as Argo CD: by status.phase.
#include "health/internal/checks.h"
#include "health/internal/fields.h"

namespace capstan::health::internal {

Health PvcHealth(const Value& live) {
  FieldReader read(live);
  std::string phase = read.String({"status", "phase"});
  HealthStatus status = HealthStatus::kUnknown;
  if (phase == "Bound") status = HealthStatus::kHealthy;
  if (phase == "Pending") status = HealthStatus::kProgressing;
  if (phase == "Lost") status = HealthStatus::kDegraded;
  return Checked(read, {status, ""});
}

}  // namespace capstan::health::internal
