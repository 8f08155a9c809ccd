// Ingress health, as Argo CD: Healthy once the controller has published an address.
// Clusters without an ingress controller that reports status keep Ingresses Progressing.
#include "health/internal/checks.h"

namespace capstan::health::internal {

Health IngressHealth(const Value& live) {
  const Value* ingress = live.At({"status", "loadBalancer", "ingress"});
  bool has_address = ingress != nullptr && ingress->is_array() && !ingress->empty();
  return {has_address ? HealthStatus::kHealthy : HealthStatus::kProgressing, ""};
}

}  // namespace capstan::health::internal
