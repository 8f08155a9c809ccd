#include "target/local/workload/internal/pod_ranking.h"

#include <algorithm>
#include <map>
#include <string>

#include "target/local/workload/internal/objects.h"

namespace capstan::target::local::workload::internal {

namespace {

int PhaseOrdinal(std::string_view phase) {
  if (phase == "Unknown") return 1;
  if (phase == "Running") return 2;
  return 0;  // Pending, and whatever Go's map lookup gives 0 for
}

int64_t DeletionCost(const Value& pod) {
  return IntAnnotation(pod, "controller.kubernetes.io/pod-deletion-cost").value_or(0);
}

// Kubernetes' afterOrZero: a missing time first, then the later one.
bool AfterOrZero(std::optional<TimePoint> a, std::optional<TimePoint> b) {
  if (!a || !b) return !a.has_value();
  return *a > *b;
}

struct Ranked {
  const Value* pod;
  int colocated;
};

bool Less(const Ranked& x, const Ranked& y) {
  const Value& a = *x.pod;
  const Value& b = *y.pod;
  std::string_view node_a = a.StringAt({"spec", "nodeName"});
  std::string_view node_b = b.StringAt({"spec", "nodeName"});
  if (node_a != node_b && (node_a.empty() || node_b.empty())) return node_a.empty();
  int phase_a = PhaseOrdinal(PodPhase(a));
  int phase_b = PhaseOrdinal(PodPhase(b));
  if (phase_a != phase_b) return phase_a < phase_b;
  bool ready_a = IsPodReady(a);
  bool ready_b = IsPodReady(b);
  if (ready_a != ready_b) return !ready_a;
  if (DeletionCost(a) != DeletionCost(b)) return DeletionCost(a) < DeletionCost(b);
  if (x.colocated != y.colocated) return x.colocated > y.colocated;
  if (ready_a && ready_b) {
    std::optional<TimePoint> since_a = PodReadyTime(a);
    std::optional<TimePoint> since_b = PodReadyTime(b);
    if (since_a != since_b) return AfterOrZero(since_a, since_b);
  }
  if (MaxContainerRestarts(a) != MaxContainerRestarts(b)) {
    return MaxContainerRestarts(a) > MaxContainerRestarts(b);
  }
  std::optional<TimePoint> created_a = TimeAt(a, {"metadata", "creationTimestamp"});
  std::optional<TimePoint> created_b = TimeAt(b, {"metadata", "creationTimestamp"});
  if (created_a != created_b) return AfterOrZero(created_a, created_b);
  return NameOf(a) < NameOf(b);
}

}  // namespace

void RankPodsForDeletion(std::vector<const Value*>& pods,
                         const std::vector<const Value*>& related) {
  std::map<std::string, int, std::less<>> on_node;
  for (const Value* pod : related) {
    if (IsPodActive(*pod)) ++on_node[std::string(pod->StringAt({"spec", "nodeName"}))];
  }
  std::vector<Ranked> ranked;
  for (const Value* pod : pods) {
    auto it = on_node.find(pod->StringAt({"spec", "nodeName"}));
    ranked.push_back({pod, it == on_node.end() ? 0 : it->second});
  }
  std::sort(ranked.begin(), ranked.end(), Less);
  for (size_t i = 0; i < ranked.size(); ++i) pods[i] = ranked[i].pod;
}

}  // namespace capstan::target::local::workload::internal
