// Ingresses to HTTP routes, as ingress-nginx reads them (networking.k8s.io/v1 fields and
// the nginx.ingress.kubernetes.io/canary-* annotations). Pure; used by BuildRoutes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/value.h"
#include "target/local/proxy/routes.h"

namespace capstan::target::local::proxy::internal {

// "namespace/name" → the Service object.
using ServiceIndex = std::map<std::string, const Value*>;

// The HTTP routes of all `ingresses` (sorted by host, path, type), appending one sentence
// per problem to `errors`.
std::vector<HttpRoute> IngressRoutes(const std::vector<Value>& ingresses,
                                     const ServiceIndex& services, const std::vector<Value>& pods,
                                     std::vector<std::string>& errors);

}  // namespace capstan::target::local::proxy::internal
