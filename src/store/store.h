// store: SQLite. "Remember, durably."
//
// One Store is one SQLite file in WAL mode holding what capstan must not forget across a
// restart: Applications' spec and observed status, sync operations, the deployment history
// of each Application (like Argo CD's status.history), an append-only audit log, and
// pinned revisions. docs/store.md describes the file, its tables and its guarantees;
// docs/decisions/0006-sqlite-store.md says why.
//
// Durability: every method that changes something commits one transaction before it
// returns. A committed change survives the process being killed at any moment (SIGKILL,
// crash, OOM); see StoreOptions::full_sync for power loss.
//
// Secrets: the store writes what it is given. Callers redact Secret values before handing
// objects, results or audit details over (the diff module has the redactor); nothing here
// looks inside the JSON.
//
// Errors name the file and the operation, then SQLite's reason:
//   `store /var/lib/capstan/capstan.db: append history for app web: database is locked`.
// Unavailable when the file is locked by another process longer than busy_timeout, NotFound
// for a missing row, Conflict for a contradicting write, Internal otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace capstan::store {

namespace internal {
class Db;
}

// Milliseconds since the Unix epoch (UTC).
using Millis = int64_t;

struct StoreOptions {
  // How long a write waits for another process holding the file's write lock before it
  // fails with Unavailable. Default 5 s: long enough for any single capstan transaction.
  int busy_timeout_ms = 5000;
  // false (default): PRAGMA synchronous=NORMAL. With WAL, each commit is written to the log
  // before the call returns, so killing the process loses nothing committed; a power cut
  // or kernel crash may lose the last few commits (never corrupts the file).
  // true: synchronous=FULL, an fsync per commit, so commits also survive power loss; costs
  // one disk flush per write (milliseconds on most disks).
  bool full_sync = false;
  // Records kept per Application in History when the caller passes no limit. Default 10,
  // as Argo CD's revisionHistoryLimit.
  int revision_history_limit = 10;
  // The clock every stored time is taken from. Default std::chrono::system_clock.
  std::function<Millis()> now;
};

// An Application's row: spec and status as JSON texts (core/json.h EmitJson/ParseJson).
struct Application {
  std::string name;
  std::string spec_json;    // "" until PutApplicationSpec
  std::string status_json;  // "" until PutApplicationStatus
  Millis updated_at = 0;    // last Put of either
};

// Phases of a sync operation, as Argo CD's status.operationState.phase.
enum class OperationPhase {
  kRunning,      // started, not finished
  kTerminating,  // asked to stop, still running
  kSucceeded,    // finished, everything applied
  kFailed,       // finished, something was refused or unhealthy
  kError,        // finished abnormally (capstan's own error, or interrupted by a restart)
};
std::string_view PhaseName(OperationPhase phase);  // "Running", "Succeeded", ...
bool IsFinished(OperationPhase phase);             // Succeeded, Failed or Error

// What BeginOperation records.
struct OperationStart {
  std::string app;
  std::string revision;                  // the commit SHA being synced
  std::string initiated_by;              // a user name, or "automated"
  std::string sync_options_json = "{}";  // prune, dry-run, resources, ...
};

struct Operation {
  int64_t id = 0;
  std::string app;
  Millis started_at = 0;
  Millis finished_at = 0;  // 0 while running
  OperationPhase phase = OperationPhase::kRunning;
  std::string message;
  std::string revision;
  std::string initiated_by;
  std::string sync_options_json;
  std::string result_json;  // per-object results; "" while running
};

// One deployment of an Application, written when a sync succeeded.
struct HistoryRecord {
  int64_t id = 0;            // per Application, increasing from 1, never reused (set by the store)
  int64_t operation_id = 0;  // the operation that deployed it (set by the store)
  std::string app;           // (set by the store)
  std::string revision;
  std::string commit_message;
  std::string author;
  std::string images_json = "[]";     // list of image references deployed
  std::string source_json = "{}";     // the Application's source (repoURL, path, targetRevision)
  Millis deployed_at = 0;             // when the sync started
  Millis finished_at = 0;             // when it finished
  std::string result;                 // the operation's phase name (set by the store)
  std::string resources_json = "[]";  // per-object results
  std::string policy_json = "null";   // the policy verdict
};

// How FinishOperation records the end of an operation.
struct OperationResult {
  OperationPhase phase = OperationPhase::kSucceeded;  // REQUIRES: IsFinished(phase)
  std::string message;
  std::string result_json = "[]";
  // When set (normally only for kSucceeded), appended to the Application's history in the
  // same transaction. deployed_at defaults to the operation's start, finished_at to now.
  std::optional<HistoryRecord> history;
  // Records kept for this Application (at least 1, the new one); 0 means
  // StoreOptions::revision_history_limit.
  int history_limit = 0;
};

struct AuditEntry {
  int64_t id = 0;      // increasing over the whole log (set by the store)
  Millis time = 0;     // set by the store when 0
  std::string actor;   // a user name, "automated", or "webhook:github"
  std::string action;  // "sync", "rollback", "pin", "webhook", ...
  std::string app;     // "" when not about one Application
  std::string details_json = "{}";
  std::string source_address;  // the client's address, "" for capstan itself
};

struct AuditFilter {
  std::string app;        // only this Application; "" for all
  Millis since = 0;       // only entries at or after this time
  int64_t before_id = 0;  // only entries with a smaller id (paging); 0 for no bound
  size_t limit = 100;     // at most this many (capped at kMaxAuditPage)
};
inline constexpr size_t kMaxAuditPage = 10'000;

// One step of a Rollout's release (rollout history): written by the Rollout controller when
// the step, phase, weights or versions of a Rollout change.
struct ReleaseStep {
  int64_t id = 0;       // increasing over all Rollouts (set by the store)
  Millis time = 0;      // set by the store when 0
  std::string rollout;  // "<destination>/<namespace>/<name>", see the Rollout controller
  std::string app;      // the Application that declares it, "" when none
  std::string record_json = "{}";
};
// Steps kept per Rollout; older ones are trimmed when a new one is written.
inline constexpr size_t kReleaseStepsKept = 500;

// A revision an Application is held at (rollback-and-pin): automated sync leaves it there
// until the pin is cleared.
struct Pin {
  std::string app;
  std::string revision;
  std::string reason;
  Millis pinned_at = 0;
};

// Thread-safe: one SQLite connection guarded by a mutex, so calls from many threads run one
// at a time (each call is short: one transaction). Several processes may open the same
// file; their writes wait for each other up to busy_timeout_ms.
class Store {
 public:
  // Opens `path`, creating the file when missing, and brings its schema up to date
  // (migrations run in one transaction each). Invalid when the file was written by a newer
  // capstan (a schema version this one does not know) or is not a SQLite database.
  static Result<std::unique_ptr<Store>> Open(const std::filesystem::path& path,
                                             StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The schema version of the open file (the highest migration applied).
  Result<int> SchemaVersion();

  // --- Applications ---
  // Creates the row when missing. Both set updated_at.
  Status PutApplicationSpec(std::string_view name, std::string_view spec_json);
  Status PutApplicationStatus(std::string_view name, std::string_view status_json);
  // NotFound when there is no such Application.
  Result<Application> GetApplication(std::string_view name);
  // Every Application, by name.
  Result<std::vector<Application>> ListApplications();
  // Removes the Application with its operations, history and pin (one transaction); the
  // audit log keeps its entries. NotFound when there was nothing of it to remove.
  Status DeleteApplication(std::string_view name);

  // --- Operations and history ---
  // Records a new Running operation; returns its id (increasing, never reused).
  Result<int64_t> BeginOperation(const OperationStart& start);
  // Moves a Terminating request onto a Running operation. NotFound for an unknown id,
  // Conflict when it has finished.
  Status TerminateOperation(int64_t id);
  // Finishes operation `id` and, when result.history is set, appends it to the history and
  // trims the history to the limit, all in one transaction. Idempotent: calling it again
  // for an operation already finished with the same phase changes nothing (so a caller
  // that retries after an error cannot write history twice); a different phase is a
  // Conflict. NotFound for an unknown id; Invalid when result.phase is not finished.
  Status FinishOperation(int64_t id, const OperationResult& result);
  // NotFound for an unknown id.
  Result<Operation> GetOperation(int64_t id);
  // Operations of `app` ("" for all), newest first, at most `limit`.
  Result<std::vector<Operation>> Operations(std::string_view app, size_t limit = 100);
  // Operations still Running or Terminating, oldest first. After a restart these were
  // interrupted: the server resumes them or finishes them with MarkInterrupted.
  Result<std::vector<Operation>> RunningOperations();
  // Finishes every Running or Terminating operation as kError with `message` (e.g.
  // "interrupted by a restart"), in one transaction; returns the ones it finished.
  Result<std::vector<Operation>> MarkInterrupted(std::string_view message);

  // The history of `app`, newest first (at most the trim limit of the last append).
  Result<std::vector<HistoryRecord>> History(std::string_view app);

  // --- Audit log: append-only; the file refuses UPDATE and DELETE on it ---
  // Appends `entry` (id set by the store; time set when 0); returns the id.
  Result<int64_t> Audit(const AuditEntry& entry);
  // Entries matching `filter`, newest first.
  Result<std::vector<AuditEntry>> AuditLog(const AuditFilter& filter);

  // --- Pins ---
  // Sets or replaces the pin of `app`.
  Status SetPin(std::string_view app, std::string_view revision, std::string_view reason);
  // Removes the pin; OK when there was none.
  Status ClearPin(std::string_view app);
  // The pin of `app`, or nullopt when it has none.
  Result<std::optional<Pin>> GetPin(std::string_view app);

  // --- Release steps of Rollouts ---
  // Appends `step` and trims that Rollout's steps to kReleaseStepsKept, in one transaction;
  // returns its id.
  Result<int64_t> AppendReleaseStep(const ReleaseStep& step);
  // The steps of `rollout`, newest first, at most `limit`.
  Result<std::vector<ReleaseStep>> ReleaseSteps(std::string_view rollout, size_t limit);

  // --- The local target's objects (target/local keeps them in memory and writes through) ---
  // Creates or replaces the object stored under `key`.
  Status PutLocalObject(std::string_view key, std::string_view body_json);
  // Removes it; OK when there was none.
  Status DeleteLocalObject(std::string_view key);
  // Every stored object as (key, body_json), by key.
  Result<std::vector<std::pair<std::string, std::string>>> LocalObjects();

 private:
  Store(std::filesystem::path path, StoreOptions options, std::unique_ptr<internal::Db> db);
  Millis Now() const;
  // "store <path>: <what>: <message>", keeping the code.
  Error Fail(std::string_view what, const Error& error) const;
  Result<HistoryRecord> AppendHistoryLocked(const Operation& op, HistoryRecord record, int limit);

  // Constant after construction.
  const std::filesystem::path path_;
  const StoreOptions options_;

  std::mutex mu_;
  // Guarded by mu_: the connection and its prepared statements.
  std::unique_ptr<internal::Db> db_;
};

}  // namespace capstan::store
