// Workload defaults (v1.20 apps/v1 and batch SetDefaults_*). Job's completionMode and
// suspend came with v1.21/v1.22; they are included so newer servers diff cleanly too.
#include "diff/internal/defaults.h"

namespace capstan::diff::internal {
namespace {

constexpr int kReplicas = 1;
constexpr int kRevisionHistoryLimit = 10;
constexpr int kProgressDeadlineSeconds = 600;
constexpr std::string_view kMaxSurge = "25%";
constexpr std::string_view kMaxUnavailable = "25%";
constexpr int kDaemonSetMaxUnavailable = 1;
constexpr int kJobBackoffLimit = 6;
constexpr int kSuccessfulJobsHistoryLimit = 3;
constexpr int kFailedJobsHistoryLimit = 1;

void DefaultTemplateIn(Value& spec) {
  if (Value* pod_template = MapMember(spec, "template")) DefaultPodTemplate(*pod_template);
}

void DefaultJobSpec(Value& spec) {
  // Both unset: one pod; only completions set: parallelism 1.
  if (spec.Find("completions") == nullptr && spec.Find("parallelism") == nullptr) {
    spec.Set("completions", kReplicas);
  }
  SetDefault(spec, "parallelism", 1);
  SetDefault(spec, "backoffLimit", kJobBackoffLimit);
  SetDefault(spec, "completionMode", "NonIndexed");
  SetDefault(spec, "suspend", false);
  DefaultTemplateIn(spec);
}

}  // namespace

void DefaultDeployment(Value& object) {
  Value* spec = MapMember(object, "spec");
  if (spec == nullptr) return;
  SetDefault(*spec, "replicas", kReplicas);
  if (Value* strategy = MapMember(*spec, "strategy")) {
    SetDefault(*strategy, "type", "RollingUpdate");
    if (strategy->StringAt({"type"}) == "RollingUpdate") {
      if (Value* rolling = MapMember(*strategy, "rollingUpdate")) {
        SetDefault(*rolling, "maxUnavailable", kMaxUnavailable);
        SetDefault(*rolling, "maxSurge", kMaxSurge);
      }
    }
  }
  SetDefault(*spec, "revisionHistoryLimit", kRevisionHistoryLimit);
  SetDefault(*spec, "progressDeadlineSeconds", kProgressDeadlineSeconds);
  DefaultTemplateIn(*spec);
}

void DefaultStatefulSet(Value& object) {
  Value* spec = MapMember(object, "spec");
  if (spec == nullptr) return;
  SetDefault(*spec, "podManagementPolicy", "OrderedReady");
  if (Value* strategy = MapMember(*spec, "updateStrategy")) {
    if (strategy->Find("type") == nullptr) {
      strategy->Set("type", "RollingUpdate");
      MapMember(*strategy, "rollingUpdate");
    }
    Value* rolling = strategy->Find("rollingUpdate");
    if (strategy->StringAt({"type"}) == "RollingUpdate" && rolling != nullptr) {
      SetDefault(*rolling, "partition", 0);
    }
  }
  SetDefault(*spec, "replicas", kReplicas);
  SetDefault(*spec, "revisionHistoryLimit", kRevisionHistoryLimit);
  ForEachElement(*spec, "volumeClaimTemplates", [](Value& claim) {
    if (Value* claim_spec = MapMember(claim, "spec")) {
      SetDefault(*claim_spec, "volumeMode", "Filesystem");
    }
  });
  DefaultTemplateIn(*spec);
}

void DefaultDaemonSet(Value& object) {
  Value* spec = MapMember(object, "spec");
  if (spec == nullptr) return;
  if (Value* strategy = MapMember(*spec, "updateStrategy")) {
    SetDefault(*strategy, "type", "RollingUpdate");
    if (strategy->StringAt({"type"}) == "RollingUpdate") {
      if (Value* rolling = MapMember(*strategy, "rollingUpdate")) {
        SetDefault(*rolling, "maxUnavailable", kDaemonSetMaxUnavailable);
      }
    }
  }
  SetDefault(*spec, "revisionHistoryLimit", kRevisionHistoryLimit);
  DefaultTemplateIn(*spec);
}

void DefaultReplicaSet(Value& object) {
  Value* spec = MapMember(object, "spec");
  if (spec == nullptr) return;
  SetDefault(*spec, "replicas", kReplicas);
  DefaultTemplateIn(*spec);
}

void DefaultJob(Value& object) {
  if (Value* spec = MapMember(object, "spec")) DefaultJobSpec(*spec);
}

void DefaultCronJob(Value& object) {
  Value* spec = MapMember(object, "spec");
  if (spec == nullptr) return;
  SetDefault(*spec, "concurrencyPolicy", "Allow");
  SetDefault(*spec, "suspend", false);
  SetDefault(*spec, "successfulJobsHistoryLimit", kSuccessfulJobsHistoryLimit);
  SetDefault(*spec, "failedJobsHistoryLimit", kFailedJobsHistoryLimit);
  // The job template's JobSpec is not defaulted by the server (only its pod template is);
  // the Job controller fills it in the Jobs it creates.
  if (Value* job_template = MapMember(*spec, "jobTemplate")) {
    if (Value* job_spec = MapMember(*job_template, "spec")) DefaultTemplateIn(*job_spec);
  }
}

}  // namespace capstan::diff::internal
