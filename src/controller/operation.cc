#include "controller/operation.h"

#include <fmt/format.h>

#include <thread>

#include "core/log.h"
#include "sync/plan.h"
#include "sync/sync.h"

namespace capstan::controller {

namespace {

ResourceResult ToStatus(const sync::ResourceResult& result, const Value* object) {
  ResourceResult status;
  status.group = result.key.group;
  if (object != nullptr) {
    std::string_view api_version = object->StringAt({"apiVersion"});
    status.version = std::string(api_version.substr(api_version.find('/') + 1));
  }
  status.kind = result.key.kind;
  status.namespace_ = result.key.ns;
  status.name = result.key.name;
  status.status = std::string(sync::ResultCodeName(result.status));
  status.message = result.message;
  if (result.hook_phase)
    status.hook_phase = std::string(sync::OperationPhaseName(*result.hook_phase));
  status.sync_phase = std::string(sync::PhaseName(result.phase));
  status.sync_wave = result.wave;
  return status;
}

target::Propagation PropagationOf(const std::string& policy) {
  if (policy == "background") return target::Propagation::kBackground;
  if (policy == "orphan") return target::Propagation::kOrphan;
  return target::Propagation::kForeground;
}

// CreateNamespace=true: the destination namespace is created when missing, as Argo CD does,
// without capstan's label, so it is never pruned with the Application.
Status EnsureNamespace(target::Target& target, const std::string& ns, bool dry_run) {
  auto live = target.Get(ObjectKey{"", "Namespace", "", ns}, "v1");
  if (!live.ok()) return live.error();
  if (live->has_value()) return OkStatus();
  Value object = Value::MakeObject();
  object.Set("apiVersion", "v1");
  object.Set("kind", "Namespace");
  object["metadata"].Set("name", ns);
  auto applied = target.Apply(object, {.dry_run = dry_run});
  if (!applied.ok()) return applied.error().Wrap("CreateNamespace " + ns);
  return OkStatus();
}

struct Attempt {
  OperationState state;
  bool failed = false;
};

Attempt RunOnce(const OperationInput& input, OperationState state) {
  const Application& app = *input.app;
  const SyncOptions& options = app.sync_policy.options;
  if (options.create_namespace && !app.destination.namespace_.empty()) {
    if (auto created =
            EnsureNamespace(*input.target, app.destination.namespace_, input.request.dry_run);
        !created.ok()) {
      state.phase = "Failed";
      state.message = created.error().message();
      return {state, true};
    }
  }

  sync::PlanInput plan_input;
  plan_input.desired = input.desired;
  plan_input.live = input.live;
  plan_input.in_sync = input.in_sync;
  sync::PlanOptions plan_options;
  plan_options.app = app.name;
  plan_options.prune = input.request.prune;
  plan_options.prune_last = options.prune_last;
  plan_options.apply_out_of_sync_only = options.apply_out_of_sync_only;
  plan_options.revision = input.revision->resolved.sha;
  plan_options.started_at_unix =
      std::chrono::duration_cast<std::chrono::seconds>(state.started_at.time_since_epoch()).count();
  auto plan = sync::BuildPlan(plan_input, plan_options);
  if (!plan.ok()) {
    state.phase = "Error";
    state.message = plan.error().message();
    return {state, true};
  }

  std::map<ObjectKey, const Value*> objects;
  for (const sync::Wave& wave : plan->waves) {
    for (const sync::Task& task : wave.tasks) objects[task.key] = &task.object;
  }
  for (const sync::Wave& wave : plan->sync_fail) {
    for (const sync::Task& task : wave.tasks) objects[task.key] = &task.object;
  }
  auto object_of = [&](const ObjectKey& key) -> const Value* {
    auto it = objects.find(key);
    return it == objects.end() ? nullptr : it->second;
  };

  sync::SyncOptions sync_options;
  sync_options.app = app.name;
  sync_options.dry_run = input.request.dry_run;
  // Git is the source of truth: a field someone changed with kubectl (another field
  // manager) is taken back, as Argo CD's server-side sync does with --force-conflicts.
  // Without it self-heal could never undo a `kubectl edit`.
  sync_options.force = true;
  sync_options.prune_propagation = PropagationOf(options.prune_propagation_policy);
  sync_options.poll_interval = input.options->health_poll;
  sync_options.wave_timeout = input.options->wave_timeout;
  sync_options.cancel = input.cancel;
  sync_options.progress = [&](const sync::ProgressEvent& event) {
    switch (event.type) {
      case sync::ProgressEvent::Type::kDryRun:
        state.message = "dry run of every object";
        break;
      case sync::ProgressEvent::Type::kWaveStarted:
        state.message = fmt::format("{} wave {}", sync::PhaseName(event.phase), event.wave);
        break;
      case sync::ProgressEvent::Type::kWaveDone:
        state.message = fmt::format("{} wave {} done", sync::PhaseName(event.phase), event.wave);
        break;
      default:
        if (event.result != nullptr) {
          ResourceResult status = ToStatus(*event.result, object_of(event.result->key));
          bool replaced = false;
          for (ResourceResult& existing : state.resources) {
            if (existing.group == status.group && existing.kind == status.kind &&
                existing.namespace_ == status.namespace_ && existing.name == status.name) {
              existing = status;
              replaced = true;
            }
          }
          if (!replaced) state.resources.push_back(std::move(status));
        }
    }
    if (input.on_progress) input.on_progress(state);
  };

  sync::SyncResult result = sync::RunSync(*input.target, *plan, sync_options);
  state.resources.clear();
  for (const sync::ResourceResult& resource : result.resources) {
    state.resources.push_back(ToStatus(resource, object_of(resource.key)));
  }
  state.phase = std::string(sync::OperationPhaseName(result.phase));
  state.message = result.message.empty()
                      ? (input.request.dry_run ? "successfully synced (dry run)"
                                               : "successfully synced (all tasks run)")
                      : result.message;
  return {state, result.phase != sync::OperationPhase::kSucceeded};
}

}  // namespace

OperationState RunOperation(const OperationInput& input) {
  OperationState state;
  state.phase = "Running";
  state.started_at = std::chrono::system_clock::now();
  state.revision = input.revision->resolved.sha;
  if (input.on_progress) input.on_progress(state);

  const std::optional<RetryPolicy>& retry = input.app->sync_policy.retry;
  for (int attempt = 0;; ++attempt) {
    Attempt result = RunOnce(input, state);
    state = result.state;
    bool cancelled = input.cancel != nullptr && input.cancel->load();
    bool may_retry = result.failed && !cancelled && retry.has_value() &&
                     (retry->limit < 0 || attempt < retry->limit) && !input.request.dry_run;
    if (!may_retry) break;
    auto delay = RetryDelay(*retry, attempt);
    state.phase = "Running";
    state.message = fmt::format("{} (retrying attempt #{} in {})", state.message, attempt + 1,
                                FormatGoDuration(delay));
    if (input.on_progress) input.on_progress(state);
    // Sleep in short steps so that shutdown is not held up by a long back-off.
    auto until = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < until &&
           !(input.cancel != nullptr && input.cancel->load())) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  if (input.cancel != nullptr && input.cancel->load() && state.phase == "Running") {
    state.phase = "Error";
    state.message = "operation terminated (terminate-op or a shutdown of capstan)";
  }
  state.finished_at = std::chrono::system_clock::now();
  return state;
}

}  // namespace capstan::controller
