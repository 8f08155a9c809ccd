// The steps of BuildPlan, one file each (hooks.cc, prune.cc, waves.cc). Internal to sync.
#pragma once

#include <map>
#include <vector>

#include "core/object.h"
#include "core/result.h"
#include "sync/plan.h"

namespace capstan::sync::internal {

using LiveIndex = std::map<ObjectKey, const Value*>;

// Tasks for the desired objects that are not hooks: one kApply in the Sync phase each,
// none for `hook: Skip`.
Result<std::vector<Task>> ResourceTasks(const PlanInput& input, const LiveIndex& live);

// Tasks for the desired hooks: one kCreateHook per Sync-time phase each, named for this
// operation when they have only generateName.
Result<std::vector<Task>> HookTasks(const PlanInput& input, const LiveIndex& live,
                                    const PlanOptions& options);

// kPrune or kPruneSkip tasks for live objects this Application created (exact tracking
// annotation) that are neither desired nor hooks, with their waves reversed and PruneLast
// applied. `tasks` are the other tasks, for the last Sync wave.
std::vector<Task> PruneTasks(const PlanInput& input, const PlanOptions& options,
                             const std::vector<Task>& tasks);

// Sorts by phase, wave, kind order and name, then moves each Namespace before the first
// object in it and each CRD before the first of its custom resources.
void SortTasks(std::vector<Task>& tasks);

// Groups sorted tasks into waves; SyncFail ones go to Plan::sync_fail.
Plan GroupWaves(std::vector<Task> tasks);

}  // namespace capstan::sync::internal
