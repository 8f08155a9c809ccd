#include "store/store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "store/internal/testing.h"

namespace capstan::store {
namespace {

using testing::RawDb;
using testing::TempDir;

// A clock the test moves by hand.
struct FakeClock {
  Millis now = 1'700'000'000'000;
  std::function<Millis()> Fn() {
    return [this] { return now; };
  }
};

AuditFilter ForApp(std::string app) {
  AuditFilter filter;
  filter.app = std::move(app);
  return filter;
}
AuditFilter Since(Millis since) {
  AuditFilter filter;
  filter.since = since;
  return filter;
}
AuditFilter Page(size_t limit, int64_t before_id = 0) {
  AuditFilter filter;
  filter.limit = limit;
  filter.before_id = before_id;
  return filter;
}
OperationResult Finished(OperationPhase phase, std::string message = "",
                         std::string result_json = "[]") {
  OperationResult result;
  result.phase = phase;
  result.message = std::move(message);
  result.result_json = std::move(result_json);
  return result;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen(StoreOptions options = {}) {
    store_.reset();
    options.now = clock_.Fn();
    Result<std::unique_ptr<Store>> opened = Store::Open(path_, std::move(options));
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    store_ = std::move(opened).value();
  }

  // Begins and finishes one successful sync of `app` at `revision`, with a history record.
  int64_t Deploy(const std::string& app, const std::string& revision, int limit = 0) {
    Result<int64_t> id = store_->BeginOperation({app, revision, "automated", "{}"});
    EXPECT_TRUE(id.ok()) << id.error().message();
    clock_.now += 1000;
    OperationResult result;
    result.message = "successfully synced";
    result.result_json = R"([{"kind":"Deployment","name":"web","status":"Synced"}])";
    result.history = HistoryRecord{};
    result.history->revision = revision;
    result.history->commit_message = "deploy " + revision;
    result.history->author = "Ada <ada@example.com>";
    result.history->images_json = R"(["registry.example.com/web:1.2.3"])";
    result.history_limit = limit;
    Status finished = store_->FinishOperation(*id, result);
    EXPECT_TRUE(finished.ok()) << finished.error().message();
    return *id;
  }

  TempDir tmp_;
  std::filesystem::path path_ = tmp_.path() / "capstan.db";
  FakeClock clock_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, ApplicationsRoundTrip) {
  ASSERT_TRUE(store_->PutApplicationSpec("web", R"({"project":"default"})").ok());
  clock_.now += 5;
  ASSERT_TRUE(store_->PutApplicationStatus("web", R"({"sync":{"status":"Synced"}})").ok());
  ASSERT_TRUE(store_->PutApplicationStatus("api", R"({"health":{"status":"Healthy"}})").ok());

  Result<Application> web = store_->GetApplication("web");
  ASSERT_TRUE(web.ok()) << web.error().message();
  EXPECT_EQ(web->spec_json, R"({"project":"default"})");
  EXPECT_EQ(web->status_json, R"({"sync":{"status":"Synced"}})");
  EXPECT_EQ(web->updated_at, clock_.now);

  Result<std::vector<Application>> all = store_->ListApplications();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "api");
  EXPECT_EQ((*all)[0].spec_json, "");
  EXPECT_EQ((*all)[1].name, "web");

  ASSERT_TRUE(store_->DeleteApplication("web").ok());
  Result<Application> gone = store_->GetApplication("web");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(gone.error().message(),
            "store " + path_.string() + ": get app web: no such application");
  EXPECT_EQ(store_->DeleteApplication("web").error().code(), ErrorCode::kNotFound);
}

TEST_F(StoreTest, DeletingAnApplicationRemovesItsHistoryButNotItsAudit) {
  ASSERT_TRUE(store_->PutApplicationSpec("web", "{}").ok());
  Deploy("web", "aaa");
  ASSERT_TRUE(store_->SetPin("web", "aaa", "incident 12").ok());
  ASSERT_TRUE(store_->Audit({0, 0, "ada", "sync", "web", "{}", "10.0.0.1"}).ok());
  ASSERT_TRUE(store_->DeleteApplication("web").ok());
  EXPECT_TRUE(store_->History("web")->empty());
  EXPECT_TRUE(store_->Operations("web")->empty());
  EXPECT_FALSE(store_->GetPin("web")->has_value());
  EXPECT_EQ(store_->AuditLog(ForApp("web"))->size(), 1u);
  // A re-created Application continues its history numbers instead of reusing them.
  ASSERT_TRUE(store_->PutApplicationSpec("web", "{}").ok());
  Deploy("web", "bbb");
  EXPECT_EQ(store_->History("web")->front().id, 2);
}

TEST_F(StoreTest, OperationLifecycle) {
  clock_.now = 1000;
  Result<int64_t> id = store_->BeginOperation({"web", "abc123", "ada", R"({"prune":true})"});
  ASSERT_TRUE(id.ok()) << id.error().message();

  Result<std::vector<Operation>> running = store_->RunningOperations();
  ASSERT_TRUE(running.ok());
  ASSERT_EQ(running->size(), 1u);
  EXPECT_EQ((*running)[0].phase, OperationPhase::kRunning);
  EXPECT_EQ((*running)[0].initiated_by, "ada");
  EXPECT_EQ((*running)[0].sync_options_json, R"({"prune":true})");
  EXPECT_EQ((*running)[0].started_at, 1000);

  ASSERT_TRUE(store_->TerminateOperation(*id).ok());
  EXPECT_EQ(store_->GetOperation(*id)->phase, OperationPhase::kTerminating);

  clock_.now = 2500;
  OperationResult failed = Finished(OperationPhase::kFailed, "one or more objects failed to apply",
                                    R"([{"name":"web","status":"SyncFailed"}])");
  ASSERT_TRUE(store_->FinishOperation(*id, failed).ok());
  Result<Operation> op = store_->GetOperation(*id);
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op->phase, OperationPhase::kFailed);
  EXPECT_EQ(op->message, "one or more objects failed to apply");
  EXPECT_EQ(op->result_json, R"([{"name":"web","status":"SyncFailed"}])");
  EXPECT_EQ(op->finished_at, 2500);
  EXPECT_TRUE(store_->RunningOperations()->empty());
  EXPECT_TRUE(store_->History("web")->empty()) << "a failed sync without history writes none";

  Status again = store_->TerminateOperation(*id);
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);
  Status missing = store_->FinishOperation(999, failed);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message(),
            "store " + path_.string() + ": finish operation 999: no such operation");
  Status not_finished = store_->FinishOperation(*id, Finished(OperationPhase::kRunning));
  EXPECT_EQ(not_finished.error().code(), ErrorCode::kInvalid);
}

TEST_F(StoreTest, HistoryKeepsNewestFirstWithTheRecordedFields) {
  clock_.now = 10'000;
  int64_t op = Deploy("web", "aaa");
  Result<std::vector<HistoryRecord>> history = store_->History("web");
  ASSERT_TRUE(history.ok()) << history.error().message();
  ASSERT_EQ(history->size(), 1u);
  const HistoryRecord& r = (*history)[0];
  EXPECT_EQ(r.id, 1);
  EXPECT_EQ(r.operation_id, op);
  EXPECT_EQ(r.app, "web");
  EXPECT_EQ(r.revision, "aaa");
  EXPECT_EQ(r.commit_message, "deploy aaa");
  EXPECT_EQ(r.author, "Ada <ada@example.com>");
  EXPECT_EQ(r.images_json, R"(["registry.example.com/web:1.2.3"])");
  EXPECT_EQ(r.deployed_at, 10'000) << "defaults to the operation's start";
  EXPECT_EQ(r.finished_at, 11'000);
  EXPECT_EQ(r.result, "Succeeded");
  EXPECT_EQ(r.policy_json, "null");
  Deploy("web", "bbb");
  EXPECT_EQ(store_->History("web")->front().revision, "bbb");
  EXPECT_EQ(store_->History("web")->front().id, 2);
}

TEST_F(StoreTest, HistoryIsTrimmedToTheLimitPerApplication) {
  for (int i = 1; i <= 13; ++i) Deploy("web", "rev" + std::to_string(i));
  Deploy("api", "only");
  Result<std::vector<HistoryRecord>> web = store_->History("web");
  ASSERT_TRUE(web.ok());
  ASSERT_EQ(web->size(), 10u) << "Argo CD's default revisionHistoryLimit";
  EXPECT_EQ(web->front().id, 13);
  EXPECT_EQ(web->front().revision, "rev13");
  EXPECT_EQ(web->back().id, 4);
  EXPECT_EQ(store_->History("api")->size(), 1u) << "other applications are not trimmed";

  Deploy("web", "rev14", /*limit=*/3);
  web = store_->History("web");
  ASSERT_EQ(web->size(), 3u);
  EXPECT_EQ(web->front().id, 14);
  EXPECT_EQ(web->back().id, 12);
}

TEST_F(StoreTest, FinishingTwiceWritesHistoryOnce) {
  Result<int64_t> id = store_->BeginOperation({"web", "aaa", "automated", "{}"});
  ASSERT_TRUE(id.ok());
  OperationResult result;
  result.history = HistoryRecord{};
  result.history->revision = "aaa";
  ASSERT_TRUE(store_->FinishOperation(*id, result).ok());
  // The caller retries, say after a timeout it could not tell from a failure.
  ASSERT_TRUE(store_->FinishOperation(*id, result).ok());
  EXPECT_EQ(store_->History("web")->size(), 1u);

  Status contradicting = store_->FinishOperation(*id, Finished(OperationPhase::kFailed));
  ASSERT_FALSE(contradicting.ok());
  EXPECT_EQ(contradicting.error().code(), ErrorCode::kConflict);
  EXPECT_NE(contradicting.error().message().find("already finished as Succeeded"),
            std::string::npos);
  EXPECT_EQ(store_->GetOperation(*id)->phase, OperationPhase::kSucceeded);
}

TEST_F(StoreTest, MarkInterruptedFinishesWhatARestartLeftRunning) {
  Result<int64_t> a = store_->BeginOperation({"web", "aaa", "automated", "{}"});
  Result<int64_t> b = store_->BeginOperation({"api", "bbb", "ada", "{}"});
  Deploy("db", "ccc");
  ASSERT_TRUE(store_->TerminateOperation(*b).ok());
  Reopen();  // the restart
  Result<std::vector<Operation>> running = store_->RunningOperations();
  ASSERT_EQ(running->size(), 2u);
  Result<std::vector<Operation>> marked = store_->MarkInterrupted("interrupted by a restart");
  ASSERT_TRUE(marked.ok()) << marked.error().message();
  ASSERT_EQ(marked->size(), 2u);
  EXPECT_EQ((*marked)[0].id, *a);
  EXPECT_EQ((*marked)[1].id, *b);
  for (int64_t id : {*a, *b}) {
    Result<Operation> op = store_->GetOperation(id);
    EXPECT_EQ(op->phase, OperationPhase::kError);
    EXPECT_EQ(op->message, "interrupted by a restart");
    EXPECT_EQ(op->finished_at, clock_.now);
  }
  EXPECT_TRUE(store_->RunningOperations()->empty());
  EXPECT_EQ(store_->History("db")->size(), 1u);
}

TEST_F(StoreTest, AuditLogFiltersNewestFirst) {
  clock_.now = 100;
  ASSERT_TRUE(
      store_->Audit({0, 0, "ada", "sync", "web", R"({"revision":"aaa"})", "10.0.0.7"}).ok());
  clock_.now = 200;
  ASSERT_TRUE(store_->Audit({0, 0, "automated", "sync", "api", "{}", ""}).ok());
  ASSERT_TRUE(store_->Audit({0, 150, "bob", "pin", "web", "{}", "10.0.0.8"}).ok());
  clock_.now = 300;
  ASSERT_TRUE(store_->Audit({0, 0, "webhook:github", "webhook", "", "{}", "140.82.112.1"}).ok());

  Result<std::vector<AuditEntry>> all = store_->AuditLog({});
  ASSERT_TRUE(all.ok()) << all.error().message();
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].actor, "webhook:github");
  EXPECT_EQ((*all)[3].details_json, R"({"revision":"aaa"})");
  EXPECT_EQ((*all)[3].source_address, "10.0.0.7");
  EXPECT_EQ((*all)[3].time, 100);
  EXPECT_EQ((*all)[1].time, 150) << "a time given by the caller is kept";

  Result<std::vector<AuditEntry>> web = store_->AuditLog(ForApp("web"));
  ASSERT_EQ(web->size(), 2u);
  EXPECT_EQ((*web)[0].action, "pin");
  EXPECT_EQ(store_->AuditLog(Since(150))->size(), 3u);
  Result<std::vector<AuditEntry>> page = store_->AuditLog(Page(2));
  ASSERT_EQ(page->size(), 2u);
  Result<std::vector<AuditEntry>> next = store_->AuditLog(Page(100, page->back().id));
  ASSERT_EQ(next->size(), 2u);
  EXPECT_EQ((*next)[0].id, page->back().id - 1);
}

TEST_F(StoreTest, AuditLogRefusesUpdateAndDelete) {
  ASSERT_TRUE(store_->Audit({0, 0, "ada", "sync", "web", "{}", ""}).ok());
  RawDb raw(path_);
  EXPECT_EQ(raw.Exec("UPDATE audit SET actor = 'mallory'"), "the audit log is append-only");
  EXPECT_EQ(raw.Exec("DELETE FROM audit"), "the audit log is append-only");
  EXPECT_EQ(raw.Exec("INSERT OR REPLACE INTO audit (id, time, actor, action, app, details_json,"
                     " source_address) SELECT id, time, 'mallory', action, app, details_json,"
                     " source_address FROM audit"),
            "the audit log is append-only");
  EXPECT_EQ(store_->AuditLog({})->front().actor, "ada");
}

TEST_F(StoreTest, PinsSetReplaceAndClear) {
  EXPECT_FALSE(store_->GetPin("web")->has_value());
  clock_.now = 42;
  ASSERT_TRUE(store_->SetPin("web", "aaa", "rolled back: error rate").ok());
  ASSERT_TRUE(store_->SetPin("web", "bbb", "rolled back again").ok());
  Result<std::optional<Pin>> pin = store_->GetPin("web");
  ASSERT_TRUE(pin.ok() && pin->has_value());
  EXPECT_EQ((*pin)->revision, "bbb");
  EXPECT_EQ((*pin)->reason, "rolled back again");
  EXPECT_EQ((*pin)->pinned_at, 42);
  ASSERT_TRUE(store_->ClearPin("web").ok());
  ASSERT_TRUE(store_->ClearPin("web").ok()) << "clearing no pin is fine";
  EXPECT_FALSE(store_->GetPin("web")->has_value());
}

TEST_F(StoreTest, ReopeningKeepsEverything) {
  ASSERT_TRUE(store_->PutApplicationStatus("web", R"({"health":"Healthy"})").ok());
  Deploy("web", "aaa");
  Deploy("web", "bbb");
  ASSERT_TRUE(store_->Audit({0, 0, "ada", "sync", "web", "{}", ""}).ok());
  ASSERT_TRUE(store_->SetPin("web", "aaa", "why").ok());
  Reopen();
  EXPECT_EQ(store_->GetApplication("web")->status_json, R"({"health":"Healthy"})");
  EXPECT_EQ(store_->History("web")->size(), 2u);
  EXPECT_EQ(store_->Operations("web")->size(), 2u);
  EXPECT_EQ(store_->AuditLog({})->size(), 1u);
  EXPECT_EQ((*store_->GetPin("web"))->revision, "aaa");
  Deploy("web", "ccc");
  EXPECT_EQ(store_->History("web")->front().id, 3);
  RawDb raw(path_);
  EXPECT_EQ(raw.Column("PRAGMA journal_mode"), std::vector<std::string>{"wal"});
}

TEST_F(StoreTest, AWriterLockedOutLongerThanTheBusyTimeoutIsUnavailable) {
  StoreOptions options;
  options.busy_timeout_ms = 100;
  Reopen(options);
  RawDb other(path_);  // another process, say a backup, holding the write lock
  ASSERT_EQ(other.Exec("BEGIN IMMEDIATE"), "");
  Status status = store_->PutApplicationStatus("web", "{}");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(status.error().message(),
            "store " + path_.string() + ": put status of app web: database is locked");
  // Readers are not blocked by a writer in WAL mode.
  EXPECT_TRUE(store_->ListApplications().ok());
  ASSERT_EQ(other.Exec("COMMIT"), "");
  EXPECT_TRUE(store_->PutApplicationStatus("web", "{}").ok()) << "works again once released";
}

TEST_F(StoreTest, LocalObjectsSurviveAReopenAndDeleteIsIdempotent) {
  ASSERT_TRUE(store_->PutLocalObject("apps/Deployment/default/web", R"({"v":1})").ok());
  ASSERT_TRUE(store_->PutLocalObject("/Pod/default/web-1", R"({"p":1})").ok());
  ASSERT_TRUE(store_->PutLocalObject("apps/Deployment/default/web", R"({"v":2})").ok());
  Reopen();
  auto objects = store_->LocalObjects();
  ASSERT_TRUE(objects.ok()) << objects.error().message();
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ((*objects)[1].first, "apps/Deployment/default/web");
  EXPECT_EQ((*objects)[1].second, R"({"v":2})") << "the last write wins";
  ASSERT_TRUE(store_->DeleteLocalObject("/Pod/default/web-1").ok());
  ASSERT_TRUE(store_->DeleteLocalObject("/Pod/default/web-1").ok()) << "deleting twice is fine";
  EXPECT_EQ(store_->LocalObjects()->size(), 1u);
}

TEST_F(StoreTest, ReleaseStepsNewestFirstPerRolloutTrimmedToTheLimit) {
  for (int i = 0; i < 3; ++i) {
    clock_.now += 1000;
    ReleaseStep step{0, 0, "local/shop/web", "demo", R"({"step":)" + std::to_string(i) + "}"};
    ASSERT_TRUE(store_->AppendReleaseStep(step).ok());
  }
  ASSERT_TRUE(store_->AppendReleaseStep({0, 0, "local/shop/api", "demo", "{}"}).ok());
  Reopen();
  auto steps = store_->ReleaseSteps("local/shop/web", 10);
  ASSERT_TRUE(steps.ok()) << steps.error().message();
  ASSERT_EQ(steps->size(), 3u);
  EXPECT_EQ((*steps)[0].record_json, R"({"step":2})");
  EXPECT_EQ((*steps)[0].app, "demo");
  EXPECT_GT((*steps)[0].time, (*steps)[2].time);
  EXPECT_EQ(store_->ReleaseSteps("local/shop/web", 2)->size(), 2u);

  for (size_t i = 0; i < kReleaseStepsKept; ++i) {
    ASSERT_TRUE(store_->AppendReleaseStep({0, 0, "local/shop/web", "demo", "{}"}).ok());
  }
  EXPECT_EQ(store_->ReleaseSteps("local/shop/web", 10'000)->size(), kReleaseStepsKept)
      << "a Rollout keeps its newest steps only";
  EXPECT_EQ(store_->ReleaseSteps("local/shop/api", 10)->size(), 1u) << "others keep theirs";
}

TEST(StoreOpenTest, MigratesAnEmptyFile) {
  TempDir tmp;
  std::filesystem::path path = tmp.path() / "empty.db";
  std::ofstream(path).close();  // zero bytes: what a fresh volume or a touch leaves
  Result<std::unique_ptr<Store>> store = Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.error().message();
  EXPECT_EQ(*(*store)->SchemaVersion(), 3);
  store->reset();
  // Opening again runs no migration twice.
  store = Store::Open(path);
  ASSERT_TRUE(store.ok()) << store.error().message();
  RawDb raw(path);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM schema_version"), 3);
  EXPECT_EQ(raw.Column("PRAGMA foreign_key_check"), std::vector<std::string>{});
}

TEST(StoreOpenTest, RefusesAFileFromANewerCapstan) {
  TempDir tmp;
  std::filesystem::path path = tmp.path() / "capstan.db";
  ASSERT_TRUE(Store::Open(path).ok());
  {
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("INSERT INTO schema_version VALUES (99, 0)"), "");
  }
  Result<std::unique_ptr<Store>> store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kInvalid);
  EXPECT_EQ(store.error().message(),
            "store " + path.string() +
                ": migrate schema: schema version 99 was written by a newer capstan (this one "
                "knows up to 3)");
}

TEST(StoreOpenTest, RefusesAFileThatIsNotADatabase) {
  TempDir tmp;
  std::filesystem::path path = tmp.path() / "capstan.db";
  std::ofstream(path) << "apiVersion: v1\nkind: ConfigMap\n" << std::string(4096, '#');
  Result<std::unique_ptr<Store>> store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kInvalid);
  EXPECT_EQ(store.error().message(), "store " + path.string() + ": open: file is not a database");
}

TEST(StoreOpenTest, MissingFolderIsUnavailable) {
  TempDir tmp;
  Result<std::unique_ptr<Store>> store = Store::Open(tmp.path() / "no" / "such" / "capstan.db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(store.error().message().find("unable to open database file"), std::string::npos)
      << store.error().message();
}

}  // namespace
}  // namespace capstan::store
