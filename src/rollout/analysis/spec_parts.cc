#include "rollout/analysis/internal/spec_parts.h"

#include <regex>

#include "core/object.h"
#include "rollout/analysis/internal/fields.h"

namespace capstan::rollout::analysis::internal {
namespace {

// Longest metricName pattern compiled: std::regex is recursive, so a bound keeps a hostile
// pattern from exhausting the stack. Real patterns are a metric name or ".*".
constexpr size_t kMaxPatternBytes = 256;

Status CheckPattern(const std::string& pattern, std::string_view path) {
  if (pattern.size() > kMaxPatternBytes) {
    return FieldError(path, "longer than " + std::to_string(kMaxPatternBytes) + " bytes");
  }
  try {
    std::regex compiled(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& error) {
    return FieldError(path, "invalid regular expression \"" + pattern + "\": " + error.what());
  }
  return OkStatus();
}

}  // namespace

Result<std::vector<DryRun>> ParseDryRun(const Value& spec, std::string_view path) {
  auto list = OptionalList(spec, "dryRun", path);
  if (!list.ok()) return std::move(list).error();
  std::vector<DryRun> rules;
  std::string list_path = Field(path, "dryRun");
  for (size_t i = 0; i < (*list)->size(); ++i) {
    const Value& entry = (**list)[i];
    std::string entry_path = Item(list_path, i);
    if (!entry.is_object()) return FieldError(entry_path, "expected a map with metricName");
    CAPSTAN_TRY(OnlyKnownFields(entry, {"metricName"}, entry_path));
    auto name = RequiredString(entry, "metricName", entry_path);
    if (!name.ok()) return std::move(name).error();
    CAPSTAN_TRY(CheckPattern(*name, Field(entry_path, "metricName")));
    for (const DryRun& previous : rules) {
      if (previous.metric_name == *name) {
        return FieldError(entry_path,
                          "two Dry-Run metric rules have the same name '" + *name + "'");
      }
    }
    rules.push_back(DryRun{std::move(*name)});
  }
  return rules;
}

Result<std::vector<MeasurementRetention>> ParseRetention(const Value& spec, std::string_view path) {
  auto list = OptionalList(spec, "measurementRetention", path);
  if (!list.ok()) return std::move(list).error();
  std::vector<MeasurementRetention> rules;
  std::string list_path = Field(path, "measurementRetention");
  for (size_t i = 0; i < (*list)->size(); ++i) {
    const Value& entry = (**list)[i];
    std::string entry_path = Item(list_path, i);
    if (!entry.is_object())
      return FieldError(entry_path, "expected a map with metricName and limit");
    CAPSTAN_TRY(OnlyKnownFields(entry, {"metricName", "limit"}, entry_path));
    auto name = RequiredString(entry, "metricName", entry_path);
    if (!name.ok()) return std::move(name).error();
    CAPSTAN_TRY(CheckPattern(*name, Field(entry_path, "metricName")));
    auto limit = OptionalInt(entry, "limit", entry_path);
    if (!limit.ok()) return std::move(limit).error();
    for (const MeasurementRetention& previous : rules) {
      if (previous.metric_name == *name) {
        return FieldError(
            entry_path,
            "two Measurement Retention metric rules have the same name '" + *name + "'");
      }
    }
    rules.push_back(MeasurementRetention{std::move(*name), limit->value_or(0)});
  }
  return rules;
}

Value DryRunToValue(const std::vector<DryRun>& rules) {
  Value list = Value::MakeArray();
  for (const DryRun& rule : rules) {
    list.as_array().push_back(Value(Value::Object{{"metricName", rule.metric_name}}));
  }
  return list;
}

Value RetentionToValue(const std::vector<MeasurementRetention>& rules) {
  Value list = Value::MakeArray();
  for (const MeasurementRetention& rule : rules) {
    list.as_array().push_back(
        Value(Value::Object{{"metricName", rule.metric_name}, {"limit", Value(rule.limit)}}));
  }
  return list;
}

Status CheckObject(const Value& object, std::initializer_list<std::string_view> kinds) {
  if (!object.is_object()) return Error::Invalid("expected an object");
  std::string_view api_version = object.StringAt({"apiVersion"});
  if (api_version != kApiVersion) {
    return FieldError("apiVersion", "expected " + std::string(kApiVersion) + ", found \"" +
                                        std::string(api_version) + "\"");
  }
  std::string_view kind = object.StringAt({"kind"});
  bool known = false;
  std::string expected;
  for (std::string_view k : kinds) {
    known |= k == kind;
    expected += (expected.empty() ? "" : " or ") + std::string(k);
  }
  if (!known)
    return FieldError("kind", "expected " + expected + ", found \"" + std::string(kind) + "\"");
  // A run the controller creates may carry generateName only (the API server names it).
  if (NameOf(object).empty() && object.StringAt({"metadata", "generateName"}).empty()) {
    return FieldError("metadata.name", "required");
  }
  return OkStatus();
}

Error ObjectError(const Value& object, std::string_view source, const Error& error) {
  std::string message;
  if (object.is_object()) {
    std::string kind(object.StringAt({"kind"}, "object"));
    std::string ns(NamespaceOf(object));
    message = "argoproj.io/" + kind + " " + ns + "/" + std::string(NameOf(object)) + ": ";
  }
  message += error.message();
  if (!source.empty()) message += " (" + std::string(source) + ")";
  return Error(error.code(), std::move(message));
}

bool RuleMatches(const std::string& pattern, const std::string& name) {
  if (pattern.size() > kMaxPatternBytes) return false;
  try {
    return std::regex_search(name, std::regex(pattern, std::regex::ECMAScript));
  } catch (const std::regex_error&) {
    return false;
  }
}

}  // namespace capstan::rollout::analysis::internal
