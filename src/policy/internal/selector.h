// Label selectors, as Kubernetes evaluates them.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"
#include "core/value.h"

namespace capstan::policy::internal {

// The first requirement of a selector that a label set does not meet.
struct UnmetRequirement {
  std::string path;         // relative to the selector: "matchLabels.app", "matchExpressions[1]"
  std::string requirement;  // as a person writes it: "app=web", "tier in (api, web)"
};

// Evaluates a metav1.LabelSelector ({matchLabels, matchExpressions}) against `labels` (a map,
// or null for none). Returns nullopt when every requirement is met; an empty selector meets
// everything. Errors describe a malformed selector ("matchExpressions[0].operator: unknown
// operator \"Includes\"").
Result<std::optional<UnmetRequirement>> FirstUnmet(const Value& selector, const Value* labels);

// Whether a plain map selector (a Service's spec.selector) selects `labels`: every pair present
// and equal. An empty map selects everything.
bool MapSelects(const Value& selector, const Value* labels);

// "app=web, tier=api" from a map of labels, for messages.
std::string FormatLabels(const Value* labels);

}  // namespace capstan::policy::internal
