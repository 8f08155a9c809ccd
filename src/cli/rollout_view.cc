#include "cli/rollout_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <vector>

namespace capstan::cli {
namespace {

// Measurements shown per metric: the latest ones; `-o json` has them all.
constexpr size_t kMeasurementsShown = 6;

int64_t IntOf(const Value& object, std::string_view field) {
  const Value* value = object.Find(field);
  return value != nullptr && value->is_int() ? value->as_int() : 0;
}

std::string Field(std::string_view label, std::string_view value) {
  return fmt::format("{:<16} {}\n", std::string(label) + ":", value);
}

std::string Join(const Value* list, std::string_view separator) {
  std::string out;
  if (list == nullptr || !list->is_array()) return out;
  for (const Value& item : list->as_array()) {
    if (!item.is_string()) continue;
    if (!out.empty()) out += separator;
    out += item.as_string();
  }
  return out;
}

// Column widths from the longest cell, as kubectl prints tables.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += i + 1 == row.size() ? row[i] : fmt::format("{:<{}}  ", row[i], widths[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string Images(const Value& summary) {
  std::string out;
  const Value* revisions = summary.Find("revisions");
  if (revisions == nullptr || !revisions->is_array()) return out;
  bool first = true;
  for (const Value& revision : revisions->as_array()) {
    std::string_view role = revision.StringAt({"role"});
    if (role.empty()) continue;  // old releases: no traffic, no pods
    std::string line = fmt::format("{} ({})", Join(revision.Find("images"), ", "), role);
    out += first ? Field("Images", line) : fmt::format("{:<16} {}\n", "", line);
    first = false;
  }
  return out;
}

std::string Revisions(const Value& summary) {
  std::vector<std::vector<std::string>> rows = {{"REVISION", "POD-TEMPLATE-HASH", "ROLE", "IMAGES",
                                                 "APP VERSION", "REPLICAS", "READY", "AVAILABLE"}};
  if (const Value* revisions = summary.Find("revisions"); revisions && revisions->is_array()) {
    for (const Value& revision : revisions->as_array()) {
      std::string_view version = revision.StringAt({"appVersion"});
      std::string_view role = revision.StringAt({"role"});
      rows.push_back({std::to_string(IntOf(revision, "revision")),
                      std::string(revision.StringAt({"podTemplateHash"})),
                      role.empty() ? "-" : std::string(role), Join(revision.Find("images"), ","),
                      version.empty() ? "-" : std::string(version),
                      std::to_string(IntOf(revision, "replicas")),
                      std::to_string(IntOf(revision, "ready")),
                      std::to_string(IntOf(revision, "available"))});
    }
  }
  return Table(rows);
}

std::string MeasurementsText(const Value& metric) {
  const Value* measurements = metric.Find("measurements");
  if (measurements == nullptr || !measurements->is_array() || measurements->empty()) return "-";
  const auto& all = measurements->as_array();
  size_t from = all.size() > kMeasurementsShown ? all.size() - kMeasurementsShown : 0;
  std::string out = from > 0 ? fmt::format("({} earlier) ", from) : "";
  for (size_t i = from; i < all.size(); ++i) {
    std::string_view value = all[i].StringAt({"value"});
    out += fmt::format("{}{}={}", i == from ? "" : " ", all[i].StringAt({"phase"}),
                       value.empty() ? "-" : value);
  }
  return out;
}

std::string AnalysisRuns(const Value& summary) {
  const Value* runs = summary.Find("analysisRuns");
  if (runs == nullptr || !runs->is_array() || runs->empty()) return "";
  std::vector<std::vector<std::string>> rows = {{"ANALYSISRUN", "PHASE", "METRIC", "MEASUREMENTS"}};
  std::string messages;
  for (const Value& run : runs->as_array()) {
    std::string name(run.StringAt({"name"}));
    std::string phase(run.StringAt({"phase"}));
    const Value* metrics = run.Find("metrics");
    if (metrics == nullptr || !metrics->is_array() || metrics->empty()) {
      rows.push_back({name, phase, "-", "-"});
    } else {
      for (const Value& metric : metrics->as_array()) {
        rows.push_back(
            {name, phase, std::string(metric.StringAt({"name"})), MeasurementsText(metric)});
      }
    }
    if (std::string_view message = run.StringAt({"message"}); !message.empty()) {
      messages += fmt::format("  {}: {}\n", name, message);
    }
  }
  return "\n" + Table(rows) + messages;
}

}  // namespace

std::string FormatRolloutView(const Value& view) {
  static const Value kEmpty = Value::MakeObject();
  const Value* found = view.Find("summary");
  const Value& summary = found != nullptr ? *found : kEmpty;
  std::string out;
  out += Field("Name", summary.StringAt({"name"}));
  out += Field("Namespace", summary.StringAt({"namespace"}));
  out += Field("Application", fmt::format("{} ({})", view.StringAt({"application"}),
                                          view.StringAt({"destination"})));
  out += Field("Status", summary.StringAt({"phase"}));
  if (std::string_view message = summary.StringAt({"message"}); !message.empty()) {
    out += Field("Message", message);
  }
  std::string_view strategy = summary.StringAt({"strategy"});
  out += Field("Strategy", strategy);
  if (strategy == "Canary") {
    out += Field("  Step", fmt::format("{}/{}", IntOf(summary, "step"), IntOf(summary, "steps")));
    out += Field("  SetWeight", std::to_string(IntOf(summary, "setWeight")));
    out += Field("  ActualWeight", std::to_string(IntOf(summary, "actualWeight")));
  } else {
    out += Field("  Active", summary.StringAt({"activeSelector"}, "-"));
    out += Field("  Preview", summary.StringAt({"previewSelector"}, "-"));
  }
  out += Images(summary);
  out += "Replicas:\n";
  static const Value kNoReplicas = Value::MakeObject();
  const Value* replicas = summary.Find("replicas");
  const Value& counts = replicas != nullptr ? *replicas : kNoReplicas;
  for (const char* field : {"desired", "current", "updated", "ready", "available"}) {
    std::string label(field);
    label[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(label[0])));
    out += Field("  " + label, std::to_string(IntOf(counts, field)));
  }
  out += "\n" + Revisions(summary);
  out += AnalysisRuns(summary);
  return out;
}

std::string FormatRolloutHistory(const Value& view) {
  std::vector<std::vector<std::string>> rows = {
      {"TIME", "PHASE", "WEIGHT", "STABLE", "NEW", "CHANGE"}};
  auto version = [](const Value* identity) -> std::string {
    if (identity == nullptr || !identity->is_object()) return "-";
    return fmt::format("{} {}", IntOf(*identity, "revision"), Join(identity->Find("images"), ","));
  };
  if (const Value* steps = view.Find("history"); steps && steps->is_array()) {
    for (auto it = steps->as_array().rbegin(); it != steps->as_array().rend(); ++it) {
      const Value* weight = it->Find("weight");
      rows.push_back(
          {std::string(it->StringAt({"time"})), std::string(it->StringAt({"phase"})),
           weight != nullptr && weight->is_int() ? std::to_string(weight->as_int()) : "-",
           version(it->Find("stable")), version(it->Find("new")),
           std::string(it->StringAt({"change"}))});
    }
  }
  return Table(rows);
}

std::string FormatRolloutList(const Value& list) {
  std::vector<std::vector<std::string>> rows = {{"NAME", "NAMESPACE", "APPLICATION", "STRATEGY",
                                                 "STATUS", "STEP", "SET-WEIGHT", "ACTUAL-WEIGHT",
                                                 "MESSAGE"}};
  if (const Value* items = list.Find("items"); items && items->is_array()) {
    for (const Value& item : items->as_array()) {
      bool canary = item.StringAt({"strategy"}) == "Canary";
      rows.push_back(
          {std::string(item.StringAt({"name"})), std::string(item.StringAt({"namespace"})),
           std::string(item.StringAt({"application"})), std::string(item.StringAt({"strategy"})),
           std::string(item.StringAt({"phase"})),
           canary ? fmt::format("{}/{}", IntOf(item, "step"), IntOf(item, "steps")) : "-",
           canary ? std::to_string(IntOf(item, "setWeight")) : "-",
           canary ? std::to_string(IntOf(item, "actualWeight")) : "-",
           std::string(item.StringAt({"message"}))});
    }
  }
  return Table(rows);
}

}  // namespace capstan::cli
