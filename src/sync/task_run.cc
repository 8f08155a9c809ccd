// One task of a sync: apply or create, prune, delete a hook.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "sync/internal/runner.h"

namespace capstan::sync::internal {

ResourceResult& Runner::Started(const Task& task) {
  ResourceResult& result = result_.resources.emplace_back();
  result.key = task.key;
  result.phase = task.phase;
  result.wave = task.wave;
  result.action = task.action;
  result.is_hook = task.is_hook;
  result.started = std::chrono::system_clock::now();
  return result;
}

void Runner::Finished(ResourceResult& result) const {
  result.finished = std::chrono::system_clock::now();
}

Result<Value> Runner::CallApply(const Task& task, bool dry_run) const {
  target::ApplyOptions apply;
  apply.force = options_.force;
  apply.dry_run = dry_run;
  return target_.Apply(StampOwnership(WithListKeyDefaults(task.object), options_.app), apply);
}

size_t Runner::Apply(const Task& task, bool dry_run) {
  return RecordApply(task, dry_run, CallApply(task, dry_run));
}

size_t Runner::RecordApply(const Task& task, bool dry_run, const Result<Value>& applied) {
  ResourceResult& result = Started(task);
  size_t index = result_.resources.size() - 1;
  last_apply_error_.reset();
  if (!applied.ok()) {
    last_apply_error_ = applied.error().code();
    result.status = ResultCode::kSyncFailed;
    result.message = applied.error().message();
    if (task.is_hook) result.hook_phase = OperationPhase::kFailed;
  } else {
    result.status = ResultCode::kSynced;
    std::string_view verb = task.live && !task.is_hook ? "configured" : "created";
    result.message = dry_run ? fmt::format("{} (dry run)", verb) : std::string(verb);
    if (task.is_hook) {
      result.hook_phase = dry_run ? OperationPhase::kSucceeded : OperationPhase::kRunning;
    }
  }
  Finished(result);
  return index;
}

std::vector<Result<Value>> Runner::CallApplies(const std::vector<const Task*>& tasks,
                                               bool dry_run) const {
  std::vector<std::optional<Result<Value>>> outcomes(tasks.size());
  std::atomic<size_t> next = 0;
  auto work = [&] {
    for (size_t i = next++; i < tasks.size(); i = next++) {
      outcomes[i] = CallApply(*tasks[i], dry_run);
    }
  };
  size_t threads = std::min(tasks.size(), kApplyParallelism);
  std::vector<std::thread> pool;
  for (size_t i = 1; i < threads; ++i) pool.emplace_back(work);
  work();
  for (std::thread& thread : pool) thread.join();
  std::vector<Result<Value>> results;
  results.reserve(tasks.size());
  for (auto& outcome : outcomes) results.push_back(std::move(*outcome));
  return results;
}

size_t Runner::Prune(const Task& task) {
  ResourceResult& result = Started(task);
  size_t index = result_.resources.size() - 1;
  if (task.action == Action::kPruneSkip) {
    result.status = ResultCode::kPruneSkipped;
    result.message = task.message;
  } else if (options_.dry_run) {
    result.status = ResultCode::kPruned;
    result.message = "pruned (dry run)";
  } else {
    // Already being deleted: asking again would only update it.
    const Value* deleting = task.object.At({"metadata", "deletionTimestamp"});
    Status deleted = OkStatus();
    if (deleting == nullptr || deleting->is_null()) {
      target::DeleteOptions remove;
      remove.propagation = options_.prune_propagation;
      deleted = target_.Delete(task.key, remove);
    }
    result.status = deleted.ok() ? ResultCode::kPruned : ResultCode::kSyncFailed;
    result.message = deleted.ok() ? "pruned" : deleted.error().message();
  }
  Finished(result);
  return index;
}

std::string Runner::DeleteOldHook(const Task& task) {
  Status deleted = target_.Delete(task.key, {});
  if (!deleted.ok()) return "failed to delete the previous run: " + deleted.error().message();
  std::string api_version(task.object.StringAt({"apiVersion"}));
  auto deadline = std::chrono::steady_clock::now() + options_.wave_timeout;
  while (true) {
    Result<std::optional<Value>> live = target_.Get(task.key, api_version);
    if (live.ok() && !live->has_value()) return {};
    if (std::chrono::steady_clock::now() >= deadline) {
      return fmt::format(
          "timed out after {}s waiting for deletion of the previous run",
          std::chrono::duration_cast<std::chrono::seconds>(options_.wave_timeout).count());
    }
    if (!SleepUnlessCancelled(options_.poll_interval)) return std::string("Operation terminated");
  }
}

std::string Runner::DeleteHook(const ResourceResult& hook) {
  target::DeleteOptions remove;
  // The hook's Pods go with it (a Job's Pods would otherwise be orphaned until GC runs).
  remove.propagation = target::Propagation::kBackground;
  Status deleted = target_.Delete(hook.key, remove);
  return deleted.ok() ? std::string() : deleted.error().message();
}

}  // namespace capstan::sync::internal
