// One reconcile of one Application, as named steps with early returns. Level-triggered:
// every step reads the world again (Git, the cluster, the store), so a reconcile after a
// crash or a missed event converges the same way.
#include <fmt/format.h>

#include <random>

#include "controller/app_controller.h"
#include "controller/app_state.h"
#include "controller/compare.h"
#include "controller/operation.h"
#include "core/json.h"
#include "core/log.h"
#include "diff/diff.h"

namespace capstan::controller {

namespace {

constexpr std::chrono::milliseconds kAfterSyncDelay{1000};

Value Condition(std::string_view type, std::string_view message) {
  Value condition = Value::MakeObject();
  condition.Set("type", type);
  condition.Set("message", message);
  condition.Set("lastTransitionTime", FormatTime(std::chrono::system_clock::now()));
  return condition;
}

}  // namespace

Status AppController::Reconcile(const std::string& name) {
  std::shared_ptr<AppState> state;
  {
    std::lock_guard lock(mu_);
    auto it = apps_.find(name);
    if (it == apps_.end()) return OkStatus();  // removed meanwhile
    state = it->second;
  }
  Application app;
  std::optional<SyncRequest> pending;
  int64_t pending_id = 0;
  bool refresh = false;
  std::string pinned;
  {
    std::lock_guard lock(state->mu);
    app = state->spec;
    pending = state->pending;
    pending_id = state->pending_operation_id;
    refresh = state->refresh;
    state->refresh = false;
    pinned = state->pinned_revision;
  }

  // Whatever goes wrong is shown as a condition and an Unknown status, as Argo CD's
  // ComparisonError, and the Application is looked at again after a back-off.
  auto fail = [&](std::string_view type, const Error& error) -> Status {
    Log(LogLevel::kWarning, "app {}: {}", name, error.message());
    std::lock_guard lock(state->mu);
    state->conditions = {Condition(type, error.message())};
    state->status.sync_status = "Unknown";
    state->status.reconciled_at = std::chrono::system_clock::now();
    if (pending && state->pending_operation_id == pending_id) {
      // A requested sync that cannot even start ends Error, with the reason.
      state->pending.reset();
      OperationState failed;
      failed.phase = "Error";
      failed.message = error.message();
      failed.started_at = failed.finished_at = std::chrono::system_clock::now();
      state->status.operation = failed;
      state->operation_id = pending_id;
      store::OperationResult result;
      result.phase = store::OperationPhase::kError;
      result.message = error.message();
      (void)store_.FinishOperation(pending_id, result);
    }
    PersistStatusLocked(name, *state);
    return error;
  };

  // 1. Is the Application usable, and where does it go?
  if (auto supported = CheckSupported(app); !supported.ok()) {
    return fail("InvalidSpecError", supported.error());
  }
  auto target = destinations_.Resolve(app.destination);
  if (!target.ok()) return fail("InvalidSpecError", target.error());

  // 2. Which commit: the requested revision, a rollback's pin, or the target revision.
  auto revision = ResolveRevision(name, app, pending, pinned, refresh, *state);
  if (!revision.ok()) return fail("ComparisonError", revision.error());

  // 3. Render it (cached per commit and options).
  auto desired = RenderRevision(app, *revision);
  if (!desired.ok()) return fail("ComparisonError", desired.error());
  FillNamespaces(app, **target, *desired);

  // 4. Policy verdict on what would be deployed.
  auto verdict = CheckPolicy(app, *revision, *desired);
  if (!verdict.ok()) return fail("ComparisonError", verdict.error());

  // 5. Compare with live, and health.
  auto live = destinations_.LiveObjects(**target, name, *desired);
  if (!live.ok()) return fail("ComparisonError", live.error());
  auto comparison = Compare(app, *desired, *live);
  if (!comparison.ok()) return fail("ComparisonError", comparison.error());

  RecordComparison(name, *state, *revision, *desired, *live, *comparison, *verdict);

  // 6. Decide whether to sync, and why.
  std::optional<SyncRequest> sync = pending;
  int64_t operation_id = pending_id;
  if (!sync) {
    sync = DecideAutomatedSync(name, *state, app, *revision, *comparison);
    if (sync) {
      auto id = BeginOperation(name, *sync, revision->resolved.sha);
      if (!id.ok()) return fail("ComparisonError", id.error());
      operation_id = *id;
    }
  }
  if (!sync) {
    CheckAutoRollback(name, *state, app, *comparison);
    return OkStatus();
  }

  // 7. Policy enforcement blocks the sync; the verdict says which rules and objects.
  if (verdict->blocked) {
    FinishBlocked(name, *state, operation_id, *sync, verdict->block_message);
    return OkStatus();
  }

  // 8. Sync.
  RunAndRecord(name, *state, app, **target, *revision, *desired, *live, *comparison, *sync,
               operation_id);
  // Look again soon: the comparison above predates the sync. Not at once: the live-state
  // cache learns of the sync's writes through watch events a moment later, and comparing
  // before they arrive would see drift that is not there.
  queue_.AddAfter(name, kAfterSyncDelay);
  return OkStatus();
}

}  // namespace capstan::controller
