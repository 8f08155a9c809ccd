#include <fmt/format.h>

#include <algorithm>

#include "core/json.h"
#include "policy/policy.h"

namespace capstan::policy {

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
  }
  return "unknown";
}

std::optional<Severity> ParseSeverity(std::string_view name) {
  for (Severity s : {Severity::kInfo, Severity::kWarning, Severity::kError}) {
    if (SeverityName(s) == name) return s;
  }
  return std::nullopt;
}

std::string Finding::Summary() const {
  std::string out = object.ToString();
  if (!path.empty()) out += fmt::format(": {}", path);
  // The value is shown as JSON so a string is quoted and "" is visible.
  if (value) out += fmt::format(" {}", EmitJson(*value));
  out += fmt::format(": {}", message);
  return out;
}

int Report::Count(Severity severity) const {
  return static_cast<int>(std::count_if(findings.begin(), findings.end(),
                                        [&](const Finding& f) { return f.severity == severity; }));
}

bool Report::HasAtLeast(Severity threshold) const {
  return std::any_of(findings.begin(), findings.end(),
                     [&](const Finding& f) { return f.severity >= threshold; });
}

}  // namespace capstan::policy
