// rollout: Argo Rollouts' `argoproj.io/v1alpha1` Rollout, read unchanged, as typed values.
//
// ParseRollout reads a Rollout manifest (and, for spec.workloadRef, the referenced
// workload's pod template, which the caller fetches) into a RolloutSpec with Argo's defaults
// applied; ReadRolloutStatus / WriteRolloutStatus convert its status both ways, field for
// field as Argo's controller writes it (names, omitted zeros, `canary: {}` and
// `blueGreen: {}` always present). The step machine (reconcile.h), the arithmetic
// (canary_math.h) and steering (steering.h) work on these. docs/rollouts.md lists what is
// supported and how it differs from Argo Rollouts.
//
// Thread safety: plain data and pure functions; safe to use from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace capstan::rollout {

using TimePoint = std::chrono::system_clock::time_point;

// --- Names Argo Rollouts puts on objects (kept so that its tools read capstan's objects) --

inline constexpr std::string_view kPodTemplateHashLabel = "rollouts-pod-template-hash";
inline constexpr std::string_view kRevisionAnnotation = "rollout.argoproj.io/revision";
inline constexpr std::string_view kRevisionHistoryAnnotation =
    "rollout.argoproj.io/revision-history";
inline constexpr std::string_view kDesiredReplicasAnnotation =
    "rollout.argoproj.io/desired-replicas";
// What canaryMetadata/stableMetadata (and capstan's role label) injected into a ReplicaSet's
// pod template, as JSON, so that it can be taken off again when the role changes.
inline constexpr std::string_view kEphemeralMetadataAnnotation =
    "rollout.argoproj.io/ephemeral-metadata";
// RFC 3339 time after which an old ReplicaSet is scaled to zero (scaleDownDelaySeconds).
inline constexpr std::string_view kScaleDownDeadlineAnnotation = "scale-down-deadline";
inline constexpr std::string_view kManagedByRolloutsAnnotation =
    "argo-rollouts.argoproj.io/managed-by-rollouts";
// AnalysisRun labels: how the Rollout created it (Step, Background, PrePromotion,
// PostPromotion) and, for Step, which step.
inline constexpr std::string_view kRolloutTypeLabel = "rollout-type";
inline constexpr std::string_view kStepIndexLabel = "step-index";

// capstan's own labels (release identity, see release.h).
inline constexpr std::string_view kRoleLabel = "capstan.dev/role";  // stable|canary|preview|active
inline constexpr std::string_view kImageTagLabel = "capstan.dev/image-tag";
inline constexpr std::string_view kAppVersionLabel = "app.kubernetes.io/version";

// --- spec ---------------------------------------------------------------------------------

// Labels and annotations added to the pods of one role (canaryMetadata, stableMetadata,
// previewMetadata, activeMetadata). Both are objects of strings ({} when not given).
struct PodMetadata {
  Value labels = Value::MakeObject();
  Value annotations = Value::MakeObject();
};

struct AnalysisTemplateRef {
  std::string template_name;
  bool cluster_scope = false;  // a ClusterAnalysisTemplate
};

// One argument passed to the AnalysisRun. Exactly one of value / pod_template_hash_value /
// field_path is set ("" for the others).
struct AnalysisArg {
  std::string name;
  std::optional<std::string> value;
  std::string pod_template_hash_value;  // "Stable" or "Latest"
  std::string field_path;               // valueFrom.fieldRef.fieldPath, e.g. metadata.name
};

// An analysis: a canary step's, background (canary.analysis) or blue/green pre/post.
struct RolloutAnalysis {
  std::vector<AnalysisTemplateRef> templates;
  std::vector<AnalysisArg> args;
  Value dry_run;                // as written (null when absent); passed to the AnalysisRun
  Value measurement_retention;  // as written (null when absent)
  PodMetadata analysis_run_metadata;
};

struct BackgroundAnalysis {
  RolloutAnalysis analysis;
  std::optional<int64_t> starting_step;  // start at this step index (default: at once)
};

struct StringMatch {
  std::string exact, prefix, regex;  // one is set
  friend bool operator==(const StringMatch&, const StringMatch&) = default;
};
struct HeaderMatch {
  std::string header_name;
  StringMatch header_value;
  friend bool operator==(const HeaderMatch&, const HeaderMatch&) = default;
};
// setHeaderRoute: requests matching every entry go to the canary; no match removes the route.
struct HeaderRoute {
  std::string name;
  std::vector<HeaderMatch> match;
  friend bool operator==(const HeaderRoute&, const HeaderRoute&) = default;
};

struct SetCanaryScale {
  std::optional<int64_t> weight;    // canary pods as a weight of spec.replicas
  std::optional<int64_t> replicas;  // canary pods, absolute
  bool match_traffic_weight = false;
};

struct CanaryStep {
  enum class Kind { kSetWeight, kPause, kSetCanaryScale, kAnalysis, kSetHeaderRoute };
  Kind kind = Kind::kSetWeight;
  int64_t set_weight = 0;
  std::optional<int64_t> pause_seconds;  // kPause: nullopt waits for a promote
  std::string pause_as_written;          // kPause: the duration as written ("30s", "10")
  SetCanaryScale set_canary_scale;
  RolloutAnalysis analysis;
  HeaderRoute set_header_route;

  // As Argo's events and `kubectl argo rollouts get` show a step: "setWeight: 10",
  // "pause: 30s", "pause", "analysis", "setCanaryScale{replicas: 2}", "setHeaderRoute: name".
  std::string Describe() const;
};

struct NginxRouting {
  std::string stable_ingress;
  std::vector<std::string> stable_ingresses;
  std::string annotation_prefix = "nginx.ingress.kubernetes.io";
  Value additional_ingress_annotations = Value::MakeObject();
  Value canary_ingress_annotations = Value::MakeObject();
};

// The Argo Gateway API plugin's config (`plugins: {argoproj-labs/gatewayAPI: {...}}`).
struct GatewayApiRouting {
  std::vector<std::string> http_routes;  // httpRoute, or every httpRoutes[].name
  std::string ns;                        // namespace ("": the Rollout's)
};

struct TrafficRouting {
  std::optional<NginxRouting> nginx;
  std::optional<GatewayApiRouting> gateway_api;
  int64_t max_traffic_weight = 100;
  std::vector<std::string> managed_routes;  // names setHeaderRoute may use
};

struct CanaryStrategy {
  std::string canary_service, stable_service;
  std::vector<CanaryStep> steps;
  Value steps_as_written;  // spec.strategy.canary.steps, for the step hash
  std::optional<TrafficRouting> traffic_routing;
  Value max_surge;        // int or "N%"; null: 25%
  Value max_unavailable;  // int or "N%"; null: 25%
  std::optional<BackgroundAnalysis> analysis;
  std::optional<PodMetadata> canary_metadata, stable_metadata;
  std::optional<int64_t> scale_down_delay_seconds;        // default 30 (with traffic routing)
  std::optional<int64_t> abort_scale_down_delay_seconds;  // default 30; 0: keep the canary
  std::optional<int64_t> scale_down_delay_revision_limit;
  std::optional<int64_t> min_pods_per_replica_set;
  bool dynamic_stable_scale = false;
};

struct BlueGreenStrategy {
  std::string active_service, preview_service;
  std::optional<int64_t> preview_replica_count;
  bool auto_promotion_enabled = true;
  int64_t auto_promotion_seconds = 0;
  Value max_unavailable;                                  // int or "N%"; null: 25%
  std::optional<int64_t> scale_down_delay_seconds;        // default 30
  std::optional<int64_t> abort_scale_down_delay_seconds;  // default 30; 0: keep the preview
  std::optional<int64_t> scale_down_delay_revision_limit;
  std::optional<RolloutAnalysis> pre_promotion_analysis, post_promotion_analysis;
  std::optional<PodMetadata> preview_metadata, active_metadata;
};

struct WorkloadRef {
  std::string api_version, kind, name, scale_down;
};

struct RolloutSpec {
  // metadata
  std::string name, ns, uid;
  int64_t generation = 0;
  Value labels = Value::MakeObject();
  Value annotations = Value::MakeObject();

  int64_t replicas = 1;
  Value selector;      // a LabelSelector object
  Value pod_template;  // spec.template, or the referenced workload's template
  std::optional<WorkloadRef> workload_ref;
  int64_t min_ready_seconds = 0;
  int64_t revision_history_limit = 10;
  int64_t progress_deadline_seconds = 600;
  bool progress_deadline_abort = false;
  bool paused = false;
  // spec.analysis: how many finished AnalysisRuns of old releases are kept (default 5 each).
  int64_t successful_run_history_limit = 5;
  int64_t unsuccessful_run_history_limit = 5;
  std::optional<CanaryStrategy> canary;  // exactly one of canary and blue_green is set
  std::optional<BlueGreenStrategy> blue_green;

  // "argoproj.io/Rollout ns/name", the start of every message about this Rollout.
  std::string Describe() const;
};

// Reads a Rollout. `referenced_template` is the pod template of spec.workloadRef's object
// (REQUIRED when workloadRef is set and spec.template is not; ignored otherwise). `source`
// (the file it came from, may be empty) ends every error message. Invalid names the field:
// `argoproj.io/Rollout default/web: spec.strategy.canary.steps[2].pause.duration: invalid
// duration "1d" (apps/web.yaml)`. Fields capstan does not implement (experiment steps,
// setMirrorRoute, istio/alb/smi/... routers, pingPong, antiAffinity, rollbackWindow,
// restartAt, replicaProgressThreshold) are refused the same way rather than ignored.
Result<RolloutSpec> ParseRollout(const Value& rollout, const Value* referenced_template = nullptr,
                                 std::string_view source = {});

// A duration as Argo reads pause.duration: an integer or a string of digits is seconds;
// otherwise Go's time.ParseDuration ("30s", "1m30s", "1.5h", "500ms"), truncated to whole
// seconds. Negative or malformed durations are Invalid, naming `field`.
Result<int64_t> ParseDurationSeconds(const Value& duration, std::string_view field);

// --- status -------------------------------------------------------------------------------

struct PauseCondition {
  std::string reason;  // CanaryPauseStep, BlueGreenPause, InconclusiveAnalysis
  TimePoint start_time;
};

struct RolloutCondition {
  std::string type;    // Progressing, Available, Paused, Completed, Healthy, InvalidSpec, ...
  std::string status;  // True, False, Unknown
  std::string reason, message;
  TimePoint last_update_time, last_transition_time;
};

// status.canary.currentStepAnalysisRunStatus and friends.
struct AnalysisRunRef {
  std::string name;
  std::string status;  // the run's status.phase ("" before it has one)
  std::string message;
};

struct WeightDestination {
  int64_t weight = 0;
  std::string service_name;
  std::string pod_template_hash;
};

struct TrafficWeights {
  WeightDestination canary, stable;
  std::optional<bool> verified;
};

struct RolloutStatus {
  bool abort = false;
  std::vector<PauseCondition> pause_conditions;
  bool controller_pause = false;
  std::optional<TimePoint> aborted_at;
  std::string current_pod_hash;
  std::string current_step_hash;
  int64_t replicas = 0, updated_replicas = 0, ready_replicas = 0, available_replicas = 0;
  std::optional<int64_t> current_step_index;
  std::optional<int64_t> collision_count;
  std::string observed_generation;
  std::vector<RolloutCondition> conditions;
  struct Canary {
    std::optional<AnalysisRunRef> current_step_analysis_run_status;
    std::optional<AnalysisRunRef> current_background_analysis_run_status;
    std::optional<TrafficWeights> weights;
  } canary;
  struct BlueGreen {
    std::string preview_selector, active_selector;
    bool scale_up_preview_check_point = false;
    std::optional<AnalysisRunRef> pre_promotion_analysis_run_status;
    std::optional<AnalysisRunRef> post_promotion_analysis_run_status;
  } blue_green;
  int64_t hpa_replicas = 0;  // HPAReplicas
  std::string selector;
  std::string stable_rs;
  bool promote_full = false;
  std::string phase;  // Healthy, Progressing, Paused, Degraded
  std::string message;

  const RolloutCondition* FindCondition(std::string_view type) const;
  const PauseCondition* FindPause(std::string_view reason) const;
};

// Reads .status of a Rollout (missing or malformed fields read as their zero value, as Go's
// JSON decoding of Argo's types would leave them).
RolloutStatus ReadRolloutStatus(const Value& rollout);
// The status as Argo writes it: its field names and order, zero values omitted.
Value WriteRolloutStatus(const RolloutStatus& status);

}  // namespace capstan::rollout
