// Namespace health (Argo CD has no built-in check; capstan adds one so a wave waits for a
// namespace that is still being deleted): Active is Healthy, Terminating is Progressing.
#include "health/internal/checks.h"
#include "health/internal/fields.h"

namespace capstan::health::internal {

Health NamespaceHealth(const Value& live) {
  FieldReader read(live);
  std::string phase = read.String({"status", "phase"});
  if (phase == "Terminating") {
    return Checked(read, {HealthStatus::kProgressing, "Namespace is terminating"});
  }
  // A namespace the server has just created may not report a phase yet; it is usable.
  return Checked(read, {HealthStatus::kHealthy, ""});
}

}  // namespace capstan::health::internal
