#include "store/internal/schema.h"

#include <array>
#include <string>

namespace capstan::store::internal {
namespace {

// Append only: a released migration is never edited, because files in the field have
// already run it. A new column or table is a new entry at the end.
constexpr std::array<const char*, 3> kMigrations = {
    // 1: the first schema.
    R"sql(
CREATE TABLE applications (
  name TEXT PRIMARY KEY,
  spec_json TEXT NOT NULL DEFAULT '',
  status_json TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL
) STRICT;

-- AUTOINCREMENT: ids of deleted operations are never handed out again, so an id seen in a
-- log or the audit keeps meaning one operation.
CREATE TABLE operations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  app TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL DEFAULT 0,
  phase TEXT NOT NULL
    CHECK (phase IN ('Running', 'Terminating', 'Succeeded', 'Failed', 'Error')),
  message TEXT NOT NULL DEFAULT '',
  revision TEXT NOT NULL,
  initiated_by TEXT NOT NULL,
  sync_options_json TEXT NOT NULL,
  result_json TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX operations_by_app ON operations (app, id);
CREATE INDEX operations_running ON operations (id) WHERE phase IN ('Running', 'Terminating');

-- operation_id UNIQUE is the idempotency key: one history record per operation.
CREATE TABLE history (
  app TEXT NOT NULL,
  id INTEGER NOT NULL,
  operation_id INTEGER NOT NULL UNIQUE REFERENCES operations (id),
  revision TEXT NOT NULL,
  commit_message TEXT NOT NULL,
  author TEXT NOT NULL,
  images_json TEXT NOT NULL,
  source_json TEXT NOT NULL,
  deployed_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  result TEXT NOT NULL,
  resources_json TEXT NOT NULL,
  policy_json TEXT NOT NULL,
  PRIMARY KEY (app, id)
) STRICT;

-- The last history id given out per Application, so ids keep increasing after trimming.
CREATE TABLE history_ids (
  app TEXT PRIMARY KEY,
  last_id INTEGER NOT NULL
) STRICT;

CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  app TEXT NOT NULL,
  details_json TEXT NOT NULL,
  source_address TEXT NOT NULL
) STRICT;
CREATE INDEX audit_by_app ON audit (app, id);
CREATE INDEX audit_by_time ON audit (time);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- INSERT OR REPLACE deletes the old row without firing DELETE triggers (unless a connection
-- turns recursive_triggers on), so an insert over an existing id is refused here.
CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit
WHEN EXISTS (SELECT 1 FROM audit WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE pins (
  app TEXT PRIMARY KEY,
  revision TEXT NOT NULL,
  reason TEXT NOT NULL,
  pinned_at INTEGER NOT NULL
) STRICT;
)sql",
    // 2: the local target's objects (Deployments, Pods, Services... on this machine), one
    // row per object, its whole JSON including status.
    R"sql(
CREATE TABLE local_objects (
  key TEXT PRIMARY KEY,
  body_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
)sql",
    // 3: every step of every release a Rollout made (its release identities, weights,
    // phase), read newest first per Rollout.
    R"sql(
CREATE TABLE release_steps (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  rollout TEXT NOT NULL,
  app TEXT NOT NULL,
  time INTEGER NOT NULL,
  record_json TEXT NOT NULL
) STRICT;
CREATE INDEX release_steps_by_rollout ON release_steps (rollout, id);
)sql",
};

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(kMigrations.size()); }

Result<int> CurrentSchemaVersion(Db& db) {
  Result<Statement> stmt = db.Prepare("SELECT coalesce(max(version), 0) FROM schema_version");
  if (!stmt.ok()) return std::move(stmt).error();
  Result<bool> row = stmt->Step();
  if (!row.ok()) return std::move(row).error();
  return static_cast<int>(stmt->Int(0));
}

Status Migrate(Db& db, int64_t now) {
  CAPSTAN_TRY(
      db.Exec("CREATE TABLE IF NOT EXISTS schema_version ("
              " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT"));
  while (true) {
    // The version is read inside the write transaction, so two processes opening a new
    // file together run each migration once.
    Result<std::unique_ptr<Transaction>> txn = Transaction::Begin(db);
    if (!txn.ok()) return std::move(txn).error();
    Result<int> version = CurrentSchemaVersion(db);
    if (!version.ok()) return std::move(version).error();
    if (*version > LatestSchemaVersion()) {
      return Error::Invalid("schema version " + std::to_string(*version) +
                            " was written by a newer capstan (this one knows up to " +
                            std::to_string(LatestSchemaVersion()) + ")");
    }
    if (*version == LatestSchemaVersion()) return (*txn)->Commit();
    int next = *version + 1;
    Status applied = db.Exec(kMigrations[static_cast<size_t>(next - 1)]);
    if (!applied.ok()) {
      return std::move(applied).error().Wrap("migration " + std::to_string(next));
    }
    Result<Statement> record =
        db.Prepare("INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)");
    if (!record.ok()) return std::move(record).error();
    CAPSTAN_TRY(record->Bind(1, int64_t{next}).Bind(2, now).Run());
    CAPSTAN_TRY((*txn)->Commit());
  }
}

}  // namespace capstan::store::internal
