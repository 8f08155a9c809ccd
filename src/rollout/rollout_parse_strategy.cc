// spec.strategy.canary (steps, traffic routing, background analysis) and
// spec.strategy.blueGreen, validated as Argo's rollout validation does.
#include <fmt/format.h>

#include <algorithm>

#include "rollout/parse_internal.h"
#include "target/local/workload/workload.h"

namespace capstan::rollout::internal {

namespace {

constexpr std::string_view kCanaryPath = "spec.strategy.canary";
constexpr std::string_view kBlueGreenPath = "spec.strategy.blueGreen";

bool Present(const Value& object, std::string_view key) {
  const Value* value = object.Find(key);
  return value != nullptr && !value->is_null();
}

Result<std::optional<PodMetadata>> OptionalMetadata(const FieldReader& reader, const Value& parent,
                                                    std::string_view key, std::string_view path) {
  if (!Present(parent, key)) return std::optional<PodMetadata>();
  auto metadata = reader.Metadata(*parent.Find(key), Join(path, key));
  if (!metadata.ok()) return metadata.error();
  return std::optional<PodMetadata>(std::move(*metadata));
}

Result<std::optional<RolloutAnalysis>> OptionalAnalysis(const FieldReader& reader,
                                                        const Value& parent, std::string_view key,
                                                        std::string_view path) {
  if (!Present(parent, key)) return std::optional<RolloutAnalysis>();
  auto analysis = reader.Analysis(*parent.Find(key), Join(path, key));
  if (!analysis.ok()) return analysis.error();
  return std::optional<RolloutAnalysis>(std::move(*analysis));
}

// --- steps ---------------------------------------------------------------------------------

Result<HeaderRoute> ReadHeaderRoute(const FieldReader& reader, const Value& value,
                                    const std::string& path) {
  CAPSTAN_TRY(reader.RequireObject(&value, path, false));
  HeaderRoute route;
  auto name = reader.String(value, "name", path);
  if (!name.ok()) return name.error();
  if (!name->has_value() || (*name)->empty()) return reader.Invalid(Join(path, "name"), "required");
  route.name = **name;
  const Value* match = value.Find("match");
  if (match == nullptr || match->is_null()) return route;
  std::string match_path = Join(path, "match");
  if (!match->is_array()) return reader.Invalid(match_path, "expected a list");
  for (size_t i = 0; i < match->size(); ++i) {
    const Value& entry = match->as_array()[i];
    std::string entry_path = Index(match_path, i);
    CAPSTAN_TRY(reader.RequireObject(&entry, entry_path, false));
    HeaderMatch out;
    auto header = reader.String(entry, "headerName", entry_path);
    if (!header.ok()) return header.error();
    if (!header->has_value() || (*header)->empty()) {
      return reader.Invalid(Join(entry_path, "headerName"), "required");
    }
    out.header_name = **header;
    const Value* header_value = entry.Find("headerValue");
    std::string value_path = Join(entry_path, "headerValue");
    CAPSTAN_TRY(reader.RequireObject(header_value, value_path, false));
    int set = 0;
    for (auto [key, field] : {std::pair{"exact", &out.header_value.exact},
                              {"prefix", &out.header_value.prefix},
                              {"regex", &out.header_value.regex}}) {
      auto text = reader.String(*header_value, key, value_path);
      if (!text.ok()) return text.error();
      if (text->has_value()) {
        *field = **text;
        ++set;
      }
    }
    if (set != 1) return reader.Invalid(value_path, "set exactly one of exact, prefix and regex");
    route.match.push_back(std::move(out));
  }
  return route;
}

Result<SetCanaryScale> ReadSetCanaryScale(const FieldReader& reader, const Value& value,
                                          const std::string& path) {
  CAPSTAN_TRY(reader.RequireObject(&value, path, false));
  SetCanaryScale scale;
  auto weight = reader.Count(value, "weight", path);
  if (!weight.ok()) return weight.error();
  auto replicas = reader.Count(value, "replicas", path);
  if (!replicas.ok()) return replicas.error();
  auto match = reader.Bool(value, "matchTrafficWeight", path);
  if (!match.ok()) return match.error();
  scale.weight = *weight;
  scale.replicas = *replicas;
  scale.match_traffic_weight = match->value_or(false);
  int set =
      (scale.weight ? 1 : 0) + (scale.replicas ? 1 : 0) + (scale.match_traffic_weight ? 1 : 0);
  if (set != 1) {
    return reader.Invalid(path, "set exactly one of weight, replicas and matchTrafficWeight");
  }
  return scale;
}

Status ReadStepBody(const FieldReader& reader, const Value& step, const std::string& path,
                    CanaryStep& out) {
  if (Present(step, "setWeight")) {
    auto weight = reader.Int(step, "setWeight", path);
    if (!weight.ok()) return weight.error();
    out.kind = CanaryStep::Kind::kSetWeight;
    out.set_weight = **weight;
  } else if (Present(step, "pause")) {
    const Value& pause = *step.Find("pause");
    CAPSTAN_TRY(reader.RequireObject(&pause, Join(path, "pause"), false));
    out.kind = CanaryStep::Kind::kPause;
    if (const Value* duration = pause.Find("duration");
        duration != nullptr && !duration->is_null()) {
      std::string field = Join(Join(path, "pause"), "duration");
      auto seconds = ParseDurationSeconds(*duration, field);
      if (!seconds.ok())
        return reader.Invalid(field, seconds.error().message().substr(field.size() + 2));
      out.pause_seconds = *seconds;
      out.pause_as_written =
          duration->is_string() ? duration->as_string() : std::to_string(duration->as_int());
    }
  } else if (Present(step, "setCanaryScale")) {
    auto scale =
        ReadSetCanaryScale(reader, *step.Find("setCanaryScale"), Join(path, "setCanaryScale"));
    if (!scale.ok()) return scale.error();
    out.kind = CanaryStep::Kind::kSetCanaryScale;
    out.set_canary_scale = *scale;
  } else if (Present(step, "analysis")) {
    auto analysis = reader.Analysis(*step.Find("analysis"), Join(path, "analysis"));
    if (!analysis.ok()) return analysis.error();
    if (analysis->templates.empty()) {
      return reader.Invalid(Join(Join(path, "analysis"), "templates"), "required");
    }
    out.kind = CanaryStep::Kind::kAnalysis;
    out.analysis = std::move(*analysis);
  } else if (Present(step, "setHeaderRoute")) {
    auto route =
        ReadHeaderRoute(reader, *step.Find("setHeaderRoute"), Join(path, "setHeaderRoute"));
    if (!route.ok()) return route.error();
    out.kind = CanaryStep::Kind::kSetHeaderRoute;
    out.set_header_route = std::move(*route);
  } else {
    return reader.Invalid(path,
                          "Step must have one of the following set: setWeight, pause, "
                          "setCanaryScale, analysis or setHeaderRoute");
  }
  return OkStatus();
}

Result<CanaryStep> ReadStep(const FieldReader& reader, const Value& step, const std::string& path,
                            const CanaryStrategy& canary) {
  CAPSTAN_TRY(reader.RequireObject(&step, path, false));
  CAPSTAN_TRY(reader.Refuse(step, path, {"experiment", "setMirrorRoute", "plugin"}));
  int set = 0;
  for (std::string_view key :
       {"setWeight", "pause", "setCanaryScale", "analysis", "setHeaderRoute"}) {
    if (Present(step, key)) ++set;
  }
  if (set > 1) return reader.Invalid(path, "Step must have exactly one field set");
  CanaryStep out;
  CAPSTAN_TRY(ReadStepBody(reader, step, path, out));
  int64_t max_weight =
      canary.traffic_routing ? canary.traffic_routing->max_traffic_weight : int64_t{100};
  if (out.kind == CanaryStep::Kind::kSetWeight &&
      (out.set_weight < 0 || out.set_weight > max_weight)) {
    return reader.Invalid(Join(path, "setWeight"), fmt::format("must be between 0 and {}, got {}",
                                                               max_weight, out.set_weight));
  }
  if (out.kind == CanaryStep::Kind::kSetCanaryScale && !canary.traffic_routing) {
    return reader.Invalid(Join(path, "setCanaryScale"), "requires trafficRouting to be set");
  }
  if (out.kind == CanaryStep::Kind::kSetHeaderRoute) {
    if (!canary.traffic_routing) {
      return reader.Invalid(Join(path, "setHeaderRoute"), "requires trafficRouting to be set");
    }
    const auto& managed = canary.traffic_routing->managed_routes;
    if (std::find(managed.begin(), managed.end(), out.set_header_route.name) == managed.end()) {
      return reader.Invalid(
          Join(Join(path, "setHeaderRoute"), "name"),
          fmt::format("\"{}\" is not in trafficRouting.managedRoutes", out.set_header_route.name));
    }
  }
  return out;
}

Status ReadSteps(const FieldReader& reader, const Value& canary_value, CanaryStrategy& canary) {
  const Value* steps = canary_value.Find("steps");
  if (steps == nullptr || steps->is_null()) return OkStatus();
  std::string path = Join(kCanaryPath, "steps");
  if (!steps->is_array()) return reader.Invalid(path, "expected a list");
  canary.steps_as_written = *steps;
  for (size_t i = 0; i < steps->size(); ++i) {
    auto step = ReadStep(reader, steps->as_array()[i], Index(path, i), canary);
    if (!step.ok()) return step.error();
    canary.steps.push_back(std::move(*step));
  }
  return OkStatus();
}

Status ReadFenceposts(const FieldReader& reader, const Value& value, std::string_view path,
                      Value* max_surge, Value* max_unavailable) {
  if (max_surge != nullptr) {
    auto surge = ReadIntOrPercent(reader, value, "maxSurge", path);
    if (!surge.ok()) return surge.error();
    *max_surge = std::move(*surge);
  }
  auto unavailable = ReadIntOrPercent(reader, value, "maxUnavailable", path);
  if (!unavailable.ok()) return unavailable.error();
  *max_unavailable = std::move(*unavailable);
  if (max_surge == nullptr) return OkStatus();
  auto is_zero = [](const Value& v) {
    return (v.is_int() && v.as_int() == 0) || (v.is_string() && v.as_string() == "0%");
  };
  if (is_zero(*max_surge) && is_zero(*max_unavailable)) {
    return reader.Invalid(Join(path, "maxUnavailable"),
                          "MaxSurge and MaxUnavailable both can not be zero");
  }
  return OkStatus();
}

Status ReadCanaryScalars(const FieldReader& reader, const Value& value, CanaryStrategy& canary) {
  CAPSTAN_TRY(reader.Strings(
      value, kCanaryPath,
      {{"canaryService", &canary.canary_service}, {"stableService", &canary.stable_service}}));
  CAPSTAN_TRY(
      reader.Counts(value, kCanaryPath,
                    {{"scaleDownDelaySeconds", &canary.scale_down_delay_seconds},
                     {"abortScaleDownDelaySeconds", &canary.abort_scale_down_delay_seconds},
                     {"scaleDownDelayRevisionLimit", &canary.scale_down_delay_revision_limit},
                     {"minPodsPerReplicaSet", &canary.min_pods_per_replica_set}}));
  auto dynamic = reader.Bool(value, "dynamicStableScale", kCanaryPath);
  if (!dynamic.ok()) return dynamic.error();
  canary.dynamic_stable_scale = dynamic->value_or(false);
  return OkStatus();
}

Status ValidateCanary(const FieldReader& reader, const CanaryStrategy& canary) {
  if (!canary.canary_service.empty() && canary.canary_service == canary.stable_service) {
    return reader.Invalid(Join(kCanaryPath, "stableService"),
                          "This rollout uses the same service for the stable and canary services, "
                          "but two different services are required.");
  }
  if (canary.traffic_routing.has_value() &&
      (canary.canary_service.empty() || canary.stable_service.empty())) {
    return reader.Invalid(canary.canary_service.empty() ? Join(kCanaryPath, "canaryService")
                                                        : Join(kCanaryPath, "stableService"),
                          "required with trafficRouting");
  }
  if (canary.dynamic_stable_scale && !canary.traffic_routing.has_value()) {
    return reader.Invalid(Join(kCanaryPath, "dynamicStableScale"),
                          "requires trafficRouting to be set");
  }
  if (canary.analysis && canary.analysis->starting_step &&
      *canary.analysis->starting_step > static_cast<int64_t>(canary.steps.size())) {
    return reader.Invalid(Join(Join(kCanaryPath, "analysis"), "startingStep"),
                          "must be a step index (at most the number of steps)");
  }
  return OkStatus();
}

}  // namespace

Result<CanaryStrategy> ReadCanary(const FieldReader& reader, const Value& value) {
  CAPSTAN_TRY(reader.RequireObject(&value, kCanaryPath, false));
  CAPSTAN_TRY(
      reader.Refuse(value, kCanaryPath, {"antiAffinity", "pingPong", "replicaProgressThreshold"}));
  CanaryStrategy canary;
  CAPSTAN_TRY(ReadCanaryScalars(reader, value, canary));
  CAPSTAN_TRY(
      ReadFenceposts(reader, value, kCanaryPath, &canary.max_surge, &canary.max_unavailable));
  if (Present(value, "trafficRouting")) {
    auto routing = ReadTrafficRouting(reader, *value.Find("trafficRouting"));
    if (!routing.ok()) return routing.error();
    canary.traffic_routing = std::move(*routing);
  }
  CAPSTAN_TRY(ReadSteps(reader, value, canary));
  if (Present(value, "analysis")) {
    std::string path = Join(kCanaryPath, "analysis");
    auto analysis = reader.Analysis(*value.Find("analysis"), path);
    if (!analysis.ok()) return analysis.error();
    auto starting = reader.Count(*value.Find("analysis"), "startingStep", path);
    if (!starting.ok()) return starting.error();
    canary.analysis = BackgroundAnalysis{std::move(*analysis), *starting};
  }
  auto canary_metadata = OptionalMetadata(reader, value, "canaryMetadata", kCanaryPath);
  if (!canary_metadata.ok()) return canary_metadata.error();
  canary.canary_metadata = std::move(*canary_metadata);
  auto stable_metadata = OptionalMetadata(reader, value, "stableMetadata", kCanaryPath);
  if (!stable_metadata.ok()) return stable_metadata.error();
  canary.stable_metadata = std::move(*stable_metadata);
  CAPSTAN_TRY(ValidateCanary(reader, canary));
  return canary;
}

Result<BlueGreenStrategy> ReadBlueGreen(const FieldReader& reader, const Value& value) {
  CAPSTAN_TRY(reader.RequireObject(&value, kBlueGreenPath, false));
  CAPSTAN_TRY(reader.Refuse(value, kBlueGreenPath, {"antiAffinity"}));
  BlueGreenStrategy out;
  CAPSTAN_TRY(reader.Strings(
      value, kBlueGreenPath,
      {{"activeService", &out.active_service}, {"previewService", &out.preview_service}}));
  if (out.active_service.empty())
    return reader.Invalid(Join(kBlueGreenPath, "activeService"), "required");
  if (out.active_service == out.preview_service) {
    return reader.Invalid(Join(kBlueGreenPath, "previewService"),
                          "This rollout uses the same service for the active and preview services, "
                          "but two different services are required.");
  }
  CAPSTAN_TRY(
      reader.Counts(value, kBlueGreenPath,
                    {{"previewReplicaCount", &out.preview_replica_count},
                     {"scaleDownDelaySeconds", &out.scale_down_delay_seconds},
                     {"abortScaleDownDelaySeconds", &out.abort_scale_down_delay_seconds},
                     {"scaleDownDelayRevisionLimit", &out.scale_down_delay_revision_limit}}));
  auto auto_promotion = reader.Bool(value, "autoPromotionEnabled", kBlueGreenPath);
  if (!auto_promotion.ok()) return auto_promotion.error();
  out.auto_promotion_enabled = auto_promotion->value_or(true);
  auto seconds = reader.Count(value, "autoPromotionSeconds", kBlueGreenPath);
  if (!seconds.ok()) return seconds.error();
  out.auto_promotion_seconds = seconds->value_or(0);
  CAPSTAN_TRY(ReadFenceposts(reader, value, kBlueGreenPath, nullptr, &out.max_unavailable));
  auto pre = OptionalAnalysis(reader, value, "prePromotionAnalysis", kBlueGreenPath);
  if (!pre.ok()) return pre.error();
  out.pre_promotion_analysis = std::move(*pre);
  auto post = OptionalAnalysis(reader, value, "postPromotionAnalysis", kBlueGreenPath);
  if (!post.ok()) return post.error();
  out.post_promotion_analysis = std::move(*post);
  auto preview = OptionalMetadata(reader, value, "previewMetadata", kBlueGreenPath);
  if (!preview.ok()) return preview.error();
  out.preview_metadata = std::move(*preview);
  auto active = OptionalMetadata(reader, value, "activeMetadata", kBlueGreenPath);
  if (!active.ok()) return active.error();
  out.active_metadata = std::move(*active);
  return out;
}

}  // namespace capstan::rollout::internal
