// sync planning: which objects one sync operation applies, creates as hooks or prunes, and
// in what order. Pure: BuildPlan reads only its arguments. docs/sync.md is the user manual.
//
// The order and every annotation follow Argo CD (gitops-engine pkg/sync) so that manifests
// written for Argo CD sync the same way:
//   phase PreSync → Sync → PostSync (SyncFail hooks only when the sync fails), then
//   wave (argocd.argoproj.io/sync-wave, default 0), then kind (Helm's install order,
//   kinds not in the list last), then name. A Namespace moves just before the first object
//   in it, a CRD before the first of its custom resources (taking that object's phase and
//   wave). Prunes run in the Sync phase, in reverse wave order, first within their wave, or
//   after every wave with PruneLast.
// Differences from Argo CD, on purpose: an annotation that is not an integer where one is
// expected (sync-wave, helm.sh/hook-weight) is an error instead of a silent 0, and sync
// options capstan cannot honour (Replace=true, Force=true) are errors instead of a
// different behaviour.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/object.h"
#include "core/result.h"
#include "core/value.h"

namespace capstan::sync {

// Annotations read on desired and live objects (Argo CD's names).
inline constexpr char kHookAnnotation[] = "argocd.argoproj.io/hook";
inline constexpr char kHookDeletePolicyAnnotation[] = "argocd.argoproj.io/hook-delete-policy";
inline constexpr char kSyncWaveAnnotation[] = "argocd.argoproj.io/sync-wave";
inline constexpr char kSyncOptionsAnnotation[] = "argocd.argoproj.io/sync-options";
inline constexpr char kHelmHookAnnotation[] = "helm.sh/hook";
inline constexpr char kHelmHookWeightAnnotation[] = "helm.sh/hook-weight";
inline constexpr char kHelmHookDeletePolicyAnnotation[] = "helm.sh/hook-delete-policy";

enum class Phase {
  kPreSync,   // hooks before anything is applied (migrations)
  kSync,      // the application's objects, Sync hooks, prunes
  kPostSync,  // hooks after every Sync wave is applied and healthy (smoke tests)
  kSyncFail,  // hooks run only when the sync failed (notifications, clean-up)
};
std::string_view PhaseName(Phase phase);  // "PreSync", ...

enum class HookDeletePolicy {
  kBeforeHookCreation,  // delete the previous run's object just before creating it (default)
  kHookSucceeded,       // delete it once the hook succeeded
  kHookFailed,          // delete it once the hook failed
};
std::string_view HookDeletePolicyName(HookDeletePolicy policy);

enum class Action {
  kApply,       // server-side apply a desired object
  kCreateHook,  // create a hook object (deleting the previous one first if its policy says so)
  kPrune,       // delete a live object this Application created that is no longer desired
  kPruneSkip,   // such an object, kept: pruning is off or it says Prune=false
};
std::string_view ActionName(Action action);

struct Task {
  ObjectKey key;
  Action action = Action::kApply;
  Phase phase = Phase::kSync;
  int wave = 0;  // the wave it runs in (after the Namespace/CRD and prune adjustments)
  // kApply/kCreateHook: the desired object (a hook with only generateName has its final
  // name here); kPrune/kPruneSkip: the live object.
  Value object;
  // The live object with the same key, when there is one.
  std::optional<Value> live;
  // Where the desired object came from ("" for prunes), for messages.
  std::string source;
  bool is_hook = false;
  // For hooks only: never empty (BeforeHookCreation when none is given).
  std::vector<HookDeletePolicy> delete_policies;
  // SkipDryRunOnMissingResource=true: the dry run skips this object when its kind is not
  // served yet (a custom resource whose CRD this sync creates).
  bool skip_dry_run_on_missing_kind = false;
  // Validate=false on the object.
  bool skip_validation = false;
  // kPruneSkip: why ("ignored (requires pruning)", "ignored (no prune)"), as Argo CD says.
  std::string message;

  bool HasDeletePolicy(HookDeletePolicy policy) const;
};

// Tasks that run together: one phase, one wave.
struct Wave {
  Phase phase = Phase::kSync;
  int wave = 0;
  // Prunes first (reverse kind order), then applies and hooks in order.
  std::vector<Task> tasks;
};

struct Plan {
  // Every PreSync, Sync and PostSync wave, in the order they run. Never holds an empty wave.
  std::vector<Wave> waves;
  // SyncFail hooks by wave: run only when the sync failed, after it failed.
  std::vector<Wave> sync_fail;

  // Number of tasks over waves and sync_fail.
  size_t TaskCount() const;
};

struct PlanOptions {
  // The Application's name: live objects are prune candidates only when their tracking
  // annotation is exactly TrackingId(app, key). Required.
  std::string app;
  // Delete live objects this Application created that are no longer desired. Default off
  // (as Argo CD): without it they are listed as kPruneSkip and kept.
  bool prune = false;
  // Prune after every Sync wave instead of in reverse wave order. Default off. An object
  // can ask for it alone with `argocd.argoproj.io/sync-options: PruneLast=true`.
  bool prune_last = false;
  // Leave out objects the caller says are in sync (PlanInput::in_sync). Default off: every
  // object is applied, which also repairs fields the diff ignores.
  bool apply_out_of_sync_only = false;
  // Leave out every hook. Default off.
  bool skip_hooks = false;
  // For hooks with only metadata.generateName, whose name becomes
  // generateName + "<first 7 of revision>-<phase>-<started_at_unix>" (lower case), as
  // Argo CD names them; one name per operation so retries of the operation reuse it.
  std::string revision;
  int64_t started_at_unix = 0;
};

struct PlanInput {
  // The rendered objects. REQUIRES: namespaced objects carry the namespace they are applied
  // in and cluster-scoped ones none, so their keys match the live objects'.
  std::vector<Manifest> desired;
  // The live objects that may belong to the Application (usually those with its
  // target::kAppLabel); only those whose tracking annotation matches are pruned.
  std::vector<Value> live;
  // Desired objects already in sync (from the diff), used with apply_out_of_sync_only.
  std::set<ObjectKey> in_sync;
};

// "<app>:<group>/<kind>:<namespace>/<name>", the value of target::kTrackingAnnotation that
// proves `app` created the object with `key` (Argo CD's annotation tracking id).
std::string TrackingId(std::string_view app, const ObjectKey& key);

// The plan for one sync. Errors name the object, its file and the field: Invalid for an
// integer annotation that is not one, an unsupported sync option or a desired object
// without apiVersion, kind or name; Conflict for two desired objects with the same key.
Result<Plan> BuildPlan(const PlanInput& input, const PlanOptions& options);

}  // namespace capstan::sync
