#include "sync/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "sync/internal/annotations.h"
#include "sync/internal/steps.h"

namespace capstan::sync {

std::string_view PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kPreSync:
      return "PreSync";
    case Phase::kSync:
      return "Sync";
    case Phase::kPostSync:
      return "PostSync";
    case Phase::kSyncFail:
      return "SyncFail";
  }
  return "Sync";
}

std::string_view HookDeletePolicyName(HookDeletePolicy policy) {
  switch (policy) {
    case HookDeletePolicy::kBeforeHookCreation:
      return "BeforeHookCreation";
    case HookDeletePolicy::kHookSucceeded:
      return "HookSucceeded";
    case HookDeletePolicy::kHookFailed:
      return "HookFailed";
  }
  return "BeforeHookCreation";
}

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kApply:
      return "Apply";
    case Action::kCreateHook:
      return "CreateHook";
    case Action::kPrune:
      return "Prune";
    case Action::kPruneSkip:
      return "PruneSkip";
  }
  return "Apply";
}

bool Task::HasDeletePolicy(HookDeletePolicy policy) const {
  return std::find(delete_policies.begin(), delete_policies.end(), policy) != delete_policies.end();
}

size_t Plan::TaskCount() const {
  size_t count = 0;
  for (const std::vector<Wave>* list : {&waves, &sync_fail}) {
    for (const Wave& wave : *list) count += wave.tasks.size();
  }
  return count;
}

std::string TrackingId(std::string_view app, const ObjectKey& key) {
  return fmt::format("{}:{}/{}:{}/{}", app, key.group, key.kind, key.ns, key.name);
}

Result<Plan> BuildPlan(const PlanInput& input, const PlanOptions& options) {
  if (options.app.empty()) return Error::Invalid("sync plan: the Application name is empty");
  std::set<ObjectKey> seen;
  for (const Manifest& manifest : input.desired) {
    Status valid = ValidateObject(manifest.object);
    if (!valid.ok()) return std::move(valid).error().Wrap(manifest.source);
    // Hooks with only generateName get their names later, one per operation.
    if (!NameOf(manifest.object).empty() && !seen.insert(KeyOf(manifest.object)).second) {
      return Error::Conflict(
          fmt::format("{}: declared twice", internal::Describe(manifest.object, manifest.source)));
    }
  }
  internal::LiveIndex live;
  for (const Value& object : input.live) live.emplace(KeyOf(object), &object);

  Result<std::vector<Task>> tasks = internal::ResourceTasks(input, live);
  if (!tasks.ok()) return std::move(tasks).error();
  Result<std::vector<Task>> hooks = internal::HookTasks(input, live, options);
  if (!hooks.ok()) return std::move(hooks).error();
  for (Task& hook : *hooks) tasks->push_back(std::move(hook));
  std::vector<Task> prunes = internal::PruneTasks(input, options, *tasks);
  for (Task& prune : prunes) tasks->push_back(std::move(prune));

  internal::SortTasks(*tasks);
  if (options.apply_out_of_sync_only) {
    std::erase_if(*tasks, [&](const Task& task) {
      return task.action == Action::kApply && task.live.has_value() &&
             input.in_sync.count(task.key) != 0;
    });
  }
  return internal::GroupWaves(std::move(*tasks));
}

}  // namespace capstan::sync
