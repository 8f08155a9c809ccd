// The sync runner's state for one operation (sync.h's RunSync). Internal to sync;
// runner.cc holds the operation's steps, task_run.cc one task's, wait.cc the health wait.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sync/sync.h"

namespace capstan::sync::internal {

// Applies of one kind in one wave (and every dry run) run this many at a time, as Argo CD
// applies a wave's tasks concurrently. The API server does the work; more connections
// than this mostly queue on a small server.
inline constexpr size_t kApplyParallelism = 8;

class Runner {
 public:
  Runner(target::Target& target, const Plan& plan, const SyncOptions& options)
      : target_(target), plan_(plan), options_(options) {}

  SyncResult Run();

 private:
  enum class WaitOutcome { kDone, kFailed, kTimedOut, kCancelled };

  // runner.cc
  bool Cancelled() const;
  bool DryRunAll();
  bool RunWave(const Wave& wave, bool wait_for_resources);
  void FailWith(const std::string& message);
  void Terminate();
  void DeleteHooksWith(HookDeletePolicy policy);
  void Emit(ProgressEvent::Type type, const Wave& wave, const ResourceResult* result) const;

  // task_run.cc: each appends its ResourceResult and returns its index in results_.
  size_t Prune(const Task& task);
  // Deletes the previous run of a BeforeHookCreation hook and waits until it is gone;
  // "" when done, else why not.
  std::string DeleteOldHook(const Task& task);
  size_t Apply(const Task& task, bool dry_run);
  // The server-side apply of one task, without recording it. Thread-safe (the target is).
  Result<Value> CallApply(const Task& task, bool dry_run) const;
  // Records the outcome of CallApply as Apply does; returns the result's index.
  size_t RecordApply(const Task& task, bool dry_run, const Result<Value>& applied);
  // CallApply for each of `tasks` on up to kApplyParallelism threads, in the tasks' order.
  std::vector<Result<Value>> CallApplies(const std::vector<const Task*>& tasks, bool dry_run) const;
  // Deletes a hook this run created; "" or the error.
  std::string DeleteHook(const ResourceResult& hook);

  // wait.cc: polls until every task of `waiting` (indexes into results_) is done.
  WaitOutcome Wait(const Wave& wave, const std::vector<size_t>& waiting, std::string* failure);
  bool SleepUnlessCancelled(std::chrono::milliseconds duration) const;

  ResourceResult& Started(const Task& task);
  void Finished(ResourceResult& result) const;

  target::Target& target_;
  const Plan& plan_;
  const SyncOptions& options_;
  SyncResult result_;
  // Indexes into result_.resources of the hooks this run created, and their tasks.
  std::vector<std::pair<size_t, const Task*>> hooks_;
  std::set<size_t> deleted_hooks_;
  // The code of the last failed Apply, to tell "not there yet" from other failures.
  std::optional<ErrorCode> last_apply_error_;
};

// "apps/Deployment shop/web: message"; just the key when the message is empty; the message
// alone when it already names the object.
std::string Named(const ObjectKey& key, const std::string& message);

}  // namespace capstan::sync::internal
