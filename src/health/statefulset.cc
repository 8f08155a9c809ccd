// StatefulSet health, as Argo CD (after `kubectl rollout status`).
#include <fmt/format.h>

#include "health/internal/checks.h"
#include "health/internal/fields.h"

namespace capstan::health::internal {

Health StatefulSetHealth(const Value& live) {
  FieldReader read(live);
  int64_t generation = read.Int({"metadata", "generation"});
  int64_t observed = read.Int({"status", "observedGeneration"});
  if (observed == 0 || generation > observed) {
    return Checked(read, {HealthStatus::kProgressing,
                          "Waiting for statefulset spec update to be observed..."});
  }
  bool has_replicas = read.Has({"spec", "replicas"});
  int64_t desired = read.Int({"spec", "replicas"});
  int64_t ready = read.Int({"status", "readyReplicas"});
  int64_t updated = read.Int({"status", "updatedReplicas"});
  if (has_replicas && ready < desired) {
    return Checked(read, {HealthStatus::kProgressing,
                          fmt::format("Waiting for {} pods to be ready...", desired - ready)});
  }
  std::string strategy = read.String({"spec", "updateStrategy", "type"});
  if (strategy == "RollingUpdate" && read.Has({"spec", "updateStrategy", "rollingUpdate"})) {
    if (has_replicas && read.Has({"spec", "updateStrategy", "rollingUpdate", "partition"})) {
      int64_t partition = read.Int({"spec", "updateStrategy", "rollingUpdate", "partition"});
      if (updated < desired - partition) {
        return Checked(read, {HealthStatus::kProgressing,
                              fmt::format("Waiting for partitioned roll out to finish: {} out of "
                                          "{} new pods have been updated...",
                                          updated, desired - partition)});
      }
    }
    return Checked(read, {HealthStatus::kHealthy,
                          fmt::format("partitioned roll out complete: {} new pods have been "
                                      "updated...",
                                      updated)});
  }
  if (strategy == "OnDelete") {
    return Checked(read,
                   {HealthStatus::kHealthy, fmt::format("statefulset has {} ready pods", ready)});
  }
  std::string update_revision = read.String({"status", "updateRevision"});
  std::string current_revision = read.String({"status", "currentRevision"});
  if (update_revision != current_revision) {
    return Checked(read, {HealthStatus::kProgressing,
                          fmt::format("waiting for statefulset rolling update to complete {} pods "
                                      "at revision {}...",
                                      updated, update_revision)});
  }
  return Checked(read, {HealthStatus::kHealthy,
                        fmt::format("statefulset rolling update complete {} pods at revision {}...",
                                    read.Int({"status", "currentReplicas"}), current_revision)});
}

}  // namespace capstan::health::internal
