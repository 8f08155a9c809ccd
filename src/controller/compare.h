// Comparing an Application's desired objects with what is live: the sync status of each
// object and of the whole Application, and its health. Pure: the caller gathers the live
// objects (from the live-state cache) and the desired ones (from render).
#pragma once

#include <set>
#include <vector>

#include "controller/application.h"
#include "core/object.h"
#include "core/result.h"
#include "health/health.h"

namespace capstan::controller {

// Whether `live` was created by capstan for `app`: its tracking annotation is exactly
// sync::TrackingId(app, its key). A copy of an object with the label alone does not count.
bool IsTrackedBy(std::string_view app, const Value& live);

// Whether `object` is a hook (argocd.argoproj.io/hook or helm.sh/hook annotation). Hooks
// run during a sync and take no part in sync status or health.
bool IsHook(const Value& object);

struct Comparison {
  std::string sync_status = "Unknown";    // Synced or OutOfSync
  std::vector<ResourceStatus> resources;  // desired objects, then live ones to prune
  std::set<ObjectKey> out_of_sync;        // keys to apply (ApplyOutOfSyncOnly uses it)
  std::vector<Value> prunable;            // live objects capstan created that left Git
  health::ApplicationHealth health;
};

// Compares `desired` (rendered, namespaces filled in, hooks included: they are skipped
// here) with `live` (every live object found for the Application: the desired ones that
// exist, and those carrying its label). Diff errors (two desired objects with one key)
// fail the comparison.
Result<Comparison> Compare(const Application& app, const std::vector<Manifest>& desired,
                           const std::vector<Value>& live);

}  // namespace capstan::controller
