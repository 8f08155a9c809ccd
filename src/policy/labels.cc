// recommended-labels: the Kubernetes recommended labels let dashboards, `kubectl get -l`
// and capstan's own UI say which application and which version a workload belongs to.
#include <fmt/format.h>

#include <vector>

#include "policy/internal/check.h"
#include "policy/internal/workload.h"

namespace capstan::policy::internal {
namespace {

constexpr std::string_view kRecommended[] = {"app.kubernetes.io/name", "app.kubernetes.io/version"};

}  // namespace

void CheckRecommendedLabels(const CheckInput& input, FindingSink& sink) {
  for (size_t i = 0; i < input.manifests.size(); ++i) {
    const Value& object = input.manifests[i].object;
    if (!IsWorkload(object)) continue;
    const Value* labels = object.At({"metadata", "labels"});
    std::vector<std::string_view> missing;
    for (std::string_view label : kRecommended) {
      const Value* v = labels != nullptr ? labels->Find(label) : nullptr;
      if (v == nullptr || !v->is_string() || v->as_string().empty()) missing.push_back(label);
    }
    if (missing.empty()) continue;
    sink.Add(i, "metadata.labels", std::nullopt,
             fmt::format("missing {}: add {} so tools can tell which application and version "
                         "this is",
                         fmt::join(missing, " and "), missing.size() == 1 ? "it" : "them"));
  }
}

}  // namespace capstan::policy::internal
