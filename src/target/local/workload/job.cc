// The job controller (pkg/controller/job job_controller.go syncJob, manageJob) for NonIndexed
// Jobs: the sync's steps and the pods it creates and deletes.
#include "target/local/workload/internal/job.h"

#include <fmt/format.h>

#include <algorithm>

#include "target/local/workload/internal/objects.h"
#include "target/local/workload/internal/pod_ranking.h"

namespace capstan::target::local::workload {
namespace internal {

namespace {

// Back-off before replacing failed pods: 10 s, doubled per failure since the last success, at
// most 10 min (DefaultJobPodFailureBackOff, MaxJobPodFailureBackOff).
constexpr std::chrono::seconds kPodFailureBackOff{10};
constexpr std::chrono::seconds kMaxPodFailureBackOff{600};
constexpr int64_t kMaxPodCreateDeletePerSync = 500;

// When a finished pod finished: its containers' latest finishedAt, else its Ready condition's
// last change, else its deletion, else now.
TimePoint FinishedAt(const Value& pod, TimePoint now) {
  std::optional<TimePoint> latest;
  if (const Value* statuses = pod.At({"status", "containerStatuses"});
      statuses && statuses->is_array()) {
    for (const Value& status : statuses->as_array()) {
      auto at = TimeAt(status, {"state", "terminated", "finishedAt"});
      if (at && (!latest || *at > *latest)) latest = at;
    }
  }
  if (latest) return *latest;
  if (const Value* status = pod.Find("status")) {
    if (const Value* ready = FindCondition(*status, "Ready")) {
      if (auto at = TimeAt(*ready, {"lastTransitionTime"})) return *at;
    }
  }
  return TimeAt(pod, {"metadata", "deletionTimestamp"}).value_or(now);
}

}  // namespace

JobSync::JobSync(const Value& job, const std::vector<Value>& pods, TimePoint now,
                 const NameSuffix& suffix)
    : job_(job), now_(now), suffix_(suffix) {
  status_ = job.Find("status") != nullptr && job.Find("status")->is_object() ? *job.Find("status")
                                                                             : Value::MakeObject();
  for (const Value& pod : pods) {
    if (NamespaceOf(pod) != NamespaceOf(job)) continue;
    taken_.emplace_back(NameOf(pod));
    if (IsControlledBy(pod, UidOf(job))) owned_.push_back(&pod);
  }
  const Value* completions = job.At({"spec", "completions"});
  const Value* parallelism = job.At({"spec", "parallelism"});
  bool has_completions = completions != nullptr && completions->is_int();
  bool has_parallelism = parallelism != nullptr && parallelism->is_int();
  parallelism_ = has_parallelism ? parallelism->as_int() : 1;
  // The API server defaults completions to 1 unless parallelism alone is given (a work
  // queue: done when any pod succeeds and the others have stopped).
  if (has_completions) {
    completions_ = completions->as_int();
  } else if (!has_parallelism) {
    completions_ = 1;
  }
  backoff_limit_ = IntAt(job, {"spec", "backoffLimit"}, kDefaultBackoffLimit);
  suspended_ = BoolAt(job, {"spec", "suspend"});
}

Actions JobSync::Run() {
  if (IsConditionTrue(status_, "Complete") || IsConditionTrue(status_, "Failed")) {
    ExpireAfterFinished();
    return std::move(actions_);
  }
  int64_t succeeded_pods = 0, failed_pods = 0;
  for (const Value* pod : owned_) {
    std::string_view phase = PodPhase(*pod);
    if (phase == "Succeeded") {
      ++succeeded_pods;
    } else if (phase == "Failed" || IsTerminating(*pod)) {
      ++failed_pods;  // a pod deleted before it finished counts as failed, as in Kubernetes
      if (IsTerminating(*pod) && phase != "Failed") ++terminating_;
    } else {
      active_.push_back(pod);
    }
  }
  active_count_ = static_cast<int64_t>(active_.size());
  succeeded_ = std::max(IntAt(status_, {"succeeded"}), succeeded_pods);
  failed_ = std::max(IntAt(status_, {"failed"}), failed_pods);
  if (!status_.Contains("startTime") && !suspended_) status_.Set("startTime", Timestamp(now_));

  std::optional<Value> finished;
  if (IsConditionTrue(status_, "SuccessCriteriaMet")) {
    finished = *FindCondition(status_, "SuccessCriteriaMet");
  } else {
    finished = FailureCondition();
  }
  if (finished) {
    // Failed (or already successful): stop every pod still running.
    for (const Value* pod : active_) Stop(*pod);
  } else if (!IsTerminating(job_)) {
    ManageJob();
    bool complete = completions_ ? succeeded_ >= *completions_ && active_count_ == 0
                                 : succeeded_ > 0 && active_count_ == 0;
    if (complete) {
      finished = MakeCondition("SuccessCriteriaMet", "True", "CompletionsReached",
                               "Reached expected number of succeeded pods");
    } else if (suspended_) {
      EnsureCondition("Suspended", "True", "JobSuspended", "Job suspended");
    } else if (EnsureCondition("Suspended", "False", "JobResumed", "Job resumed")) {
      // ActiveDeadlineSeconds counts the time a Job runs without a pause.
      status_.Set("startTime", Timestamp(now_));
    }
  }
  if (finished) Finish(*finished);
  WriteStatus();
  return std::move(actions_);
}

// How long new pods must wait after the failures since the last success.
std::chrono::milliseconds JobSync::RemainingBackOff() const {
  std::optional<TimePoint> last_success;
  for (const Value* pod : owned_) {
    if (PodPhase(*pod) != "Succeeded") continue;
    TimePoint at = FinishedAt(*pod, now_);
    if (!last_success || at > *last_success) last_success = at;
  }
  int64_t failures = 0;
  std::optional<TimePoint> last_failure;
  for (const Value* pod : owned_) {
    if (PodPhase(*pod) != "Failed" && !(IsTerminating(*pod) && PodPhase(*pod) != "Succeeded")) {
      continue;
    }
    TimePoint at = FinishedAt(*pod, now_);
    if (last_success && at <= *last_success) continue;
    ++failures;
    if (!last_failure || at > *last_failure) last_failure = at;
  }
  if (failures == 0) return std::chrono::milliseconds(0);
  std::chrono::milliseconds backoff = kPodFailureBackOff;
  for (int64_t i = 1; i < failures && backoff < kMaxPodFailureBackOff; ++i) backoff *= 2;
  backoff = std::min<std::chrono::milliseconds>(backoff, kMaxPodFailureBackOff);
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now_ - *last_failure);
  return backoff < elapsed ? std::chrono::milliseconds(0) : backoff - elapsed;
}

// Deletes an active pod. It counts as failed (Kubernetes counts a pod deleted before it
// finished as failed) and as terminating until it is gone.
void JobSync::Stop(const Value& pod) {
  actions_.remove.push_back(KeyOf(pod));
  stopped_.push_back(&pod);
  ++failed_;
  ++terminating_;
  --active_count_;
}

void JobSync::ManageJob() {
  if (suspended_) {
    for (const Value* pod : active_) Stop(*pod);
    return;
  }
  int64_t want = completions_ ? std::clamp<int64_t>(*completions_ - succeeded_, 0, parallelism_)
                              : (succeeded_ > 0 ? active_count_ : parallelism_);
  if (active_count_ > want) {
    std::vector<const Value*> doomed = active_;
    RankPodsForDeletion(doomed, {});
    int64_t remove = std::min(active_count_ - want, kMaxPodCreateDeletePerSync);
    for (int64_t i = 0; i < remove; ++i) Stop(*doomed[i]);
    return;
  }
  if (active_count_ == want) return;
  if (std::chrono::milliseconds wait = RemainingBackOff(); wait.count() > 0) {
    actions_.RequeueNoLaterThan(wait);
    return;
  }
  int64_t create = std::min(want - active_count_, kMaxPodCreateDeletePerSync);
  for (int64_t i = 0; i < create; ++i) actions_.create.push_back(NewPod());
  active_count_ += create;
}

Value JobSync::NewPod() {
  Value pod = PodFromTemplate(*job_.At({"spec", "template"}), job_);
  Value& metadata = pod["metadata"];
  metadata.Set("name", GenerateName(std::string(NameOf(job_)) + "-", suffix_, taken_));
  Value& labels = metadata["labels"];
  std::string uid(UidOf(job_));
  std::string name(NameOf(job_));
  for (const auto& [key, value] :
       {std::pair<const char*, std::string>{"batch.kubernetes.io/controller-uid", uid},
        {"batch.kubernetes.io/job-name", name},
        {"controller-uid", uid},
        {"job-name", name}}) {
    if (!labels.Contains(key)) labels.Set(key, value);
  }
  return pod;
}

}  // namespace internal

namespace {

std::vector<std::string> Validate(const Value& job) {
  std::vector<std::string> errors;
  std::string key = KeyOf(job).ToString();
  std::string_view restart = job.StringAt({"spec", "template", "spec", "restartPolicy"});
  if (restart != "Never" && restart != "OnFailure") {
    errors.push_back(
        fmt::format("{}: spec.template.spec.restartPolicy: Unsupported value: \"{}\": "
                    "supported values: \"OnFailure\", \"Never\"",
                    key, restart));
  }
  if (job.StringAt({"spec", "completionMode"}, "NonIndexed") != "NonIndexed") {
    errors.push_back(
        fmt::format("{}: spec.completionMode: Indexed Jobs are not supported by the "
                    "local target",
                    key));
  }
  for (const char* field : {"podFailurePolicy", "successPolicy", "backoffLimitPerIndex"}) {
    const Value* value = job.At({"spec", field});
    if (value != nullptr && !value->is_null()) {
      errors.push_back(fmt::format("{}: spec.{}: not supported by the local target", key, field));
    }
  }
  return errors;
}
}  // namespace

Actions ReconcileJob(const Value& job, const std::vector<Value>& pods, TimePoint now,
                     const NameSuffix& name_suffix) {
  std::vector<std::string> errors = Validate(job);
  if (!errors.empty()) {
    Actions actions;
    actions.errors = std::move(errors);
    return actions;
  }
  return internal::JobSync(job, pods, now, name_suffix).Run();
}

}  // namespace capstan::target::local::workload
