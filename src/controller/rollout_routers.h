// The traffic routers of capstan's Rollout controller, as pure builders of the objects it
// applies: ingress-nginx's canary Ingress (what Argo Rollouts' nginx router writes, and what
// capstan's local proxy reads, so one router serves both targets) and the weights of a
// Gateway API HTTPRoute's backendRefs. Internal to the controller.
#pragma once

#include <string>

#include "core/result.h"
#include "core/value.h"
#include "rollout/reconcile.h"
#include "rollout/rollout.h"

namespace capstan::controller {

// "<rollout>-<stable ingress>-canary", as Argo Rollouts names it.
std::string CanaryIngressName(const std::string& rollout, const std::string& stable_ingress);

// The canary Ingress for `stable_ingress` (the live Ingress named by
// trafficRouting.nginx.stableIngress), as Argo's nginx router builds it: the rules that have
// a backend for the stable Service, those backends sent to the canary Service; the stable
// Ingress' tls, ingressClassName and kubernetes.io/ingress.class annotation; annotated
// canary: "true", canary-weight (and canary-weight-total when maxTrafficWeight is not 100),
// the first header route as canary-by-header/canary-by-header-value (capstan's addition),
// additionalIngressAnnotations (prefixed unless they already are) and
// canaryIngressAnnotations. Invalid when no rule has a backend for the stable Service.
Result<Value> BuildCanaryIngress(const rollout::RolloutSpec& spec, const Value& stable_ingress,
                                 const rollout::TrafficState& traffic);

// `route` (a live HTTPRoute) with the weights of its backendRefs to the stable and canary
// Services set from `traffic`; only the fields the Rollout controller owns are kept.
// Invalid when no rule references both Services.
Result<Value> BuildHttpRouteWeights(const Value& route, const rollout::TrafficState& traffic);

}  // namespace capstan::controller
