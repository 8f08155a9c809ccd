// TEST SUPPORT ONLY (included by this folder's *_test.cc files).
//
// RolloutCluster: the workload module's StandInCluster (an object store standing in for the
// API server, the real ReplicaSet controller of target/local/workload, and a stand-in
// kubelet that makes pods Running and Ready one step per round) plus what the lead's loop
// does with a Rollout's Actions: create and scale ReplicaSets, label pods, switch Service
// selectors, start and stop AnalysisRuns, record the router's traffic state and write the
// Rollout's status. AnalysisRuns get their phase from `analysis`, standing in for the
// analysis controller (a terminated run ends Successful, "Run Terminated", as Argo's does).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/object.h"
#include "rollout/reconcile.h"
#include "rollout/test_support.h"
#include "target/local/workload/internal/stand_in_cluster.h"

namespace capstan::rollout::testing {

class RolloutCluster {
 public:
  using Cluster = target::local::workload::testing::StandInCluster;

  RolloutCluster() = default;

  Cluster& base() { return cluster_; }
  TimePoint now() const { return cluster_.now(); }
  void Advance(std::chrono::seconds by) { cluster_.Advance(by); }

  // The phase an AnalysisRun should have now (called for every run not yet completed);
  // "" leaves it as it is. Default: Running.
  std::function<std::string(const Value& run)> analysis = [](const Value&) {
    return std::string("Running");
  };
  std::vector<std::string> errors;                 // every RolloutActions::errors seen
  std::optional<TrafficState> traffic;             // the router's state, as last given
  std::vector<AnalysisRunRequest> requested_runs;  // every AnalysisRun asked for
  std::optional<std::chrono::milliseconds> last_requeue;

  const Value& Apply(Value object) { return cluster_.Apply(std::move(object)); }
  const Value* Get(std::string_view kind, std::string_view name) const {
    return cluster_.Get(kind, name);
  }
  Value Rollout(std::string_view name = "") const {
    for (const Value& r : cluster_.List("Rollout")) {
      if (name.empty() || NameOf(r) == name) return r;
    }
    ADD_FAILURE() << "no Rollout " << name;
    return {};
  }
  std::vector<Value> List(std::string_view kind) const { return cluster_.List(kind); }

  // Writes a Rollout as a steering command returns it (spec by update, status by patch).
  void Steer(const Value& rollout) {
    Value spec_part = rollout;
    spec_part.Erase("status");
    cluster_.Apply(spec_part);
    if (const Value* status = rollout.Find("status")) cluster_.SetStatus(KeyOf(rollout), *status);
  }

  // One reconcile of every Rollout, its Actions applied. Returns whether anything changed.
  bool ReconcileRollouts() {
    bool changed = false;
    for (const Value& rollout : cluster_.List("Rollout")) {
      RolloutActions actions =
          ReconcileRollout(rollout, cluster_.List("ReplicaSet"), cluster_.List("Pod"),
                           cluster_.List("AnalysisRun"), cluster_.List("Service"), cluster_.now());
      RolloutActions without_errors = actions;
      without_errors.errors.clear();  // errors come back every sync until fixed
      if (!without_errors.empty()) changed = true;
      ApplyActions(rollout, actions);
    }
    return changed;
  }

  // The stand-in analysis controller: every run not completed takes `analysis`'s phase.
  bool RunAnalysis() {
    bool changed = false;
    for (const Value& run : cluster_.List("AnalysisRun")) {
      std::string_view phase = run.StringAt({"status", "phase"});
      if (phase == "Successful" || phase == "Failed" || phase == "Error" ||
          phase == "Inconclusive") {
        continue;
      }
      Value status = run.Find("status") ? *run.Find("status") : Value::MakeObject();
      const Value* terminate = run.At({"spec", "terminate"});
      if (terminate != nullptr && terminate->is_bool() && terminate->as_bool()) {
        status.Set("phase", "Successful");
        status.Set("message", "Run Terminated");
      } else {
        std::string next = analysis(run);
        if (next.empty() || next == phase) continue;
        status.Set("phase", next);
      }
      cluster_.SetStatus(KeyOf(run), status);
      changed = true;
    }
    return changed;
  }

  // Controllers (Rollouts, analysis, ReplicaSets) until nothing changes (bounded).
  void Settle(int max_passes = 30) {
    for (int i = 0; i < max_passes; ++i) {
      bool changed = ReconcileRollouts();
      changed = RunAnalysis() || changed;
      changed = cluster_.ReconcileOnce() || changed;
      if (!changed) return;
    }
    ADD_FAILURE() << "controllers did not settle in " << max_passes << " passes";
  }

  // `rounds` times: a second passes, the kubelet moves every pod one step, controllers settle.
  void Rounds(int rounds) {
    for (int i = 0; i < rounds; ++i) {
      cluster_.Advance(std::chrono::seconds(1));
      cluster_.KubeletStep();
      Settle();
    }
  }

  // Rounds until `done` holds (at most `max_rounds`); false when it never did.
  bool RunUntil(const std::function<bool()>& done, int max_rounds = 120) {
    Settle();
    for (int i = 0; i < max_rounds; ++i) {
      if (done()) return true;
      Rounds(1);
    }
    return done();
  }

  // Ready pods whose ReplicaSet has `hash` (rollouts-pod-template-hash label).
  int ReadyPods(const std::string& hash) const {
    int ready = 0;
    for (const Value& pod : cluster_.List("Pod")) {
      if (pod.StringAt({"metadata", "labels", kPodTemplateHashLabel}) != hash) continue;
      if (target::local::workload::internal::IsTerminating(pod)) continue;
      if (target::local::workload::internal::IsPodReady(pod)) ++ready;
    }
    return ready;
  }

  // spec.replicas of the ReplicaSet with `hash` (0 when there is none).
  int64_t Replicas(const std::string& hash) const {
    for (const Value& rs : cluster_.List("ReplicaSet")) {
      if (rs.StringAt({"metadata", "labels", kPodTemplateHashLabel}) == hash) {
        return target::local::workload::internal::IntAt(rs, {"spec", "replicas"}, 1);
      }
    }
    return 0;
  }

 private:
  void ApplyActions(const Value& rollout, const RolloutActions& actions) {
    for (const std::string& error : actions.errors) errors.push_back(error);
    for (const Value& object : actions.create) cluster_.Apply(object);
    for (const Value& object : actions.update) cluster_.Apply(object);
    if (!actions.remove.empty()) {
      target::local::workload::Actions removal;
      removal.remove = actions.remove;
      cluster_.ApplyActions(KeyOf(rollout), removal);
    }
    for (const ServiceSelectorPatch& patch : actions.service_selectors) {
      const Value* service = cluster_.Get("Service", patch.service, NamespaceOf(rollout));
      if (service == nullptr) continue;
      Value changed = *service;
      changed["spec"]["selector"].Set(kPodTemplateHashLabel, patch.pod_template_hash);
      changed["metadata"]["annotations"].Set(kManagedByRolloutsAnnotation, patch.rollout);
      cluster_.Apply(changed);
    }
    if (actions.traffic) traffic = actions.traffic;
    for (const AnalysisRunRequest& request : actions.create_analysis_runs) {
      requested_runs.push_back(request);
      Value run = Value::MakeObject();
      run["apiVersion"] = "argoproj.io/v1alpha1";
      run["kind"] = "AnalysisRun";
      run["metadata"] = request.metadata;
      Value args = Value::MakeArray();
      for (const auto& [name, value] : request.args) {
        Value arg = Value::MakeObject();
        arg["name"] = name;
        arg["value"] = value;
        args.as_array().push_back(arg);
      }
      run["spec"]["args"] = args;
      run["spec"]["metrics"] = Value::MakeArray();
      cluster_.Apply(run);
    }
    for (const std::string& name : actions.terminate_analysis_runs) {
      const Value* run = cluster_.Get("AnalysisRun", name, NamespaceOf(rollout));
      if (run == nullptr) continue;
      Value changed = *run;
      changed["spec"].Set("terminate", true);
      cluster_.Apply(changed);
    }
    if (actions.rollout) cluster_.Apply(*actions.rollout);
    if (actions.status) cluster_.SetStatus(KeyOf(rollout), *actions.status);
    if (actions.requeue_after) last_requeue = actions.requeue_after;
  }

  Cluster cluster_;
};

}  // namespace capstan::rollout::testing
