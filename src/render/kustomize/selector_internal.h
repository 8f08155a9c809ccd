// Kubernetes label-selector expressions ("app=web,tier!=db,env in (a,b),!legacy") as
// kustomize's labelSelector and annotationSelector use them (apimachinery labels.Parse),
// for patch and replacement targets. Internal to the kustomize patch code.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace capstan::render {

struct LabelRequirement {
  enum class Op { kExists, kDoesNotExist, kEquals, kNotEquals, kIn, kNotIn, kGreater, kLess };
  std::string key;
  Op op = Op::kExists;
  std::vector<std::string> values;
};

// Parses `text`; an empty text yields no requirements (selects everything). The error
// quotes the offending part.
Result<std::vector<LabelRequirement>> ParseLabelSelector(std::string_view text);

// Whether the string map `labels` (a metadata.labels or metadata.annotations Value; null
// when absent) satisfies every requirement.
bool LabelsMatch(const std::vector<LabelRequirement>& requirements, const Value* labels);

}  // namespace capstan::render
