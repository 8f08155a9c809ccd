// Sync operations and the deployment history they write.
#include <string>
#include <utility>

#include "store/internal/sqlite.h"
#include "store/store.h"

namespace capstan::store {

using internal::Db;
using internal::Statement;
using internal::Transaction;

namespace {

constexpr std::string_view kOperationColumns =
    "id, app, started_at, finished_at, phase, message, revision, initiated_by,"
    " sync_options_json, result_json";

Result<OperationPhase> ParsePhase(std::string_view name) {
  for (OperationPhase phase :
       {OperationPhase::kRunning, OperationPhase::kTerminating, OperationPhase::kSucceeded,
        OperationPhase::kFailed, OperationPhase::kError}) {
    if (PhaseName(phase) == name) return phase;
  }
  return Error::Invalid("unknown operation phase \"" + std::string(name) + "\"");
}

Result<Operation> ReadOperation(const Statement& row) {
  Operation op;
  op.id = row.Int(0);
  op.app = row.Text(1);
  op.started_at = row.Int(2);
  op.finished_at = row.Int(3);
  CAPSTAN_STORE_ASSIGN(op.phase, ParsePhase(row.Text(4)));
  op.message = row.Text(5);
  op.revision = row.Text(6);
  op.initiated_by = row.Text(7);
  op.sync_options_json = row.Text(8);
  op.result_json = row.Text(9);
  return op;
}

// Every row `stmt` yields, as operations.
Result<std::vector<Operation>> ReadOperations(Statement& stmt) {
  std::vector<Operation> ops;
  while (true) {
    CAPSTAN_STORE_ASSIGN(bool row, stmt.Step());
    if (!row) return ops;
    CAPSTAN_STORE_ASSIGN(Operation op, ReadOperation(stmt));
    ops.push_back(std::move(op));
  }
}

Result<Operation> LoadOperation(Db& db, int64_t id) {
  CAPSTAN_STORE_ASSIGN(Statement stmt, db.Prepare("SELECT " + std::string(kOperationColumns) +
                                                  " FROM operations WHERE id = ?1"));
  stmt.Bind(1, id);
  CAPSTAN_STORE_ASSIGN(bool row, stmt.Step());
  if (!row) return Error::NotFound("no such operation");
  return ReadOperation(stmt);
}

Status WriteFinish(Db& db, int64_t id, OperationPhase phase, std::string_view message,
                   std::string_view result_json, Millis now) {
  CAPSTAN_STORE_ASSIGN(Statement stmt,
                       db.Prepare("UPDATE operations SET phase = ?2, message = ?3,"
                                  " result_json = ?4, finished_at = ?5 WHERE id = ?1"));
  return stmt.Bind(1, id)
      .Bind(2, PhaseName(phase))
      .Bind(3, message)
      .Bind(4, result_json)
      .Bind(5, now)
      .Run();
}

std::string OperationLabel(int64_t id) { return "operation " + std::to_string(id); }

}  // namespace

std::string_view PhaseName(OperationPhase phase) {
  switch (phase) {
    case OperationPhase::kRunning:
      return "Running";
    case OperationPhase::kTerminating:
      return "Terminating";
    case OperationPhase::kSucceeded:
      return "Succeeded";
    case OperationPhase::kFailed:
      return "Failed";
    case OperationPhase::kError:
      return "Error";
  }
  return "Error";
}

bool IsFinished(OperationPhase phase) {
  return phase == OperationPhase::kSucceeded || phase == OperationPhase::kFailed ||
         phase == OperationPhase::kError;
}

Result<int64_t> Store::BeginOperation(const OperationStart& start) {
  std::lock_guard lock(mu_);
  auto begin = [&]() -> Result<int64_t> {
    CAPSTAN_STORE_ASSIGN(
        Statement stmt,
        db_->Prepare("INSERT INTO operations (app, started_at, phase, revision, initiated_by,"
                     " sync_options_json) VALUES (?1, ?2, 'Running', ?3, ?4, ?5)"));
    CAPSTAN_TRY(stmt.Bind(1, start.app)
                    .Bind(2, Now())
                    .Bind(3, start.revision)
                    .Bind(4, start.initiated_by)
                    .Bind(5, start.sync_options_json)
                    .Run());
    return db_->LastInsertId();
  };
  Result<int64_t> id = begin();
  if (!id.ok()) return Fail("begin operation for app " + start.app, id.error());
  return id;
}

Status Store::TerminateOperation(int64_t id) {
  std::lock_guard lock(mu_);
  auto terminate = [&]() -> Status {
    CAPSTAN_STORE_ASSIGN(auto txn, Transaction::Begin(*db_));
    CAPSTAN_STORE_ASSIGN(Operation op, LoadOperation(*db_, id));
    if (IsFinished(op.phase)) {
      return Error::Conflict("already finished (" + std::string(PhaseName(op.phase)) + ")");
    }
    CAPSTAN_STORE_ASSIGN(Statement stmt,
                         db_->Prepare("UPDATE operations SET phase = 'Terminating' WHERE id = ?1"));
    CAPSTAN_TRY(stmt.Bind(1, id).Run());
    return txn->Commit();
  };
  Status status = terminate();
  if (!status.ok()) return Fail("terminate " + OperationLabel(id), status.error());
  return status;
}

Status Store::FinishOperation(int64_t id, const OperationResult& result) {
  std::lock_guard lock(mu_);
  std::string app;
  auto finish = [&]() -> Status {
    if (!IsFinished(result.phase)) {
      return Error::Invalid("phase " + std::string(PhaseName(result.phase)) +
                            " does not finish an operation");
    }
    CAPSTAN_STORE_ASSIGN(auto txn, Transaction::Begin(*db_));
    CAPSTAN_STORE_ASSIGN(Operation op, LoadOperation(*db_, id));
    app = op.app;
    if (IsFinished(op.phase)) {
      // A retry after a failure the caller could not see (say, a timeout after COMMIT):
      // the first finish stands and nothing is written twice.
      if (op.phase == result.phase) return OkStatus();
      return Error::Conflict("already finished as " + std::string(PhaseName(op.phase)) + ", not " +
                             std::string(PhaseName(result.phase)));
    }
    Millis now = Now();
    CAPSTAN_TRY(WriteFinish(*db_, id, result.phase, result.message, result.result_json, now));
    if (result.history) {
      HistoryRecord record = *result.history;
      if (record.deployed_at == 0) record.deployed_at = op.started_at;
      if (record.finished_at == 0) record.finished_at = now;
      record.result = std::string(PhaseName(result.phase));
      int limit = result.history_limit > 0 ? result.history_limit : options_.revision_history_limit;
      CAPSTAN_TRY(AppendHistoryLocked(op, std::move(record), limit));
    }
    return txn->Commit();
  };
  Status status = finish();
  if (!status.ok()) {
    std::string what = "finish " + OperationLabel(id);
    if (!app.empty()) what += " of app " + app;
    if (result.history) what += " and append history";
    return Fail(what, status.error());
  }
  return status;
}

Result<Operation> Store::GetOperation(int64_t id) {
  std::lock_guard lock(mu_);
  Result<Operation> op = LoadOperation(*db_, id);
  if (!op.ok()) return Fail("get " + OperationLabel(id), op.error());
  return op;
}

Result<std::vector<Operation>> Store::Operations(std::string_view app, size_t limit) {
  std::lock_guard lock(mu_);
  auto list = [&]() -> Result<std::vector<Operation>> {
    CAPSTAN_STORE_ASSIGN(Statement stmt, db_->Prepare("SELECT " + std::string(kOperationColumns) +
                                                      " FROM operations WHERE ?1 = '' OR app = ?1"
                                                      " ORDER BY id DESC LIMIT ?2"));
    stmt.Bind(1, app).Bind(2, static_cast<int64_t>(limit));
    return ReadOperations(stmt);
  };
  Result<std::vector<Operation>> ops = list();
  if (!ops.ok()) return Fail("list operations of app " + std::string(app), ops.error());
  return ops;
}

Result<std::vector<Operation>> Store::RunningOperations() {
  std::lock_guard lock(mu_);
  auto list = [&]() -> Result<std::vector<Operation>> {
    CAPSTAN_STORE_ASSIGN(Statement stmt,
                         db_->Prepare("SELECT " + std::string(kOperationColumns) +
                                      " FROM operations WHERE phase IN ('Running', 'Terminating')"
                                      " ORDER BY id"));
    return ReadOperations(stmt);
  };
  Result<std::vector<Operation>> ops = list();
  if (!ops.ok()) return Fail("list running operations", ops.error());
  return ops;
}

Result<std::vector<Operation>> Store::MarkInterrupted(std::string_view message) {
  std::lock_guard lock(mu_);
  auto mark = [&]() -> Result<std::vector<Operation>> {
    CAPSTAN_STORE_ASSIGN(auto txn, Transaction::Begin(*db_));
    std::vector<Operation> ops;
    {
      CAPSTAN_STORE_ASSIGN(
          Statement stmt,
          db_->Prepare("SELECT " + std::string(kOperationColumns) +
                       " FROM operations WHERE phase IN ('Running', 'Terminating') ORDER BY id"));
      CAPSTAN_STORE_ASSIGN(ops, ReadOperations(stmt));
    }
    Millis now = Now();
    for (Operation& op : ops) {
      CAPSTAN_TRY(WriteFinish(*db_, op.id, OperationPhase::kError, message, "[]", now));
      op.phase = OperationPhase::kError;
      op.message = std::string(message);
      op.result_json = "[]";
      op.finished_at = now;
    }
    CAPSTAN_TRY(txn->Commit());
    return ops;
  };
  Result<std::vector<Operation>> ops = mark();
  if (!ops.ok()) return Fail("mark interrupted operations", ops.error());
  return ops;
}

}  // namespace capstan::store
