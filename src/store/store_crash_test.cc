// The store under stress: several writers at once, and a process killed mid-write.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>
#include <set>
#include <thread>

#include "store/internal/testing.h"
#include "store/store.h"

namespace capstan::store {
namespace {

using testing::RawDb;
using testing::TempDir;

constexpr int kThreads = 4;
constexpr int kDeploysPerThread = 50;

// Deploys `app` once: an operation, its finish with a history record, an audit entry.
// Returns the operation id, or 0 after reporting a failure.
int64_t DeployOnce(Store& store, const std::string& app, int i, int history_limit = 0) {
  Result<int64_t> id = store.BeginOperation({app, "rev" + std::to_string(i), "automated", "{}"});
  if (!id.ok()) {
    ADD_FAILURE() << id.error().message();
    return 0;
  }
  OperationResult result;
  result.history = HistoryRecord{};
  result.history->revision = "rev" + std::to_string(i);
  result.history_limit = history_limit;
  Status finished = store.FinishOperation(*id, result);
  if (!finished.ok()) {
    ADD_FAILURE() << finished.error().message();
    return 0;
  }
  Result<int64_t> audit = store.Audit({0, 0, "automated", "sync", app, "{}", ""});
  if (!audit.ok()) ADD_FAILURE() << audit.error().message();
  return *id;
}

// Checks what every writer in these tests must leave behind: a sound file, one history
// record per succeeded operation and none for any other, per-app ids without gaps.
void ExpectConsistent(const std::filesystem::path& path) {
  RawDb raw(path);
  EXPECT_EQ(raw.Column("PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  EXPECT_EQ(raw.Column("PRAGMA foreign_key_check"), std::vector<std::string>{});
  EXPECT_EQ(raw.Int("SELECT count(*) FROM operations o WHERE o.phase = 'Succeeded' AND"
                    " NOT EXISTS (SELECT 1 FROM history h WHERE h.operation_id = o.id)"),
            0)
      << "a succeeded operation without its history record";
  EXPECT_EQ(raw.Int("SELECT count(*) FROM history h JOIN operations o ON o.id = h.operation_id"
                    " WHERE o.phase != 'Succeeded'"),
            0)
      << "a history record whose operation did not finish";
  EXPECT_EQ(raw.Int("SELECT count(*) FROM operations WHERE phase = 'Succeeded' AND"
                    " (finished_at = 0 OR result_json = '')"),
            0)
      << "a finished operation without its result";
}

TEST(StoreConcurrencyTest, FourThreadsShareOneStore) {
  TempDir tmp;
  auto store = Store::Open(tmp.path() / "capstan.db");
  ASSERT_TRUE(store.ok()) << store.error().message();
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kDeploysPerThread; ++i) {
        // Two threads per application, so history ids of one app are handed out concurrently.
        DeployOnce(**store, "app" + std::to_string(t % 2), i, /*history_limit=*/1000);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const char* app : {"app0", "app1"}) {
    Result<std::vector<HistoryRecord>> history = (*store)->History(app);
    ASSERT_TRUE(history.ok());
    ASSERT_EQ(history->size(), 2u * kDeploysPerThread);
    for (size_t i = 0; i < history->size(); ++i) {
      EXPECT_EQ((*history)[i].id, static_cast<int64_t>(history->size() - i)) << app;
    }
  }
  AuditFilter all;
  all.limit = kMaxAuditPage;
  EXPECT_EQ((*store)->AuditLog(all)->size(), size_t{kThreads} * kDeploysPerThread);
  ExpectConsistent(tmp.path() / "capstan.db");
}

TEST(StoreConcurrencyTest, FourConnectionsWriteTheSameFile) {
  // Each thread opens its own Store, as separate processes would: writes then wait on
  // SQLite's file lock (busy_timeout) instead of the Store's mutex.
  TempDir tmp;
  std::filesystem::path path = tmp.path() / "capstan.db";
  ASSERT_TRUE(Store::Open(path).ok());
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto store = Store::Open(path);
      ASSERT_TRUE(store.ok()) << store.error().message();
      for (int i = 0; i < kDeploysPerThread; ++i) {
        DeployOnce(**store, "app" + std::to_string(t), i, /*history_limit=*/1000);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  RawDb raw(path);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM history"), kThreads * kDeploysPerThread);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM audit"), kThreads * kDeploysPerThread);
  ExpectConsistent(path);
}

// What the child reports through the pipe after each call returned (the commit is done).
struct Report {
  char kind;  // 'O': operation finished with history; 'A': audit entry appended
  int64_t id;
};

[[noreturn]] void WriteUntilKilled(const std::filesystem::path& path, int report_fd) {
  auto store = Store::Open(path);
  if (!store.ok()) _exit(2);
  for (int i = 0;; ++i) {
    Result<int64_t> id = (*store)->BeginOperation({"web", "rev", "automated", "{}"});
    if (!id.ok()) _exit(3);
    OperationResult result;
    result.result_json = R"([{"kind":"Deployment","name":"web","status":"Synced"}])";
    result.history = HistoryRecord{};
    result.history->revision = "rev" + std::to_string(i);
    result.history->commit_message = std::string(1000, 'm');  // spans pages
    result.history_limit = 1'000'000;                         // keep every record
    if (!(*store)->FinishOperation(*id, result).ok()) _exit(4);
    Report op{'O', *id};
    if (write(report_fd, &op, sizeof op) != sizeof op) _exit(5);
    Result<int64_t> audit = (*store)->Audit({0, 0, "automated", "sync", "web", "{}", ""});
    if (!audit.ok()) _exit(6);
    Report entry{'A', *audit};
    if (write(report_fd, &entry, sizeof entry) != sizeof entry) _exit(7);
  }
}

TEST(StoreCrashTest, NothingCommittedIsLostWhenTheProcessIsKilled) {
  TempDir tmp;
  std::filesystem::path path = tmp.path() / "capstan.db";
  std::mt19937 random(std::random_device{}());
  std::set<int64_t> reported_ops;
  std::set<int64_t> reported_audit;
  constexpr int kRounds = 6;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      WriteUntilKilled(path, fds[1]);
    }
    close(fds[1]);
    // Wait for the first report, then kill at a random moment within the next 150 ms.
    Report report{};
    ASSERT_EQ(read(fds[0], &report, sizeof report), static_cast<ssize_t>(sizeof report))
        << "the writer process failed before its first commit";
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::microseconds(std::uniform_int_distribution<>(0, 150'000)(random));
    std::vector<Report> reports{report};
    auto drain = [&](int timeout_ms) {
      pollfd pfd{fds[0], POLLIN, 0};
      while (poll(&pfd, 1, timeout_ms) > 0) {
        ssize_t n = read(fds[0], &report, sizeof report);
        if (n != static_cast<ssize_t>(sizeof report)) return;
        reports.push_back(report);
      }
    };
    while (std::chrono::steady_clock::now() < deadline) drain(1);
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(waitpid(child, &wstatus, 0), child);
    ASSERT_TRUE(WIFSIGNALED(wstatus)) << "the writer exited by itself, status " << wstatus;
    drain(0);  // what it reported just before dying
    close(fds[0]);
    for (const Report& r : reports) (r.kind == 'O' ? reported_ops : reported_audit).insert(r.id);

    // The restart: reopen, finish what the kill interrupted, check everything.
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok()) << store.error().message();
    ASSERT_TRUE((*store)->MarkInterrupted("interrupted by a restart").ok());
    ExpectConsistent(path);
    RawDb raw(path);
    std::set<int64_t> stored_ops;
    for (const std::string& id : raw.Column("SELECT operation_id FROM history")) {
      stored_ops.insert(std::stoll(id));
    }
    EXPECT_EQ(static_cast<size_t>(raw.Int("SELECT count(*) FROM history")), stored_ops.size())
        << "a history record written twice";
    for (int64_t id : reported_ops) EXPECT_TRUE(stored_ops.count(id)) << "lost operation " << id;
    // At most the one commit that finished after its report could be written... per round.
    EXPECT_LE(stored_ops.size(), reported_ops.size() + static_cast<size_t>(round + 1));
    std::set<int64_t> stored_audit;
    for (const std::string& id : raw.Column("SELECT id FROM audit")) {
      stored_audit.insert(std::stoll(id));
    }
    for (int64_t id : reported_audit) EXPECT_TRUE(stored_audit.count(id)) << "lost audit " << id;
    EXPECT_LE(stored_audit.size(), reported_audit.size() + static_cast<size_t>(round + 1));
    EXPECT_EQ(raw.Int("SELECT count(*) FROM operations WHERE phase = 'Running'"), 0);
  }
  EXPECT_GT(reported_ops.size(), static_cast<size_t>(kRounds)) << "the writer barely ran";
}

}  // namespace
}  // namespace capstan::store
