// One task of a sync: apply or create, prune, delete a hook.
#include <fmt/format.h>

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

size_t Runner::Apply(const Task& task, bool dry_run) {
  ResourceResult& result = Started(task);
  size_t index = result_.resources.size() - 1;
  last_apply_error_.reset();
  target::ApplyOptions apply;
  apply.force = options_.force;
  apply.dry_run = dry_run;
  Result<Value> applied =
      target_.Apply(StampOwnership(WithListKeyDefaults(task.object), options_.app), apply);
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
