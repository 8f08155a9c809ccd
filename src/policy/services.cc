// dangling-service: a Service whose selector matches no pod template in the set routes to
// nothing, usually because a label was renamed on one side only.
#include <fmt/format.h>

#include "core/object.h"
#include "policy/internal/check.h"
#include "policy/internal/selector.h"
#include "policy/internal/workload.h"

namespace capstan::policy::internal {
namespace {

bool IsService(const Value& object) {
  return KindOf(object) == "Service" && GroupOf(object.StringAt({"apiVersion"})).empty();
}

}  // namespace

void CheckDanglingService(const CheckInput& input, FindingSink& sink) {
  for (size_t i = 0; i < input.manifests.size(); ++i) {
    const Value& service = input.manifests[i].object;
    if (!IsService(service)) continue;
    if (service.StringAt({"spec", "type"}) == "ExternalName") continue;
    const Value* selector = service.At({"spec", "selector"});
    // Without a selector the Service's endpoints are managed by hand; nothing to match.
    if (selector == nullptr || !selector->is_object() || selector->empty()) continue;

    bool matched = false;
    for (const Manifest& m : input.manifests) {
      if (!SameNamespace(NamespaceOf(m.object), NamespaceOf(service))) continue;
      auto pod = PodTemplateOf(m.object);
      if (pod && MapSelects(*selector, pod->labels)) {
        matched = true;
        break;
      }
    }
    if (matched) continue;
    sink.Add(i, "spec.selector", std::nullopt,
             fmt::format("selects {}, but no pod template in this set has those labels: fix the "
                         "selector or the workload's pod labels",
                         FormatLabels(selector)));
  }
}

}  // namespace capstan::policy::internal
