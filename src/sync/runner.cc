// The steps of one sync operation, as Argo CD's sync context takes them: dry run, then each
// wave (prune, replace old hooks, apply, wait), then hook clean-up; SyncFail hooks on
// failure.
#include "sync/internal/runner.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <utility>

namespace capstan::sync::internal {

namespace {

constexpr char kTerminated[] = "Operation terminated";

// Argo CD waits for the health of non-hook objects only when the sync has more than one
// step (SyncFail hooks count): a plain sync succeeds once everything is applied.
bool MultiStep(const Plan& plan) {
  std::set<std::pair<Phase, int>> steps;
  for (const std::vector<Wave>* list : {&plan.waves, &plan.sync_fail}) {
    for (const Wave& wave : *list) steps.insert({wave.phase, wave.wave});
  }
  return steps.size() > 1;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

}  // namespace

bool Runner::Cancelled() const {
  return options_.cancel != nullptr && options_.cancel->load(std::memory_order_relaxed);
}

void Runner::Emit(ProgressEvent::Type type, const Wave& wave, const ResourceResult* result) const {
  if (!options_.progress) return;
  options_.progress(ProgressEvent{type, wave.phase, wave.wave, result});
}

SyncResult Runner::Run() {
  if (options_.app.empty()) {
    result_.phase = OperationPhase::kError;
    result_.message = "sync: the Application name is empty";
    return result_;
  }
  if (options_.dry_run_first && !options_.dry_run && !DryRunAll()) return result_;

  bool multi_step = MultiStep(plan_);
  for (size_t i = 0; i < plan_.waves.size(); ++i) {
    if (Cancelled()) {
      Terminate();
      return result_;
    }
    bool last = i + 1 == plan_.waves.size();
    if (!RunWave(plan_.waves[i], multi_step && !last)) return result_;
  }
  if (!options_.dry_run) DeleteHooksWith(HookDeletePolicy::kHookSucceeded);
  if (result_.phase == OperationPhase::kSucceeded) {
    result_.message = "successfully synced (all tasks run)";
  }
  return result_;
}

bool Runner::DryRunAll() {
  if (options_.progress && !plan_.waves.empty())
    Emit(ProgressEvent::Type::kDryRun, plan_.waves[0], nullptr);
  // What this sync creates, so that objects needing it are not failed by the dry run.
  std::set<std::string> namespaces;
  std::set<std::string> crd_kinds;
  for (const std::vector<Wave>* list : {&plan_.waves, &plan_.sync_fail}) {
    for (const Wave& wave : *list) {
      for (const Task& task : wave.tasks) {
        if (task.action != Action::kApply) continue;
        if (task.key.kind == "Namespace" && task.key.group.empty())
          namespaces.insert(task.key.name);
        if (task.key.kind == "CustomResourceDefinition") {
          crd_kinds.insert(fmt::format("{}/{}", task.object.StringAt({"spec", "group"}),
                                       task.object.StringAt({"spec", "names", "kind"})));
        }
      }
    }
  }
  std::vector<const Task*> checked;
  for (const std::vector<Wave>* list : {&plan_.waves, &plan_.sync_fail}) {
    for (const Wave& wave : *list) {
      for (const Task& task : wave.tasks) {
        if (task.action != Action::kApply && task.action != Action::kCreateHook) continue;
        // A hook that replaces its previous run would be checked against the old object.
        if (task.live && task.HasDeletePolicy(HookDeletePolicy::kBeforeHookCreation)) continue;
        checked.push_back(&task);
      }
    }
  }
  // Dry runs change nothing, so their order does not matter: all run concurrently.
  std::vector<Result<Value>> outcomes = CallApplies(checked, /*dry_run=*/true);
  std::vector<std::string> failures;
  for (size_t i = 0; i < checked.size(); ++i) {
    const Task& task = *checked[i];
    ResourceResult& result = result_.resources[RecordApply(task, /*dry_run=*/true, outcomes[i])];
    if (result.status != ResultCode::kSyncFailed) continue;
    // NotFound: the kind is not served or the namespace does not exist, yet.
    bool needs_this_sync = task.skip_dry_run_on_missing_kind ||
                           crd_kinds.count(task.key.group + "/" + task.key.kind) != 0 ||
                           (!task.key.ns.empty() && namespaces.count(task.key.ns) != 0);
    if (needs_this_sync && last_apply_error_ == ErrorCode::kNotFound) {
      result.status = ResultCode::kSynced;  // dropped below with the passing ones
      continue;
    }
    failures.push_back(Named(task.key, result.message));
  }
  // Only failures of the dry run are reported; what passed is applied for real next.
  std::erase_if(result_.resources,
                [](const ResourceResult& r) { return r.status != ResultCode::kSyncFailed; });
  if (failures.empty()) return true;
  result_.phase = OperationPhase::kFailed;
  result_.message = "one or more objects failed to apply (dry run), reason: " + Join(failures);
  return false;
}

bool Runner::RunWave(const Wave& wave, bool wait_for_resources) {
  Emit(ProgressEvent::Type::kWaveStarted, wave, nullptr);
  std::vector<std::string> failures;
  std::vector<size_t> waiting;
  // Consecutive plain objects of one kind are applied concurrently when the first of them
  // is reached; between kinds the plan's order holds (a ServiceAccount before the
  // Deployment that uses it), and Namespaces and CRDs go one by one before what they hold.
  std::map<const Task*, Result<Value>> applied;
  auto batchable = [](const Task& task) {
    return task.action == Action::kApply && !task.is_hook && task.key.kind != "Namespace" &&
           task.key.kind != "CustomResourceDefinition";
  };
  auto apply_batch_from = [&](size_t at) {
    const Task& first = wave.tasks[at];
    std::vector<const Task*> batch;
    for (size_t i = at;
         i < wave.tasks.size() && batchable(wave.tasks[i]) &&
         wave.tasks[i].key.group == first.key.group && wave.tasks[i].key.kind == first.key.kind;
         ++i) {
      batch.push_back(&wave.tasks[i]);
    }
    if (batch.size() < 2) return;
    std::vector<Result<Value>> outcomes = CallApplies(batch, options_.dry_run);
    for (size_t i = 0; i < batch.size(); ++i) applied.emplace(batch[i], std::move(outcomes[i]));
  };
  for (size_t at = 0; at < wave.tasks.size(); ++at) {
    const Task& task = wave.tasks[at];
    if (Cancelled()) {
      Terminate();
      return false;
    }
    if (batchable(task) && !applied.contains(&task)) apply_batch_from(at);
    if (task.action == Action::kPrune || task.action == Action::kPruneSkip) {
      size_t index = Prune(task);
      Emit(ProgressEvent::Type::kPruned, wave, &result_.resources[index]);
      if (result_.resources[index].status == ResultCode::kSyncFailed) {
        failures.push_back(Named(task.key, result_.resources[index].message));
      }
      continue;
    }
    if (task.is_hook && task.live && !options_.dry_run &&
        task.HasDeletePolicy(HookDeletePolicy::kBeforeHookCreation)) {
      if (std::string why = DeleteOldHook(task); !why.empty()) {
        failures.push_back(Named(task.key, why));
        continue;
      }
    }
    auto done = applied.find(&task);
    size_t index = done != applied.end() ? RecordApply(task, options_.dry_run, done->second)
                                         : Apply(task, options_.dry_run);
    ResourceResult& result = result_.resources[index];
    Emit(ProgressEvent::Type::kApplied, wave, &result);
    if (result.status == ResultCode::kSyncFailed) {
      failures.push_back(Named(task.key, result.message));
      continue;
    }
    if (task.is_hook) {
      hooks_.emplace_back(index, &task);
      if (!options_.dry_run) waiting.push_back(index);
    } else if (wait_for_resources && !options_.dry_run) {
      waiting.push_back(index);
    }
  }
  if (!failures.empty()) {
    FailWith("one or more objects failed to apply, reason: " + Join(failures));
    return false;
  }
  std::string failure;
  switch (Wait(wave, waiting, &failure)) {
    case WaitOutcome::kDone:
      Emit(ProgressEvent::Type::kWaveDone, wave, nullptr);
      return true;
    case WaitOutcome::kCancelled:
      Terminate();
      return false;
    case WaitOutcome::kFailed:
      FailWith("one or more synchronization tasks completed unsuccessfully, reason: " + failure);
      return false;
    case WaitOutcome::kTimedOut:
      FailWith(failure);
      return false;
  }
  return false;
}

void Runner::FailWith(const std::string& message) {
  result_.phase = OperationPhase::kFailed;
  result_.message = message;
  if (options_.dry_run) return;
  DeleteHooksWith(HookDeletePolicy::kHookFailed);
  if (plan_.sync_fail.empty() || Cancelled()) return;
  // SyncFail hooks run once; their own failure is reported after the sync's.
  std::string failed_message = result_.message;
  std::vector<std::string> hook_failures;
  for (const Wave& wave : plan_.sync_fail) {
    Emit(ProgressEvent::Type::kWaveStarted, wave, nullptr);
    std::vector<size_t> waiting;
    for (const Task& task : wave.tasks) {
      if (task.live && task.HasDeletePolicy(HookDeletePolicy::kBeforeHookCreation)) {
        if (std::string why = DeleteOldHook(task); !why.empty()) {
          hook_failures.push_back(Named(task.key, why));
          continue;
        }
      }
      size_t index = Apply(task, false);
      Emit(ProgressEvent::Type::kApplied, wave, &result_.resources[index]);
      if (result_.resources[index].status == ResultCode::kSyncFailed) {
        hook_failures.push_back(Named(task.key, result_.resources[index].message));
        continue;
      }
      hooks_.emplace_back(index, &task);
      waiting.push_back(index);
    }
    std::string failure;
    WaitOutcome outcome = Wait(wave, waiting, &failure);
    if (outcome == WaitOutcome::kFailed || outcome == WaitOutcome::kTimedOut) {
      hook_failures.push_back(failure);
    }
  }
  DeleteHooksWith(HookDeletePolicy::kHookFailed);
  result_.phase = OperationPhase::kFailed;
  result_.message = failed_message;
  if (!hook_failures.empty()) {
    result_.message += "\none or more SyncFail hooks failed, reason: " + Join(hook_failures);
  }
}

void Runner::Terminate() {
  result_.phase = OperationPhase::kTerminating;
  // Hooks still running are deleted, as Argo CD does when an operation is terminated.
  for (const auto& [index, task] : hooks_) {
    ResourceResult& hook = result_.resources[index];
    if (hook.hook_phase != OperationPhase::kRunning) continue;
    std::string why = DeleteHook(hook);
    hook.hook_phase = OperationPhase::kFailed;
    hook.message = why.empty() ? "Terminated" : "Terminated; " + why;
  }
  result_.phase = OperationPhase::kFailed;
  result_.message = kTerminated;
}

void Runner::DeleteHooksWith(HookDeletePolicy policy) {
  for (const auto& [index, task] : hooks_) {
    ResourceResult& hook = result_.resources[index];
    if (!task->HasDeletePolicy(policy) || hook.hook_phase == OperationPhase::kRunning ||
        deleted_hooks_.count(index) != 0) {
      continue;
    }
    if (std::string why = DeleteHook(hook); !why.empty()) {
      hook.hook_phase = OperationPhase::kError;
      hook.message = "failed to delete resource: " + why;
      if (result_.phase == OperationPhase::kSucceeded) {
        result_.phase = OperationPhase::kError;
        result_.message = Named(hook.key, hook.message);
      }
      continue;
    }
    deleted_hooks_.insert(index);
    if (options_.progress) {
      Wave wave{hook.phase, hook.wave, {}};
      Emit(ProgressEvent::Type::kHookDeleted, wave, &hook);
    }
  }
}

}  // namespace capstan::sync::internal
