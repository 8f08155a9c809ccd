// Parts shared by templates and runs: dryRun and measurementRetention rules, and the
// prefix of every error about an object (spec_parts.cc).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "rollout/analysis/analysis.h"

namespace capstan::rollout::analysis::internal {

Result<std::vector<DryRun>> ParseDryRun(const Value& spec, std::string_view path);
Result<std::vector<MeasurementRetention>> ParseRetention(const Value& spec, std::string_view path);
Value DryRunToValue(const std::vector<DryRun>& rules);
Value RetentionToValue(const std::vector<MeasurementRetention>& rules);

// Checks apiVersion and kind (one of `kinds`) and metadata.name.
Status CheckObject(const Value& object, std::initializer_list<std::string_view> kinds);

// `error` prefixed with "argoproj.io/KIND NS/NAME: " and suffixed with " (SOURCE)".
Error ObjectError(const Value& object, std::string_view source, const Error& error);

// Whether `pattern` (a regular expression, as Go's regexp.MatchString) is found in `name`.
// An invalid pattern matches nothing.
bool RuleMatches(const std::string& pattern, const std::string& name);

}  // namespace capstan::rollout::analysis::internal
