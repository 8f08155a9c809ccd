// missing-resources: without requests the scheduler packs pods blind, and without limits
// one container can starve its node. One finding per container lists every value it lacks.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "policy/internal/check.h"
#include "policy/internal/suppression.h"
#include "policy/internal/workload.h"

namespace capstan::policy::internal {
namespace {

struct Requirement {
  std::string_view section;   // "requests" or "limits"
  std::string_view resource;  // "cpu" or "memory"
  // The kube-linter check whose ignore annotation waives this requirement.
  std::string_view kube_linter_check;
};

constexpr Requirement kRequirements[] = {
    {"requests", "cpu", "unset-cpu-requirements"},
    {"limits", "cpu", "unset-cpu-requirements"},
    {"requests", "memory", "unset-memory-requirements"},
    {"limits", "memory", "unset-memory-requirements"},
};

bool IsSet(const Value* v) {
  if (v == nullptr || v->is_null()) return false;
  return !(v->is_string() && v->as_string().empty());
}

// The kube-linter check `object` waives, when it waives exactly one of cpu and memory. Both
// waived suppresses the whole rule (and is counted as suppressed by the dispatcher).
std::string_view PartlyWaived(const Value& object) {
  bool cpu = HasKubeLinterIgnore(object, "unset-cpu-requirements");
  bool memory = HasKubeLinterIgnore(object, "unset-memory-requirements");
  if (cpu == memory) return {};
  return cpu ? "unset-cpu-requirements" : "unset-memory-requirements";
}

}  // namespace

void CheckMissingResources(const CheckInput& input, FindingSink& sink) {
  for (size_t i = 0; i < input.manifests.size(); ++i) {
    const Value& object = input.manifests[i].object;
    auto pod = PodTemplateOf(object);
    if (!pod) continue;
    std::string_view waived = PartlyWaived(object);
    for (const ContainerRef& c : ContainersOf(*pod, ContainerSet::kMain)) {
      std::vector<std::string> missing;
      for (const Requirement& r : kRequirements) {
        if (r.kube_linter_check == waived) continue;
        if (!IsSet(c.container->At({"resources", r.section, r.resource}))) {
          missing.push_back(fmt::format("{}.{}", r.section, r.resource));
        }
      }
      if (missing.empty()) continue;
      sink.Add(i, AppendKey(c.path, "resources"), std::nullopt,
               fmt::format("{} sets no {}: set cpu and memory requests (what the scheduler "
                           "reserves) and limits (the most it may use)",
                           DescribeContainer(c), fmt::join(missing, ", ")));
    }
  }
}

}  // namespace capstan::policy::internal
