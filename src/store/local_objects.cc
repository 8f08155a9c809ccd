// The local target's objects: one row per object, written through on every change so a
// restarted capstan knows what it was running (and adopts the containers instead of
// starting them twice).
#include <string>
#include <utility>
#include <vector>

#include "store/internal/sqlite.h"
#include "store/store.h"

namespace capstan::store {

using internal::Statement;

Status Store::PutLocalObject(std::string_view key, std::string_view body_json) {
  std::lock_guard lock(mu_);
  auto put = [&]() -> Status {
    CAPSTAN_STORE_ASSIGN(
        Statement stmt,
        db_->Prepare("INSERT INTO local_objects (key, body_json, updated_at) VALUES (?1, ?2, ?3)"
                     " ON CONFLICT (key) DO UPDATE SET body_json = ?2, updated_at = ?3"));
    return stmt.Bind(1, key).Bind(2, body_json).Bind(3, Now()).Run();
  };
  Status status = put();
  if (!status.ok()) return Fail("store local object " + std::string(key), status.error());
  return status;
}

Status Store::DeleteLocalObject(std::string_view key) {
  std::lock_guard lock(mu_);
  auto remove = [&]() -> Status {
    CAPSTAN_STORE_ASSIGN(Statement stmt, db_->Prepare("DELETE FROM local_objects WHERE key = ?1"));
    return stmt.Bind(1, key).Run();
  };
  Status status = remove();
  if (!status.ok()) return Fail("delete local object " + std::string(key), status.error());
  return status;
}

Result<std::vector<std::pair<std::string, std::string>>> Store::LocalObjects() {
  std::lock_guard lock(mu_);
  auto read = [&]() -> Result<std::vector<std::pair<std::string, std::string>>> {
    CAPSTAN_STORE_ASSIGN(Statement stmt,
                         db_->Prepare("SELECT key, body_json FROM local_objects ORDER BY key"));
    std::vector<std::pair<std::string, std::string>> rows;
    while (true) {
      CAPSTAN_STORE_ASSIGN(bool row, stmt.Step());
      if (!row) return rows;
      rows.emplace_back(stmt.Text(0), stmt.Text(1));
    }
  };
  auto rows = read();
  if (!rows.ok()) return Fail("read local objects", rows.error());
  return rows;
}

}  // namespace capstan::store
