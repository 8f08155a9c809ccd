// Reconcile steps 5 to 8: remember the comparison, start, run and record operations. The
// store is written before the in-memory state says anything is done, so what the API shows
// after a restart is what it showed before.
#include <fmt/format.h>

#include "controller/app_controller.h"
#include "controller/app_state.h"
#include "controller/images.h"
#include "controller/operation.h"
#include "core/json.h"
#include "core/log.h"

namespace capstan::controller {

namespace {

store::Millis ToMillis(Time time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

Time FromMillis(store::Millis millis) { return Time(std::chrono::milliseconds(millis)); }

store::OperationPhase PhaseOf(std::string_view phase) {
  if (phase == "Succeeded") return store::OperationPhase::kSucceeded;
  if (phase == "Failed") return store::OperationPhase::kFailed;
  return store::OperationPhase::kError;
}

Value ResultsValue(const std::vector<ResourceResult>& results) {
  Value list = Value::MakeArray();
  for (const ResourceResult& r : results) {
    Value entry = Value::MakeObject();
    entry.Set("group", r.group);
    entry.Set("version", r.version);
    entry.Set("kind", r.kind);
    entry.Set("namespace", r.namespace_);
    entry.Set("name", r.name);
    entry.Set("status", r.status);
    entry.Set("message", r.message);
    if (!r.hook_phase.empty()) entry.Set("hookPhase", r.hook_phase);
    entry.Set("syncPhase", r.sync_phase);
    entry.Set("syncWave", r.sync_wave);
    list.as_array().push_back(std::move(entry));
  }
  return list;
}

Value RequestValue(const SyncRequest& request) {
  Value options = Value::MakeObject();
  if (!request.revision.empty()) options.Set("revision", request.revision);
  options.Set("prune", request.prune);
  options.Set("dryRun", request.dry_run);
  if (!request.reason.empty()) options.Set("reason", request.reason);
  return options;
}

}  // namespace

void AppController::Audit(const std::string& actor, const std::string& action,
                          const std::string& app, const Value& details,
                          const std::string& source_address) {
  store::AuditEntry entry;
  entry.actor = actor;
  entry.action = action;
  entry.app = app;
  entry.details_json = EmitJson(details);
  entry.source_address = source_address;
  if (auto written = store_.Audit(entry); !written.ok()) {
    Log(LogLevel::kError, "audit {} {}: {}", action, app, written.error().message());
  }
}

void AppController::PersistStatusLocked(const std::string& name, AppState& state) {
  if (auto history = store_.History(name); history.ok()) {
    state.status.history.clear();
    // The store lists newest first; Argo CD's status.history is oldest first.
    for (auto it = history->rbegin(); it != history->rend(); ++it) {
      HistoryEntry entry;
      entry.id = it->id;
      entry.revision = it->revision;
      entry.deploy_started_at = FromMillis(it->deployed_at);
      entry.deployed_at = FromMillis(it->finished_at);
      auto source = ParseJson(it->source_json, "history");
      if (source.ok()) entry.source = std::move(*source);
      state.status.history.push_back(std::move(entry));
    }
  }
  Value status = BuildStatusValue(state.spec, state.status);
  if (state.status.operation && state.operation_id != 0) {
    status["operationState"].Set("id", state.operation_id);
  }
  if (!state.policy.is_null()) status.Set("policy", state.policy);
  if (!state.conditions.empty()) status.Set("conditions", Value(Value::Array(state.conditions)));
  if (!state.pinned_revision.empty()) status.Set("pinnedRevision", state.pinned_revision);
  if (auto saved = store_.PutApplicationStatus(name, EmitJson(status)); !saved.ok()) {
    Log(LogLevel::kError, "app {}: {}", name, saved.error().message());
  }
}

void AppController::RecordComparison(const std::string& name, AppState& state,
                                     const Revision& revision, const std::vector<Manifest>& desired,
                                     const std::vector<Value>& live, const Comparison& comparison,
                                     const PolicyVerdict& verdict) {
  std::lock_guard lock(state.mu);
  state.status.sync_status = comparison.sync_status;
  state.status.sync_revision = revision.resolved.sha;
  state.status.resources = comparison.resources;
  state.status.health.status =
      std::string(health::HealthStatusName(comparison.health.health.status));
  state.status.health.message = comparison.health.health.message;
  state.status.images = ImagesOf(desired);
  state.status.reconciled_at = std::chrono::system_clock::now();
  state.policy = verdict.summary;
  state.conditions.clear();
  state.desired = desired;
  state.live = live;
  if (comparison.health.health.status == health::HealthStatus::kHealthy &&
      comparison.sync_status == "Synced") {
    state.last_healthy_revision = revision.resolved.sha;
  }
  PersistStatusLocked(name, state);
}

Result<int64_t> AppController::BeginOperation(const std::string& name, const SyncRequest& request,
                                              const std::string& revision) {
  store::OperationStart start;
  start.app = name;
  start.revision = revision;
  start.initiated_by = request.actor;
  start.sync_options_json = EmitJson(RequestValue(request));
  auto id = store_.BeginOperation(start);
  if (!id.ok()) return id.error();
  Value details = RequestValue(request);
  details.Set("operationId", *id);
  details.Set("resolvedRevision", revision);
  Audit(request.actor, request.dry_run ? "sync-dry-run" : "sync", name, details,
        request.source_address);
  return id;
}

void AppController::FinishBlocked(const std::string& name, AppState& state, int64_t operation_id,
                                  const SyncRequest& request, const std::string& message) {
  store::OperationResult result;
  result.phase = store::OperationPhase::kFailed;
  result.message = message;
  (void)store_.FinishOperation(operation_id, result);
  Value details = Value::MakeObject();
  details.Set("operationId", operation_id);
  details.Set("message", message);
  Audit(request.actor, "sync-blocked", name, details);
  std::lock_guard lock(state.mu);
  if (state.pending_operation_id == operation_id) state.pending.reset();
  OperationState op;
  op.phase = "Failed";
  op.message = message;
  op.started_at = op.finished_at = std::chrono::system_clock::now();
  state.status.operation = op;
  state.operation_id = operation_id;
  state.last_attempt_revision = state.status.sync_revision;
  state.last_attempt_succeeded = false;
  PersistStatusLocked(name, state);
}

void AppController::RunAndRecord(const std::string& name, AppState& state, const Application& app,
                                 target::Target& target, const Revision& revision,
                                 const std::vector<Manifest>& desired,
                                 const std::vector<Value>& live, const Comparison& comparison,
                                 const SyncRequest& request, int64_t operation_id) {
  {
    std::lock_guard lock(state.mu);
    if (state.pending_operation_id == operation_id) state.pending.reset();
    state.operation_running = true;
    state.operation_id = operation_id;
    OperationState op;
    op.phase = "Running";
    op.message = "waiting to start";
    op.started_at = std::chrono::system_clock::now();
    op.revision = revision.resolved.sha;
    state.status.operation = op;
    PersistStatusLocked(name, state);
  }
  {
    std::lock_guard lock(mu_);
    ++stats_.syncs;
  }

  OperationInput input;
  input.app = &app;
  input.target = &target;
  input.revision = &revision;
  input.desired = desired;
  input.live = live;
  for (const ResourceStatus& resource : comparison.resources) {
    if (resource.status == "Synced") {
      input.in_sync.insert({resource.group, resource.kind, resource.namespace_, resource.name});
    }
  }
  input.request = request;
  input.options = &options_;
  state.terminate = false;
  input.cancel = &state.terminate;
  input.on_progress = [&](const OperationState& progress) {
    std::lock_guard lock(state.mu);
    state.status.operation = progress;
    // Argo CD shows a terminating operation as Terminating until it has stopped.
    if (state.terminate && progress.phase == "Running")
      state.status.operation->phase = "Terminating";
  };
  OperationState result = RunOperation(input);

  // The store first: history, the operation's end and its audit record in one transaction
  // where the store allows, so a crash after this line loses nothing.
  store::OperationResult finish;
  finish.phase = PhaseOf(result.phase);
  finish.message = result.message;
  finish.result_json = EmitJson(ResultsValue(result.resources));
  finish.history_limit = static_cast<int>(app.revision_history_limit);
  if (result.phase == "Succeeded" && !request.dry_run) {
    store::HistoryRecord record;
    record.revision = revision.resolved.sha;
    record.commit_message = revision.commit.message;
    record.author =
        fmt::format("{} <{}>", revision.commit.author_name, revision.commit.author_email);
    Value images = Value::MakeArray();
    for (const std::string& image : ImagesOf(desired)) images.as_array().emplace_back(image);
    record.images_json = EmitJson(images);
    Value source = app.source.raw.is_null() ? Value::MakeObject() : app.source.raw;
    source.Set("targetRevision", revision.resolved.sha);
    record.source_json = EmitJson(source);
    record.deployed_at = ToMillis(result.started_at);
    record.finished_at = ToMillis(result.finished_at);
    record.resources_json = finish.result_json;
    {
      std::lock_guard lock(state.mu);
      record.policy_json = EmitJson(state.policy);
    }
    finish.history = std::move(record);
  }
  if (auto finished = store_.FinishOperation(operation_id, finish); !finished.ok()) {
    Log(LogLevel::kError, "app {}: {}", name, finished.error().message());
  }
  Value details = Value::MakeObject();
  details.Set("operationId", operation_id);
  details.Set("phase", result.phase);
  details.Set("message", result.message);
  details.Set("revision", revision.resolved.sha);
  Audit(request.actor, "sync-finished", name, details);
  Log(LogLevel::kInfo, "app {}: sync {} of {}: {}: {}", name, operation_id,
      revision.resolved.sha.substr(0, 7), result.phase, result.message);

  std::lock_guard lock(state.mu);
  state.operation_running = false;
  state.status.operation = result;
  if (request.actor == "automated" || !request.dry_run) {
    state.last_attempt_revision = revision.resolved.sha;
    state.last_attempt_succeeded = result.phase == "Succeeded";
  }
  state.last_sync_finished = std::chrono::steady_clock::now();
  PersistStatusLocked(name, state);
}

}  // namespace capstan::controller
