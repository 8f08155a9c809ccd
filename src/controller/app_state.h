// What the controller remembers about one Application between reconciles. Internal to the
// controller; everything durable is also in the store, so a restart loses only timers.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "controller/app_controller.h"
#include "controller/application.h"
#include "core/object.h"

namespace capstan::controller {

struct AppController::AppState {
  // Set to stop the running operation between two steps (terminate-op, shutdown). Read by
  // the sync without the lock.
  std::atomic<bool> terminate = false;

  std::mutex mu;  // guards every field below

  Application spec;
  ApplicationStatus status;
  int64_t operation_id = 0;       // the last operation, shown as status.operationState.id
  Value policy = nullptr;         // the last policy verdict (status.policy)
  std::vector<Value> conditions;  // Argo CD's status.conditions: [{type, message}]
  std::string pinned_revision;    // a rollback's pin, "" when none
  std::string pinned_target_sha;  // where the target revision pointed when it was pinned

  // A sync asked for and not started yet, with its operation id (already in the store).
  std::optional<SyncRequest> pending;
  int64_t pending_operation_id = 0;
  bool operation_running = false;
  bool refresh = false;  // fetch Git on the next reconcile

  // Automated sync bookkeeping (see auto_sync.h).
  std::string last_attempt_revision;
  bool last_attempt_succeeded = false;
  int self_heal_count = 0;
  std::chrono::steady_clock::time_point last_heal{};

  // Automatic rollback: when the last sync finished, and the last healthy revision.
  std::chrono::steady_clock::time_point last_sync_finished{};
  std::string last_healthy_revision;

  // The last comparison's inputs, for `app diff`.
  std::vector<Manifest> desired;
  std::vector<Value> live;
};

}  // namespace capstan::controller
