// reconcile: one sync of Argo Rollouts' Rollout controller, as a pure function.
//
// ReconcileRollout reads a Rollout and what the caller found for it — its ReplicaSets, their
// pods, its AnalysisRuns and the Services it names — and returns the Actions that move the
// world one step towards the Rollout's spec, as Argo's controller would in one sync:
// ReplicaSets to create or scale, Service selectors to switch, the traffic split to give the
// router, AnalysisRuns to start or stop, and the Rollout's new status (phase, message,
// conditions, pause conditions, step index, weights) field for field as Argo writes it. It
// reads no clock (`now` is a parameter), does no I/O and keeps no state between calls:
// calling it again with the world its Actions produced is how a release advances (the
// caller's loop is level-triggered, as Argo's is). Only a change of spec.template (or of the
// canary steps) starts a new release; metadata alone does not.
//
// Steering (promote, abort, retry, pause, resume, undo) is a change of the Rollout itself:
// see steering.h. Analysis itself (running metrics) is the analysis module's; this only
// decides when a run must exist and reacts to its status.phase.
//
// Thread safety: safe to call concurrently (no shared state).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/object.h"
#include "core/value.h"
#include "rollout/rollout.h"

namespace capstan::rollout {

// An AnalysisRun to start. The caller resolves `templates` (AnalysisTemplates in the
// Rollout's namespace, ClusterAnalysisTemplates when cluster_scope) into metrics — with
// analysis::NewAnalysisRun, say — and creates the run with `metadata`: the name as Argo
// gives it, `<rollout>-<pod-template-hash>-<revision>[-<step index>|-pre|-post]` (".1",
// ".2" appended when an earlier run has it), the namespace, labels rollout-type
// (Step/Background/PrePromotion/PostPromotion), rollouts-pod-template-hash, step-index (Step
// only), analysisRunMetadata's and the Rollout's selector labels, the revision annotation
// and a controller owner reference to the Rollout. Until the run exists, the Rollout's
// status already names it; a run that never appears is asked for again.
struct AnalysisRunRequest {
  Value metadata;
  std::vector<AnalysisTemplateRef> templates;
  // The Rollout's args with valueFrom resolved (podTemplateHashValue Stable/Latest, fieldRef
  // metadata.*): {name, value} pairs that override the templates' args of the same name.
  std::vector<std::pair<std::string, std::string>> args;
  Value dry_run;                // the Rollout's analysis dryRun, as written (null when absent)
  Value measurement_retention;  // likewise
};

// One Service whose selector gets `rollouts-pod-template-hash: <hash>` (added to its other
// selector labels), and the annotation argo-rollouts.argoproj.io/managed-by-rollouts:
// <rollout> when it does not have it yet.
struct ServiceSelectorPatch {
  std::string service;
  std::string pod_template_hash;
  std::string rollout;
  friend bool operator==(const ServiceSelectorPatch&, const ServiceSelectorPatch&) = default;
};

// What a canary's traffic router should carry now (trafficRouting only): the router
// (ingress-nginx canary Ingress, Gateway API HTTPRoute, the local proxy) sends
// `canary_weight` of max_weight to canary_service and the rest to stable_service, and
// requests matching a header route to the canary. Header routes are empty when the release
// is fully promoted or aborted (Argo's RemoveManagedRoutes). Before the first release is
// stable, stable_hash is empty (the stable Service still selects every pod of the app).
struct TrafficState {
  int64_t canary_weight = 0;
  int64_t max_weight = 100;
  std::string canary_service, stable_service;
  std::string canary_hash, stable_hash;  // pod-template hashes behind each service
  std::vector<HeaderRoute> header_routes;
  friend bool operator==(const TrafficState&, const TrafficState&) = default;
};

// What one reconcile asks the caller to do, in this order: create, update, remove; switch
// Service selectors; apply `traffic` to the router; create and terminate AnalysisRuns; then
// write `rollout` (metadata only) and `status`. Objects are whole (apiVersion, kind,
// metadata, spec); objects this creates carry name, namespace, labels, annotations and a
// controller owner reference to the Rollout, but no uid, creationTimestamp or generation.
struct RolloutActions {
  std::vector<Value> create;      // new ReplicaSets
  std::vector<Value> update;      // ReplicaSets (spec.replicas, annotations, pod template
                                  // metadata) and Pods (role labels and annotations)
  std::vector<ObjectKey> remove;  // ReplicaSets beyond revisionHistoryLimit, old AnalysisRuns
  std::vector<ServiceSelectorPatch> service_selectors;
  // The router's state; present on every reconcile of a canary with trafficRouting (applying
  // the same state twice changes nothing), absent otherwise.
  std::optional<TrafficState> traffic;
  std::vector<AnalysisRunRequest> create_analysis_runs;
  std::vector<std::string> terminate_analysis_runs;  // names: set spec.terminate: true
  std::optional<Value> rollout;  // the Rollout with changed metadata (its revision annotation)
  std::optional<Value> status;   // the Rollout's new .status, only when it changed
  std::optional<std::chrono::milliseconds> requeue_after;  // reconcile again by then (pause
                                                           // durations, scale-down delays,
                                                           // autoPromotionSeconds, deadlines)
  // Why the Rollout cannot be run, one sentence each naming the field or the missing object
  // (`spec.strategy.canary.stableService: Service "web-stable" not found`). The status then
  // carries Argo's InvalidSpec condition (phase Degraded) when the spec itself is wrong.
  std::vector<std::string> errors;

  // Whether there is nothing to do (`traffic` and `requeue_after` do not count).
  bool empty() const;
  void RequeueNoLaterThan(std::chrono::milliseconds after);
};

struct ReconcileOptions {
  // spec.workloadRef's pod template (REQUIRED for a Rollout with workloadRef).
  const Value* referenced_template = nullptr;
  // The file the Rollout came from, for error messages ("" when unknown).
  std::string source;
};

// One sync of the Rollout controller. `replica_sets`, `pods`, `analysis_runs` and `services`
// are those of the Rollout's namespace (others are ignored): a ReplicaSet is the Rollout's
// when its controller owner reference has the Rollout's uid, a pod when its controller is
// one of those ReplicaSets, an AnalysisRun when the Rollout controls it. Services are looked
// up by the names in the strategy; a missing one is an error (nothing else happens).
// Availability comes from the ReplicaSets' status (written by the ReplicaSet controller).
// REQUIRES: the Rollout is stored (has metadata.uid; otherwise an error and nothing else). A
// Rollout being deleted gets no actions.
RolloutActions ReconcileRollout(const Value& rollout, const std::vector<Value>& replica_sets,
                                const std::vector<Value>& pods,
                                const std::vector<Value>& analysis_runs,
                                const std::vector<Value>& services, TimePoint now,
                                const ReconcileOptions& options = {});

// Argo's GetRolloutPhase for a client: Progressing "waiting for rollout spec update to be
// observed" while status.observedGeneration lags metadata.generation, "waiting for rollout
// to unpause" while a promote is being picked up, else the status' own phase and message.
std::pair<std::string, std::string> RolloutPhase(const Value& rollout);

}  // namespace capstan::rollout
