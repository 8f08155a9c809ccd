// The audit log: append-only. The triggers in the schema refuse UPDATE and DELETE, so not
// even a bug in capstan (or a hand-run sqlite3 session) can rewrite what happened.
#include <algorithm>
#include <string>

#include "store/internal/sqlite.h"
#include "store/store.h"

namespace capstan::store {

using internal::Statement;

Result<int64_t> Store::Audit(const AuditEntry& entry) {
  std::lock_guard lock(mu_);
  auto append = [&]() -> Result<int64_t> {
    CAPSTAN_STORE_ASSIGN(
        Statement stmt,
        db_->Prepare("INSERT INTO audit (time, actor, action, app, details_json, source_address)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    CAPSTAN_TRY(stmt.Bind(1, entry.time != 0 ? entry.time : Now())
                    .Bind(2, entry.actor)
                    .Bind(3, entry.action)
                    .Bind(4, entry.app)
                    .Bind(5, entry.details_json)
                    .Bind(6, entry.source_address)
                    .Run());
    return db_->LastInsertId();
  };
  Result<int64_t> id = append();
  if (!id.ok()) {
    std::string what = "append audit entry " + entry.action;
    if (!entry.app.empty()) what += " for app " + entry.app;
    return Fail(what, id.error());
  }
  return id;
}

Result<std::vector<AuditEntry>> Store::AuditLog(const AuditFilter& filter) {
  std::lock_guard lock(mu_);
  auto read = [&]() -> Result<std::vector<AuditEntry>> {
    CAPSTAN_STORE_ASSIGN(
        Statement stmt,
        db_->Prepare("SELECT id, time, actor, action, app, details_json, source_address"
                     " FROM audit WHERE (?1 = '' OR app = ?1) AND time >= ?2"
                     " AND (?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?4"));
    size_t limit = std::min(filter.limit, kMaxAuditPage);
    stmt.Bind(1, filter.app)
        .Bind(2, filter.since)
        .Bind(3, filter.before_id)
        .Bind(4, static_cast<int64_t>(limit));
    std::vector<AuditEntry> entries;
    while (true) {
      CAPSTAN_STORE_ASSIGN(bool row, stmt.Step());
      if (!row) return entries;
      entries.push_back(AuditEntry{stmt.Int(0), stmt.Int(1), stmt.Text(2), stmt.Text(3),
                                   stmt.Text(4), stmt.Text(5), stmt.Text(6)});
    }
  };
  Result<std::vector<AuditEntry>> entries = read();
  if (!entries.ok()) return Fail("read audit log", entries.error());
  return entries;
}

}  // namespace capstan::store
