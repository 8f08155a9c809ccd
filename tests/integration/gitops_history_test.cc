// End to end, as a user sees it: history and rollback (pinned until a newer commit), the
// automatic rollback of a sync that turns Degraded, a server killed in the middle of a wave
// and started again on the same state, and push webhooks signed as GitHub signs them.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>

#include <set>

#include "gitops_fixture.h"

namespace capstan::gitops_it {
namespace {

const std::string kDeployment = "guestbook/guestbook-ui-deployment.yaml";
const std::string kImage01 = "gcr.io/heptio-images/ks-guestbook-demo:0.1";

std::string LiveImage(const std::string& ns) {
  return JsonPath(ns, "deployment/guestbook-ui", "{.spec.template.spec.containers[0].image}");
}

// The commit's new image in the guestbook Deployment.
std::string CommitImage(const GitRepo& repo, const std::string& from, const std::string& to) {
  repo.Replace(kDeployment, from, to);
  return repo.Commit("guestbook: " + to);
}

Value::Array HistoryItems(const CapstanServer& server, const std::string& app) {
  RunOutput history = server.App({"history", app, "-o", "json"});
  EXPECT_EQ(history.exit_code, 0) << Describe(history);
  Value items = Json(history.out);
  const Value* list = items.Find("items");
  return list != nullptr && list->is_array() ? list->as_array() : Value::Array{};
}

int64_t IntAt(const Value& value, std::string_view key) {
  const Value* field = value.Find(key);
  return field != nullptr && field->is_int() ? field->as_int() : -1;
}

TEST_F(GitOps, RollbackPinsTheOldRevisionDespiteAutomatedSyncUntilANewCommit) {
  const std::string ns = "e2e-rollback";
  std::string first = repo_->Head();
  auto server = StartServer({AppSpec("rollback", "guestbook", ns)});
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->WaitSyncedHealthy("rollback", first)) << StandinLog();
  std::string second = CommitImage(*repo_, "demo:0.1", "demo:0.2");
  ASSERT_TRUE(server->WaitSyncedHealthy("rollback", second)) << StandinLog();
  EXPECT_EQ(LiveImage(ns), "gcr.io/heptio-images/ks-guestbook-demo:0.2");

  RunOutput table = server->App({"history", "rollback"});
  ASSERT_EQ(table.exit_code, 0) << Describe(table);
  EXPECT_NE(table.out.find(first.substr(0, 7)), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(second.substr(0, 7)), std::string::npos) << table.out;
  Value::Array history = HistoryItems(*server, "rollback");
  ASSERT_EQ(history.size(), 2u) << table.out;
  EXPECT_EQ(Str(history[0], {"revision"}), second) << "newest first";
  ASSERT_EQ(Str(history[1], {"revision"}), first);
  std::string first_id = std::to_string(IntAt(history[1], "id"));

  RunOutput rollback = server->App({"rollback", "rollback", first_id});
  ASSERT_EQ(rollback.exit_code, 0) << Describe(rollback) << server->Logs();
  EXPECT_EQ(LiveImage(ns), kImage01);
  Value app = server->Get("rollback");
  EXPECT_EQ(Str(app, {"status", "pinnedRevision"}), first) << EmitJson(app, 2);
  // Automated sync is on and Git still says 0.2: the pin holds through several resyncs.
  std::this_thread::sleep_for(kSeveralResyncs);
  EXPECT_EQ(LiveImage(ns), kImage01) << "automated sync undid the rollback\n" << server->Logs();
  app = server->Get("rollback");
  EXPECT_EQ(Str(app, {"status", "pinnedRevision"}), first);
  EXPECT_EQ(Str(app, {"status", "sync", "revision"}), first);
  history = HistoryItems(*server, "rollback");
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(Str(history[0], {"revision"}), first) << "the rollback is the newest deployment";

  // A newer commit releases the pin.
  std::string third = CommitImage(*repo_, "demo:0.2", "demo:0.3");
  ASSERT_TRUE(server->WaitSyncedHealthy("rollback", third)) << StandinLog();
  EXPECT_EQ(LiveImage(ns), "gcr.io/heptio-images/ks-guestbook-demo:0.3");
  app = server->Get("rollback");
  EXPECT_EQ(app.At({"status", "pinnedRevision"}), nullptr) << EmitJson(app, 2);
  std::set<std::string> actions;
  for (const Value& entry : server->Audit("rollback")) actions.insert(Str(entry, {"action"}));
  EXPECT_TRUE(actions.count("rollback") == 1 && actions.count("unpin") == 1)
      << EmitJson(server->ApiGet("/api/v1/audit?app=rollback"), 2);
}

TEST_F(GitOps, ASyncThatTurnsDegradedIsRolledBackAutomaticallyAndTheRecordsSayWhy) {
  const std::string ns = "e2e-auto-rollback";
  std::string good = repo_->Head();
  auto server = StartServer({AppSpec("auto-rollback", "guestbook", ns)
                                 .Annotate("capstan.dev/auto-rollback", "true")
                                 .Annotate("capstan.dev/auto-rollback-window", "3m")});
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->WaitSyncedHealthy("auto-rollback", good)) << StandinLog();

  // An image that cannot be pulled and a short progress deadline: the Deployment controller
  // marks it ProgressDeadlineExceeded, which is Degraded.
  repo_->Replace(kDeployment, "  replicas: 1\n", "  replicas: 1\n  progressDeadlineSeconds: 5\n");
  std::string bad = CommitImage(*repo_, kImage01, "test-kubelet.invalid/pull-error");

  Value app;
  EXPECT_TRUE(WaitUntil(
      [&] {
        app = server->Get("auto-rollback");
        return LiveImage(ns) == kImage01 && Str(app, {"status", "pinnedRevision"}) == good &&
               Str(app, {"status", "operationState", "phase"}) == "Succeeded";
      },
      kConverge + kConverge))
      << EmitJson(app, 2) << server->Logs();
  EXPECT_TRUE(server->WaitSyncedHealthy("auto-rollback", good)) << StandinLog();

  Value::Array history = HistoryItems(*server, "auto-rollback");
  ASSERT_GE(history.size(), 3u);
  EXPECT_EQ(Str(history[0], {"revision"}), good) << "the rollback";
  EXPECT_EQ(Str(history[1], {"revision"}), bad) << "the bad sync";
  bool audited = false;
  for (const Value& entry : server->Audit("auto-rollback")) {
    std::string reason = Str(entry, {"details", "reason"});
    if (Str(entry, {"action"}) == "sync" && reason.find("auto-rollback") != std::string::npos) {
      audited = reason.find("Degraded") != std::string::npos &&
                reason.find(bad.substr(0, 7)) != std::string::npos &&
                reason.find(good.substr(0, 7)) != std::string::npos &&
                Str(entry, {"details", "resolvedRevision"}) == good;
    }
  }
  EXPECT_TRUE(audited) << EmitJson(server->ApiGet("/api/v1/audit?app=auto-rollback"), 2);
}

TEST_F(GitOps, AServerKilledMidWaveConvergesOnRestartAndRecordsEverythingOnce) {
  const std::string ns = "e2e-restart";
  std::string sha = repo_->Head();
  auto server = StartServer({AppSpec("restart", "slow-waves", ns)});
  ASSERT_NE(server, nullptr);
  // Wave 1 is a Job that runs 20 s; kill the server while the sync waits on it.
  Value app;
  ASSERT_TRUE(WaitUntil(
      [&] {
        app = server->Get("restart");
        return Exists(ns, "job/slow-migration") &&
               Str(app, {"status", "operationState", "phase"}) == "Running";
      },
      kConverge))
      << EmitJson(app, 2) << server->Logs();
  int64_t interrupted = IntAt(*app.At({"status", "operationState"}), "id");
  ASSERT_GT(interrupted, 0) << EmitJson(app, 2);
  EXPECT_EQ(server->process().Kill(), 128 + SIGKILL);
  EXPECT_FALSE(Exists(ns, "configmap/slow-after")) << "killed after the last wave";

  ASSERT_TRUE(server->Start());
  ASSERT_TRUE(server->WaitSyncedHealthy("restart", sha, kConverge + 30s)) << StandinLog();
  EXPECT_TRUE(Exists(ns, "configmap/slow-after"));
  EXPECT_EQ(JsonPath(ns, "job/slow-migration", "{.status.succeeded}"), "1");

  // The audit log: each operation began once and ended once; the killed one ended as
  // interrupted by the restart.
  std::map<int64_t, int> began, ended, cut;
  for (const Value& entry : server->Audit("restart")) {
    const Value* details = entry.Find("details");
    int64_t op = details != nullptr ? IntAt(*details, "operationId") : -1;
    std::string action = Str(entry, {"action"});
    if (action == "sync") ++began[op];
    if (action == "sync-finished") ++ended[op];
    if (action == "sync-interrupted") ++cut[op];
  }
  std::string audit = EmitJson(server->ApiGet("/api/v1/audit?app=restart"), 2);
  EXPECT_EQ(began[interrupted], 1) << audit;
  EXPECT_EQ(cut[interrupted], 1) << audit;
  EXPECT_EQ(ended[interrupted], 0) << audit;
  for (const auto& [op, count] : began) {
    EXPECT_EQ(count, 1) << "operation " << op << "\n" << audit;
    if (op != interrupted) {
      EXPECT_EQ(ended[op], 1) << "operation " << op << "\n" << audit;
    }
  }
  EXPECT_EQ(cut.size(), 1u) << audit;
  // The store (real SQLite, read as an operator would): the killed operation is closed as
  // Error, every other one Succeeded, one row each.
  RunOutput operations =
      RunProgram({"sqlite3", "-readonly", (dir_.path() / "server/state/capstan.db").string(),
                  "SELECT id, phase, message FROM operations WHERE app = 'restart' ORDER BY id"});
  ASSERT_EQ(operations.exit_code, 0) << Describe(operations);
  std::istringstream rows(operations.out);
  size_t row_count = 0;
  for (std::string row; std::getline(rows, row); ++row_count) {
    if (row.starts_with(std::to_string(interrupted) + "|")) {
      EXPECT_EQ(row, std::to_string(interrupted) + "|Error|interrupted by a restart of capstan");
    } else {
      EXPECT_TRUE(row.ends_with("|Succeeded|successfully synced (all tasks run)")) << row;
    }
  }
  EXPECT_EQ(row_count, began.size()) << operations.out << audit;

  // The history: one record per successful operation, none for the interrupted one.
  Value::Array history = HistoryItems(*server, "restart");
  ASSERT_FALSE(history.empty());
  std::set<int64_t> ids, operation_ids;
  for (const Value& entry : history) {
    EXPECT_TRUE(ids.insert(IntAt(entry, "id")).second) << "history id twice: " << EmitJson(entry);
    int64_t op = IntAt(entry, "operationId");
    EXPECT_TRUE(operation_ids.insert(op).second) << "operation twice: " << EmitJson(entry);
    EXPECT_NE(op, interrupted);
    EXPECT_EQ(Str(entry, {"result"}), "Succeeded");
    EXPECT_EQ(Str(entry, {"revision"}), sha);
  }
}

std::string HmacSha256Hex(const std::string& key, const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &size);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

// POSTs a GitHub push event; returns the HTTP status code ("000" when nothing answered).
std::string PostGitHubPush(const TempDir& dir, const std::string& server_url,
                           const std::string& body, const std::string& signature) {
  fs::path file = dir.Write("webhook-body.json", body);
  RunOutput post = RunProgram({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                               "-H", "Content-Type: application/json", "-H", "X-GitHub-Event: push",
                               "-H", "X-GitHub-Delivery: e2e-delivery", "-H",
                               "X-Hub-Signature-256: sha256=" + signature, "--data-binary",
                               "@" + file.string(), server_url + "/api/webhook"});
  return post.out;
}

TEST_F(GitOps, ASignedWebhookMakesTheServerSeeANewCommitWithinOneSecond) {
  const std::string ns = "e2e-webhook";
  const std::string secret = "e2e-webhook-secret";
  repo_->Write(
      "webhook-config/release.yaml",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: release\ndata:\n  release: \"1\"\n");
  std::string first = repo_->Commit("webhook-config: release 1");
  // Git is fetched every 10 minutes only: what the server learns sooner, it learns by webhook.
  auto server = StartServer({AppSpec("webhook", "webhook-config", ns)}, {"--poll", "600"},
                            {"CAPSTAN_GITHUB_WEBHOOK_SECRET=" + secret});
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->WaitSyncedHealthy("webhook", first)) << server->Logs();

  repo_->Replace("webhook-config/release.yaml", "release: \"1\"", "release: \"2\"");
  std::string second = repo_->Commit("webhook-config: release 2");
  std::string body = R"({"ref":"refs/heads/main","before":")" + first + R"(","after":")" + second +
                     R"(","repository":{"full_name":"e2e/repo","clone_url":")" + repo_->url() +
                     R"(","html_url":")" + repo_->url() + R"("}})";

  // A wrong signature is refused and changes nothing.
  EXPECT_EQ(PostGitHubPush(dir_, server->url(), body, HmacSha256Hex("not-the-secret", body)),
            "403");
  std::this_thread::sleep_for(kSeveralResyncs);
  Value app = server->Get("webhook");
  EXPECT_EQ(Str(app, {"status", "sync", "revision"}), first) << EmitJson(app, 2);
  EXPECT_EQ(JsonPath(ns, "configmap/release", "{.data.release}"), "1");

  auto sent = std::chrono::steady_clock::now();
  ASSERT_EQ(PostGitHubPush(dir_, server->url(), body, HmacSha256Hex(secret, body)), "200")
      << server->Logs();
  // Polled straight from the API (one curl every 50 ms), so the time measured is the
  // server's, not the poll's.
  bool seen = false;
  while (!seen && std::chrono::steady_clock::now() - sent < 5s) {
    seen = Str(server->ApiGet("/api/v1/applications/webhook"), {"status", "sync", "revision"}) ==
           second;
    if (!seen) std::this_thread::sleep_for(50ms);
  }
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - sent);
  EXPECT_TRUE(seen) << server->Logs();
  EXPECT_LE(took.count(), 1000) << "the new commit was seen " << took.count()
                                << " ms after the webhook";
  EXPECT_TRUE(server->WaitSyncedHealthy("webhook", second));
  EXPECT_EQ(JsonPath(ns, "configmap/release", "{.data.release}"), "2");
}

}  // namespace
}  // namespace capstan::gitops_it
