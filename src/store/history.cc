// The deployment history: one record per succeeded operation, trimmed per Application.
#include <algorithm>
#include <string>
#include <utility>

#include "store/internal/sqlite.h"
#include "store/store.h"

namespace capstan::store {

using internal::Statement;

Result<HistoryRecord> Store::AppendHistoryLocked(const Operation& op, HistoryRecord record,
                                                 int limit) {
  limit = std::max(limit, 1);  // the record just written always stays
  record.app = op.app;
  record.operation_id = op.id;
  // The next id of this Application: one past the highest ever given, kept in history_ids
  // so trimmed or deleted records never have their numbers reused.
  CAPSTAN_STORE_ASSIGN(
      Statement next,
      db_->Prepare("INSERT INTO history_ids (app, last_id) VALUES (?1, 1) ON CONFLICT (app)"
                   " DO UPDATE SET last_id = last_id + 1 RETURNING last_id"));
  next.Bind(1, record.app);
  CAPSTAN_STORE_ASSIGN(bool row, next.Step());
  if (!row) return Error::Internal("no history id returned");
  record.id = next.Int(0);
  CAPSTAN_TRY(next.Run());

  CAPSTAN_STORE_ASSIGN(
      Statement insert,
      db_->Prepare("INSERT INTO history (app, id, operation_id, revision, commit_message,"
                   " author, images_json, source_json, deployed_at, finished_at, result,"
                   " resources_json, policy_json)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"));
  CAPSTAN_TRY(insert.Bind(1, record.app)
                  .Bind(2, record.id)
                  .Bind(3, record.operation_id)
                  .Bind(4, record.revision)
                  .Bind(5, record.commit_message)
                  .Bind(6, record.author)
                  .Bind(7, record.images_json)
                  .Bind(8, record.source_json)
                  .Bind(9, record.deployed_at)
                  .Bind(10, record.finished_at)
                  .Bind(11, record.result)
                  .Bind(12, record.resources_json)
                  .Bind(13, record.policy_json)
                  .Run());

  CAPSTAN_STORE_ASSIGN(Statement trim,
                       db_->Prepare("DELETE FROM history WHERE app = ?1 AND id <= ?2 - ?3"));
  CAPSTAN_TRY(trim.Bind(1, record.app).Bind(2, record.id).Bind(3, int64_t{limit}).Run());
  return record;
}

Result<std::vector<HistoryRecord>> Store::History(std::string_view app) {
  std::lock_guard lock(mu_);
  auto list = [&]() -> Result<std::vector<HistoryRecord>> {
    CAPSTAN_STORE_ASSIGN(
        Statement stmt,
        db_->Prepare("SELECT app, id, operation_id, revision, commit_message, author,"
                     " images_json, source_json, deployed_at, finished_at, result,"
                     " resources_json, policy_json FROM history WHERE app = ?1 ORDER BY id DESC"));
    stmt.Bind(1, app);
    std::vector<HistoryRecord> records;
    while (true) {
      CAPSTAN_STORE_ASSIGN(bool row, stmt.Step());
      if (!row) return records;
      HistoryRecord r;
      r.app = stmt.Text(0);
      r.id = stmt.Int(1);
      r.operation_id = stmt.Int(2);
      r.revision = stmt.Text(3);
      r.commit_message = stmt.Text(4);
      r.author = stmt.Text(5);
      r.images_json = stmt.Text(6);
      r.source_json = stmt.Text(7);
      r.deployed_at = stmt.Int(8);
      r.finished_at = stmt.Int(9);
      r.result = stmt.Text(10);
      r.resources_json = stmt.Text(11);
      r.policy_json = stmt.Text(12);
      records.push_back(std::move(r));
    }
  };
  Result<std::vector<HistoryRecord>> records = list();
  if (!records.ok()) return Fail("read history of app " + std::string(app), records.error());
  return records;
}

}  // namespace capstan::store
