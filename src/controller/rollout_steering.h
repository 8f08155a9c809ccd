// Steering a Rollout on a target: `capstan rollout promote|abort|retry|pause|resume|undo`
// (kubectl argo rollouts' verbs, plus Argo CD's `resume` action), and the live view
// `capstan rollout get` shows. The changes themselves are rollout/steering.h's pure
// functions; this file reads the Rollout from its target, writes what they changed the way
// Argo's plugin does (spec fields as kSteeringFieldManager, status through the status
// subresource as the Rollout controller), and describes the result. Who steered is the
// caller's to audit (AppController::SteerRollout).
//
// Thread safety: stateless; safe from any thread when the target is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/value.h"
#include "target/target.h"

namespace capstan::controller {

enum class RolloutAction { kPromote, kAbort, kRetry, kPause, kResume, kUndo };

// "promote" → kPromote ...; nullopt for anything else.
std::optional<RolloutAction> ParseRolloutAction(std::string_view name);
std::string_view RolloutActionName(RolloutAction action);

struct SteerOptions {
  bool full = false;        // promote: skip every remaining step, pause and analysis
  int64_t to_revision = 0;  // undo: the revision to go back to; 0 is the previous one
};

struct SteerResult {
  Value rollout;        // the Rollout as stored after the change
  std::string message;  // "rollout 'web' promoted", as kubectl argo rollouts prints it
};

// Applies `action` to Rollout `ns`/`name` on `target`. NotFound names a missing Rollout or
// revision; Invalid when the action cannot apply (undo of a Rollout with workloadRef).
Result<SteerResult> SteerRollout(target::Target& target, const std::string& ns,
                                 const std::string& name, RolloutAction action,
                                 const SteerOptions& options);

// Rollout `ns`/`name` with what belongs to it, for `capstan rollout get`:
//   {"rollout": <object>, "replicaSets": [...], "analysisRuns": [...],
//    "summary": see RolloutSummary}
// NotFound when there is no such Rollout.
Result<Value> DescribeRollout(target::Target& target, const std::string& ns,
                              const std::string& name);

// What `kubectl argo rollouts get` shows, as data:
//   {"name","namespace","strategy": "Canary"|"BlueGreen","phase","message",
//    "step": N, "steps": M (canary), "setWeight", "actualWeight" (canary),
//    "activeSelector","previewSelector" (blue/green), "replicas": {desired, current, updated,
//    ready, available}, "revisions": [{revision, podTemplateHash, role, appVersion, images:
//    ["web:v2"], replicas, ready, available}] newest first,
//    "analysisRuns": [{name, phase, message, metrics: [{name, phase, measurements: [{phase,
//    value, finishedAt}]}]}] newest first}
// `replica_sets` and `analysis_runs` are the Rollout's own (owned by it).
Value RolloutSummary(const Value& rollout, const std::vector<Value>& replica_sets,
                     const std::vector<Value>& analysis_runs);

}  // namespace capstan::controller
