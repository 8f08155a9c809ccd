// Waiting for a wave: polls each object the wave waits on until it is healthy (or, for a
// hook, complete), one fails, the wave's time runs out, or the sync is cancelled.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <thread>

#include "sync/internal/runner.h"

namespace capstan::sync::internal {

namespace {

// Cancellation is noticed at least this often while sleeping.
constexpr std::chrono::milliseconds kCancelCheck{50};

enum class Progress { kWaiting, kDone, kFailed };

// A hook's state from its live object, as Argo CD: kinds without a health check are done
// once created; Progressing and Suspended still run; Degraded and Unknown failed.
Progress HookProgress(const Value& live, ResourceResult& result) {
  std::optional<health::Health> health = health::AssessHealth(live);
  result.health = health;
  if (!health) {
    result.hook_phase = OperationPhase::kSucceeded;
    result.message = std::string(NameOf(live)) + " created";
    return Progress::kDone;
  }
  result.message = health->message;
  switch (health->status) {
    case health::HealthStatus::kHealthy:
      result.hook_phase = OperationPhase::kSucceeded;
      return Progress::kDone;
    case health::HealthStatus::kDegraded:
    case health::HealthStatus::kUnknown:
      result.hook_phase = OperationPhase::kFailed;
      return Progress::kFailed;
    default:
      result.hook_phase = OperationPhase::kRunning;
      return Progress::kWaiting;
  }
}

// An object's state: done when Healthy or without a check, failed when Degraded; every
// other status keeps the wave waiting, as in Argo CD.
Progress ResourceProgress(const Value& live, ResourceResult& result) {
  std::optional<health::Health> health = health::AssessHealth(live);
  result.health = health;
  if (!health || health->status == health::HealthStatus::kHealthy) return Progress::kDone;
  if (health->status == health::HealthStatus::kDegraded) {
    result.message = health->message;
    return Progress::kFailed;
  }
  return Progress::kWaiting;
}

}  // namespace

bool Runner::SleepUnlessCancelled(std::chrono::milliseconds duration) const {
  auto until = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < until) {
    if (Cancelled()) return false;
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        kCancelCheck, std::chrono::duration_cast<std::chrono::milliseconds>(
                          until - std::chrono::steady_clock::now())));
  }
  return !Cancelled();
}

Runner::WaitOutcome Runner::Wait(const Wave& wave, const std::vector<size_t>& waiting_in,
                                 std::string* failure) {
  std::vector<size_t> waiting = waiting_in;
  std::vector<std::string> failures;
  auto deadline = std::chrono::steady_clock::now() + options_.wave_timeout;
  while (true) {
    std::vector<size_t> still;
    for (size_t index : waiting) {
      ResourceResult& result = result_.resources[index];
      const Task* task = nullptr;
      for (const Task& candidate : wave.tasks) {
        if (candidate.key == result.key) task = &candidate;
      }
      std::string api_version = task ? std::string(task->object.StringAt({"apiVersion"})) : "";
      std::optional<health::Health> before = result.health;
      Result<std::optional<Value>> live = target_.Get(result.key, api_version);
      Progress progress = Progress::kWaiting;
      if (!live.ok()) {
        // Transient until the wave's time is up: the server may be busy.
        result.message = live.error().message();
      } else if (!live->has_value()) {
        if (result.is_hook) {
          result.hook_phase = OperationPhase::kFailed;
          result.message = "deleted before it completed";
          progress = Progress::kFailed;
        }
      } else {
        progress = result.is_hook ? HookProgress(**live, result) : ResourceProgress(**live, result);
      }
      if (result.health != before) Emit(ProgressEvent::Type::kHealth, wave, &result);
      if (progress == Progress::kWaiting) {
        still.push_back(index);
        continue;
      }
      Finished(result);
      if (progress == Progress::kFailed) {
        failures.push_back(Named(result.key, result.message));
        if (!result.is_hook) result.status = ResultCode::kSyncFailed;
      }
    }
    waiting = std::move(still);
    if (!failures.empty()) {
      *failure = fmt::format("{}", fmt::join(failures, ", "));
      return WaitOutcome::kFailed;
    }
    if (waiting.empty()) return WaitOutcome::kDone;
    if (std::chrono::steady_clock::now() >= deadline) {
      const ResourceResult& first = result_.resources[waiting.front()];
      std::string what = first.is_hook ? "completion of hook" : "healthy state of";
      *failure = fmt::format(
          "timed out after {}s waiting for {} {}",
          std::chrono::duration_cast<std::chrono::seconds>(options_.wave_timeout).count(), what,
          first.key.ToString());
      if (waiting.size() > 1) {
        *failure += fmt::format(" and {} more {}", waiting.size() - 1,
                                first.is_hook ? "hooks" : "resources");
      }
      for (size_t index : waiting) {
        ResourceResult& result = result_.resources[index];
        if (result.is_hook) result.hook_phase = OperationPhase::kFailed;
        Finished(result);
      }
      return WaitOutcome::kTimedOut;
    }
    if (!SleepUnlessCancelled(options_.poll_interval)) return WaitOutcome::kCancelled;
  }
}

}  // namespace capstan::sync::internal
