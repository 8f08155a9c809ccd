// The job controller's working state for one sync, split by concern: job.cc (the sync's
// steps and the pods it creates and deletes), job_status.cc (failure, conditions, TTL, status).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/value.h"
#include "target/local/workload/workload.h"

namespace capstan::target::local::workload::internal {

inline constexpr int64_t kDefaultBackoffLimit = 6;

// Whether `status` has a condition of `type` with status "True".
bool IsConditionTrue(const Value& status, std::string_view type);

class JobSync {
 public:
  JobSync(const Value& job, const std::vector<Value>& pods, TimePoint now,
          const NameSuffix& suffix);
  Actions Run();

 private:
  // job.cc

  // How long new pods must wait after the failures since the last success.
  std::chrono::milliseconds RemainingBackOff() const;
  // Deletes an active pod. It counts as failed (Kubernetes counts a pod deleted before it
  // finished as failed) and as terminating until it is gone.
  void Stop(const Value& pod);
  void ManageJob();
  Value NewPod();

  // job_status.cc

  // BackoffLimitExceeded or DeadlineExceeded, as a FailureTarget condition.
  std::optional<Value> FailureCondition();
  // restartPolicy OnFailure: container restarts in running pods count as failures.
  bool PastBackoffLimitOnFailure() const;
  // The interim condition (FailureTarget, SuccessCriteriaMet) at once; the terminal one
  // (Failed, Complete, with completionTime) once no pod of the Job is still terminating.
  void Finish(const Value& interim);
  // ensureJobConditionStatus: sets the condition, or adds it unless it would be False.
  bool EnsureCondition(std::string_view type, std::string_view status, std::string_view reason,
                       std::string_view message);
  // The TTL-after-finished controller: the Job (and its pods) go ttlSecondsAfterFinished after
  // it finished.
  void ExpireAfterFinished();
  void WriteStatus();

  const Value& job_;
  const TimePoint now_;
  const NameSuffix& suffix_;
  Value status_;
  std::vector<const Value*> owned_;
  std::vector<const Value*> active_;
  std::vector<const Value*> stopped_;  // active pods this sync deletes
  std::vector<std::string> taken_;
  int64_t parallelism_ = 1;
  std::optional<int64_t> completions_;
  int64_t backoff_limit_ = kDefaultBackoffLimit;
  bool suspended_ = false;
  int64_t succeeded_ = 0;
  int64_t failed_ = 0;
  int64_t terminating_ = 0;
  int64_t active_count_ = 0;
  Actions actions_;
};

}  // namespace capstan::target::local::workload::internal
