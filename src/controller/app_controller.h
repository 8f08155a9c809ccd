// The Application controller: keeps every Application as Git says. A level-triggered
// reconcile loop over a work queue keyed by Application name, fed by
//   - timers (each Application is looked at again after the resync period, with jitter),
//   - the live-state cache (a change to an object an Application manages),
//   - webhooks and refresh requests (a repository changed),
//   - API requests (sync, rollback),
// and run by several workers; one Application is never reconciled by two at once.
//
// One reconcile is a list of named steps (reconcile.cc): resolve the revision → render →
// policy → compare with live → health → decide (requested sync, automated sync, self-heal,
// automatic rollback) → sync → record (store: status, operation, history, audit).
// Any step can fail or the process can die at any point: the next reconcile starts from
// Git, the cluster and the store again, and an operation the store still shows Running
// after a restart is closed as Error ("interrupted by a restart") and retried by the
// automated policy if there is one.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "controller/application.h"
#include "controller/auto_sync.h"
#include "controller/compare.h"
#include "controller/revisions.h"
#include "controller/rollout_steering.h"
#include "controller/work_queue.h"
#include "core/result.h"
#include "core/value.h"
#include "render/render.h"
#include "store/store.h"
#include "target/target.h"

namespace capstan::controller {

// Where an Application's objects go. Implemented by the server over kubeconfig contexts.
class Destinations {
 public:
  virtual ~Destinations() = default;
  // The target for `destination`, NotFound naming the server or name when none matches.
  virtual Result<target::Target*> Resolve(const ApplicationDestination& destination) = 0;
  // Every live object carrying target::kAppLabel = `app` on the target, plus the live
  // versions of `desired` objects that exist without the label. From a watch-fed cache
  // where the target has one.
  virtual Result<std::vector<Value>> LiveObjects(target::Target& target, const std::string& app,
                                                 const std::vector<Manifest>& desired) = 0;
};

struct ControllerOptions {
  // Reconcile workers. Default 4: syncs wait on health most of the time, so more workers
  // than cores is right; each costs a thread.
  int workers = 4;
  // Every Application is reconciled at least this often (plus up to 10% jitter). Default
  // 3 minutes, as Argo CD; drift is found sooner through the live-state cache.
  std::chrono::milliseconds resync_period{std::chrono::minutes(3)};
  AutoSyncOptions auto_sync;
  // How long a sync waits for a wave to become healthy before it fails. Default 5 minutes.
  std::chrono::milliseconds wave_timeout{std::chrono::minutes(5)};
  // How often a sync polls health while it waits. Default 500 ms.
  std::chrono::milliseconds health_poll{500};
};

// A request to sync, from a person (API) or the controller itself.
struct SyncRequest {
  std::string revision;  // empty: the Application's target (or pinned) revision
  bool prune = false;    // also delete objects that left Git
  bool dry_run = false;  // server-side dry run of every object; nothing changes
  std::string actor;     // who asked; "automated" for the controller
  std::string reason;    // recorded in the audit log ("rollback to 3", "auto-rollback ...")
  std::string source_address;
};

class AppController {
 public:
  // None of the references is owned; all must outlive the controller.
  AppController(store::Store& store, Revisions& revisions, Destinations& destinations,
                ControllerOptions options = {});
  ~AppController();
  AppController(const AppController&) = delete;
  AppController& operator=(const AppController&) = delete;

  // Replaces the set of Applications (from the apps folder or the cluster): new ones are
  // reconciled at once, changed ones again, removed ones forgotten (their objects stay).
  void SetApplications(std::vector<Application> apps);

  void Start();
  // Stops taking work and waits for the running reconciles: a sync stops between two steps
  // and its operation ends as terminated.
  void Stop();

  // Reconcile soon (a webhook for its repository, a change of a live object).
  void Refresh(const std::string& app);
  // Refresh every Application whose repoURL matches one of `urls` (a push names its
  // repository by several: clone, ssh, html), fetching it first. Returns how many, each
  // Application counted once.
  size_t RefreshRepository(const std::vector<std::string>& urls);

  // Starts a sync operation; returns its operation id (see status.operationState.id).
  // NotFound for an unknown Application; Conflict when an operation is running.
  Result<int64_t> RequestSync(const std::string& app, SyncRequest request);
  // Syncs the revision of history entry `history_id` and pins the Application to it until a
  // newer commit arrives on its target revision. Returns the operation id.
  Result<int64_t> Rollback(const std::string& app, int64_t history_id, const std::string& actor,
                           const std::string& source_address);
  // Rollback without pinning: writes one commit to the Application's target branch that
  // brings its path back to history entry `history_id`'s revision (`git revert` of
  // everything since, as a commit), then refreshes; automated sync deploys it, otherwise a
  // sync is started. Returns the new commit's SHA. Invalid when targetRevision is not a
  // branch; Conflict when the branch moved meanwhile (try again).
  Result<std::string> RevertInGit(const std::string& app, int64_t history_id,
                                  const std::string& actor, const std::string& source_address);

  // Stops the running operation between two steps (`argocd app terminate-op`): it shows
  // Terminating, then ends Failed "Operation terminated" after running SyncFail hooks.
  // NotFound for an unknown Application; Conflict when no operation is running.
  Status TerminateOperation(const std::string& app, const std::string& actor,
                            const std::string& source_address);

  // `kubectl rollout undo` of Deployment `ns`/`deployment` on the Application's destination:
  // its pod template goes back to revision `to_revision` (0: the previous one). Returns the
  // Deployment as stored. NotFound names a missing Deployment or revision.
  Result<Value> RolloutUndo(const std::string& app, const std::string& ns,
                            const std::string& deployment, int64_t to_revision,
                            const std::string& actor, const std::string& source_address);

  // Which Rollout a `capstan rollout` command means: its name, and the Application and
  // namespace when the name alone is ambiguous (empty: any).
  struct RolloutRef {
    std::string name;
    std::string ns;
    std::string app;
    size_t history_limit = 0;  // release steps GetRollout returns; 0: the latest 50
  };
  // Every Rollout the Applications declare, with where it runs and how far it is:
  // {"items": [{application, namespace, name, phase, message, strategy, step, steps,
  // setWeight, actualWeight}]}. A Rollout that cannot be read shows phase "Unknown" and why.
  Value ListRollouts();
  // `capstan rollout get`: DescribeRollout (rollout_steering.h) plus "application",
  // "destination" and "history" (release_history.h, newest first). NotFound when no Application
  // declares such a Rollout; Conflict naming the candidates when several do (pass the Application
  // or namespace).
  Result<Value> GetRollout(const RolloutRef& ref);
  // `capstan rollout promote|abort|retry|pause|resume|undo`, audited as
  // "rollout-<action>" with who did it.
  Result<SteerResult> SteerRollout(const RolloutRef& ref, RolloutAction action,
                                   const SteerOptions& options, const std::string& actor,
                                   const std::string& source_address);

  // The audit log, newest first: every sync, rollback, pin, self-heal and webhook.
  Result<Value> AuditLog(const std::string& app, size_t limit) const;

  // Argo CD's Application object: metadata, spec as read, status as last reconciled.
  Result<Value> Get(const std::string& app) const;
  std::vector<Value> List() const;
  // The unified diff of live against Git at the compared revision ("" when in sync).
  Result<std::string> DiffText(const std::string& app);
  Result<Value> History(const std::string& app) const;

  // Called by the live-state cache: `app`'s objects changed.
  void OnLiveChange(const std::string& app);

  // Counters for /metrics.
  struct Stats {
    uint64_t reconciles = 0;
    uint64_t reconcile_errors = 0;
    uint64_t syncs = 0;
    uint64_t self_heals = 0;
  };
  Stats stats() const;

 private:
  struct AppState;
  // What policy said about one render (status.policy).
  struct PolicyVerdict {
    Value summary;         // {errors, warnings, findings: [...]}
    bool blocked = false;  // enforced and an error-level finding
    std::string block_message;
  };

  // Where a Rollout named by `ref` runs (app_rollouts.cc).
  struct RolloutPlace {
    std::string app;
    std::string ns;
    ApplicationDestination destination;
    std::string name;
  };
  Result<RolloutPlace> LocateRollout(const RolloutRef& ref) const;
  std::vector<RolloutPlace> DeclaredRollouts(const std::string& name) const;

  // The state of `app`; NotFound "application NAME not found".
  Result<std::shared_ptr<AppState>> FindApp(const std::string& app) const;
  void Worker();
  Status Reconcile(const std::string& name);

  // The steps of Reconcile (reconcile_*.cc).
  Result<Revision> ResolveRevision(const std::string& name, const Application& app,
                                   const std::optional<SyncRequest>& pending,
                                   const std::string& pinned, bool refresh, AppState& state);
  Result<std::vector<Manifest>> RenderRevision(const Application& app, const Revision& revision);
  void FillNamespaces(const Application& app, target::Target& target,
                      std::vector<Manifest>& desired);
  Result<PolicyVerdict> CheckPolicy(const Application& app, const Revision& revision,
                                    const std::vector<Manifest>& desired);
  void RecordComparison(const std::string& name, AppState& state, const Revision& revision,
                        const std::vector<Manifest>& desired, const std::vector<Value>& live,
                        const Comparison& comparison, const PolicyVerdict& verdict);
  std::optional<SyncRequest> DecideAutomatedSync(const std::string& name, AppState& state,
                                                 const Application& app, const Revision& revision,
                                                 const Comparison& comparison);
  void CheckAutoRollback(const std::string& name, AppState& state, const Application& app,
                         const Comparison& comparison);
  Result<int64_t> BeginOperation(const std::string& name, const SyncRequest& request,
                                 const std::string& revision);
  void FinishBlocked(const std::string& name, AppState& state, int64_t operation_id,
                     const SyncRequest& request, const std::string& message);
  void RunAndRecord(const std::string& name, AppState& state, const Application& app,
                    target::Target& target, const Revision& revision,
                    const std::vector<Manifest>& desired, const std::vector<Value>& live,
                    const Comparison& comparison, const SyncRequest& request, int64_t operation_id);
  // REQUIRES: state.mu held.
  void PersistStatusLocked(const std::string& name, AppState& state);
  void Audit(const std::string& actor, const std::string& action, const std::string& app,
             const Value& details, const std::string& source_address = "");

  store::Store& store_;
  Revisions& revisions_;
  Destinations& destinations_;
  const ControllerOptions options_;
  WorkQueue queue_;
  std::vector<std::thread> workers_;
  std::atomic<bool> stopping_ = false;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<AppState>> apps_;  // guarded by mu_
  Stats stats_;                                            // guarded by mu_

  // Renders by RenderRequestKey: a checkout is immutable, so its key (which holds the
  // checkout's path, named by commit) is enough. Guarded by render_mu_; cleared whole when
  // it reaches kMaxRenders.
  static constexpr size_t kMaxRenders = 4096;
  std::mutex render_mu_;
  std::map<std::string, std::shared_ptr<const std::vector<Manifest>>> renders_;
};

}  // namespace capstan::controller
