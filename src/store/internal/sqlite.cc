#include "store/internal/sqlite.h"

#include <limits>

namespace capstan::store::internal {

Error ErrorFor(int rc, std::string message) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
      return Error::Unavailable(std::move(message));
    case SQLITE_CONSTRAINT:
      return Error::Conflict(std::move(message));
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return Error::Invalid(std::move(message));
    default:
      return Error::Internal(std::move(message));
  }
}

std::string LastError(sqlite3* db) {
  const char* message = db != nullptr ? sqlite3_errmsg(db) : nullptr;
  return message != nullptr ? message : "out of memory";
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::Bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies, so the caller's buffer may go away before Step.
  int rc = text.size() > static_cast<size_t>(std::numeric_limits<int>::max())
               ? SQLITE_TOOBIG
               : sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                                   SQLITE_TRANSIENT);
  if (bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::Bind(int index, int64_t number) {
  int rc = sqlite3_bind_int64(stmt_, index, number);
  if (bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Result<bool> Statement::Step() {
  if (bind_error_ != SQLITE_OK) return Error::Internal(sqlite3_errstr(bind_error_));
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return ErrorFor(rc, LastError(sqlite3_db_handle(stmt_)));
}

Status Statement::Run() {
  while (true) {
    Result<bool> row = Step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return OkStatus();
  }
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return {text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& path) {
  sqlite3* handle = nullptr;
  // NOMUTEX: the Store serializes every use of the connection with its own mutex.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = handle != nullptr ? LastError(handle) : sqlite3_errstr(rc);
    sqlite3_close(handle);
    return ErrorFor(rc, std::move(message));
  }
  sqlite3_extended_result_codes(handle, 1);
  return std::unique_ptr<Db>(new Db(handle));
}

Db::~Db() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status Db::Exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return OkStatus();
  std::string what = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return ErrorFor(rc, std::move(what));
}

Result<Statement> Db::Prepare(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found != statements_.end()) return Statement(found->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return ErrorFor(rc, LastError(db_));
  statements_.emplace(std::string(sql), stmt);
  return Statement(stmt);
}

int64_t Db::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }

int Db::Changes() const { return sqlite3_changes(db_); }

Result<std::unique_ptr<Transaction>> Transaction::Begin(Db& db) {
  CAPSTAN_TRY(db.Exec("BEGIN IMMEDIATE"));
  return std::unique_ptr<Transaction>(new Transaction(db));
}

Transaction::~Transaction() {
  if (!done_) (void)db_.Exec("ROLLBACK");
}

Status Transaction::Commit() {
  CAPSTAN_TRY(db_.Exec("COMMIT"));
  done_ = true;
  return OkStatus();
}

}  // namespace capstan::store::internal
