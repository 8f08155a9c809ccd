// The unified printer: what `kubectl diff` users read, per object, live before desired.
#include <fmt/format.h>

#include "core/yaml.h"
#include "diff/diff.h"
#include "diff/internal/line_diff.h"

namespace capstan::diff {
namespace {

constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kGreen = "\x1b[32m";
constexpr std::string_view kCyan = "\x1b[36m";
constexpr std::string_view kReset = "\x1b[0m";

std::string Header(std::string_view marker, std::string_view side, const ObjectDiff& object,
                   const Value& value, std::string_view source, bool color) {
  std::string where;
  if (value.is_null()) {
    where = " (missing)";
  } else if (!source.empty()) {
    where = fmt::format(" ({})", source);
  }
  return fmt::format("{}{} {}: {}{}{}\n", color ? kBold : "", marker, side, object.key.ToString(),
                     where, color ? kReset : "");
}

std::string Yaml(const Value& value) { return value.is_null() ? "" : EmitYaml(value); }

std::string_view Plural(size_t n, std::string_view one, std::string_view many) {
  return n == 1 ? one : many;
}

}  // namespace

std::string PrintUnified(const ObjectDiff& object, const UnifiedOptions& options) {
  if (object.change == Change::kUnchanged) return "";
  std::string live_text = Yaml(object.live);
  std::string desired_text = Yaml(object.desired);
  internal::HunkStyle style;
  style.context_lines = options.context_lines;
  if (options.color) {
    style.hunk_color = kCyan;
    style.delete_color = kRed;
    style.insert_color = kGreen;
    style.reset = kReset;
  }
  std::string out = Header("---", "live", object, object.live, object.live_source, options.color);
  out += Header("+++", "desired", object, object.desired, object.desired_source, options.color);
  out += internal::UnifiedHunks(internal::SplitLines(live_text), internal::SplitLines(desired_text),
                                style);
  return out;
}

std::string PrintUnified(const DiffSet& set, const UnifiedOptions& options) {
  std::string out;
  for (const ObjectDiff& object : set.objects) out += PrintUnified(object, options);
  return out;
}

std::string SummaryLine(const DiffSummary& summary) {
  size_t total = summary.differing() + summary.unchanged;
  if (summary.differing() == 0) {
    return fmt::format("No differences ({} {} compared)", total,
                       Plural(total, "object", "objects"));
  }
  std::vector<std::string> parts;
  if (summary.modified > 0) parts.push_back(fmt::format("{} modified", summary.modified));
  if (summary.added > 0) parts.push_back(fmt::format("{} added", summary.added));
  if (summary.removed > 0) parts.push_back(fmt::format("{} removed", summary.removed));
  return fmt::format("{} {} {}: {}", summary.differing(),
                     Plural(summary.differing(), "object", "objects"),
                     Plural(summary.differing(), "differs", "differ"), fmt::join(parts, ", "));
}

}  // namespace capstan::diff
