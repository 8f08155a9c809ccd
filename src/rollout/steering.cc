// The kubectl-argo-rollouts plugin's patches (pkg/kubectl-argo-rollouts/cmd/{promote,abort,
// retry,pause,undo}) applied to a Rollout Value.
#include "rollout/steering.h"

#include <fmt/format.h>

#include "core/json.h"
#include "core/object.h"
#include "rollout/rollout.h"
#include "target/local/workload/internal/objects.h"

namespace capstan::rollout {

namespace wl = target::local::workload::internal;

namespace {

Status RequireRollout(const Value& rollout) {
  if (!rollout.is_object() || KindOf(rollout) != "Rollout") {
    return Error::Invalid(fmt::format("{}: not an argoproj.io Rollout", KeyOf(rollout).ToString()));
  }
  return OkStatus();
}

Value& StatusOf(Value& rollout) {
  Value& status = rollout["status"];
  if (!status.is_object()) status = Value::MakeObject();
  return status;
}

// The step index after the current one (capped at the number of steps), as the plugin
// computes it; nullopt for a Rollout without canary steps.
std::optional<int64_t> NextStepIndex(const Value& rollout) {
  const Value* steps = rollout.At({"spec", "strategy", "canary", "steps"});
  if (steps == nullptr || !steps->is_array() || steps->empty()) return std::nullopt;
  int64_t index = wl::IntAt(rollout, {"status", "currentStepIndex"}, 0);
  auto count = static_cast<int64_t>(steps->size());
  return index < count ? index + 1 : index;
}

// Removes from `metadata` (a template's) what the ReplicaSet's ephemeral-metadata annotation
// says the controller injected.
void RemoveInjected(Value& metadata, const Value& replica_set) {
  std::string_view text =
      replica_set.StringAt({"metadata", "annotations", kEphemeralMetadataAnnotation});
  if (text.empty()) return;
  auto injected = ParseJson(text, "ephemeral-metadata");
  if (!injected.ok() || !injected->is_object()) return;
  for (const char* field : {"labels", "annotations"}) {
    const Value* keys = injected->Find(field);
    Value* map = metadata.Find(field);
    if (keys == nullptr || !keys->is_object() || map == nullptr || !map->is_object()) continue;
    for (const auto& [key, value] : keys->as_object()) map->Erase(key);
    if (map->empty()) metadata.Erase(field);
  }
}

}  // namespace

Result<Value> Promote(const Value& rollout, bool full) {
  CAPSTAN_TRY(RequireRollout(rollout));
  Value out = rollout;
  if (wl::BoolAt(out, {"spec", "paused"})) out["spec"].Set("paused", false);
  Value& status = StatusOf(out);
  if (full) {
    if (status.StringAt({"currentPodHash"}) != status.StringAt({"stableRS"})) {
      status.Set("promoteFull", true);
    }
    return out;
  }
  const Value* pauses = status.Find("pauseConditions");
  bool paused = pauses != nullptr && pauses->is_array() && !pauses->empty();
  std::string_view run_phase =
      status.StringAt({"canary", "currentStepAnalysisRunStatus", "status"});
  // An Error run pauses like an Inconclusive one (analysis_runs.cc) and is promoted alike.
  bool inconclusive = out.At({"spec", "strategy", "canary"}) != nullptr &&
                      (run_phase == "Inconclusive" || run_phase == "Error");
  std::optional<int64_t> next = NextStepIndex(out);
  if (inconclusive && paused && wl::BoolAt(status, {"controllerPause"})) {
    if (next) {
      status.Erase("pauseConditions");
      status.Set("controllerPause", false);
      status.Set("currentStepIndex", *next);
    }
  } else if (paused) {
    status.Erase("pauseConditions");
  } else if (next) {
    // Not paused: promote skips the step in progress (an analysis, a setWeight).
    status.Set("currentStepIndex", *next);
  }
  return out;
}

Result<Value> Abort(const Value& rollout) {
  CAPSTAN_TRY(RequireRollout(rollout));
  Value out = rollout;
  StatusOf(out).Set("abort", true);
  return out;
}

Result<Value> Retry(const Value& rollout) {
  CAPSTAN_TRY(RequireRollout(rollout));
  Value out = rollout;
  StatusOf(out).Erase("abort");
  return out;
}

Result<Value> Pause(const Value& rollout) {
  CAPSTAN_TRY(RequireRollout(rollout));
  Value out = rollout;
  out["spec"].Set("paused", true);
  return out;
}

Result<Value> Resume(const Value& rollout) {
  CAPSTAN_TRY(RequireRollout(rollout));
  Value out = rollout;
  if (out["spec"].Find("paused") != nullptr) out["spec"].Set("paused", false);
  StatusOf(out).Erase("pauseConditions");
  return out;
}

Result<Value> RevisionTemplate(const Value& rollout, const std::vector<Value>& replica_sets,
                               int64_t to_revision) {
  CAPSTAN_TRY(RequireRollout(rollout));
  std::string_view uid = wl::UidOf(rollout);
  const Value* latest = nullptr;
  const Value* previous = nullptr;
  int64_t latest_revision = -1;
  int64_t previous_revision = -1;
  const Value* found = nullptr;
  for (const Value& rs : replica_sets) {
    if (NamespaceOf(rs) != NamespaceOf(rollout) || !wl::IsControlledBy(rs, uid)) continue;
    std::optional<int64_t> revision = wl::IntAnnotation(rs, kRevisionAnnotation);
    if (!revision) continue;
    if (to_revision > 0 && *revision == to_revision) found = &rs;
    if (*revision > latest_revision) {
      previous_revision = latest_revision;
      previous = latest;
      latest_revision = *revision;
      latest = &rs;
    } else if (*revision > previous_revision) {
      previous_revision = *revision;
      previous = &rs;
    }
  }
  if (to_revision > 0 && found == nullptr) {
    return Error::NotFound(
        fmt::format("rollouts \"{}\": unable to find specified revision {} in history",
                    NameOf(rollout), to_revision));
  }
  if (to_revision <= 0) found = previous;
  if (found == nullptr) {
    return Error::NotFound(fmt::format("no revision found for rollout \"{}\"", NameOf(rollout)));
  }
  Value pod_template = found->At({"spec", "template"}) ? *found->At({"spec", "template"}) : Value();
  Value& metadata = pod_template["metadata"];
  RemoveInjected(metadata, *found);
  if (Value* labels = metadata.Find("labels"); labels != nullptr && labels->is_object()) {
    labels->Erase(kPodTemplateHashLabel);
    labels->Erase(kImageTagLabel);
    labels->Erase(kRoleLabel);
  }
  return pod_template;
}

Result<Value> Undo(const Value& rollout, const std::vector<Value>& replica_sets,
                   int64_t to_revision) {
  CAPSTAN_TRY(RequireRollout(rollout));
  if (const Value* ref = rollout.At({"spec", "workloadRef"}); ref != nullptr && !ref->is_null()) {
    return Error::Invalid(fmt::format(
        "{}: spec.workloadRef: the template is {}'s \"{}\": undo it there (RevisionTemplate)",
        KeyOf(rollout).ToString(), ref->StringAt({"kind"}), ref->StringAt({"name"})));
  }
  auto pod_template = RevisionTemplate(rollout, replica_sets, to_revision);
  if (!pod_template.ok()) return pod_template.error();
  const Value* current = rollout.At({"spec", "template"});
  if (current != nullptr && wl::TemplatesEqualIgnoringHash(*current, *pod_template)) {
    return rollout;  // skipped rollback: the template already matches
  }
  Value out = rollout;
  out["spec"].Set("template", std::move(*pod_template));
  return out;
}

}  // namespace capstan::rollout
