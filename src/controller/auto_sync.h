// The automated-sync decision, as Argo CD makes it (appcontroller.go autoSync), as a pure
// function so every rule has a one-line test:
//   - no `automated` policy, or an operation already running: no sync;
//   - Synced: nothing to do;
//   - nothing desired and !allowEmpty: refuse, since syncing with prune would delete
//     everything (a broken render or a wrong path must not wipe an environment);
//   - the last automated attempt was this same revision: a failed attempt is not repeated
//     (the retry policy inside the operation covers that; a new commit or a manual sync
//     moves on), a successful one is repeated only with selfHeal, and then not before the
//     self-heal back-off has passed since the last heal;
//   - otherwise (a new revision): sync.
#pragma once

#include <chrono>
#include <string>

namespace capstan::controller {

struct AutoSyncInput {
  bool automated = false;
  bool self_heal = false;
  bool allow_empty = false;
  bool operation_running = false;
  bool out_of_sync = false;
  size_t desired_objects = 0;
  std::string revision;  // the commit the comparison used
  // The last automated attempt: its revision (empty: none yet) and whether it succeeded.
  std::string last_attempt_revision;
  bool last_attempt_succeeded = false;
  // Self-heals done since the last new revision, and time since the last one.
  int self_heal_count = 0;
  std::chrono::milliseconds since_last_heal{0};
};

struct AutoSyncOptions {
  // First wait between two self-heals of one revision; doubles per heal up to max. Argo CD
  // waits a flat 5 s (--self-heal-timeout-seconds); capstan backs off so that a controller
  // fighting capstan over a field (an HPA, a person with kubectl) does not cause a write
  // every five seconds forever.
  std::chrono::milliseconds self_heal_base{std::chrono::seconds(2)};
  std::chrono::milliseconds self_heal_max{std::chrono::minutes(5)};
};

enum class AutoSyncAction {
  kNone,      // nothing to do (manual policy, Synced, or an operation is running)
  kSync,      // a new revision: sync it
  kSelfHeal,  // same revision, live drifted: put it back
  kWait,      // a self-heal is due after `retry_after`
  kSkip,      // refused; `message` says why (reported in status, not retried)
};

struct AutoSyncDecision {
  AutoSyncAction action = AutoSyncAction::kNone;
  std::string message;
  std::chrono::milliseconds retry_after{0};  // kWait only
};

AutoSyncDecision DecideAutoSync(const AutoSyncInput& input, const AutoSyncOptions& options = {});

// The wait before self-heal number `count` (0 for the first): base·2^count, capped at max.
std::chrono::milliseconds SelfHealDelay(int count, const AutoSyncOptions& options);

}  // namespace capstan::controller
