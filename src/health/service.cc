// Service health, as Argo CD: only a LoadBalancer waits, for its external address.
#include "health/internal/checks.h"
#include "health/internal/fields.h"

namespace capstan::health::internal {

Health ServiceHealth(const Value& live) {
  FieldReader read(live);
  if (read.String({"spec", "type"}) != "LoadBalancer") return Checked(read, {});
  const Value* ingress = live.At({"status", "loadBalancer", "ingress"});
  bool has_address = ingress != nullptr && ingress->is_array() && !ingress->empty();
  return Checked(read, {has_address ? HealthStatus::kHealthy : HealthStatus::kProgressing, ""});
}

}  // namespace capstan::health::internal
