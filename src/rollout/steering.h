// steering: the changes `kubectl argo rollouts promote|abort|retry|pause|undo` make to a
// Rollout, as pure functions. Each returns the whole Rollout with the change applied; the
// caller writes spec changes as an update of the Rollout (metadata.generation grows) and
// status changes through its status (as the plugin patches the status subresource), then
// the next ReconcileRollout acts on them. Who steered and when is the caller's to audit.
//
// Thread safety: pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace capstan::rollout {

// `promote`: unpauses (spec.paused: false) and ends the current pause — a canary pause step
// or a blue/green pause (status.pauseConditions cleared); a canary paused on an
// inconclusive analysis, or waiting on an analysis or a setWeight, skips to the next step
// (status.currentStepIndex + 1). With `full`, skips every remaining step, pause and analysis
// (status.promoteFull: true) unless the release is already the stable one.
Result<Value> Promote(const Value& rollout, bool full);

// `abort`: status.abort: true. Traffic returns to the stable ReplicaSet at once; the Rollout
// is Degraded ("RolloutAborted: Rollout aborted update to revision N") until `Retry` or a
// new release.
Result<Value> Abort(const Value& rollout);

// `retry`: status.abort: false; the release starts again from its first step.
Result<Value> Retry(const Value& rollout);

// `pause`: spec.paused: true (no step advances and no ReplicaSet scales until resumed).
Result<Value> Pause(const Value& rollout);

// `resume`: spec.paused: false and status.pauseConditions cleared.
Result<Value> Resume(const Value& rollout);

// The pod template of the Rollout's ReplicaSet of revision `to_revision` (0: the one before
// the latest), without the labels and annotations the controller added (the pod-template
// hash, role and image-tag labels, canary/stable metadata). NotFound: `rollouts "web": unable
// to find specified revision 7 in history` or `no revision found for rollout "web"`.
Result<Value> RevisionTemplate(const Value& rollout, const std::vector<Value>& replica_sets,
                               int64_t to_revision);

// `undo [--to-revision N]`: the Rollout with spec.template taken from that revision (see
// RevisionTemplate); the next reconcile rolls it out as a new revision (straight back to
// stable when that template is the stable one). Unchanged when the template already matches
// ("skipped rollback"). A Rollout with spec.workloadRef is Invalid here: its template lives
// in the referenced workload, which the caller patches with RevisionTemplate's result.
Result<Value> Undo(const Value& rollout, const std::vector<Value>& replica_sets,
                   int64_t to_revision);

}  // namespace capstan::rollout
