// Kubernetes label selectors: the string form of `kubectl get -l` and list calls
// ("app=web,tier!=db,env in (a,b),!canary,version") and the LabelSelector object of
// Deployments, ReplicaSets and Services ({matchLabels, matchExpressions}).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace capstan {

class LabelSelector {
 public:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };
  struct Requirement {
    std::string key;
    Op op = Op::kEquals;
    std::vector<std::string> values;
  };

  // Everything (an empty selector, as Kubernetes' `{}` in a LabelSelector object).
  LabelSelector() = default;

  // The string form. Invalid names the offending part: `label selector "a in b": expected
  // "(" after "in"`.
  static Result<LabelSelector> Parse(std::string_view text);

  // A LabelSelector object. Invalid names the field (`matchExpressions[1].operator: "Has" is
  // not In, NotIn, Exists or DoesNotExist`). A Service's plain map selector is accepted
  // too (every member a required label).
  static Result<LabelSelector> FromValue(const Value& selector);

  // Whether `labels` (a metadata.labels map; null or missing means no labels) satisfies
  // every requirement.
  bool Matches(const Value* labels) const;

  bool empty() const { return requirements_.empty(); }
  const std::vector<Requirement>& requirements() const { return requirements_; }

 private:
  std::vector<Requirement> requirements_;
};

}  // namespace capstan
