// APIService health, as Argo CD: by the Available condition.
#include "health/internal/checks.h"
#include "health/internal/fields.h"

namespace capstan::health::internal {

Health ApiServiceHealth(const Value& live) {
  FieldReader read(live);
  const Value* available = read.Condition("Available");
  if (available == nullptr) {
    return Checked(read, {HealthStatus::kProgressing, "Waiting to be processed"});
  }
  std::string message =
      ConditionField(available, "reason") + ": " + ConditionField(available, "message");
  bool ok = ConditionField(available, "status") == "True";
  return Checked(read, {ok ? HealthStatus::kHealthy : HealthStatus::kProgressing, message});
}

}  // namespace capstan::health::internal
