// HorizontalPodAutoscaler health, as Argo CD: the first condition that says it cannot
// scale makes it Degraded, the first that says it can makes it Healthy, else Progressing.
// autoscaling/v1 keeps its conditions as JSON in an annotation.
#include "core/json.h"
#include "health/internal/checks.h"
#include "health/internal/fields.h"

namespace capstan::health::internal {

namespace {

constexpr char kV1ConditionsAnnotation[] = "autoscaling.alpha.kubernetes.io/conditions";
// Bound on the annotation we parse; real ones are a few hundred bytes.
constexpr size_t kMaxConditionsBytes = 64 * 1024;

bool IsDegraded(std::string_view type, std::string_view reason) {
  return (type == "AbleToScale" && (reason == "FailedGetScale" || reason == "FailedUpdateScale")) ||
         (type == "ScalingActive" &&
          (reason == "FailedGetResourceMetric" || reason == "InvalidSelector"));
}

bool IsHealthy(std::string_view type, std::string_view status) {
  return (type == "AbleToScale" || type == "ScalingLimited") && status == "True";
}

}  // namespace

Health HpaHealth(const Value& live) {
  const Health waiting{HealthStatus::kProgressing, "Waiting to Autoscale"};
  Value conditions;
  if (const Value* in_status = live.At({"status", "conditions"}); in_status != nullptr) {
    conditions = *in_status;
  } else if (const Value* text = live.At({"metadata", "annotations", kV1ConditionsAnnotation});
             text != nullptr && text->is_string()) {
    auto parsed = ParseJson(text->as_string(), kV1ConditionsAnnotation, kMaxConditionsBytes);
    if (!parsed.ok()) {
      return {HealthStatus::kUnknown,
              "cannot read the conditions annotation: " + parsed.error().message()};
    }
    conditions = std::move(parsed).value();
  }
  if (conditions.is_null()) return waiting;
  if (!conditions.is_array()) {
    return {HealthStatus::kUnknown, "cannot read status: conditions: expected a list"};
  }
  for (const Value& condition : conditions.as_array()) {
    std::string_view type = condition.StringAt({"type"});
    if (IsDegraded(type, condition.StringAt({"reason"}))) {
      return {HealthStatus::kDegraded, std::string(condition.StringAt({"message"}))};
    }
    if (IsHealthy(type, condition.StringAt({"status"}))) {
      return {HealthStatus::kHealthy, std::string(condition.StringAt({"message"}))};
    }
  }
  return waiting;
}

}  // namespace capstan::health::internal
