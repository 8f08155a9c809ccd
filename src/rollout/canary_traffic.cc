// A canary's traffic: the stable/canary Service selectors (rollout/service.go) and the
// router's weights and header routes (rollout/trafficrouting.go). The router itself is the
// caller's: this only says what it must carry.
#include <algorithm>

#include "rollout/reconcile_internal.h"

namespace capstan::rollout::internal {

namespace {

bool ReplicaSetAvailable(const RsState& rs) {
  return rs.replicas() != 0 && rs.available() != 0 && rs.replicas() <= rs.available();
}

}  // namespace

void RolloutSync::SwitchServiceSelector(const std::string& service, const std::string& hash) {
  const Value* object = services_.at(service);
  bool managed = object->At({"metadata", "annotations", kManagedByRolloutsAnnotation}) != nullptr;
  if (selectors_[service] == hash && managed) return;
  ServiceSelectorPatch patch{service, hash, spec_.name};
  if (std::find(actions_.service_selectors.begin(), actions_.service_selectors.end(), patch) ==
      actions_.service_selectors.end()) {
    actions_.service_selectors.push_back(std::move(patch));
  }
  selectors_[service] = hash;
}

bool RolloutSync::EnsureServiceTargets(const std::string& service, const RsState* rs,
                                       bool check_available) {
  if (rs == nullptr || service.empty()) return true;
  std::string desired = rs->hash();
  if (selectors_[service] == desired) return true;
  const Value* object = services_.at(service);
  bool managed = object->At({"metadata", "annotations", kManagedByRolloutsAnnotation}) != nullptr;
  // A Service not yet managed is adopted only once the ReplicaSet is fully available; a
  // managed one as soon as it has an available pod.
  if (!managed && check_available && !ReplicaSetAvailable(*rs)) return false;
  if (check_available && rs->available() == 0) return false;
  SwitchServiceSelector(service, desired);
  return true;
}

bool RolloutSync::ReconcileStableAndCanaryService() {
  const CanaryStrategy& canary = *spec_.canary;
  EnsureServiceTargets(canary.stable_service, Stable(), true);
  if (IsAborted()) {
    // Without a router the canary Service goes back to the stable pods at once; with one,
    // ReconcileTrafficRouting moves it. (Argo points it at the canary here and back at the
    // stable there, in every sync of an abort; capstan leaves it on the stable.)
    if (!canary.traffic_routing) EnsureServiceTargets(canary.canary_service, Stable(), true);
    return true;
  }
  bool fully_promoted = prev_.stable_rs == prev_.current_pod_hash;
  if (fully_promoted && canary.traffic_routing && canary.dynamic_stable_scale &&
      prev_.canary.weights && prev_.canary.weights->canary.pod_template_hash != NewHash() &&
      New()->available() < spec_.replicas) {
    return true;  // dynamically rolling back to stable: the canary Service stays
  }
  EnsureServiceTargets(canary.canary_service, New(), true);
  return true;
}

int64_t RolloutSync::DesiredWeightOnAbort() const {
  const CanaryStrategy& canary = *spec_.canary;
  if (!canary.dynamic_stable_scale || Stable() == nullptr || New() == nullptr ||
      spec_.replicas == 0) {
    return 0;
  }
  int64_t max_weight = canary.traffic_routing->max_traffic_weight;
  int64_t desired = CanaryReplicasOrWeight(spec_, Position()).weight;
  int64_t stable_share = max_weight * Stable()->available() / spec_.replicas;
  int64_t expected = std::max<int64_t>(0, max_weight - stable_share);
  if (!prev_.canary.weights) return std::max(expected, desired);
  int64_t current = prev_.canary.weights->canary.weight;
  if (desired <= 0) return std::min(expected, current);
  if (stable_share < max_weight - desired) return current;
  return std::min(desired, current);
}

std::vector<HeaderRoute> RolloutSync::HeaderRoutes() const {
  std::vector<HeaderRoute> routes;
  std::optional<int64_t> index = CurrentStepIndex();
  if (!index || Revision() <= 1) return routes;
  const auto& steps = spec_.canary->steps;
  for (int64_t i = 0; i <= *index && i < static_cast<int64_t>(steps.size()); ++i) {
    if (steps[i].kind != CanaryStep::Kind::kSetHeaderRoute) continue;
    const HeaderRoute& route = steps[i].set_header_route;
    std::erase_if(routes, [&](const HeaderRoute& r) { return r.name == route.name; });
    if (!route.match.empty()) routes.push_back(route);  // no match removes the route
  }
  return routes;
}

void RolloutSync::ReconcileTrafficRouting() {
  const CanaryStrategy& canary = *spec_.canary;
  if (!canary.traffic_routing) {
    next_.canary.weights.reset();
    return;
  }
  int64_t max_weight = canary.traffic_routing->max_traffic_weight;
  std::optional<int64_t> index = CurrentStepIndex();
  int64_t desired = 0;
  std::string canary_hash = NewHash();
  std::string stable_hash = StableHash();
  bool keep_routes = false;
  bool fully_promoted = prev_.stable_rs == prev_.current_pod_hash;
  bool rolling_back = fully_promoted && canary.dynamic_stable_scale && prev_.canary.weights &&
                      prev_.canary.weights->canary.pod_template_hash != NewHash() &&
                      New()->available() < spec_.replicas;
  if (rolling_back) {
    desired = DesiredWeightOnAbort();
    canary_hash = prev_.canary.weights->canary.pod_template_hash;
  } else if (!fully_promoted && IsAborted()) {
    desired = DesiredWeightOnAbort();
    if (!canary.dynamic_stable_scale || desired == 0) {
      EnsureServiceTargets(canary.canary_service, Stable(), false);
    }
  } else if (fully_promoted || New() == nullptr || New()->available() == 0) {
    // Everything on the stable, no header routes: promoted, or no canary pod can take
    // traffic yet.
  } else if (prev_.promote_full) {
    if (canary.dynamic_stable_scale) {
      desired = max_weight * New()->available() / spec_.replicas;
    } else if (prev_.canary.weights) {
      desired = prev_.canary.weights->canary.weight;
    }
  } else if (index) {
    keep_routes = true;
    if (!AtDesiredReplicaCountsForCanary()) {
      // The canary is still scaling: keep the weight of the previous setWeight.
      for (int64_t i = *index - 1; i >= 0; --i) {
        if (canary.steps[i].kind == CanaryStep::Kind::kSetWeight) {
          desired = canary.steps[i].set_weight;
          break;
        }
      }
    } else if (*index != static_cast<int64_t>(canary.steps.size())) {
      desired = CurrentSetWeight(canary, Position());
    } else {
      desired = max_weight;
    }
  }
  TrafficState traffic;
  traffic.max_weight = max_weight;
  traffic.canary_service = canary.canary_service;
  traffic.stable_service = canary.stable_service;
  // The stable must have the pods for the traffic it is about to get.
  const RsState* stable = Stable();
  int64_t needed = stable ? (max_weight - desired) * spec_.replicas / max_weight : 0;
  bool stable_ready = stable != nullptr && stable->available() >= needed;
  if (stable_ready) {
    TrafficWeights weights;
    weights.canary = {desired, canary.canary_service, canary_hash};
    weights.stable = {max_weight - desired, canary.stable_service, stable_hash};
    bool modified = !prev_.canary.weights ||
                    prev_.canary.weights->canary.weight != weights.canary.weight ||
                    prev_.canary.weights->canary.pod_template_hash != canary_hash ||
                    prev_.canary.weights->canary.service_name != canary.canary_service ||
                    prev_.canary.weights->stable.weight != weights.stable.weight ||
                    prev_.canary.weights->stable.pod_template_hash != stable_hash ||
                    prev_.canary.weights->stable.service_name != canary.stable_service;
    if (modified) next_.canary.weights = weights;
    if (keep_routes) traffic.header_routes = HeaderRoutes();
  } else if (keep_routes && prev_.canary.weights) {
    traffic.header_routes = HeaderRoutes();
  }
  if (next_.canary.weights) {
    traffic.canary_weight = next_.canary.weights->canary.weight;
    traffic.canary_hash = next_.canary.weights->canary.pod_template_hash;
    traffic.stable_hash = next_.canary.weights->stable.pod_template_hash;
  } else {
    traffic.stable_hash = stable_hash;
  }
  actions_.traffic = std::move(traffic);
}

}  // namespace capstan::rollout::internal
