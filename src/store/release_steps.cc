// Release steps: what each Rollout did, step by step, with the versions involved. Trimmed
// per Rollout so a Rollout that is released many times a day keeps a bounded history.
#include <string>
#include <vector>

#include "store/internal/sqlite.h"
#include "store/store.h"

namespace capstan::store {

using internal::Statement;
using internal::Transaction;

Result<int64_t> Store::AppendReleaseStep(const ReleaseStep& step) {
  std::lock_guard lock(mu_);
  auto append = [&]() -> Result<int64_t> {
    CAPSTAN_STORE_ASSIGN(std::unique_ptr<Transaction> txn, Transaction::Begin(*db_));
    CAPSTAN_STORE_ASSIGN(Statement insert,
                         db_->Prepare("INSERT INTO release_steps (rollout, app, time, record_json)"
                                      " VALUES (?1, ?2, ?3, ?4)"));
    CAPSTAN_TRY(insert.Bind(1, step.rollout)
                    .Bind(2, step.app)
                    .Bind(3, step.time != 0 ? step.time : Now())
                    .Bind(4, step.record_json)
                    .Run());
    int64_t id = db_->LastInsertId();
    CAPSTAN_STORE_ASSIGN(Statement trim,
                         db_->Prepare("DELETE FROM release_steps WHERE rollout = ?1 AND id <= ("
                                      " SELECT id FROM release_steps WHERE rollout = ?1"
                                      " ORDER BY id DESC LIMIT 1 OFFSET ?2)"));
    CAPSTAN_TRY(trim.Bind(1, step.rollout).Bind(2, static_cast<int64_t>(kReleaseStepsKept)).Run());
    CAPSTAN_TRY(txn->Commit());
    return id;
  };
  Result<int64_t> id = append();
  if (!id.ok()) return Fail("append release step for " + step.rollout, id.error());
  return id;
}

Result<std::vector<ReleaseStep>> Store::ReleaseSteps(std::string_view rollout, size_t limit) {
  std::lock_guard lock(mu_);
  auto read = [&]() -> Result<std::vector<ReleaseStep>> {
    CAPSTAN_STORE_ASSIGN(
        Statement stmt, db_->Prepare("SELECT id, time, rollout, app, record_json FROM release_steps"
                                     " WHERE rollout = ?1 ORDER BY id DESC LIMIT ?2"));
    stmt.Bind(1, rollout).Bind(2, static_cast<int64_t>(limit));
    std::vector<ReleaseStep> steps;
    while (true) {
      CAPSTAN_STORE_ASSIGN(bool row, stmt.Step());
      if (!row) return steps;
      steps.push_back({stmt.Int(0), stmt.Int(1), stmt.Text(2), stmt.Text(3), stmt.Text(4)});
    }
  };
  auto steps = read();
  if (!steps.ok()) return Fail("read release steps of " + std::string(rollout), steps.error());
  return steps;
}

}  // namespace capstan::store
