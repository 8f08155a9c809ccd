// How the deployment controller moves pods between ReplicaSets: RollingUpdate
// (pkg/controller/deployment/rolling.go), Recreate (recreate.go) and proportional scaling of
// scaling events and paused Deployments (sync.go scale).
#include <algorithm>
#include <cmath>

#include "target/local/workload/internal/deployment.h"
#include "target/local/workload/internal/objects.h"

namespace capstan::target::local::workload::internal {

bool DeploymentSync::ScaleReplicaSet(ReplicaSetState& rs, int64_t replicas,
                                     bool only_if_size_differs) {
  bool size_changes = rs.replicas() != replicas;
  if (only_if_size_differs && !size_changes) return false;
  std::string desired = std::to_string(spec_.replicas);
  std::string max = std::to_string(spec_.replicas + spec_.MaxSurge());
  const Value* annotations = rs.object.At({"metadata", "annotations"});
  bool annotations_change = annotations == nullptr ||
                            annotations->Find(kDesiredReplicasAnnotation) == nullptr ||
                            annotations->StringAt({kDesiredReplicasAnnotation}) != desired ||
                            annotations->Find(kMaxReplicasAnnotation) == nullptr ||
                            annotations->StringAt({kMaxReplicasAnnotation}) != max;
  if (!size_changes && !annotations_change) return false;
  rs.object["spec"].Set("replicas", replicas);
  rs.object["metadata"]["annotations"].Set(kDesiredReplicasAnnotation, desired);
  rs.object["metadata"]["annotations"].Set(kMaxReplicasAnnotation, max);
  rs.changed = true;
  return size_changes;
}

void DeploymentSync::RolloutRolling() {
  if (!CreateNewReplicaSet()) return;
  if (ReconcileNewReplicaSet() || ReconcileOldReplicaSets()) {
    SyncRolloutStatus();
    return;
  }
  if (DeploymentComplete(deployment_["status"])) CleanupDeployment();
  SyncRolloutStatus();
}

// Scale the new ReplicaSet up as far as maxSurge allows:
//   maxTotalPods = replicas + maxSurge
//   scaleUp = min(maxTotalPods - sum(spec.replicas of all), replicas - newRS.spec.replicas)
// e.g. replicas 4, maxSurge 1, old 4, new 0 → new 1; then nothing until an old pod goes.
bool DeploymentSync::ReconcileNewReplicaSet() {
  ReplicaSetState& rs = *NewRs();
  if (rs.replicas() == spec_.replicas) return false;
  if (rs.replicas() > spec_.replicas) return ScaleReplicaSet(rs, spec_.replicas, true);
  int64_t current = 0;
  for (const ReplicaSetState& each : rs_) current += each.replicas();
  int64_t max_total = spec_.replicas + spec_.MaxSurge();
  if (current >= max_total) return false;
  int64_t scale_up = std::min(max_total - current, spec_.replicas - rs.replicas());
  return ScaleReplicaSet(rs, rs.replicas() + scale_up, true);
}

// Scale old ReplicaSets down without going below minAvailable:
//   minAvailable = replicas - maxUnavailable
//   maxScaledDown = allPods - minAvailable - (newRS.spec.replicas - newRS.availableReplicas)
// First old replicas that are not available (they add no availability), oldest ReplicaSet
// first; then available ones while available pods exceed minAvailable.
// e.g. replicas 10, maxUnavailable 2, maxSurge 3: old 10 + new 3 (none available) → 13 - 8 - 3
// = 2 old pods may go.
bool DeploymentSync::ReconcileOldReplicaSets() {
  std::vector<size_t> old_active = ActiveIndices(OldIndices());
  int64_t old_pods = 0;
  for (size_t i : old_active) old_pods += rs_[i].replicas();
  if (old_pods == 0) return false;
  int64_t all_pods = 0;
  for (const ReplicaSetState& each : rs_) all_pods += each.replicas();
  int64_t min_available = spec_.replicas - spec_.MaxUnavailable();
  const ReplicaSetState& new_rs = *NewRs();
  int64_t new_unavailable = new_rs.replicas() - new_rs.available();
  int64_t max_scaled_down = all_pods - min_available - new_unavailable;
  if (max_scaled_down <= 0) return false;
  int64_t cleaned = CleanupUnhealthyReplicas(old_active, max_scaled_down);
  if (cleaned < 0) return false;  // Kubernetes gives up on this step, keeping what it did
  int64_t scaled = ScaleDownOldReplicaSetsForRollingUpdate(old_active);
  return cleaned + scaled > 0;
}

int64_t DeploymentSync::CleanupUnhealthyReplicas(std::vector<size_t> old_active,
                                                 int64_t max_cleanup) {
  std::sort(old_active.begin(), old_active.end(),
            [&](size_t a, size_t b) { return CreatedBefore(rs_[a], rs_[b]); });
  int64_t total = 0;
  for (size_t i : old_active) {
    ReplicaSetState& rs = rs_[i];
    if (total >= max_cleanup) break;
    if (rs.replicas() == 0 || rs.replicas() == rs.available()) continue;
    int64_t count = std::min(max_cleanup - total, rs.replicas() - rs.available());
    if (count < 0) return -1;  // more available than desired: "invalid request to scale down"
    ScaleReplicaSet(rs, rs.replicas() - count, true);
    total += count;
  }
  return total;
}

int64_t DeploymentSync::ScaleDownOldReplicaSetsForRollingUpdate(std::vector<size_t> old_active) {
  int64_t min_available = spec_.replicas - spec_.MaxUnavailable();
  int64_t available = NewRs()->available();
  for (size_t i : old_active) available += rs_[i].available();
  if (available <= min_available) return 0;
  std::sort(old_active.begin(), old_active.end(),
            [&](size_t a, size_t b) { return CreatedBefore(rs_[a], rs_[b]); });
  int64_t wanted = available - min_available;
  int64_t total = 0;
  for (size_t i : old_active) {
    ReplicaSetState& rs = rs_[i];
    if (total >= wanted) break;
    if (rs.replicas() == 0) continue;
    int64_t count = std::min(rs.replicas(), wanted - total);
    ScaleReplicaSet(rs, rs.replicas() - count, true);
    total += count;
  }
  return total;
}

// Recreate: every old ReplicaSet to 0, wait until none of their pods runs, then the new
// ReplicaSet at full size.
void DeploymentSync::RolloutRecreate() {
  bool scaled_down = false;
  for (size_t i : ActiveIndices(OldIndices())) {
    if (ScaleReplicaSet(rs_[i], 0, true)) scaled_down = true;
  }
  if (scaled_down || OldPodsRunning()) {
    SyncRolloutStatus();
    return;
  }
  if (!CreateNewReplicaSet()) return;
  ScaleReplicaSet(*NewRs(), spec_.replicas, true);
  if (DeploymentComplete(deployment_["status"])) CleanupDeployment();
  SyncRolloutStatus();
}

bool DeploymentSync::OldPodsRunning() const {
  for (size_t i : OldIndices()) {
    if (rs_[i].status_replicas() > 0) return true;
  }
  std::string_view new_uid = NewRs() != nullptr ? UidOf(NewRs()->object) : "";
  for (const Value* pod : pods_) {
    if (!new_uid.empty() && ControllerUid(*pod) == new_uid) continue;
    std::string_view phase = PodPhase(*pod);
    if (phase != "Failed" && phase != "Succeeded") return true;
  }
  return false;
}

void DeploymentSync::SyncScaling() {
  Scale();
  if (spec_.paused) CleanupDeployment();
  SyncDeploymentStatus();
}

// The replicas a ReplicaSet gains (or loses) in proportional scaling: its share of the new
// size, by the size it was given for (the max-replicas annotation),
//   round(rs.replicas * (replicas + maxSurge) / maxReplicasAnnotation) - rs.replicas,
// bounded by what is left to add. e.g. replicas 10→15, maxSurge 3, old 8 and new 5 (both
// annotated 13): old round(8*18/13)-8 = 3, new round(5*18/13)-5 = 2 → old 11, new 7.
int64_t DeploymentSync::Proportion(const ReplicaSetState& rs, int64_t to_add, int64_t added) const {
  if (rs.replicas() == 0 || to_add == 0 || to_add == added) return 0;
  int64_t fraction = 0;
  if (spec_.replicas == 0) {
    fraction = -rs.replicas();
  } else {
    int64_t deployment_replicas = spec_.replicas + spec_.MaxSurge();
    int64_t annotated = IntAnnotation(rs.object, kMaxReplicasAnnotation)
                            .value_or(IntAt(input_status_, {"replicas"}));
    if (annotated != 0) {
      double size =
          static_cast<double>(rs.replicas() * deployment_replicas) / static_cast<double>(annotated);
      fraction = static_cast<int64_t>(std::llround(size)) - rs.replicas();
    }
  }
  int64_t allowed = to_add - added;
  return to_add > 0 ? std::min(fraction, allowed) : std::max(fraction, allowed);
}

void DeploymentSync::Scale() {
  // FindActiveOrLatest: one active ReplicaSet (or none: the newest) takes the whole size.
  std::vector<size_t> olds = OldIndices();
  std::sort(olds.begin(), olds.end(),
            [&](size_t a, size_t b) { return CreatedBefore(rs_[b], rs_[a]); });
  std::vector<size_t> candidates = olds;
  if (new_rs_) candidates.push_back(*new_rs_);
  std::vector<size_t> active = ActiveIndices(candidates);
  if (!candidates.empty() && active.size() <= 1) {
    size_t only = !active.empty() ? active[0] : (new_rs_ ? *new_rs_ : olds[0]);
    if (rs_[only].replicas() != spec_.replicas) ScaleReplicaSet(rs_[only], spec_.replicas, true);
    return;
  }
  if (candidates.empty()) return;

  // A saturated new ReplicaSet (all replicas, all available) leaves old ones nothing.
  const ReplicaSetState* new_rs = NewRs();
  if (new_rs != nullptr && new_rs->replicas() == spec_.replicas &&
      IntAnnotation(new_rs->object, kDesiredReplicasAnnotation) == spec_.replicas &&
      new_rs->available() == spec_.replicas) {
    for (size_t i : ActiveIndices(olds)) ScaleReplicaSet(rs_[i], 0, true);
    return;
  }
  if (!spec_.rolling) return;

  int64_t all_replicas = 0;
  for (size_t i : active) all_replicas += rs_[i].replicas();
  int64_t allowed = spec_.replicas > 0 ? spec_.replicas + spec_.MaxSurge() : 0;
  int64_t to_add = allowed - all_replicas;
  // Larger first; among equals, newer first when adding and older first when removing.
  if (to_add != 0) {
    std::stable_sort(active.begin(), active.end(), [&](size_t a, size_t b) {
      if (rs_[a].replicas() != rs_[b].replicas()) return rs_[a].replicas() > rs_[b].replicas();
      return to_add > 0 ? CreatedBefore(rs_[b], rs_[a]) : CreatedBefore(rs_[a], rs_[b]);
    });
  }
  std::vector<int64_t> sizes;
  int64_t added = 0;
  for (size_t i : active) {
    int64_t proportion = Proportion(rs_[i], to_add, added);
    sizes.push_back(rs_[i].replicas() + proportion);
    added += proportion;
  }
  for (size_t k = 0; k < active.size(); ++k) {
    if (k == 0 && to_add != 0) sizes[0] = std::max<int64_t>(0, sizes[0] + to_add - added);
    ScaleReplicaSet(rs_[active[k]], sizes[k], false);
  }
}

}  // namespace capstan::target::local::workload::internal
