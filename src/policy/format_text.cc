// The text format: one line per finding, grep-able and in the shape compilers use
// (`file: severity rule message`), then one summary line.
#include <fmt/format.h>

#include "policy/policy.h"

namespace capstan::policy {
namespace {

std::string Plural(int n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 || word == "info" ? "" : "s");
}

}  // namespace

std::string FormatText(const Report& report) {
  std::string out;
  for (const Finding& f : report.findings) {
    out += fmt::format("{}: {} {} {}\n", f.source.empty() ? "<generated>" : f.source,
                       SeverityName(f.severity), f.rule, f.Summary());
  }
  std::string suppressed = report.suppressed > 0
                               ? fmt::format(" ({} suppressed by annotations)", report.suppressed)
                               : "";
  if (report.findings.empty()) {
    out += fmt::format("no findings from {}{}\n",
                       Plural(static_cast<int>(report.rules.size()), "rule"), suppressed);
    return out;
  }
  out +=
      fmt::format("{}: {}, {}, {}{}\n", Plural(static_cast<int>(report.findings.size()), "finding"),
                  Plural(report.Count(Severity::kError), "error"),
                  Plural(report.Count(Severity::kWarning), "warning"),
                  Plural(report.Count(Severity::kInfo), "info"), suppressed);
  return out;
}

}  // namespace capstan::policy
