// Which pods a controller removes first when it has too many: Kubernetes'
// controller.ActivePodsWithRanks ordering, for the replica set and job controllers.
#pragma once

#include <vector>

#include "core/value.h"
#include "target/local/workload/workload.h"

namespace capstan::target::local::workload::internal {

// Sorts `pods` so that the ones to remove first come first:
//  1. not scheduled (no spec.nodeName) before scheduled;
//  2. phase Pending (or none) < Unknown < Running;
//  3. not ready before ready;
//  4. lower controller.kubernetes.io/pod-deletion-cost before higher;
//  5. more active pods of `related` on the same node before fewer;
//  6. both ready: ready more recently (or with no time) before ready longer;
//  7. more container restarts before fewer;
//  8. created more recently (or with no time) before older;
// then by name, so the order is deterministic. Times are compared exactly (Kubernetes'
// LogarithmicScaleDown compares them in powers of two and breaks ties by uid, on purpose at
// random; a test-stable order is worth more here).
void RankPodsForDeletion(std::vector<const Value*>& pods, const std::vector<const Value*>& related);

}  // namespace capstan::target::local::workload::internal
