// CustomResourceDefinition health, as Argo CD's built-in Lua check, with one difference:
// a CRD not yet Established is Progressing, not Degraded. The server establishes a CRD a
// moment after creating it, and a sync wave polls health right after applying; Degraded
// would fail the wave for that moment.
#include "health/internal/checks.h"
#include "health/internal/fields.h"

namespace capstan::health::internal {

Health CrdHealth(const Value& live) {
  FieldReader read(live);
  const Value* conditions = live.At({"status", "conditions"});
  if (conditions == nullptr || !conditions->is_array() || conditions->empty()) {
    return Checked(read, {HealthStatus::kProgressing, "Status conditions not found"});
  }
  auto when_true = [&](const char* type) {
    const Value* condition = read.Condition(type);
    return ConditionField(condition, "status") == "True" ? condition : nullptr;
  };
  if (const Value* terminating = when_true("Terminating")) {
    return Checked(read, {HealthStatus::kProgressing,
                          "CRD is terminating: " + ConditionField(terminating, "message")});
  }
  const Value* names = read.Condition("NamesAccepted");
  if (ConditionField(names, "status") == "False") {
    return Checked(read, {HealthStatus::kDegraded,
                          "CRD names have not been accepted: " + ConditionField(names, "message")});
  }
  if (when_true("Established") == nullptr) {
    return Checked(read, {HealthStatus::kProgressing, "CRD is not established"});
  }
  if (const Value* violations = when_true("NonStructuralSchema")) {
    return Checked(read, {HealthStatus::kDegraded,
                          "Schema violations found: " + ConditionField(violations, "message")});
  }
  return Checked(read, {HealthStatus::kHealthy, "CRD is healthy"});
}

}  // namespace capstan::health::internal
