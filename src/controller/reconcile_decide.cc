// Reconcile step 6: whether to sync without being asked (automated sync, self-heal) and
// whether to roll back by itself (capstan.dev/auto-rollback).
#include <fmt/format.h>

#include "controller/app_controller.h"
#include "controller/app_state.h"
#include "core/json.h"
#include "core/log.h"

namespace capstan::controller {

namespace {

std::string DriftedObjects(const Comparison& comparison) {
  std::string names;
  size_t shown = 0;
  for (const ResourceStatus& resource : comparison.resources) {
    if (resource.status != "OutOfSync") continue;
    if (shown++ == 3) {
      names += ", ...";
      break;
    }
    if (!names.empty()) names += ", ";
    names += fmt::format("{}/{}", resource.kind, resource.name);
  }
  return names;
}

}  // namespace

std::optional<SyncRequest> AppController::DecideAutomatedSync(const std::string& name,
                                                              AppState& state,
                                                              const Application& app,
                                                              const Revision& revision,
                                                              const Comparison& comparison) {
  AutoSyncInput input;
  input.automated = app.sync_policy.automated;
  input.self_heal = app.sync_policy.self_heal;
  input.allow_empty = app.sync_policy.allow_empty;
  input.out_of_sync = comparison.sync_status == "OutOfSync";
  input.revision = revision.resolved.sha;
  {
    std::lock_guard lock(state.mu);
    input.operation_running = state.operation_running || state.pending.has_value();
    input.last_attempt_revision = state.last_attempt_revision;
    input.last_attempt_succeeded = state.last_attempt_succeeded;
    input.self_heal_count = state.self_heal_count;
    input.since_last_heal = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - state.last_heal);
  }
  for (const ResourceStatus& resource : comparison.resources) {
    if (!resource.requires_pruning) ++input.desired_objects;
  }
  AutoSyncDecision decision = DecideAutoSync(input, options_.auto_sync);

  SyncRequest request;
  request.actor = "automated";
  request.prune = app.sync_policy.prune;
  switch (decision.action) {
    case AutoSyncAction::kNone:
      return std::nullopt;
    case AutoSyncAction::kWait:
      queue_.AddAfter(name, decision.retry_after);
      return std::nullopt;
    case AutoSyncAction::kSkip: {
      std::lock_guard lock(state.mu);
      Value condition = Value::MakeObject();
      condition.Set("type", "SyncSkipped");
      condition.Set("message", decision.message);
      state.conditions = {condition};
      PersistStatusLocked(name, state);
      return std::nullopt;
    }
    case AutoSyncAction::kSync: {
      std::lock_guard lock(state.mu);
      state.self_heal_count = 0;
      request.reason = fmt::format("auto-sync to {}", revision.resolved.sha.substr(0, 7));
      return request;
    }
    case AutoSyncAction::kSelfHeal: {
      std::string drifted = DriftedObjects(comparison);
      {
        std::lock_guard lock(state.mu);
        ++state.self_heal_count;
        state.last_heal = std::chrono::steady_clock::now();
      }
      {
        std::lock_guard lock(mu_);
        ++stats_.self_heals;
      }
      Log(LogLevel::kInfo, "app {}: self-heal: {} drifted from {}", name, drifted,
          revision.resolved.sha.substr(0, 7));
      request.reason =
          fmt::format("self-heal: {} drifted from {}", drifted, revision.resolved.sha.substr(0, 7));
      return request;
    }
  }
  return std::nullopt;
}

void AppController::CheckAutoRollback(const std::string& name, AppState& state,
                                      const Application& app, const Comparison& comparison) {
  if (!app.capstan.auto_rollback) return;
  if (comparison.health.health.status != health::HealthStatus::kDegraded) return;
  std::string bad, good;
  {
    std::lock_guard lock(state.mu);
    auto since_sync = std::chrono::steady_clock::now() - state.last_sync_finished;
    bool recent = state.last_sync_finished != std::chrono::steady_clock::time_point{} &&
                  since_sync <= app.capstan.auto_rollback_window;
    bad = state.status.sync_revision;
    good = state.last_healthy_revision;
    if (!recent || good.empty() || good == bad || state.pending || state.operation_running) {
      return;
    }
  }
  std::string reason = fmt::format(
      "auto-rollback: {} became Degraded within {} after its sync ({}); back to the "
      "last healthy revision {}",
      bad.substr(0, 7), FormatGoDuration(app.capstan.auto_rollback_window),
      comparison.health.health.message, good.substr(0, 7));
  Log(LogLevel::kWarning, "app {}: {}", name, reason);
  SyncRequest request;
  request.actor = "automated";
  request.revision = good;
  request.prune = app.sync_policy.prune;
  request.reason = reason;
  auto id = BeginOperation(name, request, good);
  if (!id.ok()) {
    Log(LogLevel::kError, "app {}: auto-rollback: {}", name, id.error().message());
    return;
  }
  Value pin = Value::MakeObject();
  pin.Set("reason", reason);
  pin.Set("targetSha", bad);
  (void)store_.SetPin(name, good, EmitJson(pin));
  {
    std::lock_guard lock(state.mu);
    state.pinned_revision = good;
    state.pinned_target_sha = bad;
    state.pending = request;
    state.pending_operation_id = *id;
  }
  queue_.Add(name);
}

}  // namespace capstan::controller
