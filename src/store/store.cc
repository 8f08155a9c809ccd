#include "store/store.h"

#include <chrono>
#include <utility>

#include "store/internal/schema.h"
#include "store/internal/sqlite.h"

namespace capstan::store {

using internal::Db;
using internal::Statement;
using internal::Transaction;

namespace {

Millis SystemNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Sets the connection up for durability and for sharing the file with other processes.
Status Configure(Db& db, const StoreOptions& options) {
  // First, so that every statement below (the journal-mode switch and the migrations take
  // the file's lock) waits for another connection opening the same file at the same moment
  // instead of failing with "database is locked".
  sqlite3_busy_timeout(db.handle(), options.busy_timeout_ms);
  // WAL: readers never block the writer, and a commit is one append to the log, which a
  // killed process cannot leave half-done (the log's checksums drop a torn tail).
  CAPSTAN_STORE_ASSIGN(Statement wal, db.Prepare("PRAGMA journal_mode=WAL"));
  CAPSTAN_STORE_ASSIGN(bool row, wal.Step());
  if (!row || wal.Text(0) != "wal") {
    return Error::Unavailable("cannot switch to WAL mode (journal mode is " + wal.Text(0) + ")");
  }
  CAPSTAN_TRY(db.Exec(options.full_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"));
  CAPSTAN_TRY(db.Exec("PRAGMA foreign_keys=ON"));
  return OkStatus();
}

Application ReadApplication(const Statement& row) {
  return {row.Text(0), row.Text(1), row.Text(2), row.Int(3)};
}

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::filesystem::path& path,
                                           StoreOptions options) {
  if (!options.now) options.now = SystemNow;
  std::string prefix = "store " + path.string();
  Result<std::unique_ptr<Db>> db = Db::Open(path.string());
  if (!db.ok()) return std::move(db).error().Wrap(prefix + ": open");
  Status configured = Configure(**db, options);
  if (!configured.ok()) return std::move(configured).error().Wrap(prefix + ": open");
  Status migrated = internal::Migrate(**db, options.now());
  if (!migrated.ok()) return std::move(migrated).error().Wrap(prefix + ": migrate schema");
  return std::unique_ptr<Store>(new Store(path, std::move(options), std::move(db).value()));
}

Store::Store(std::filesystem::path path, StoreOptions options, std::unique_ptr<Db> db)
    : path_(std::move(path)), options_(std::move(options)), db_(std::move(db)) {}

Store::~Store() = default;

Millis Store::Now() const { return options_.now(); }

Error Store::Fail(std::string_view what, const Error& error) const {
  return error.Wrap("store " + path_.string() + ": " + std::string(what));
}

Result<int> Store::SchemaVersion() {
  std::lock_guard lock(mu_);
  Result<int> version = internal::CurrentSchemaVersion(*db_);
  if (!version.ok()) return Fail("read schema version", version.error());
  return version;
}

Status Store::PutApplicationSpec(std::string_view name, std::string_view spec_json) {
  std::lock_guard lock(mu_);
  auto put = [&]() -> Status {
    CAPSTAN_STORE_ASSIGN(Statement stmt,
                         db_->Prepare("INSERT INTO applications (name, spec_json, updated_at)"
                                      " VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE"
                                      " SET spec_json = ?2, updated_at = ?3"));
    return stmt.Bind(1, name).Bind(2, spec_json).Bind(3, Now()).Run();
  };
  Status status = put();
  if (!status.ok()) return Fail("put spec of app " + std::string(name), status.error());
  return status;
}

Status Store::PutApplicationStatus(std::string_view name, std::string_view status_json) {
  std::lock_guard lock(mu_);
  auto put = [&]() -> Status {
    CAPSTAN_STORE_ASSIGN(Statement stmt,
                         db_->Prepare("INSERT INTO applications (name, status_json, updated_at)"
                                      " VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE"
                                      " SET status_json = ?2, updated_at = ?3"));
    return stmt.Bind(1, name).Bind(2, status_json).Bind(3, Now()).Run();
  };
  Status status = put();
  if (!status.ok()) return Fail("put status of app " + std::string(name), status.error());
  return status;
}

Result<Application> Store::GetApplication(std::string_view name) {
  std::lock_guard lock(mu_);
  auto get = [&]() -> Result<Application> {
    CAPSTAN_STORE_ASSIGN(Statement stmt,
                         db_->Prepare("SELECT name, spec_json, status_json, updated_at"
                                      " FROM applications WHERE name = ?1"));
    stmt.Bind(1, name);
    CAPSTAN_STORE_ASSIGN(bool row, stmt.Step());
    if (!row) return Error::NotFound("no such application");
    return ReadApplication(stmt);
  };
  Result<Application> app = get();
  if (!app.ok()) return Fail("get app " + std::string(name), app.error());
  return app;
}

Result<std::vector<Application>> Store::ListApplications() {
  std::lock_guard lock(mu_);
  auto list = [&]() -> Result<std::vector<Application>> {
    CAPSTAN_STORE_ASSIGN(Statement stmt,
                         db_->Prepare("SELECT name, spec_json, status_json, updated_at"
                                      " FROM applications ORDER BY name"));
    std::vector<Application> apps;
    while (true) {
      CAPSTAN_STORE_ASSIGN(bool row, stmt.Step());
      if (!row) return apps;
      apps.push_back(ReadApplication(stmt));
    }
  };
  Result<std::vector<Application>> apps = list();
  if (!apps.ok()) return Fail("list apps", apps.error());
  return apps;
}

Status Store::DeleteApplication(std::string_view name) {
  std::lock_guard lock(mu_);
  auto remove = [&]() -> Status {
    CAPSTAN_STORE_ASSIGN(auto txn, Transaction::Begin(*db_));
    // History before operations: it refers to them. history_ids stays, so a re-created
    // Application's history ids keep increasing rather than reusing old numbers.
    int removed = 0;
    for (const char* sql :
         {"DELETE FROM applications WHERE name = ?1", "DELETE FROM history WHERE app = ?1",
          "DELETE FROM operations WHERE app = ?1", "DELETE FROM pins WHERE app = ?1"}) {
      CAPSTAN_STORE_ASSIGN(Statement stmt, db_->Prepare(sql));
      CAPSTAN_TRY(stmt.Bind(1, name).Run());
      removed += db_->Changes();
    }
    if (removed == 0) return Error::NotFound("no such application");
    return txn->Commit();
  };
  Status status = remove();
  if (!status.ok()) return Fail("delete app " + std::string(name), status.error());
  return status;
}

Status Store::SetPin(std::string_view app, std::string_view revision, std::string_view reason) {
  std::lock_guard lock(mu_);
  auto set = [&]() -> Status {
    CAPSTAN_STORE_ASSIGN(Statement stmt,
                         db_->Prepare("INSERT INTO pins (app, revision, reason, pinned_at)"
                                      " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (app) DO UPDATE"
                                      " SET revision = ?2, reason = ?3, pinned_at = ?4"));
    return stmt.Bind(1, app).Bind(2, revision).Bind(3, reason).Bind(4, Now()).Run();
  };
  Status status = set();
  if (!status.ok()) return Fail("pin app " + std::string(app), status.error());
  return status;
}

Status Store::ClearPin(std::string_view app) {
  std::lock_guard lock(mu_);
  auto clear = [&]() -> Status {
    CAPSTAN_STORE_ASSIGN(Statement stmt, db_->Prepare("DELETE FROM pins WHERE app = ?1"));
    return stmt.Bind(1, app).Run();
  };
  Status status = clear();
  if (!status.ok()) return Fail("clear pin of app " + std::string(app), status.error());
  return status;
}

Result<std::optional<Pin>> Store::GetPin(std::string_view app) {
  std::lock_guard lock(mu_);
  auto get = [&]() -> Result<std::optional<Pin>> {
    CAPSTAN_STORE_ASSIGN(
        Statement stmt,
        db_->Prepare("SELECT app, revision, reason, pinned_at FROM pins WHERE app = ?1"));
    stmt.Bind(1, app);
    CAPSTAN_STORE_ASSIGN(bool row, stmt.Step());
    if (!row) return std::optional<Pin>();
    return std::optional<Pin>(Pin{stmt.Text(0), stmt.Text(1), stmt.Text(2), stmt.Int(3)});
  };
  Result<std::optional<Pin>> pin = get();
  if (!pin.ok()) return Fail("get pin of app " + std::string(app), pin.error());
  return pin;
}

}  // namespace capstan::store
