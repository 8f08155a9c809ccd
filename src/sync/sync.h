// sync: running one sync operation — a Plan (plan.h) against a Target, wave by wave.
//
//   auto plan = sync::BuildPlan(input, {.app = "shop", .prune = true});
//   sync::SyncResult result = sync::RunSync(target, *plan, {.app = "shop"});
//
// Semantics follow Argo CD's sync (docs/sync.md): everything is applied once as a dry run
// first; then each wave is applied, and, when the sync has more than one wave, waited on
// until its objects are Healthy (health/health.h) before the next; hooks are always waited
// on until they complete. A failure stops the sync, runs the SyncFail hooks and ends
// Failed. Every object applied gets the label target::kAppLabel = app and the annotation
// target::kTrackingAnnotation = TrackingId(app, key), which later prunes rely on.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/object.h"
#include "health/health.h"
#include "sync/plan.h"
#include "target/target.h"

namespace capstan::sync {

// The state of a whole operation, and of one hook (Argo CD's OperationPhase).
enum class OperationPhase {
  kRunning,      // under way (a hook: created, not yet complete)
  kTerminating,  // being cancelled
  kFailed,       // an object or hook failed, or the wait timed out (a hook: it failed)
  kError,        // capstan could not do its part (deleting a hook failed)
  kSucceeded,    // every task done (a hook: it completed)
};
std::string_view OperationPhaseName(OperationPhase phase);

// The result of one task (Argo CD's ResultCode).
enum class ResultCode {
  kSynced,        // applied or created
  kSyncFailed,    // the apply, create or delete failed (the message says why)
  kPruned,        // deleted
  kPruneSkipped,  // left in place (pruning off, or Prune=false)
};
std::string_view ResultCodeName(ResultCode code);

struct ResourceResult {
  ObjectKey key;
  Phase phase = Phase::kSync;
  int wave = 0;
  Action action = Action::kApply;
  ResultCode status = ResultCode::kSynced;
  // "created", "configured", "pruned", the server's error, the hook's health message...
  std::string message;
  bool is_hook = false;
  // Hooks only: Running until the hook completes, then Succeeded or Failed.
  std::optional<OperationPhase> hook_phase;
  // Health seen last while waiting (objects with a check that were waited on).
  std::optional<health::Health> health;
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point finished;
};

struct SyncResult {
  OperationPhase phase = OperationPhase::kSucceeded;
  // One sentence naming what failed: "one or more objects failed to apply, reason:
  // ConfigMap shop/settings: ...", "hook batch/Job shop/migrate failed: ...".
  std::string message;
  // One per task run, in the order they ran (the dry run adds none unless it failed).
  std::vector<ResourceResult> resources;
};

// What the runner is doing, for a CLI or UI to show as it happens.
struct ProgressEvent {
  enum class Type {
    kDryRun,       // the dry run of every task is starting
    kWaveStarted,  // phase/wave begins
    kApplied,      // key applied or created (result holds the outcome)
    kPruned,       // key pruned or prune skipped
    kHookDeleted,  // key (a hook) deleted by its delete policy
    kHealth,       // key's health changed while waiting (result.health)
    kWaveDone,     // phase/wave finished, every object healthy or done
  };
  Type type = Type::kWaveStarted;
  Phase phase = Phase::kSync;
  int wave = 0;
  // Set for per-object events.
  const ResourceResult* result = nullptr;
};

// Default pause between two health checks of a waiting wave.
inline constexpr std::chrono::milliseconds kDefaultPollInterval{1000};
// Default limit on waiting for one wave to become healthy: as long as a Deployment's
// default progressDeadlineSeconds, after which it would turn Degraded anyway.
inline constexpr std::chrono::milliseconds kDefaultWaveTimeout{600'000};

struct SyncOptions {
  // The Application's name, for the label and tracking annotation. Required.
  std::string app;
  // Apply every task as a server dry run first and change nothing if one fails, as Argo CD
  // does. Default on; off saves one request per object.
  bool dry_run_first = true;
  // Run the whole sync as a dry run: nothing is stored, nothing waited on, hooks not
  // deleted. Default off.
  bool dry_run = false;
  // Take ownership of fields other managers own (target::ApplyOptions::force). Default off:
  // such a conflict fails the object with the other manager's name.
  bool force = false;
  // How prunes delete. Default background (the garbage collector removes dependents
  // later). Argo CD defaults to foreground, which waits for dependents and needs a running
  // garbage collector.
  target::Propagation prune_propagation = target::Propagation::kBackground;
  std::chrono::milliseconds poll_interval = kDefaultPollInterval;
  // Per wave; also bounds waiting for a BeforeHookCreation delete to finish.
  std::chrono::milliseconds wave_timeout = kDefaultWaveTimeout;
  // Checked between steps and while waiting; when it turns true, running hooks are
  // deleted and the sync ends Failed "Operation terminated". May be null. Not owned.
  const std::atomic<bool>* cancel = nullptr;
  // Called on the running thread for each ProgressEvent; the pointers in it are valid only
  // during the call. May be empty.
  std::function<void(const ProgressEvent&)> progress;
};

// Runs `plan` against `target` and returns how it went; never throws. Blocks until the sync
// ends (at most about the number of waves × wave_timeout). Errors from the target become
// SyncFailed results and a Failed operation, each naming the object.
// REQUIRES: options.app is the Application the plan was built for.
SyncResult RunSync(target::Target& target, const Plan& plan, const SyncOptions& options);

// `object` with `protocol: TCP` filled into Service ports and container ports that leave it
// out. It is Kubernetes' default, but server-side apply on API servers before 1.21 refuses
// such a list element ("associative list with keys has an element that omits key field
// protocol"), and Argo CD's example Services leave it out. Other fields are kept.
Value WithListKeyDefaults(Value object);

// `object` with target::kAppLabel = app and target::kTrackingAnnotation = TrackingId(app,
// key) set (other labels and annotations kept).
Value StampOwnership(Value object, std::string_view app);

}  // namespace capstan::sync
