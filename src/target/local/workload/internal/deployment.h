// The deployment controller's working state for one sync, split over deployment*.cc by
// concern: deployment.cc (the sync's steps and the new ReplicaSet), deployment_rolling.cc
// (RollingUpdate, Recreate, proportional scaling), deployment_status.cc (status, conditions,
// progress deadline, history clean-up), deployment_math.cc (spec, fenceposts, hashes).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "target/local/workload/workload.h"

namespace capstan::target::local::workload::internal {

// The annotations the deployment controller keeps on ReplicaSets and Deployments.
inline constexpr const char* kRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr const char* kRevisionHistoryAnnotation =
    "deployment.kubernetes.io/revision-history";
inline constexpr const char* kDesiredReplicasAnnotation =
    "deployment.kubernetes.io/desired-replicas";
inline constexpr const char* kMaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
// Annotations never copied between a Deployment and its ReplicaSets.
bool SkipCopyAnnotation(std::string_view key);

// spec, defaulted as the API server defaults apps/v1 Deployments.
struct DeploymentSpec {
  int64_t replicas = 1;
  bool rolling = true;    // RollingUpdate; false: Recreate
  Fenceposts fenceposts;  // resolved against `replicas`; zero for Recreate
  int64_t min_ready_seconds = 0;
  std::optional<int64_t> revision_history_limit = 10;      // nullopt: keep every revision
  std::optional<int64_t> progress_deadline_seconds = 600;  // nullopt: no deadline
  bool paused = false;

  int64_t MaxSurge() const { return rolling ? fenceposts.max_surge : 0; }
  // Capped at replicas; 0 for Recreate or no replicas (deploymentutil.MaxUnavailable).
  int64_t MaxUnavailable() const;
};

// Reads and validates spec; Invalid names the field as the API server's validation would.
Result<DeploymentSpec> ReadDeploymentSpec(const Value& deployment);

// One owned ReplicaSet during a sync.
struct ReplicaSetState {
  Value object;             // as it must be written (spec.replicas, annotations)
  int64_t listed_replicas;  // spec.replicas when listed: what calculateStatus reads
  bool created = false;     // new in this sync
  bool changed = false;     // to be written

  int64_t replicas() const;  // spec.replicas now
  int64_t status_replicas() const;
  int64_t ready() const;
  int64_t available() const;
  std::string_view name() const;
  // The revision annotation; 0 when missing, nullopt when not a number.
  std::optional<int64_t> revision() const;
};

// Kubernetes' ReplicaSetsByCreationTimestamp: older first, then by name.
bool CreatedBefore(const ReplicaSetState& a, const ReplicaSetState& b);

class DeploymentSync {
 public:
  DeploymentSync(const Value& deployment, DeploymentSpec spec,
                 const std::vector<Value>& replica_sets, const std::vector<Value>& pods,
                 TimePoint now);
  Actions Run();

 private:
  // deployment.cc
  void SyncNewReplicaSetRevision();
  bool CreateNewReplicaSet();  // false: a hash collision stopped the sync
  void CheckPausedConditions();
  bool IsScalingEvent() const;
  void SetReplicaSetAnnotations(ReplicaSetState& rs, const std::string& revision, bool exists,
                                bool& changed) const;
  std::vector<size_t> OldIndices() const;
  std::vector<size_t> ActiveIndices(const std::vector<size_t>& indices) const;
  ReplicaSetState* NewRs();
  const ReplicaSetState* NewRs() const;

  // deployment_rolling.cc
  void RolloutRolling();
  void RolloutRecreate();
  void SyncScaling();  // dc.sync: scaling events and paused Deployments
  void Scale();
  bool ReconcileNewReplicaSet();
  bool ReconcileOldReplicaSets();
  int64_t CleanupUnhealthyReplicas(std::vector<size_t> old_active, int64_t max_cleanup);
  int64_t ScaleDownOldReplicaSetsForRollingUpdate(std::vector<size_t> old_active);
  bool OldPodsRunning() const;
  // Sets spec.replicas (and the replicas annotations); true when the size changed.
  bool ScaleReplicaSet(ReplicaSetState& rs, int64_t replicas, bool only_if_size_differs);
  int64_t Proportion(const ReplicaSetState& rs, int64_t to_add, int64_t added) const;

  // deployment_status.cc
  Value CalculateStatus() const;
  void SyncDeploymentStatus();  // status without progress estimation
  void SyncRolloutStatus();     // status with the Progressing condition and the deadline
  void CleanupDeployment();
  bool DeploymentComplete(const Value& status) const;
  bool DeploymentProgressing(const Value& new_status) const;
  bool DeploymentTimedOut(const Value& new_status) const;
  void RequeueStuckDeployment(const Value& new_status);
  void SetCondition(Value& status, Value condition) const;

  const Value& input_;  // the Deployment as given
  Value deployment_;    // the Deployment as this sync leaves it (annotations, status)
  const Value input_status_;
  const DeploymentSpec spec_;
  std::vector<ReplicaSetState> rs_;
  std::optional<size_t> new_rs_;
  std::vector<const Value*> pods_;  // pods of owned ReplicaSets
  const std::vector<Value>& all_replica_sets_;
  const TimePoint now_;
  Actions actions_;
  bool stopped_ = false;  // a collision: only status is written
};

// Makes `status.conditions` hold `condition`, as deploymentutil.SetDeploymentCondition: no
// change when one of that type has the same status and reason; lastTransitionTime kept when
// the status is the same; otherwise the old one is dropped and the new one appended.
void SetDeploymentCondition(Value& status, Value condition);

}  // namespace capstan::target::local::workload::internal
