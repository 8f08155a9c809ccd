// The interface between the dispatcher (evaluate.cc) and the built-in checks, one file per
// concern (images.cc, resources.cc, ...). Internal to the policy module.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/object.h"
#include "core/value.h"
#include "policy/policy.h"

namespace capstan::policy::internal {

// What a check sees: the whole set (some rules relate objects to each other) and the config.
struct CheckInput {
  const std::vector<Manifest>& manifests;
  const PolicyConfig& config;
};

// A finding before the dispatcher stamps it with the rule, severity and object.
struct RawFinding {
  size_t manifest = 0;  // index into CheckInput::manifests
  std::string path;
  std::optional<Value> value;
  std::string message;
};

// Collects one check's findings. Not thread-safe.
class FindingSink {
 public:
  void Add(size_t manifest, std::string path, std::optional<Value> value, std::string message) {
    findings_.push_back({manifest, std::move(path), std::move(value), std::move(message)});
  }
  std::vector<RawFinding>& findings() { return findings_; }

 private:
  std::vector<RawFinding> findings_;
};

// Whether two objects' namespaces may be the same at apply time: equal, or either unset (an
// unset namespace is filled in by whoever applies the set, so it is given the benefit of the
// doubt rather than reported).
inline bool SameNamespace(std::string_view a, std::string_view b) {
  return a == b || a.empty() || b.empty();
}

using CheckFn = void (*)(const CheckInput& input, FindingSink& sink);

// images.cc
void CheckLatestTag(const CheckInput& input, FindingSink& sink);
// resources.cc
void CheckMissingResources(const CheckInput& input, FindingSink& sink);
// probes.cc
void CheckMissingReadinessProbe(const CheckInput& input, FindingSink& sink);
void CheckMissingLivenessProbe(const CheckInput& input, FindingSink& sink);
// security.cc
void CheckPrivilegedContainer(const CheckInput& input, FindingSink& sink);
void CheckPrivilegeEscalation(const CheckInput& input, FindingSink& sink);
void CheckRunAsNonRoot(const CheckInput& input, FindingSink& sink);
void CheckHostPath(const CheckInput& input, FindingSink& sink);
void CheckHostNetwork(const CheckInput& input, FindingSink& sink);
// labels.cc
void CheckRecommendedLabels(const CheckInput& input, FindingSink& sink);
// selectors.cc
void CheckSelectorMismatch(const CheckInput& input, FindingSink& sink);
// services.cc
void CheckDanglingService(const CheckInput& input, FindingSink& sink);
// hpa.cc
void CheckDanglingHpa(const CheckInput& input, FindingSink& sink);
// duplicates.cc
void CheckDuplicateObject(const CheckInput& input, FindingSink& sink);
// namespace.cc
void CheckNamespaceMismatch(const CheckInput& input, FindingSink& sink);

}  // namespace capstan::policy::internal
