// A thin layer over the SQLite C API for the store's files: one connection, statements
// prepared once and reused, typed binds and columns, and a transaction guard that rolls
// back unless committed. Not part of the module's interface.
//
// Nothing here locks: the Store holds its mutex around every use of a Db.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"

namespace capstan::store::internal {

// One prepared statement, reset and cleared when the Statement leaves scope so that the
// next user finds it fresh. Obtained from Db::Prepare; does not own the sqlite3_stmt.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(Statement&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)), bind_error_(other.bind_error_) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Parameters are numbered from 1, as in SQL's ?1, ?2. Text is copied by SQLite.
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, int64_t number);
  Statement& BindNull(int index);

  // Runs one step: true when a row is ready, false when done; an error as SQLite's text.
  Result<bool> Step();
  // Steps until done (for statements that return no rows).
  Status Run();

  int64_t Int(int column) const;
  std::string Text(int column) const;
  bool IsNull(int column) const;

 private:
  sqlite3_stmt* stmt_;
  int bind_error_ = SQLITE_OK;  // the first failed bind, reported by Step
};

// One SQLite connection and its cache of prepared statements.
class Db {
 public:
  // Opens (creating when missing) the database file at `path`.
  static Result<std::unique_ptr<Db>> Open(const std::string& path);
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Runs `sql` (one or more statements, no parameters, rows ignored).
  Status Exec(std::string_view sql);
  // The statement for `sql`, prepared on first use and kept for the connection's life.
  Result<Statement> Prepare(std::string_view sql);
  // The rowid of the last INSERT on this connection.
  int64_t LastInsertId() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int Changes() const;

  sqlite3* handle() const { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*, std::less<>> statements_;
};

// BEGIN IMMEDIATE on construction (takes the write lock at once, so two writers never
// deadlock upgrading a read lock); ROLLBACK on destruction unless Commit() succeeded.
class Transaction {
 public:
  static Result<std::unique_ptr<Transaction>> Begin(Db& db);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  Status Commit();

 private:
  explicit Transaction(Db& db) : db_(db) {}
  Db& db_;
  bool done_ = false;
};

// An Error for SQLite result code `rc`: Unavailable for locks, I/O and a full disk,
// Conflict for a violated constraint, Invalid for a file that is not a (sound) database,
// Internal otherwise.
Error ErrorFor(int rc, std::string message);

// SQLite's message for the connection's last error, e.g. "database is locked".
std::string LastError(sqlite3* db);

}  // namespace capstan::store::internal

// Declares `lhs` from the value of `expr` (a Result), or returns its error. `lhs` is a
// declaration ("Statement stmt"), which parentheses would break.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define CAPSTAN_STORE_CONCAT_INNER(a, b) a##b
#define CAPSTAN_STORE_CONCAT(a, b) CAPSTAN_STORE_CONCAT_INNER(a, b)
#define CAPSTAN_STORE_ASSIGN(lhs, expr) \
  CAPSTAN_STORE_ASSIGN_IMPL(CAPSTAN_STORE_CONCAT(capstan_store_result_, __LINE__), lhs, expr)
#define CAPSTAN_STORE_ASSIGN_IMPL(result, lhs, expr)  \
  auto result = (expr);                               \
  if (!result.ok()) return std::move(result).error(); \
  lhs = std::move(result).value()
// NOLINTEND(bugprone-macro-parentheses)
