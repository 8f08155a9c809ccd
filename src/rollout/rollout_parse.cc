// ParseRollout: the Rollout's metadata and spec, with Argo's defaults and validation.
#include <fmt/format.h>

#include "core/label_selector.h"
#include "core/object.h"
#include "rollout/parse_internal.h"

namespace capstan::rollout {

namespace {

using internal::FieldReader;
using internal::Join;

// Argo's defaults (utils/defaults).
constexpr int64_t kDefaultReplicas = 1;
constexpr int64_t kDefaultRevisionHistoryLimit = 10;
constexpr int64_t kDefaultProgressDeadlineSeconds = 600;

Status ReadMetadata(const FieldReader& reader, const Value& rollout, RolloutSpec& spec) {
  const Value* metadata = rollout.Find("metadata");
  CAPSTAN_TRY(reader.RequireObject(metadata, "metadata", false));
  spec.name = std::string(NameOf(rollout));
  if (spec.name.empty()) return reader.Invalid("metadata.name", "required");
  spec.ns = std::string(NamespaceOf(rollout));
  spec.uid = std::string(rollout.StringAt({"metadata", "uid"}));
  auto generation = reader.Int(*metadata, "generation", "metadata");
  if (!generation.ok()) return generation.error();
  spec.generation = generation->value_or(0);
  auto labels = reader.StringMap(*metadata, "labels", "metadata");
  if (!labels.ok()) return labels.error();
  spec.labels = std::move(*labels);
  auto annotations = reader.StringMap(*metadata, "annotations", "metadata");
  if (!annotations.ok()) return annotations.error();
  spec.annotations = std::move(*annotations);
  return OkStatus();
}

Status ReadWorkloadRef(const FieldReader& reader, const Value& ref, RolloutSpec& spec) {
  CAPSTAN_TRY(reader.RequireObject(&ref, "spec.workloadRef", false));
  WorkloadRef out;
  CAPSTAN_TRY(reader.Strings(ref, "spec.workloadRef",
                             {{"apiVersion", &out.api_version},
                              {"kind", &out.kind},
                              {"name", &out.name},
                              {"scaleDown", &out.scale_down}}));
  if (out.name.empty()) return reader.Invalid("spec.workloadRef.name", "required");
  if (out.kind != "Deployment" && out.kind != "ReplicaSet" && out.kind != "PodTemplate") {
    return reader.Invalid(
        "spec.workloadRef.kind",
        fmt::format("\"{}\" is not Deployment, ReplicaSet or PodTemplate", out.kind));
  }
  if (!out.scale_down.empty() && out.scale_down != "never" && out.scale_down != "onsuccess" &&
      out.scale_down != "progressively") {
    return reader.Invalid(
        "spec.workloadRef.scaleDown",
        fmt::format("\"{}\" is not never, onsuccess or progressively", out.scale_down));
  }
  spec.workload_ref = std::move(out);
  return OkStatus();
}

Status ReadTemplateAndSelector(const FieldReader& reader, const Value& body,
                               const Value* referenced_template, RolloutSpec& spec) {
  const Value* pod_template = body.Find("template");
  bool has_template = pod_template != nullptr && !pod_template->is_null() && !pod_template->empty();
  if (const Value* ref = body.Find("workloadRef"); ref != nullptr && !ref->is_null()) {
    if (has_template) {
      return reader.Invalid("spec.template", "must not be set together with spec.workloadRef");
    }
    CAPSTAN_TRY(ReadWorkloadRef(reader, *ref, spec));
    if (referenced_template == nullptr) {
      return reader.Invalid("spec.workloadRef",
                            fmt::format("the template of {} \"{}\" was not given",
                                        spec.workload_ref->kind, spec.workload_ref->name));
    }
    pod_template = referenced_template;
  } else if (!has_template) {
    return reader.Invalid("spec.template", "required (or spec.workloadRef)");
  }
  CAPSTAN_TRY(reader.RequireObject(pod_template, "spec.template", false));
  spec.pod_template = *pod_template;

  const Value* selector = body.Find("selector");
  if (selector == nullptr || selector->is_null()) {
    // Argo takes the referenced Deployment's selector; a Rollout with a template needs one.
    if (!spec.workload_ref.has_value()) return reader.Invalid("spec.selector", "required");
    Value from_labels = Value::MakeObject();
    if (const Value* labels = spec.pod_template.At({"metadata", "labels"})) {
      from_labels["matchLabels"] = *labels;
    }
    spec.selector = from_labels;
  } else {
    spec.selector = *selector;
  }
  auto parsed = LabelSelector::FromValue(spec.selector);
  if (!parsed.ok()) return reader.Invalid("spec.selector", parsed.error().message());
  if (parsed->empty()) {
    return reader.Invalid("spec.selector",
                          "This rollout is selecting all pods. A non-empty selector is required.");
  }
  if (!parsed->Matches(spec.pod_template.At({"metadata", "labels"}))) {
    return reader.Invalid("spec.selector", "`selector` does not match template `labels`");
  }
  return OkStatus();
}

Status ReadCounts(const FieldReader& reader, const Value& body, RolloutSpec& spec) {
  auto replicas = reader.Count(body, "replicas", "spec");
  if (!replicas.ok()) return replicas.error();
  spec.replicas = replicas->value_or(kDefaultReplicas);
  auto min_ready = reader.Count(body, "minReadySeconds", "spec");
  if (!min_ready.ok()) return min_ready.error();
  spec.min_ready_seconds = min_ready->value_or(0);
  auto history = reader.Count(body, "revisionHistoryLimit", "spec");
  if (!history.ok()) return history.error();
  spec.revision_history_limit = history->value_or(kDefaultRevisionHistoryLimit);
  auto deadline = reader.Count(body, "progressDeadlineSeconds", "spec");
  if (!deadline.ok()) return deadline.error();
  spec.progress_deadline_seconds = deadline->value_or(kDefaultProgressDeadlineSeconds);
  if (spec.progress_deadline_seconds <= spec.min_ready_seconds && deadline->has_value()) {
    return reader.Invalid("spec.progressDeadlineSeconds", "must be greater than minReadySeconds");
  }
  auto abort = reader.Bool(body, "progressDeadlineAbort", "spec");
  if (!abort.ok()) return abort.error();
  spec.progress_deadline_abort = abort->value_or(false);
  auto paused = reader.Bool(body, "paused", "spec");
  if (!paused.ok()) return paused.error();
  spec.paused = paused->value_or(false);
  if (const Value* analysis = body.Find("analysis"); analysis != nullptr && !analysis->is_null()) {
    CAPSTAN_TRY(reader.RequireObject(analysis, "spec.analysis", false));
    auto successful = reader.Count(*analysis, "successfulRunHistoryLimit", "spec.analysis");
    if (!successful.ok()) return successful.error();
    auto unsuccessful = reader.Count(*analysis, "unsuccessfulRunHistoryLimit", "spec.analysis");
    if (!unsuccessful.ok()) return unsuccessful.error();
    spec.successful_run_history_limit = successful->value_or(spec.successful_run_history_limit);
    spec.unsuccessful_run_history_limit =
        unsuccessful->value_or(spec.unsuccessful_run_history_limit);
  }
  return OkStatus();
}

Status ReadStrategy(const FieldReader& reader, const Value& body, RolloutSpec& spec) {
  const Value* strategy = body.Find("strategy");
  CAPSTAN_TRY(reader.RequireObject(strategy, "spec.strategy", false));
  const Value* canary = strategy->Find("canary");
  const Value* blue_green = strategy->Find("blueGreen");
  bool has_canary = canary != nullptr && !canary->is_null();
  bool has_blue_green = blue_green != nullptr && !blue_green->is_null();
  if (has_canary == has_blue_green) {
    return reader.Invalid("spec.strategy", "set exactly one of canary and blueGreen");
  }
  if (has_canary) {
    auto read = internal::ReadCanary(reader, *canary);
    if (!read.ok()) return read.error();
    spec.canary = std::move(*read);
  } else {
    auto read = internal::ReadBlueGreen(reader, *blue_green);
    if (!read.ok()) return read.error();
    spec.blue_green = std::move(*read);
  }
  return OkStatus();
}

}  // namespace

std::string RolloutSpec::Describe() const {
  return fmt::format("argoproj.io/Rollout {}/{}", ns, name);
}

Result<RolloutSpec> ParseRollout(const Value& rollout, const Value* referenced_template,
                                 std::string_view source) {
  FieldReader reader(KeyOf(rollout).ToString(), std::string(source));
  if (!rollout.is_object()) return reader.Invalid("", "expected an object");
  if (KindOf(rollout) != "Rollout" || GroupOf(rollout.StringAt({"apiVersion"})) != "argoproj.io") {
    return reader.Invalid("kind", "expected an argoproj.io Rollout");
  }
  RolloutSpec spec;
  CAPSTAN_TRY(ReadMetadata(reader, rollout, spec));
  const Value* body = rollout.Find("spec");
  CAPSTAN_TRY(reader.RequireObject(body, "spec", false));
  CAPSTAN_TRY(reader.Refuse(*body, "spec", {"rollbackWindow", "restartAt"}));
  CAPSTAN_TRY(ReadCounts(reader, *body, spec));
  CAPSTAN_TRY(ReadTemplateAndSelector(reader, *body, referenced_template, spec));
  CAPSTAN_TRY(ReadStrategy(reader, *body, spec));
  return spec;
}

}  // namespace capstan::rollout
