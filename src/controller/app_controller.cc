// The controller's life cycle, its queue and workers, and the requests the API makes.
#include "controller/app_controller.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "controller/app_state.h"
#include "core/json.h"
#include "core/log.h"
#include "diff/diff.h"
#include "source/webhook.h"

namespace capstan::controller {

namespace {

// The resync period is spread by up to this fraction so that Applications added together
// do not reconcile together forever.
constexpr double kResyncJitter = 0.1;

// How an operation cut off by the end of the process is closed after a restart.
constexpr std::string_view kInterruptedMessage = "interrupted by a restart of capstan";

std::chrono::milliseconds Jittered(std::chrono::milliseconds period) {
  thread_local std::mt19937_64 random(std::random_device{}());
  std::uniform_real_distribution<double> spread(0.0, kResyncJitter);
  return std::chrono::milliseconds(
      static_cast<int64_t>(static_cast<double>(period.count()) * (1.0 + spread(random))));
}

}  // namespace

AppController::AppController(store::Store& store, Revisions& revisions, Destinations& destinations,
                             ControllerOptions options)
    : store_(store),
      revisions_(revisions),
      destinations_(destinations),
      options_(options),
      queue_(BackoffOptions{}) {}

AppController::~AppController() { Stop(); }

void AppController::SetApplications(std::vector<Application> apps) {
  std::vector<std::string> changed;
  {
    std::lock_guard lock(mu_);
    std::map<std::string, std::shared_ptr<AppState>> next;
    for (Application& app : apps) {
      auto it = apps_.find(app.name);
      std::shared_ptr<AppState> state;
      if (it != apps_.end()) {
        state = it->second;
      } else {
        state = std::make_shared<AppState>();
        // What the store remembers: the pin and the last operation, so that a restart
        // neither forgets a rollback nor repeats a failed automated attempt.
        if (auto pin = store_.GetPin(app.name); pin.ok() && pin->has_value()) {
          state->pinned_revision = (*pin)->revision;
          if (auto reason = ParseJson((*pin)->reason, "pin"); reason.ok()) {
            state->pinned_target_sha = std::string(reason->StringAt({"targetSha"}));
          }
        }
        if (auto ops = store_.Operations(app.name, 1); ops.ok() && !ops->empty()) {
          const store::Operation& last = ops->front();
          // An operation the previous process was running when it died (still Running
          // here: Start closes it) was cut off, not a failed attempt: automated sync tries
          // its revision again instead of skipping it as failed.
          bool cut_off = !store::IsFinished(last.phase) || last.message == kInterruptedMessage;
          if (!cut_off) {
            state->last_attempt_revision = last.revision;
            state->last_attempt_succeeded = last.phase == store::OperationPhase::kSucceeded;
          }
          state->operation_id = last.id;
          OperationState op;
          op.phase = cut_off ? "Error" : std::string(store::PhaseName(last.phase));
          op.message = cut_off ? std::string(kInterruptedMessage) : last.message;
          op.revision = last.revision;
          op.started_at = Time(std::chrono::milliseconds(last.started_at));
          op.finished_at = cut_off ? std::chrono::system_clock::now()
                                   : Time(std::chrono::milliseconds(last.finished_at));
          state->status.operation = op;
        }
      }
      std::lock_guard app_lock(state->mu);
      bool differs = !(state->spec.raw == app.raw);
      (void)store_.PutApplicationSpec(app.name, EmitJson(app.raw));
      state->spec = std::move(app);
      if (differs) changed.push_back(state->spec.name);
      next[state->spec.name] = state;
    }
    apps_ = std::move(next);
  }
  for (const std::string& name : changed) queue_.Add(name);
}

void AppController::Start() {
  // Operations a previous process left Running were cut off by its end; close them so
  // history and the API tell the truth, and let the next reconcile decide again.
  if (auto interrupted = store_.MarkInterrupted(kInterruptedMessage); interrupted.ok()) {
    for (const store::Operation& op : *interrupted) {
      Value details = Value::MakeObject();
      details.Set("operationId", op.id);
      details.Set("revision", op.revision);
      Audit("automated", "sync-interrupted", op.app, details);
    }
  }
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { Worker(); });
}

void AppController::Stop() {
  if (workers_.empty()) return;
  stopping_ = true;
  {
    // Running syncs stop between two steps; their operations end as terminated.
    std::lock_guard lock(mu_);
    for (auto& [name, state] : apps_) state->terminate = true;
  }
  queue_.ShutDown();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
}

void AppController::Worker() {
  while (auto name = queue_.Get()) {
    Status result = Reconcile(*name);
    {
      std::lock_guard lock(mu_);
      ++stats_.reconciles;
      if (!result.ok()) ++stats_.reconcile_errors;
    }
    if (result.ok()) {
      queue_.Forget(*name);
      // Git is polled by reconciling: a due repository is fetched by the reconcile, so an
      // Application is looked at again at the poll interval when that is sooner.
      queue_.AddAfter(*name,
                      Jittered(std::min(options_.resync_period, revisions_.poll_interval())));
    } else {
      queue_.AddRateLimited(*name);
    }
    queue_.Done(*name);
  }
}

Result<std::shared_ptr<AppController::AppState>> AppController::FindApp(
    const std::string& app) const {
  std::lock_guard lock(mu_);
  auto it = apps_.find(app);
  if (it == apps_.end()) return Error::NotFound(fmt::format("application {} not found", app));
  return it->second;
}

void AppController::Refresh(const std::string& app) {
  std::shared_ptr<AppState> state;
  {
    std::lock_guard lock(mu_);
    auto it = apps_.find(app);
    if (it == apps_.end()) return;
    state = it->second;
  }
  {
    std::lock_guard lock(state->mu);
    state->refresh = true;
  }
  queue_.Add(app);
}

void AppController::OnLiveChange(const std::string& app) { queue_.Add(app); }

size_t AppController::RefreshRepository(const std::vector<std::string>& urls) {
  std::vector<std::string> matching;
  {
    std::lock_guard lock(mu_);
    for (auto& [name, state] : apps_) {
      std::lock_guard app_lock(state->mu);
      for (const std::string& url : urls) {
        if (!source::RepoUrlMatches(state->spec.source.repo_url, url)) continue;
        matching.push_back(name);
        revisions_.MarkStale(state->spec.source.repo_url);
        break;
      }
    }
  }
  for (const std::string& name : matching) Refresh(name);
  return matching.size();
}

Result<int64_t> AppController::RequestSync(const std::string& app, SyncRequest request) {
  auto found = FindApp(app);
  if (!found.ok()) return found.error();
  std::shared_ptr<AppState> state = std::move(*found);
  {
    std::lock_guard lock(state->mu);
    if (state->operation_running || state->pending) {
      return Error::Conflict(
          fmt::format("application {}: another operation is already in progress (operation {})",
                      app, state->pending ? state->pending_operation_id : state->operation_id));
    }
  }
  // The revision is resolved by the reconcile; the store records what was asked.
  auto id = BeginOperation(app, request, request.revision);
  if (!id.ok()) return id.error();
  {
    std::lock_guard lock(state->mu);
    state->pending = request;
    state->pending_operation_id = *id;
    state->operation_id = *id;
    state->refresh = true;
    OperationState op;
    op.phase = "Running";
    op.message = "waiting to start";
    op.started_at = std::chrono::system_clock::now();
    state->status.operation = op;
  }
  queue_.Add(app);
  return id;
}

Result<int64_t> AppController::Rollback(const std::string& app, int64_t history_id,
                                        const std::string& actor,
                                        const std::string& source_address) {
  auto history = store_.History(app);
  if (!history.ok()) return history.error();
  const store::HistoryRecord* entry = nullptr;
  for (const store::HistoryRecord& record : *history) {
    if (record.id == history_id) entry = &record;
  }
  if (entry == nullptr) {
    return Error::NotFound(
        fmt::format("application {}: no history entry {} (see `capstan app history {}`)", app,
                    history_id, app));
  }
  auto found = FindApp(app);
  if (!found.ok()) return found.error();
  std::shared_ptr<AppState> state = std::move(*found);
  Application spec;
  {
    std::lock_guard lock(state->mu);
    spec = state->spec;
  }
  // The pin holds until the target revision moves past where it points now.
  auto target = revisions_.Resolve(spec.source.repo_url, spec.source.target_revision, true);
  if (!target.ok()) return target.error();
  std::string revision = entry->revision;
  Value pin = Value::MakeObject();
  pin.Set("reason", fmt::format("rollback to history {} by {}", history_id, actor));
  pin.Set("targetSha", target->resolved.sha);
  if (auto pinned = store_.SetPin(app, revision, EmitJson(pin)); !pinned.ok()) {
    return pinned.error();
  }
  {
    std::lock_guard lock(state->mu);
    state->pinned_revision = revision;
    state->pinned_target_sha = target->resolved.sha;
  }
  Value details = Value::MakeObject();
  details.Set("historyId", history_id);
  details.Set("revision", revision);
  Audit(actor, "rollback", app, details, source_address);
  SyncRequest request;
  request.revision = revision;
  request.prune = spec.sync_policy.prune;
  request.actor = actor;
  request.source_address = source_address;
  request.reason = fmt::format("rollback to history {} ({})", history_id, revision.substr(0, 7));
  return RequestSync(app, request);
}

Status AppController::TerminateOperation(const std::string& app, const std::string& actor,
                                         const std::string& source_address) {
  auto found = FindApp(app);
  if (!found.ok()) return found.error();
  std::shared_ptr<AppState> state = std::move(*found);
  int64_t operation_id = 0;
  {
    std::lock_guard lock(state->mu);
    if (!state->operation_running) {
      return Error::Conflict(fmt::format("application {}: no operation is running", app));
    }
    operation_id = state->operation_id;
    state->terminate = true;
    if (state->status.operation) state->status.operation->phase = "Terminating";
  }
  (void)store_.TerminateOperation(operation_id);
  Value details = Value::MakeObject();
  details.Set("operationId", operation_id);
  Audit(actor, "terminate-op", app, details, source_address);
  return OkStatus();
}

Result<Value> AppController::Get(const std::string& app) const {
  auto found = FindApp(app);
  if (!found.ok()) return found.error();
  std::shared_ptr<AppState> state = std::move(*found);
  std::lock_guard lock(state->mu);
  Value object = state->spec.raw;
  Value status = BuildStatusValue(state->spec, state->status);
  if (state->status.operation && state->operation_id != 0) {
    status["operationState"].Set("id", state->operation_id);
  }
  if (!state->policy.is_null()) status.Set("policy", state->policy);
  if (!state->conditions.empty()) status.Set("conditions", Value(Value::Array(state->conditions)));
  if (!state->pinned_revision.empty()) status.Set("pinnedRevision", state->pinned_revision);
  object.Set("status", std::move(status));
  return object;
}

std::vector<Value> AppController::List() const {
  std::vector<std::string> names;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, state] : apps_) names.push_back(name);
  }
  std::vector<Value> items;
  for (const std::string& name : names) {
    if (auto app = Get(name); app.ok()) items.push_back(std::move(*app));
  }
  return items;
}

Result<std::string> AppController::DiffText(const std::string& app) {
  auto found = FindApp(app);
  if (!found.ok()) return found.error();
  std::shared_ptr<AppState> state = std::move(*found);
  std::vector<Manifest> desired, live;
  diff::DiffOptions options;
  {
    std::lock_guard lock(state->mu);
    options = ToDiffOptions(state->spec);
    for (const Manifest& manifest : state->desired) {
      if (!IsHook(manifest.object)) desired.push_back(manifest);
    }
    for (const Value& object : state->live) {
      // Only objects capstan would prune count as "only live"; others are not ours.
      bool is_desired = false;
      ObjectKey key = KeyOf(object);
      for (const Manifest& manifest : desired) is_desired |= KeyOf(manifest.object) == key;
      if (is_desired || IsTrackedBy(state->spec.name, object)) live.push_back({object, "live"});
    }
  }
  auto set = diff::DiffAll(desired, live, options);
  if (!set.ok()) return set.error();
  if (set->summary.differing() == 0) return std::string();
  diff::UnifiedOptions print;
  return diff::PrintUnified(*set, print);
}

Result<Value> AppController::History(const std::string& app) const {
  auto history = store_.History(app);
  if (!history.ok()) return history.error();
  Value items = Value::MakeArray();
  for (const store::HistoryRecord& record : *history) {
    Value entry = Value::MakeObject();
    entry.Set("id", record.id);
    entry.Set("revision", record.revision);
    entry.Set("deployStartedAt", FormatTime(Time(std::chrono::milliseconds(record.deployed_at))));
    entry.Set("deployedAt", FormatTime(Time(std::chrono::milliseconds(record.finished_at))));
    entry.Set("author", record.author);
    entry.Set("message", record.commit_message);
    entry.Set("result", record.result);
    entry.Set("operationId", record.operation_id);
    if (auto images = ParseJson(record.images_json, "history"); images.ok()) {
      entry.Set("images", std::move(*images));
    }
    if (auto source = ParseJson(record.source_json, "history"); source.ok()) {
      entry.Set("source", std::move(*source));
    }
    items.as_array().push_back(std::move(entry));
  }
  Value result = Value::MakeObject();
  result.Set("items", std::move(items));
  return result;
}

Result<Value> AppController::AuditLog(const std::string& app, size_t limit) const {
  store::AuditFilter filter;
  filter.app = app;
  filter.limit = limit;
  auto entries = store_.AuditLog(filter);
  if (!entries.ok()) return entries.error();
  Value items = Value::MakeArray();
  for (const store::AuditEntry& e : *entries) {
    Value entry = Value::MakeObject();
    entry.Set("id", e.id);
    entry.Set("time", FormatTime(Time(std::chrono::milliseconds(e.time))));
    entry.Set("actor", e.actor);
    entry.Set("action", e.action);
    entry.Set("app", e.app);
    if (auto details = ParseJson(e.details_json, "audit"); details.ok()) {
      entry.Set("details", std::move(*details));
    }
    if (!e.source_address.empty()) entry.Set("sourceAddress", e.source_address);
    items.as_array().push_back(std::move(entry));
  }
  Value result = Value::MakeObject();
  result.Set("items", std::move(items));
  return result;
}

AppController::Stats AppController::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace capstan::controller
