// ReconcileRollout: finds the Rollout's objects, then runs Argo's reconcile: paused
// conditions, scaling events, then the canary or blue/green strategy.
#include "rollout/reconcile.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/object.h"
#include "core/time.h"
#include "rollout/reconcile_internal.h"
#include "target/local/workload/internal/objects.h"
#include "target/local/workload/workload.h"

namespace capstan::rollout {

namespace wl = target::local::workload::internal;

bool RolloutActions::empty() const {
  return create.empty() && update.empty() && remove.empty() && service_selectors.empty() &&
         create_analysis_runs.empty() && terminate_analysis_runs.empty() && !rollout.has_value() &&
         !status.has_value() && errors.empty();
}

void RolloutActions::RequeueNoLaterThan(std::chrono::milliseconds after) {
  if (after < std::chrono::milliseconds(0)) after = std::chrono::milliseconds(0);
  if (!requeue_after.has_value() || after < *requeue_after) requeue_after = after;
}

namespace internal {

// --- RsState --------------------------------------------------------------------------------

std::string_view RsState::name() const { return NameOf(view); }

std::string RsState::hash() const {
  return std::string(view.StringAt({"metadata", "labels", kPodTemplateHashLabel}));
}

int64_t RsState::replicas() const { return wl::IntAt(view, {"spec", "replicas"}, 1); }
int64_t RsState::available() const { return wl::IntAt(view, {"status", "availableReplicas"}); }
int64_t RsState::ready() const { return wl::IntAt(view, {"status", "readyReplicas"}); }
int64_t RsState::status_replicas() const { return wl::IntAt(view, {"status", "replicas"}); }

std::optional<int64_t> RsState::revision() const {
  const Value* value = object.At({"metadata", "annotations", kRevisionAnnotation});
  if (value == nullptr || !value->is_string()) return 0;
  return wl::ParseInt(value->as_string());
}

bool RsState::HasScaleDownDeadline() const {
  return !object.StringAt({"metadata", "annotations", kScaleDownDeadlineAnnotation}).empty();
}

std::optional<TimePoint> RsState::ScaleDownDeadline() const {
  return ParseRfc3339(object.StringAt({"metadata", "annotations", kScaleDownDeadlineAnnotation}));
}

std::optional<TimePoint> RsState::CreatedAt() const {
  return wl::TimeAt(view, {"metadata", "creationTimestamp"});
}

std::string FormatLabelSelector(const Value& selector) {
  std::vector<std::pair<std::string, std::string>> parts;  // key, requirement
  if (const Value* labels = selector.Find("matchLabels");
      labels != nullptr && labels->is_object()) {
    for (const auto& [key, value] : labels->as_object()) {
      parts.emplace_back(key,
                         fmt::format("{}={}", key, value.is_string() ? value.as_string() : ""));
    }
  }
  if (const Value* exprs = selector.Find("matchExpressions");
      exprs != nullptr && exprs->is_array()) {
    for (const Value& expr : exprs->as_array()) {
      std::string key(expr.StringAt({"key"}));
      std::string op(expr.StringAt({"operator"}));
      std::vector<std::string> values;
      if (const Value* list = expr.Find("values"); list != nullptr && list->is_array()) {
        for (const Value& v : list->as_array())
          values.push_back(v.is_string() ? v.as_string() : "");
      }
      std::sort(values.begin(), values.end());
      if (op == "In" || op == "NotIn") {
        parts.emplace_back(key, fmt::format("{} {} ({})", key, op == "In" ? "in" : "notin",
                                            fmt::join(values, ",")));
      } else if (op == "Exists") {
        parts.emplace_back(key, key);
      } else if (op == "DoesNotExist") {
        parts.emplace_back(key, "!" + key);
      }
    }
  }
  std::stable_sort(parts.begin(), parts.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  out.reserve(parts.size());
  for (auto& part : parts) out.push_back(std::move(part.second));
  return fmt::format("{}", fmt::join(out, ","));
}

// --- RolloutSync: context -------------------------------------------------------------------

RolloutSync::RolloutSync(const Value& rollout, RolloutSpec spec,
                         const std::vector<Value>& replica_sets, const std::vector<Value>& pods,
                         const std::vector<Value>& analysis_runs,
                         const std::vector<Value>& services, TimePoint now)
    : input_(rollout),
      spec_(std::move(spec)),
      input_status_(ReadRolloutStatus(rollout)),
      prev_(input_status_),
      pods_(pods),
      now_(now) {
  revision_ = std::string(rollout.StringAt({"metadata", "annotations", kRevisionAnnotation}));
  for (size_t i = 0; i < replica_sets.size(); ++i) {
    const Value& rs = replica_sets[i];
    if (NamespaceOf(rs) != spec_.ns || !wl::IsControlledBy(rs, spec_.uid)) continue;
    rs_.push_back(RsState{rs, rs, false, false, i});
  }
  for (const Value& run : analysis_runs) {
    if (NamespaceOf(run) == spec_.ns) taken_run_names_.emplace_back(NameOf(run));
    if (NamespaceOf(run) != spec_.ns || !wl::IsControlledBy(run, spec_.uid)) continue;
    runs_.push_back(&run);
  }
  for (const Value& service : services) {
    if (NamespaceOf(service) != spec_.ns) continue;
    services_[std::string(NameOf(service))] = &service;
    selectors_[std::string(NameOf(service))] =
        std::string(service.StringAt({"spec", "selector", kPodTemplateHashLabel}));
  }
  // Argo's c.newStatus starts with the weights carried over.
  next_.canary.weights = prev_.canary.weights;
}

std::vector<RsState*> RolloutSync::Others() {
  std::vector<RsState*> out;
  for (size_t i = 0; i < rs_.size(); ++i) {
    if (i != new_ && i != stable_) out.push_back(&rs_[i]);
  }
  return out;
}

std::vector<const RsState*> RolloutSync::All() const {
  std::vector<const RsState*> out;
  for (const RsState& rs : rs_) out.push_back(&rs);
  return out;
}

void RolloutSync::ClassifyReplicaSets() {
  // Oldest first (ReplicaSetsByCreationTimestamp), so that the first match wins as in Argo.
  std::stable_sort(rs_.begin(), rs_.end(), [](const RsState& a, const RsState& b) {
    auto ta = a.CreatedAt().value_or(TimePoint());
    auto tb = b.CreatedAt().value_or(TimePoint());
    if (ta != tb) return ta < tb;
    return a.name() < b.name();
  });
  std::string hash =
      target::local::workload::PodTemplateHash(spec_.pod_template, prev_.collision_count);
  for (size_t i = 0; i < rs_.size() && !new_; ++i) {
    if (rs_[i].hash() == hash) new_ = i;
  }
  // A ReplicaSet with the same template under another hash (one made by Argo Rollouts, whose
  // hash function differs) is still this template's: adopting it avoids a needless release.
  for (size_t i = 0; i < rs_.size() && !new_; ++i) {
    Value live =
        rs_[i].view.At({"spec", "template"}) ? *rs_[i].view.At({"spec", "template"}) : Value();
    Value injected = Value::MakeObject();
    if (const Value* labels = live.At({"metadata", "labels"}); labels && labels->is_object()) {
      Value kept = *labels;
      kept.Erase(kImageTagLabel);
      kept.Erase(kRoleLabel);
      live["metadata"].Set("labels", kept);
    }
    if (wl::TemplatesEqualIgnoringHash(live, spec_.pod_template)) new_ = i;
  }
  for (size_t i = 0; i < rs_.size(); ++i) {
    if (!prev_.stable_rs.empty() && rs_[i].hash() == prev_.stable_rs) {
      stable_ = (new_ && rs_[*new_].hash() == prev_.stable_rs) ? *new_ : i;
      break;
    }
  }
}

void RolloutSync::ClassifyAnalysisRuns() {
  auto name_of = [](const std::optional<AnalysisRunRef>& ref) {
    return ref ? ref->name : std::string();
  };
  for (const Value* run : runs_) {
    std::string name(NameOf(*run));
    if (name == name_of(prev_.canary.current_step_analysis_run_status)) {
      current_runs_.step = run;
    } else if (name == name_of(prev_.canary.current_background_analysis_run_status)) {
      current_runs_.background = run;
    } else if (name == name_of(prev_.blue_green.pre_promotion_analysis_run_status)) {
      current_runs_.pre_promotion = run;
    } else if (name == name_of(prev_.blue_green.post_promotion_analysis_run_status)) {
      current_runs_.post_promotion = run;
    } else {
      other_runs_.push_back(run);
    }
  }
}

Status RolloutSync::CheckServices() {
  std::vector<std::pair<std::string, std::string>> named;  // field, service
  if (spec_.canary) {
    named = {{"spec.strategy.canary.canaryService", spec_.canary->canary_service},
             {"spec.strategy.canary.stableService", spec_.canary->stable_service}};
  } else {
    named = {{"spec.strategy.blueGreen.activeService", spec_.blue_green->active_service},
             {"spec.strategy.blueGreen.previewService", spec_.blue_green->preview_service}};
  }
  for (const auto& [field, service] : named) {
    if (service.empty() || services_.count(service) != 0) continue;
    return Error::NotFound(
        fmt::format("{}: {}: Service \"{}\" not found", spec_.Describe(), field, service));
  }
  return OkStatus();
}

bool RolloutSync::IsScalingEvent() const {
  for (const RsState* rs : {New(), Stable()}) {
    if (rs == nullptr || rs->replicas() == 0) continue;
    const Value* desired = rs->view.At({"metadata", "annotations", kDesiredReplicasAnnotation});
    if (desired == nullptr || !desired->is_string()) continue;
    if (wl::ParseInt(desired->as_string()) != spec_.replicas) return true;
  }
  return false;
}

void RolloutSync::SyncReplicasOnly() {
  RolloutStatus next = prev_;
  if (spec_.blue_green) {
    ReconcileBlueGreenReplicaSets();
    const RsState* active = nullptr;
    for (const RsState* rs : All()) {
      if (!prev_.blue_green.active_selector.empty() &&
          rs->hash() == prev_.blue_green.active_selector) {
        active = rs;
      }
    }
    next.hpa_replicas = 0;
    next.available_replicas = 0;
    for (const RsState* rs : All()) {
      if (active != nullptr && rs != active) continue;
      next.hpa_replicas += rs->status_replicas();
      next.available_replicas += rs->available();
    }
  } else {
    ReconcileCanaryReplicaSets();
    CountAllReplicaSets(next);
  }
  PersistRolloutStatus(next);
}

void RolloutSync::CountAllReplicaSets(RolloutStatus& next) const {
  next.available_replicas = 0;
  next.hpa_replicas = 0;
  for (const RsState& rs : rs_) {
    next.available_replicas += rs.available();
    next.hpa_replicas += rs.status_replicas();
  }
}

void RolloutSync::Finish() {
  for (RsState& rs : rs_) {
    if (rs.created) {
      actions_.create.push_back(rs.object);
    } else if (rs.changed) {
      actions_.update.push_back(rs.object);
    }
  }
  std::string listed(input_.StringAt({"metadata", "annotations", kRevisionAnnotation}));
  if (revision_ != listed) {
    Value rollout = input_;
    rollout.Erase("status");
    rollout["metadata"]["annotations"].Set(kRevisionAnnotation, revision_);
    actions_.rollout = std::move(rollout);
  }
}

RolloutActions RolloutSync::Run() {
  ClassifyReplicaSets();
  if (Status services = CheckServices(); !services.ok()) {
    actions_.errors.push_back(services.error().message());
    return std::move(actions_);
  }
  if (!new_) {
    // Argo creates the ReplicaSet, records the revision and the Progressing condition, and
    // ends the sync there.
    CreateNewReplicaSet();
    Finish();
    Value status = WriteRolloutStatus(prev_);
    const Value* listed = input_.Find("status");
    if (listed == nullptr || *listed != status) actions_.status = std::move(status);
    return std::move(actions_);
  }
  ClassifyAnalysisRuns();
  if (prev_.stable_rs == prev_.current_pod_hash && IsAborted()) pause_.remove_abort = true;
  if (CheckPausedConditions()) {
    Finish();
    return std::move(actions_);
  }
  SyncReplicaSetRevision();
  if (IsScalingEvent()) {
    SyncReplicasOnly();
  } else if (spec_.blue_green) {
    RolloutBlueGreen();
  } else {
    RolloutCanary();
  }
  Finish();
  return std::move(actions_);
}

}  // namespace internal

namespace {

// The status Argo writes for a Rollout whose spec is invalid: an InvalidSpec condition and
// phase Degraded.
RolloutActions InvalidSpec(const Value& rollout, const Error& error, TimePoint now) {
  RolloutActions actions;
  actions.errors.push_back(error.message());
  RolloutStatus status = ReadRolloutStatus(rollout);
  // The condition is on the Rollout already: it names the field, not the object.
  std::string message = error.message();
  std::string prefix = KeyOf(rollout).ToString() + ": ";
  if (message.starts_with(prefix)) message.erase(0, prefix.size());
  const RolloutCondition* existing = status.FindCondition("InvalidSpec");
  if (existing == nullptr || existing->message != message) {
    std::erase_if(status.conditions,
                  [](const RolloutCondition& c) { return c.type == "InvalidSpec"; });
    status.conditions.push_back({"InvalidSpec", "True", "InvalidSpec", message, now, now});
  }
  status.phase = "Degraded";
  status.message = "InvalidSpec: " + message;
  Value written = WriteRolloutStatus(status);
  const Value* listed = rollout.Find("status");
  if (listed == nullptr || *listed != written) actions.status = std::move(written);
  return actions;
}

}  // namespace

RolloutActions ReconcileRollout(const Value& rollout, const std::vector<Value>& replica_sets,
                                const std::vector<Value>& pods,
                                const std::vector<Value>& analysis_runs,
                                const std::vector<Value>& services, TimePoint now,
                                const ReconcileOptions& options) {
  // Being deleted: its ReplicaSets go with it (garbage collection), nothing to do.
  if (rollout.At({"metadata", "deletionTimestamp"}) != nullptr) return {};
  auto spec = ParseRollout(rollout, options.referenced_template, options.source);
  if (!spec.ok()) return InvalidSpec(rollout, spec.error(), now);
  if (spec->uid.empty()) {
    RolloutActions actions;
    actions.errors.push_back(spec->Describe() +
                             ": metadata.uid: missing; a Rollout is reconciled once it is stored");
    return actions;
  }
  internal::RolloutSync sync(rollout, std::move(*spec), replica_sets, pods, analysis_runs, services,
                             now);
  return sync.Run();
}

std::pair<std::string, std::string> RolloutPhase(const Value& rollout) {
  RolloutStatus status = ReadRolloutStatus(rollout);
  int64_t generation = wl::IntAt(rollout, {"metadata", "generation"});
  std::optional<int64_t> observed = wl::ParseInt(status.observed_generation);
  if (observed.has_value() && *observed < generation) {
    return {"Progressing", "waiting for rollout spec update to be observed"};
  }
  if (status.controller_pause && status.pause_conditions.empty()) {
    return {"Progressing", "waiting for rollout to unpause"};
  }
  return {status.phase, status.message};
}

}  // namespace capstan::rollout
