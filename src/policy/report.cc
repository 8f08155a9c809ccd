#include <fmt/format.h>

#include <algorithm>

#include "core/json.h"
#include "policy/policy.h"

namespace capstan::policy {
namespace {

constexpr size_t kMaxShownValue = 120;

}  // namespace

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
  // The value is shown as JSON so a string is quoted and "" is visible; a long one is cut
  // (the JSON and SARIF reports keep it whole).
  if (value) {
    std::string shown = EmitJson(*value);
    if (shown.size() > kMaxShownValue) shown = shown.substr(0, kMaxShownValue - 3) + "...";
    out += fmt::format(" {}", shown);
  }
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
