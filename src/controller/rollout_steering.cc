// Steering: read the Rollout, let rollout/steering.h change it, write back only what
// changed — spec fields as the person steering (kSteeringFieldManager), the status as the
// Rollout controller owns it (the whole status, through the status subresource, as
// `kubectl argo rollouts` patches it).
#include "controller/rollout_steering.h"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "rollout/rollout.h"
#include "rollout/steering.h"
#include "target/local/workload/internal/objects.h"

namespace capstan::controller {
namespace {

namespace wl = target::local::workload::internal;

constexpr char kRolloutApiVersion[] = "argoproj.io/v1alpha1";

constexpr std::array<std::pair<RolloutAction, std::string_view>, 6> kActionNames = {{
    {RolloutAction::kPromote, "promote"},
    {RolloutAction::kAbort, "abort"},
    {RolloutAction::kRetry, "retry"},
    {RolloutAction::kPause, "pause"},
    {RolloutAction::kResume, "resume"},
    {RolloutAction::kUndo, "undo"},
}};

Value Named(std::string_view ns, std::string_view name) {
  Value object = Value::MakeObject();
  object.Set("apiVersion", kRolloutApiVersion);
  object.Set("kind", "Rollout");
  object["metadata"].Set("name", name);
  object["metadata"].Set("namespace", ns);
  return object;
}

Result<Value> LiveRollout(target::Target& target, const std::string& ns, const std::string& name) {
  auto live = target.Get({"argoproj.io", "Rollout", ns, name}, kRolloutApiVersion);
  if (!live.ok()) return live.error();
  if (!live->has_value()) {
    return Error::NotFound(
        fmt::format("rollouts.argoproj.io \"{}\" not found in namespace {}", name, ns));
  }
  return **live;
}

// What `rollout`'s controller owns of `kind` in its namespace (its ReplicaSets and
// AnalysisRuns carry its uid as their controller).
Result<std::vector<Value>> Owned(target::Target& target, const Value& rollout,
                                 const char* api_version, const char* kind) {
  std::string ns(NamespaceOf(rollout));
  auto listed = target.List({api_version, kind, ns, "", ""});
  if (!listed.ok()) return listed.error();
  std::vector<Value> owned;
  std::string_view uid = wl::UidOf(rollout);
  for (Value& object : *listed) {
    if (wl::IsControlledBy(object, uid)) owned.push_back(std::move(object));
  }
  return owned;
}

Result<Value> Apply(RolloutAction action, const Value& rollout, target::Target& target,
                    const SteerOptions& options) {
  switch (action) {
    case RolloutAction::kPromote:
      return rollout::Promote(rollout, options.full);
    case RolloutAction::kAbort:
      return rollout::Abort(rollout);
    case RolloutAction::kRetry:
      return rollout::Retry(rollout);
    case RolloutAction::kPause:
      return rollout::Pause(rollout);
    case RolloutAction::kResume:
      return rollout::Resume(rollout);
    case RolloutAction::kUndo: {
      auto replica_sets = Owned(target, rollout, "apps/v1", "ReplicaSet");
      if (!replica_sets.ok()) return replica_sets.error();
      return rollout::Undo(rollout, *replica_sets, options.to_revision);
    }
  }
  return Error::Internal("unknown rollout action");
}

// Writes the spec fields and the status `after` changed relative to `before`.
Result<Value> WriteChanges(target::Target& target, const Value& before, const Value& after) {
  std::string ns(NamespaceOf(before));
  std::string name(NameOf(before));
  Value spec = Value::MakeObject();
  for (const char* field : {"paused", "template"}) {
    const Value* was = before.At({"spec", field});
    const Value* now = after.At({"spec", field});
    if (now != nullptr && (was == nullptr || !(*was == *now))) spec.Set(field, *now);
  }
  Value stored = before;
  if (!spec.as_object().empty()) {
    Value object = Named(ns, name);
    object.Set("spec", std::move(spec));
    target::ApplyOptions options;
    options.force = true;  // a person steering overrides whoever set the field last
    options.field_manager = target::kSteeringFieldManager;
    auto applied = target.Apply(object, options);
    if (!applied.ok()) return applied.error();
    stored = *applied;
  }
  const Value* was = before.Find("status");
  const Value* now = after.Find("status");
  if (now != nullptr && (was == nullptr || !(*was == *now))) {
    Value object = Named(ns, name);
    object.Set("status", *now);
    target::ApplyOptions options;
    options.force = true;
    options.field_manager = target::kRolloutsFieldManager;
    options.status = true;
    auto applied = target.Apply(object, options);
    if (!applied.ok()) return applied.error();
    stored = *applied;
  }
  return stored;
}

std::string MessageOf(RolloutAction action, const std::string& name, const SteerOptions& options,
                      bool changed) {
  switch (action) {
    case RolloutAction::kPromote:
      return fmt::format("rollout '{}' {}promoted", name, options.full ? "fully " : "");
    case RolloutAction::kAbort:
      return fmt::format("rollout '{}' aborted", name);
    case RolloutAction::kRetry:
      return fmt::format("rollout '{}' retried", name);
    case RolloutAction::kPause:
      return fmt::format("rollout '{}' paused", name);
    case RolloutAction::kResume:
      return fmt::format("rollout '{}' resumed", name);
    case RolloutAction::kUndo:
      return changed ? fmt::format("rollout '{}' undo", name)
                     : fmt::format(
                           "rollout '{}': skipped rollback (current template already "
                           "matches the target revision)",
                           name);
  }
  return "";
}

}  // namespace

std::optional<RolloutAction> ParseRolloutAction(std::string_view name) {
  for (const auto& [action, text] : kActionNames) {
    if (text == name) return action;
  }
  return std::nullopt;
}

std::string_view RolloutActionName(RolloutAction action) {
  for (const auto& [candidate, text] : kActionNames) {
    if (candidate == action) return text;
  }
  return "";
}

Result<SteerResult> SteerRollout(target::Target& target, const std::string& ns,
                                 const std::string& name, RolloutAction action,
                                 const SteerOptions& options) {
  auto before = LiveRollout(target, ns, name);
  if (!before.ok()) return before.error();
  auto after = Apply(action, *before, target, options);
  if (!after.ok()) return after.error();
  bool changed = !(*after == *before);
  auto stored = WriteChanges(target, *before, *after);
  if (!stored.ok()) return stored.error();
  return SteerResult{std::move(*stored), MessageOf(action, name, options, changed)};
}

Result<Value> DescribeRollout(target::Target& target, const std::string& ns,
                              const std::string& name) {
  auto rollout = LiveRollout(target, ns, name);
  if (!rollout.ok()) return rollout.error();
  auto replica_sets = Owned(target, *rollout, "apps/v1", "ReplicaSet");
  if (!replica_sets.ok()) return replica_sets.error();
  auto runs = Owned(target, *rollout, kRolloutApiVersion, "AnalysisRun");
  if (!runs.ok()) return runs.error();
  Value view = Value::MakeObject();
  view.Set("summary", RolloutSummary(*rollout, *replica_sets, *runs));
  view.Set("rollout", std::move(*rollout));
  Value& sets = view["replicaSets"] = Value::MakeArray();
  for (Value& rs : *replica_sets) sets.as_array().push_back(std::move(rs));
  Value& analysis_runs = view["analysisRuns"] = Value::MakeArray();
  for (Value& run : *runs) analysis_runs.as_array().push_back(std::move(run));
  return view;
}

}  // namespace capstan::controller
