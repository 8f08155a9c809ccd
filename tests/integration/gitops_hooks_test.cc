// End to end, as a user sees it: sync waves are applied in order, a PreSync Job finishes
// before the Deployment changes and a PostSync Job runs after it, and a failing hook runs the
// SyncFail hooks and fails the operation naming the hook. Times come from the API server
// (creationTimestamp, a Job's startTime and completionTime: RFC 3339, whole seconds).
#include "gitops_fixture.h"

namespace capstan::gitops_it {
namespace {

// Kubernetes times ("2026-11-22T03:48:56Z") compare as strings; "" (missing) sorts first, so
// every comparison below also checks presence.
std::string Created(const std::string& ns, const std::string& object) {
  return JsonPath(ns, object, "{.metadata.creationTimestamp}");
}
std::string JobStarted(const std::string& ns, const std::string& job) {
  return JsonPath(ns, "job/" + job, "{.status.startTime}");
}
std::string JobCompleted(const std::string& ns, const std::string& job) {
  return JsonPath(ns, "job/" + job, "{.status.completionTime}");
}

TEST_F(GitOps, SyncWavesAreAppliedInOrderEachAfterThePreviousIsHealthy) {
  const std::string ns = "e2e-waves";
  auto server = StartServer({AppSpec("waves", "sync-waves", ns).Manual()});
  ASSERT_NE(server, nullptr);
  RunOutput sync = server->App({"sync", "waves", "--timeout", "90"});
  ASSERT_EQ(sync.exit_code, 0) << Describe(sync) << server->Logs();
  EXPECT_NE(sync.out.find("Succeeded"), std::string::npos) << sync.out;

  // Wave -1: a Job; wave 0: a ConfigMap and a Job; wave 1: a Job; wave 2: a ConfigMap. Each
  // Job runs one second, so a wave that waited for the previous one starts after it ended.
  std::string minus1_done = JobCompleted(ns, "wave-minus-1-schema");
  std::string wave0_created = Created(ns, "configmap/wave-0-config");
  std::string wave0_started = JobStarted(ns, "wave-0-seed");
  std::string wave0_done = JobCompleted(ns, "wave-0-seed");
  std::string wave1_started = JobStarted(ns, "wave-1-migrate");
  std::string wave1_done = JobCompleted(ns, "wave-1-migrate");
  std::string wave2_created = Created(ns, "configmap/wave-2-done");
  SCOPED_TRACE("wave -1 done " + minus1_done + "; wave 0 created " + wave0_created + " started " +
               wave0_started + " done " + wave0_done + "; wave 1 started " + wave1_started +
               " done " + wave1_done + "; wave 2 created " + wave2_created);
  for (const std::string* time : {&minus1_done, &wave0_created, &wave0_started, &wave0_done,
                                  &wave1_started, &wave1_done, &wave2_created}) {
    ASSERT_FALSE(time->empty());
  }
  EXPECT_GE(wave0_created, minus1_done);
  EXPECT_GE(wave0_started, minus1_done);
  EXPECT_GE(wave1_started, wave0_done);
  EXPECT_GE(wave2_created, wave1_done);
  // Strictly later overall: three one-second Jobs ran one after the other.
  EXPECT_GT(wave2_created, wave0_started);
  EXPECT_GT(wave1_started, minus1_done < wave0_created ? minus1_done : wave0_created);

  Value app = server->Get("waves");
  EXPECT_EQ(Str(app, {"status", "sync", "status"}), "Synced") << EmitJson(app, 2);
}

TEST_F(GitOps, APreSyncJobCompletesBeforeTheDeploymentChangesAndPostSyncRunsAfter) {
  const std::string ns = "e2e-hooks";
  std::string first = repo_->Head();
  auto server = StartServer({AppSpec("hooks", "pre-post-sync", ns)});
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->WaitSyncedHealthy("hooks", first)) << StandinLog();

  std::string backup_done = JobCompleted(ns, "db-backup");
  std::string deployment_created = Created(ns, "deployment/guestbook-ui");
  ASSERT_FALSE(backup_done.empty());
  ASSERT_FALSE(deployment_created.empty());
  EXPECT_GE(deployment_created, backup_done) << "the Deployment was created before db-backup ended";
  EXPECT_GE(Created(ns, "job/smoke-test"), deployment_created);
  EXPECT_EQ(JsonPath(ns, "job/smoke-test", "{.status.succeeded}"), "1");
  std::string first_backup_uid = JsonPath(ns, "job/db-backup", "{.metadata.uid}");

  // A new image: the hook runs again (BeforeHookCreation replaces the old Job) and ends
  // before the Deployment's new ReplicaSet exists.
  repo_->Replace("pre-post-sync/guestbook-ui-deployment.yaml", "ks-guestbook-demo:0.1",
                 "ks-guestbook-demo:0.2");
  std::string second = repo_->Commit("guestbook 0.2");
  ASSERT_TRUE(server->WaitSyncedHealthy("hooks", second)) << StandinLog();

  EXPECT_NE(JsonPath(ns, "job/db-backup", "{.metadata.uid}"), first_backup_uid)
      << "db-backup did not run again for the new commit";
  backup_done = JobCompleted(ns, "db-backup");
  std::string backup_started = JobStarted(ns, "db-backup");
  RunOutput sets = Kubectl({"-n", ns, "get", "replicasets", "-l", "app=guestbook-ui", "-o",
                            "jsonpath={range .items[*]}{.spec.template.spec.containers[0].image} "
                            "{.metadata.creationTimestamp}\n{end}"});
  ASSERT_EQ(sets.exit_code, 0) << Describe(sets);
  std::string new_set_created;
  std::istringstream lines(sets.out);
  for (std::string image, created; lines >> image >> created;) {
    if (image.ends_with(":0.2")) new_set_created = created;
  }
  ASSERT_FALSE(new_set_created.empty()) << sets.out;
  ASSERT_FALSE(backup_done.empty());
  EXPECT_GE(new_set_created, backup_done) << "new ReplicaSet " << new_set_created << ", db-backup "
                                          << backup_started << " to " << backup_done;
  EXPECT_GT(backup_done, backup_started) << "db-backup runs two seconds";
  EXPECT_GE(Created(ns, "job/smoke-test"), new_set_created);
  EXPECT_EQ(JsonPath(ns, "job/smoke-test", "{.status.succeeded}"), "1");
}

TEST_F(GitOps, AFailingHookRunsTheSyncFailHooksAndFailsTheOperationNamingIt) {
  const std::string ns = "e2e-failing-hook";
  auto server = StartServer({AppSpec("failing", "failing-hook", ns).Manual()});
  ASSERT_NE(server, nullptr);
  RunOutput sync = server->App({"sync", "failing", "--timeout", "90"});
  EXPECT_EQ(sync.exit_code, 1) << Describe(sync);
  EXPECT_NE(sync.out.find("Failed"), std::string::npos) << sync.out;

  Value app = server->Get("failing");
  EXPECT_EQ(Str(app, {"status", "operationState", "phase"}), "Failed") << EmitJson(app, 2);
  std::string message = Str(app, {"status", "operationState", "message"});
  EXPECT_NE(message.find("db-migrate"), std::string::npos) << message;
  // The SyncFail hook ran to completion; the Sync phase never started.
  EXPECT_TRUE(WaitUntil(
      [&] { return JsonPath(ns, "job/notify-failure", "{.status.succeeded}") == "1"; }, 30s))
      << StandinLog();
  EXPECT_EQ(JsonPath(ns, "job/db-migrate", "{.status.failed}"), "1");
  EXPECT_FALSE(Exists(ns, "configmap/app-config")) << "the Sync phase ran after a failed PreSync";
  // Nothing succeeded, so nothing entered the history.
  const Value* history = app.At({"status", "history"});
  EXPECT_TRUE(history == nullptr || history->empty()) << EmitJson(app, 2);
}

}  // namespace
}  // namespace capstan::gitops_it
