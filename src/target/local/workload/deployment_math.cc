// The Deployment's arithmetic and how it reads its objects: int-or-percent fields,
// maxSurge/maxUnavailable, the pod-template-hash, the defaulted, validated spec, and the
// fields of its ReplicaSets.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "target/local/workload/internal/deployment.h"
#include "target/local/workload/internal/objects.h"

namespace capstan::target::local::workload {

namespace {

constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();
constexpr const char* kDefaultFencepost = "25%";

// The integer N of "N%", or nullopt.
std::optional<int64_t> Percent(const std::string& text) {
  if (text.size() < 2 || text.back() != '%') return std::nullopt;
  return internal::ParseInt(std::string_view(text).substr(0, text.size() - 1));
}

bool IsZero(const Value& int_or_percent) {
  if (int_or_percent.is_int()) return int_or_percent.as_int() == 0;
  return int_or_percent.is_string() && Percent(int_or_percent.as_string()) == 0;
}

}  // namespace

Result<int64_t> ScaledValue(const Value& int_or_percent, int64_t total, bool round_up,
                            std::string_view field) {
  if (int_or_percent.is_int()) return int_or_percent.as_int();
  std::optional<int64_t> percent;
  if (int_or_percent.is_string()) percent = Percent(int_or_percent.as_string());
  if (!percent.has_value()) {
    std::string shown = int_or_percent.is_string()
                            ? fmt::format("\"{}\"", int_or_percent.as_string())
                            : std::string(TypeName(int_or_percent.type()));
    return Error::Invalid(fmt::format(
        "{}: invalid value {}: must be an integer or a percentage (\"25%\")", field, shown));
  }
  int64_t scaled = *percent * total;
  // Non-negative operands (validation refuses negative ones), so integer division is floor.
  return round_up ? (scaled + 99) / 100 : scaled / 100;
}

Result<Fenceposts> ResolveFenceposts(const Value* max_surge, const Value* max_unavailable,
                                     int64_t replicas) {
  const Value kDefault(kDefaultFencepost);
  Result<int64_t> surge = ScaledValue(max_surge != nullptr ? *max_surge : kDefault, replicas, true,
                                      "spec.strategy.rollingUpdate.maxSurge");
  if (!surge.ok()) return surge.error();
  Result<int64_t> unavailable =
      ScaledValue(max_unavailable != nullptr ? *max_unavailable : kDefault, replicas, false,
                  "spec.strategy.rollingUpdate.maxUnavailable");
  if (!unavailable.ok()) return unavailable.error();
  Fenceposts fenceposts{*surge, *unavailable};
  // Rounding maxUnavailable down may make both 0; Kubernetes then allows one unavailable
  // pod rather than stall (surge may be blocked by a quota).
  if (fenceposts.max_surge == 0 && fenceposts.max_unavailable == 0) fenceposts.max_unavailable = 1;
  return fenceposts;
}

std::string PodTemplateHash(const Value& pod_template, std::optional<int64_t> collision_count) {
  if (!collision_count.has_value()) return internal::ShortHash(pod_template);
  Value salted = Value::MakeObject();
  salted["template"] = pod_template;
  salted["collisionCount"] = *collision_count;
  return internal::ShortHash(salted);
}

namespace internal {

bool SkipCopyAnnotation(std::string_view key) {
  return key == "kubectl.kubernetes.io/last-applied-configuration" || key == kRevisionAnnotation ||
         key == kRevisionHistoryAnnotation || key == kDesiredReplicasAnnotation ||
         key == kMaxReplicasAnnotation || key == "deprecated.deployment.rollback.to";
}

int64_t ReplicaSetState::replicas() const { return IntAt(object, {"spec", "replicas"}, 1); }
int64_t ReplicaSetState::status_replicas() const { return IntAt(object, {"status", "replicas"}); }
int64_t ReplicaSetState::ready() const { return IntAt(object, {"status", "readyReplicas"}); }
int64_t ReplicaSetState::available() const {
  return IntAt(object, {"status", "availableReplicas"});
}
std::string_view ReplicaSetState::name() const { return NameOf(object); }

std::optional<int64_t> ReplicaSetState::revision() const {
  const Value* value = object.At({"metadata", "annotations", kRevisionAnnotation});
  if (value == nullptr) return 0;
  if (!value->is_string()) return std::nullopt;
  return ParseInt(value->as_string());
}

bool CreatedBefore(const ReplicaSetState& a, const ReplicaSetState& b) {
  auto created = [](const ReplicaSetState& rs) {
    return TimeAt(rs.object, {"metadata", "creationTimestamp"}).value_or(TimePoint());
  };
  TimePoint ta = created(a);
  TimePoint tb = created(b);
  if (ta == tb) return a.name() < b.name();
  return ta < tb;
}

int64_t DeploymentSpec::MaxUnavailable() const {
  if (!rolling || replicas == 0) return 0;
  return std::min(fenceposts.max_unavailable, replicas);
}

namespace {

Error Invalid(const Value& deployment, std::string_view message) {
  return Error::Invalid(fmt::format("{}: {}", KeyOf(deployment).ToString(), message));
}

// An optional non-negative integer field; Invalid when present but not one.
Result<std::optional<int64_t>> OptionalCount(const Value& deployment, Value::Path path,
                                             std::string_view field) {
  const Value* value = deployment.At(path);
  if (value == nullptr || value->is_null()) return std::optional<int64_t>();
  if (!value->is_int() || value->as_int() < 0) {
    return Invalid(deployment, fmt::format("{}: must be a non-negative integer", field));
  }
  return std::optional<int64_t>(value->as_int());
}

Status ValidateFencepost(const Value& deployment, const Value* value, std::string_view name) {
  if (value == nullptr) return OkStatus();
  std::string field = fmt::format("spec.strategy.rollingUpdate.{}", name);
  Result<int64_t> scaled = ScaledValue(*value, 100, false, field);
  if (!scaled.ok()) return Invalid(deployment, scaled.error().message());
  if (*scaled < 0) return Invalid(deployment, field + ": must be greater than or equal to 0");
  if (name == "maxUnavailable" && value->is_string() && *scaled > 100) {
    return Invalid(deployment, field + ": must not be greater than 100%");
  }
  return OkStatus();
}

}  // namespace

Result<DeploymentSpec> ReadDeploymentSpec(const Value& deployment) {
  DeploymentSpec spec;
  auto replicas = OptionalCount(deployment, {"spec", "replicas"}, "spec.replicas");
  if (!replicas.ok()) return replicas.error();
  spec.replicas = replicas->value_or(1);

  const Value* selector = deployment.At({"spec", "selector"});
  if (selector == nullptr || !selector->is_object() || selector->empty()) {
    return Invalid(deployment, "spec.selector: Required value");
  }
  if (!SelectorMatches(*selector, deployment.At({"spec", "template", "metadata", "labels"}))) {
    return Invalid(deployment,
                   "spec.template.metadata.labels: Invalid value: `selector` does not match "
                   "template `labels`");
  }

  std::string_view type = deployment.StringAt({"spec", "strategy", "type"}, "RollingUpdate");
  const Value* rolling_update = deployment.At({"spec", "strategy", "rollingUpdate"});
  if (rolling_update != nullptr && rolling_update->is_null()) rolling_update = nullptr;
  if (type == "Recreate") {
    spec.rolling = false;
    if (rolling_update != nullptr) {
      return Invalid(deployment,
                     "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy "
                     "`type` is 'Recreate'");
    }
  } else if (type != "RollingUpdate") {
    return Invalid(deployment, fmt::format("spec.strategy.type: Unsupported value: \"{}\": "
                                           "supported values: \"Recreate\", \"RollingUpdate\"",
                                           type));
  } else {
    const Value* surge = rolling_update ? rolling_update->Find("maxSurge") : nullptr;
    const Value* unavailable = rolling_update ? rolling_update->Find("maxUnavailable") : nullptr;
    CAPSTAN_TRY(ValidateFencepost(deployment, surge, "maxSurge"));
    CAPSTAN_TRY(ValidateFencepost(deployment, unavailable, "maxUnavailable"));
    if (surge != nullptr && unavailable != nullptr && IsZero(*surge) && IsZero(*unavailable)) {
      return Invalid(deployment,
                     "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: may not be 0 "
                     "when `maxSurge` is 0");
    }
    Result<Fenceposts> fenceposts = ResolveFenceposts(surge, unavailable, spec.replicas);
    if (!fenceposts.ok()) return Invalid(deployment, fenceposts.error().message());
    spec.fenceposts = *fenceposts;
  }

  auto min_ready = OptionalCount(deployment, {"spec", "minReadySeconds"}, "spec.minReadySeconds");
  if (!min_ready.ok()) return min_ready.error();
  spec.min_ready_seconds = min_ready->value_or(0);
  auto history =
      OptionalCount(deployment, {"spec", "revisionHistoryLimit"}, "spec.revisionHistoryLimit");
  if (!history.ok()) return history.error();
  spec.revision_history_limit = history->value_or(10);
  if (*spec.revision_history_limit == kMaxInt32) spec.revision_history_limit.reset();
  auto deadline = OptionalCount(deployment, {"spec", "progressDeadlineSeconds"},
                                "spec.progressDeadlineSeconds");
  if (!deadline.ok()) return deadline.error();
  spec.progress_deadline_seconds = deadline->value_or(600);
  if (*spec.progress_deadline_seconds == kMaxInt32) spec.progress_deadline_seconds.reset();
  if (spec.progress_deadline_seconds.has_value() &&
      *spec.progress_deadline_seconds <= spec.min_ready_seconds) {
    return Invalid(deployment,
                   "spec.progressDeadlineSeconds: Invalid value: must be greater than "
                   "minReadySeconds");
  }
  spec.paused = BoolAt(deployment, {"spec", "paused"});
  return spec;
}

}  // namespace internal
}  // namespace capstan::target::local::workload
