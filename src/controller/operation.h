// One sync operation of one Application: plan (sync/plan.h) and run (sync/sync.h) against
// its target, with the Application's sync options, reporting progress as Argo CD's
// operationState so the API shows waves as they happen.
#pragma once

#include <atomic>
#include <functional>
#include <set>
#include <vector>

#include "controller/app_controller.h"
#include "controller/application.h"
#include "controller/revisions.h"
#include "core/object.h"
#include "target/target.h"

namespace capstan::controller {

struct OperationInput {
  const Application* app = nullptr;
  target::Target* target = nullptr;
  const Revision* revision = nullptr;
  std::vector<Manifest> desired;  // namespaces filled in
  std::vector<Value> live;        // the Application's live objects
  std::set<ObjectKey> in_sync;    // for ApplyOutOfSyncOnly
  SyncRequest request;
  const ControllerOptions* options = nullptr;
  // Called after every step with the operation's state so far. May be empty.
  std::function<void(const OperationState&)> on_progress;
  // Set to stop between steps (shutdown); the operation then ends Error.
  const std::atomic<bool>* cancel = nullptr;
};

// Plans and runs the sync, retrying a failed one as spec.syncPolicy.retry says. Never
// fails: every problem ends in the returned state's phase (Failed, Error) and message.
OperationState RunOperation(const OperationInput& input);

}  // namespace capstan::controller
