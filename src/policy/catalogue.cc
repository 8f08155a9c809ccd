// The rule catalogue. Adding a rule: write its check in the file of its concern, add a row
// here, a section to docs/policy.md (the anchor is the id), and cases to the rule tests.
#include "policy/internal/catalogue.h"

#include <algorithm>

namespace capstan::policy::internal {
namespace {

constexpr std::string_view kLatestTagKL[] = {"latest-tag"};
constexpr std::string_view kResourcesParts[] = {"unset-cpu-requirements",
                                                "unset-memory-requirements"};
constexpr std::string_view kReadinessKL[] = {"no-readiness-probe"};
constexpr std::string_view kLivenessKL[] = {"no-liveness-probe"};
constexpr std::string_view kPrivilegedKL[] = {"privileged-container"};
constexpr std::string_view kEscalationKL[] = {"privilege-escalation-container"};
constexpr std::string_view kNonRootKL[] = {"run-as-non-root"};
constexpr std::string_view kHostPathKL[] = {"sensitive-host-mounts"};
constexpr std::string_view kHostNetworkKL[] = {"host-network"};
constexpr std::string_view kSelectorKL[] = {"mismatching-selector"};
constexpr std::string_view kServiceKL[] = {"dangling-service"};
constexpr std::string_view kHpaKL[] = {"dangling-horizontalpodautoscaler"};

constexpr BuiltinRule kCatalogue[] = {
    {"latest-tag", Severity::kError, "Container images are pinned to a tag or digest, not latest",
     CheckLatestTag, kLatestTagKL},
    {"missing-resources",
     Severity::kWarning,
     "Containers set cpu and memory requests and limits",
     CheckMissingResources,
     {},
     kResourcesParts},
    {"missing-readiness-probe", Severity::kWarning,
     "Containers of long-running workloads have a readiness probe", CheckMissingReadinessProbe,
     kReadinessKL},
    {"missing-liveness-probe", Severity::kWarning,
     "Containers of long-running workloads have a liveness probe", CheckMissingLivenessProbe,
     kLivenessKL},
    {"privileged-container", Severity::kError, "Containers do not run privileged",
     CheckPrivilegedContainer, kPrivilegedKL},
    {"privilege-escalation", Severity::kWarning, "Containers set allowPrivilegeEscalation to false",
     CheckPrivilegeEscalation, kEscalationKL},
    {"run-as-non-root", Severity::kWarning, "Containers are required to run as a non-root user",
     CheckRunAsNonRoot, kNonRootKL},
    {"host-path", Severity::kWarning, "Pods do not mount directories of the node (hostPath)",
     CheckHostPath, kHostPathKL},
    {"host-network", Severity::kWarning, "Pods do not share the node's network namespace",
     CheckHostNetwork, kHostNetworkKL},
    {"recommended-labels",
     Severity::kInfo,
     "Workloads carry app.kubernetes.io/name and app.kubernetes.io/version",
     CheckRecommendedLabels,
     {}},
    {"selector-mismatch", Severity::kError,
     "Workload selectors match their own pod template's labels", CheckSelectorMismatch,
     kSelectorKL},
    {"dangling-service", Severity::kWarning,
     "Service selectors match a pod template in the same set", CheckDanglingService, kServiceKL},
    {"dangling-hpa", Severity::kWarning,
     "HorizontalPodAutoscalers target a workload in the set and set metric targets",
     CheckDanglingHpa, kHpaKL},
    {"duplicate-object", Severity::kError, "No object is defined twice", CheckDuplicateObject, {}},
    {"namespace-mismatch",
     Severity::kError,
     "Objects stay in the namespace the kustomization sets",
     CheckNamespaceMismatch,
     {}},
};

}  // namespace

std::span<const BuiltinRule> Catalogue() { return kCatalogue; }

const BuiltinRule* FindBuiltin(std::string_view id) {
  auto it = std::find_if(std::begin(kCatalogue), std::end(kCatalogue),
                         [&](const BuiltinRule& r) { return r.id == id; });
  return it == std::end(kCatalogue) ? nullptr : &*it;
}

}  // namespace capstan::policy::internal

namespace capstan::policy {

const std::vector<Rule>& BuiltinRules() {
  static const std::vector<Rule> rules = [] {
    std::vector<Rule> out;
    for (const internal::BuiltinRule& r : internal::Catalogue()) {
      out.push_back(
          {std::string(r.id), r.severity, std::string(r.description), std::string(r.id), ""});
    }
    return out;
  }();
  return rules;
}

std::optional<Rule> FindRule(const PolicyConfig& config, std::string_view id) {
  std::optional<Rule> found;
  for (const Rule& r : BuiltinRules()) {
    if (r.id == id) found = r;
  }
  for (const UserRule& r : config.user_rules) {
    if (r.rule.id == id) found = r.rule;
  }
  if (!found) return std::nullopt;
  if (auto it = config.severities.find(found->id); it != config.severities.end()) {
    found->severity = it->second;
  }
  return found;
}

}  // namespace capstan::policy
