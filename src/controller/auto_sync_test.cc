#include "controller/auto_sync.h"

#include <gtest/gtest.h>

namespace capstan::controller {
namespace {

using namespace std::chrono_literals;

AutoSyncInput OutOfSync() {
  AutoSyncInput input;
  input.automated = true;
  input.out_of_sync = true;
  input.desired_objects = 3;
  input.revision = "abcdef0123";
  return input;
}

TEST(AutoSync, ManualPolicyNeverSyncs) {
  AutoSyncInput input = OutOfSync();
  input.automated = false;
  EXPECT_EQ(DecideAutoSync(input).action, AutoSyncAction::kNone);
}

TEST(AutoSync, SyncedOrRunningDoesNothing) {
  AutoSyncInput synced = OutOfSync();
  synced.out_of_sync = false;
  EXPECT_EQ(DecideAutoSync(synced).action, AutoSyncAction::kNone);
  AutoSyncInput running = OutOfSync();
  running.operation_running = true;
  EXPECT_EQ(DecideAutoSync(running).action, AutoSyncAction::kNone);
}

TEST(AutoSync, ANewRevisionSyncs) {
  AutoSyncInput input = OutOfSync();
  input.last_attempt_revision = "0000000";
  EXPECT_EQ(DecideAutoSync(input).action, AutoSyncAction::kSync);
}

TEST(AutoSync, AnEmptyRenderIsRefusedUnlessAllowEmpty) {
  AutoSyncInput input = OutOfSync();
  input.desired_objects = 0;
  AutoSyncDecision decision = DecideAutoSync(input);
  EXPECT_EQ(decision.action, AutoSyncAction::kSkip);
  EXPECT_NE(decision.message.find("wipe out all resources"), std::string::npos);
  input.allow_empty = true;
  EXPECT_EQ(DecideAutoSync(input).action, AutoSyncAction::kSync);
}

TEST(AutoSync, AFailedAttemptOfTheSameRevisionIsNotRepeated) {
  AutoSyncInput input = OutOfSync();
  input.last_attempt_revision = input.revision;
  input.last_attempt_succeeded = false;
  input.self_heal = true;
  AutoSyncDecision decision = DecideAutoSync(input);
  EXPECT_EQ(decision.action, AutoSyncAction::kSkip);
  EXPECT_NE(decision.message.find("previous attempt failed"), std::string::npos);
}

TEST(AutoSync, DriftWithoutSelfHealIsReportedNotCorrected) {
  AutoSyncInput input = OutOfSync();
  input.last_attempt_revision = input.revision;
  input.last_attempt_succeeded = true;
  AutoSyncDecision decision = DecideAutoSync(input);
  EXPECT_EQ(decision.action, AutoSyncAction::kSkip);
  EXPECT_NE(decision.message.find("selfHeal is off"), std::string::npos);
}

TEST(AutoSync, SelfHealBacksOffBetweenHeals) {
  AutoSyncOptions options{.self_heal_base = 2s, .self_heal_max = 10s};
  AutoSyncInput input = OutOfSync();
  input.last_attempt_revision = input.revision;
  input.last_attempt_succeeded = true;
  input.self_heal = true;
  EXPECT_EQ(DecideAutoSync(input, options).action, AutoSyncAction::kSelfHeal)
      << "first heal at once";
  input.self_heal_count = 1;
  input.since_last_heal = 500ms;
  AutoSyncDecision wait = DecideAutoSync(input, options);
  EXPECT_EQ(wait.action, AutoSyncAction::kWait);
  EXPECT_EQ(wait.retry_after, 1500ms);
  input.since_last_heal = 2s;
  EXPECT_EQ(DecideAutoSync(input, options).action, AutoSyncAction::kSelfHeal);
  EXPECT_EQ(SelfHealDelay(0, options), 2s);
  EXPECT_EQ(SelfHealDelay(1, options), 4s);
  EXPECT_EQ(SelfHealDelay(2, options), 8s);
  EXPECT_EQ(SelfHealDelay(3, options), 10s);
  EXPECT_EQ(SelfHealDelay(40, options), 10s);
}

}  // namespace
}  // namespace capstan::controller
