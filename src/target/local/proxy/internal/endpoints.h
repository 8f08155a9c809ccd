// Pods to endpoints: what Kubernetes' endpoints controller computes for one Service port.
// Pure functions on Values; used by BuildRoutes for Services and Ingress backends.
#pragma once

#include <string>
#include <vector>

#include "core/value.h"
#include "target/local/proxy/routes.h"

namespace capstan::target::local::proxy::internal {

// "Kind namespace/name" for messages, e.g. "Service shop/web".
std::string ObjectName(const Value& object);

// Whether `pod` can take traffic: status.conditions has Ready=True, there is no
// metadata.deletionTimestamp and status.podIP is set.
bool PodServes(const Value& pod);

// The pod's release for metrics: label app.kubernetes.io/version, else version, else
// pod-template-hash, else "".
std::string PodVersion(const Value& pod);

// The endpoints of spec.ports[port_index] of `service`: ready pods of its namespace matching
// spec.selector, with targetPort resolved per pod. A pod lacking a named targetPort is left
// out and reported in `errors`. Sorted by pod name.
std::vector<Endpoint> ServicePortEndpoints(const Value& service, size_t port_index,
                                           const std::vector<Value>& pods,
                                           std::vector<std::string>& errors);

}  // namespace capstan::target::local::proxy::internal
