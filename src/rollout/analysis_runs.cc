// When a Rollout's AnalysisRuns must exist, and what their phase does to the release — Argo's
// rollout/analysis.go. Step runs block their step (Successful: next step; Failed: abort;
// Inconclusive or Error: pause — Argo aborts on Error, capstan pauses, see
// docs/decisions/0011-analysis-error-pauses.md), background runs start at
// analysis.startingStep and abort on failure, blue/green runs gate the promotion (pre) or
// confirm it (post). Runs are named `<rollout>-<pod-template-hash>-<revision>[-<step
// index>|-pre|-post]` and counted up (".1", ".2") when a name is taken by an earlier run.
#include <fmt/format.h>

#include <algorithm>

#include "core/object.h"
#include "rollout/reconcile_internal.h"
#include "target/local/workload/internal/objects.h"

namespace capstan::rollout::internal {

namespace wl = target::local::workload::internal;

namespace {

constexpr std::string_view kRunApiVersion = "argoproj.io/v1alpha1";

std::string_view PhaseOf(const Value* run) {
  return run == nullptr ? std::string_view() : run->StringAt({"status", "phase"});
}

// A run that ended knowing nothing about the release: its numbers were inconclusive, or
// they could not be taken (Error: the metrics system was unreachable or answered with
// errors). The release waits for a person: `promote` measures again, `abort` goes back.
bool LeavesReleaseUnjudged(std::string_view phase) {
  return phase == "Inconclusive" || phase == "Error";
}

bool Completed(std::string_view phase) {
  return phase == "Successful" || phase == "Failed" || phase == "Error" || phase == "Inconclusive";
}

std::optional<AnalysisRunRef> RefOf(const Value* run) {
  if (run == nullptr) return std::nullopt;
  return AnalysisRunRef{std::string(NameOf(*run)), std::string(PhaseOf(run)),
                        std::string(run->StringAt({"status", "message"}))};
}

// valueFrom.fieldRef.fieldPath read from the Rollout: metadata.name, metadata.labels['k'],
// spec.replicas, ...
std::string FieldPathValue(const Value& rollout, const std::string& path) {
  const Value* at = &rollout;
  std::string_view rest = path;
  while (!rest.empty() && at != nullptr) {
    size_t dot = rest.find('.');
    size_t bracket = rest.find('[');
    std::string_view part = rest.substr(0, std::min(dot, bracket));
    if (!part.empty()) at = at->Find(part);
    rest.remove_prefix(part.size());
    if (!rest.empty() && rest.front() == '[') {
      size_t close = rest.find(']');
      if (close == std::string_view::npos || at == nullptr) return "";
      std::string_view key = rest.substr(1, close - 1);
      if (key.size() >= 2 && (key.front() == '\'' || key.front() == '"')) {
        key = key.substr(1, key.size() - 2);
      }
      at = at->Find(key);
      rest.remove_prefix(close + 1);
    }
    if (!rest.empty() && rest.front() == '.') rest.remove_prefix(1);
  }
  if (at == nullptr) return "";
  if (at->is_string()) return at->as_string();
  if (at->is_int()) return std::to_string(at->as_int());
  if (at->is_bool()) return at->as_bool() ? "true" : "false";
  return "";
}

}  // namespace

bool RolloutSync::NeedsNewAnalysisRun(const Value* current) const {
  if (current == nullptr) return true;
  // A promote after an inconclusive run (controllerPause without pause conditions) starts a
  // new run.
  if (prev_.controller_pause && prev_.FindPause(kPauseCanaryStep) == nullptr &&
      prev_.FindPause(kPauseBlueGreen) == nullptr) {
    return LeavesReleaseUnjudged(PhaseOf(current));
  }
  return prev_.aborted_at.has_value();  // a retry after an abort
}

void RolloutSync::TerminateAnalysisRun(const Value* run) {
  if (run == nullptr || Completed(PhaseOf(run))) return;
  if (const Value* terminate = run->At({"spec", "terminate"});
      terminate && terminate->is_bool() && terminate->as_bool()) {
    return;
  }
  std::string name(NameOf(*run));
  auto& list = actions_.terminate_analysis_runs;
  if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
}

const Value* RolloutSync::CreateAnalysisRun(const RolloutAnalysis& analysis,
                                            const std::string& infix, Value labels) {
  std::string hash = NewHash();
  std::vector<std::string> parts = {spec_.name, hash, revision_};
  if (!infix.empty()) parts.push_back(infix);
  std::string base = fmt::format("{}", fmt::join(parts, "-"));
  std::string name = base;
  for (int count = 1;
       std::find(taken_run_names_.begin(), taken_run_names_.end(), name) != taken_run_names_.end();
       ++count) {
    // Argo reuses a run of that name that is still going; a finished one gets a successor.
    for (const Value* run : runs_) {
      if (NameOf(*run) == name && !Completed(PhaseOf(run))) return run;
    }
    name = fmt::format("{}.{}", base, count);
  }
  taken_run_names_.push_back(name);

  for (const auto& [key, value] : analysis.analysis_run_metadata.labels.as_object()) {
    labels.Set(key, value);
  }
  if (const Value* match = spec_.selector.Find("matchLabels"); match && match->is_object()) {
    for (const auto& [key, value] : match->as_object()) labels.Set(key, value);
  }
  Value annotations = Value::MakeObject();
  annotations.Set(kRevisionAnnotation, revision_);
  for (const auto& [key, value] : analysis.analysis_run_metadata.annotations.as_object()) {
    annotations.Set(key, value);
  }
  AnalysisRunRequest request;
  request.metadata = Value::MakeObject();
  request.metadata["name"] = name;
  request.metadata["namespace"] = spec_.ns;
  request.metadata["labels"] = std::move(labels);
  request.metadata["annotations"] = std::move(annotations);
  request.metadata["ownerReferences"] = Value::Array{wl::ControllerRef(input_)};
  request.templates = analysis.templates;
  request.dry_run = analysis.dry_run;
  request.measurement_retention = analysis.measurement_retention;
  for (const AnalysisArg& arg : analysis.args) {
    std::string value = arg.value.value_or("");
    if (arg.pod_template_hash_value == "Latest") value = hash;
    if (arg.pod_template_hash_value == "Stable") value = StableHash();
    if (!arg.field_path.empty()) value = FieldPathValue(input_, arg.field_path);
    request.args.emplace_back(arg.name, value);
  }
  actions_.create_analysis_runs.push_back(request);

  // The run as the next sync will list it, so that this sync's status names it.
  Value run = Value::MakeObject();
  run["apiVersion"] = kRunApiVersion;
  run["kind"] = "AnalysisRun";
  run["metadata"] = request.metadata;
  created_runs_.push_back(std::move(run));
  return &created_runs_.back();
}

const Value* RolloutSync::ReconcileStepAnalysisRun() {
  const CanaryStep* step = CurrentStep();
  std::optional<int64_t> index = CurrentStepIndex();
  const Value* current = current_runs_.step;
  if (!prev_.pause_conditions.empty() || prev_.abort) return current;
  bool from_previous_step =
      step != nullptr && step->kind == CanaryStep::Kind::kAnalysis && current != nullptr &&
      current->StringAt({"metadata", "labels", kStepIndexLabel}) != std::to_string(*index);
  if (step == nullptr || step->kind != CanaryStep::Kind::kAnalysis ||
      step->analysis.templates.empty() || from_previous_step) {
    TerminateAnalysisRun(current);
    return nullptr;
  }
  if (NeedsNewAnalysisRun(current)) {
    Value labels = Value::MakeObject();
    labels[kPodTemplateHashLabel] = NewHash();
    labels[kRolloutTypeLabel] = "Step";
    labels[kStepIndexLabel] = std::to_string(*index);
    return CreateAnalysisRun(step->analysis, std::to_string(*index), std::move(labels));
  }
  ReactToRunPhase(current, "Step-based analysis");
  return current;
}

const Value* RolloutSync::ReconcileBackgroundAnalysisRun() {
  const Value* current = current_runs_.background;
  const auto& background = spec_.canary->analysis;
  if (!background || background->analysis.templates.empty()) {
    TerminateAnalysisRun(current);
    return nullptr;
  }
  bool before_start = background->starting_step && CurrentStep() != nullptr &&
                      *CurrentStepIndex() < *background->starting_step;
  if (prev_.stable_rs == prev_.current_pod_hash || prev_.stable_rs.empty() ||
      prev_.current_pod_hash.empty() || before_start) {
    return nullptr;
  }
  if (prev_.FindPause(kPauseInconclusive) != nullptr) return current;
  if (NeedsNewAnalysisRun(current)) {
    Value labels = Value::MakeObject();
    labels[kPodTemplateHashLabel] = NewHash();
    labels[kRolloutTypeLabel] = "Background";
    return CreateAnalysisRun(background->analysis, "", std::move(labels));
  }
  ReactToRunPhase(current, "Background analysis");
  return current;
}

const Value* RolloutSync::ReconcilePrePromotionAnalysisRun() {
  const Value* current = current_runs_.pre_promotion;
  const auto& analysis = spec_.blue_green->pre_promotion_analysis;
  if (!analysis || analysis->templates.empty()) {
    TerminateAnalysisRun(current);
    return nullptr;
  }
  std::string hash = NewHash();
  const std::string& active = prev_.blue_green.active_selector;
  bool skip = prev_.stable_rs == hash || active.empty() || active == hash || hash.empty();
  if (!skip && current == nullptr) {
    if (const auto& preview = spec_.blue_green->preview_replica_count) {
      skip = New()->replicas() != *preview || New()->available() != *preview;
    } else {
      skip = !IsSaturated(New());
    }
  }
  if (skip) {
    TerminateAnalysisRun(current);
    return current;
  }
  if (prev_.FindPause(kPauseInconclusive) != nullptr) return current;
  if (NeedsNewAnalysisRun(current)) {
    Value labels = Value::MakeObject();
    labels[kPodTemplateHashLabel] = hash;
    labels[kRolloutTypeLabel] = "PrePromotion";
    return CreateAnalysisRun(*analysis, "pre", std::move(labels));
  }
  return current;
}

const Value* RolloutSync::ReconcilePostPromotionAnalysisRun() {
  const Value* current = current_runs_.post_promotion;
  const auto& analysis = spec_.blue_green->post_promotion_analysis;
  if (!analysis || analysis->templates.empty()) {
    TerminateAnalysisRun(current);
    return nullptr;
  }
  std::string hash = NewHash();
  bool skip = prev_.stable_rs == hash || prev_.blue_green.active_selector != hash || hash.empty();
  if (!skip && current == nullptr) skip = !IsSaturated(New());
  if (skip) {
    TerminateAnalysisRun(current);
    return current;
  }
  if (prev_.FindPause(kPauseInconclusive) != nullptr) return current;
  if (NeedsNewAnalysisRun(current)) {
    Value labels = Value::MakeObject();
    labels[kPodTemplateHashLabel] = hash;
    labels[kRolloutTypeLabel] = "PostPromotion";
    return CreateAnalysisRun(*analysis, "post", std::move(labels));
  }
  return current;
}

void RolloutSync::ReactToRunPhase(const Value* run, std::string_view what) {
  std::string_view phase = PhaseOf(run);
  if (LeavesReleaseUnjudged(phase)) {
    pause_.add_reasons.emplace_back(kPauseInconclusive);
  } else if (phase == "Failed") {
    std::string message = fmt::format("{} phase error/failed", what);
    std::string_view detail = run->StringAt({"status", "message"});
    if (!detail.empty()) message += fmt::format(": {}", detail);
    pause_.add_abort = true;
    pause_.abort_message = message;
  }
}

void RolloutSync::PauseOrAbortForBlueGreen(const Value* run, bool post_promotion) {
  ReactToRunPhase(run, post_promotion ? "Blue/green post-promotion analysis"
                                      : "Blue/green pre-promotion analysis");
}

void RolloutSync::DeleteOldAnalysisRuns(const std::vector<const Value*>& others) {
  // Newest first; runs of ReplicaSets that are gone go at once, finished ones beyond the
  // history limits after.
  std::vector<const Value*> sorted = others;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Value* a, const Value* b) {
    return a->StringAt({"metadata", "creationTimestamp"}) >
           b->StringAt({"metadata", "creationTimestamp"});
  });
  int64_t successful = 0;
  int64_t unsuccessful = 0;
  for (const Value* run : sorted) {
    std::string_view hash = run->StringAt({"metadata", "labels", kPodTemplateHashLabel});
    const RsState* owner = nullptr;
    for (const RsState& rs : rs_) {
      if (!hash.empty() && rs.hash() == hash) owner = &rs;
    }
    bool remove = owner == nullptr || wl::IsTerminating(owner->view);
    std::string_view phase = PhaseOf(run);
    if (!remove && phase == "Successful") {
      remove = ++successful > spec_.successful_run_history_limit;
    } else if (!remove && (phase == "Failed" || phase == "Error" || phase == "Inconclusive")) {
      remove = ++unsuccessful > spec_.unsuccessful_run_history_limit;
    }
    if (remove) actions_.remove.push_back(KeyOf(*run));
  }
}

void RolloutSync::ReconcileAnalysisRuns() {
  bool cancel = prev_.stable_rs == prev_.current_pod_hash || IsAborted() || prev_.promote_full ||
                IsFastRollback() || prev_.stable_rs.empty();
  CurrentRuns next;
  if (cancel) {
    for (const Value* run : {current_runs_.step, current_runs_.background,
                             current_runs_.pre_promotion, current_runs_.post_promotion}) {
      TerminateAnalysisRun(run);
    }
    next.pre_promotion = current_runs_.pre_promotion;
    next.post_promotion = current_runs_.post_promotion;
  } else if (spec_.canary) {
    next.step = ReconcileStepAnalysisRun();
    next.background = ReconcileBackgroundAnalysisRun();
  } else {
    next.pre_promotion = ReconcilePrePromotionAnalysisRun();
    PauseOrAbortForBlueGreen(next.pre_promotion, false);
    next.post_promotion = ReconcilePostPromotionAnalysisRun();
    PauseOrAbortForBlueGreen(next.post_promotion, true);
  }
  current_runs_ = next;
  if (spec_.canary) {
    next_.canary.current_step_analysis_run_status = RefOf(next.step);
    next_.canary.current_background_analysis_run_status = RefOf(next.background);
  } else {
    next_.blue_green.pre_promotion_analysis_run_status = RefOf(next.pre_promotion);
    next_.blue_green.post_promotion_analysis_run_status = RefOf(next.post_promotion);
  }
  std::vector<const Value*> others;
  for (const Value* run : runs_) {
    if (run != next.step && run != next.background && run != next.pre_promotion &&
        run != next.post_promotion) {
      others.push_back(run);
    }
  }
  for (const Value* run : others) TerminateAnalysisRun(run);
  DeleteOldAnalysisRuns(others);
}

}  // namespace capstan::rollout::internal
