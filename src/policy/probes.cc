// missing-readiness-probe, missing-liveness-probe: long-running pods need both. Without a
// readiness probe a Service sends traffic to pods that are still starting, and a rollout
// counts them available; without a liveness probe a hung process is never restarted.
// Jobs, CronJobs and run-once Pods finish on their own, so they are not checked.
#include <fmt/format.h>

#include "policy/internal/check.h"
#include "policy/internal/workload.h"

namespace capstan::policy::internal {
namespace {

void CheckProbe(const CheckInput& input, FindingSink& sink, std::string_view field,
                std::string_view why) {
  for (size_t i = 0; i < input.manifests.size(); ++i) {
    auto pod = PodTemplateOf(input.manifests[i].object);
    if (!pod || !pod->long_running) continue;
    for (const ContainerRef& c : ContainersOf(*pod, ContainerSet::kMain)) {
      const Value* probe = c.container->Find(field);
      if (probe != nullptr && probe->is_object() && !probe->empty()) continue;
      sink.Add(i, AppendKey(c.path, field), std::nullopt,
               fmt::format("{} has no {}: {}", DescribeContainer(c), field, why));
    }
  }
}

}  // namespace

void CheckMissingReadinessProbe(const CheckInput& input, FindingSink& sink) {
  CheckProbe(input, sink, "readinessProbe",
             "add one so traffic and rollouts wait until the pod can serve");
}

void CheckMissingLivenessProbe(const CheckInput& input, FindingSink& sink) {
  CheckProbe(input, sink, "livenessProbe", "add one so a hung process is restarted");
}

}  // namespace capstan::policy::internal
