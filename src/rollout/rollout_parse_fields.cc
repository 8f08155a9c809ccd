// The FieldReader's typed reads, durations, pod metadata and analysis references.
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>

#include "rollout/parse_internal.h"
#include "target/local/workload/workload.h"

namespace capstan::rollout {

namespace internal {

std::string Join(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return fmt::format("{}.{}", parent, key);
}

std::string Index(std::string_view parent, size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

Error FieldReader::Invalid(std::string_view path, std::string_view what) const {
  std::string message = fmt::format("{}: {}: {}", object_, path, what);
  if (!source_.empty()) message += fmt::format(" ({})", source_);
  return Error::Invalid(std::move(message));
}

namespace {

const Value* Member(const Value& parent, std::string_view key) {
  const Value* value = parent.Find(key);
  return value == nullptr || value->is_null() ? nullptr : value;
}

}  // namespace

Result<std::optional<int64_t>> FieldReader::Int(const Value& parent, std::string_view key,
                                                std::string_view path) const {
  const Value* value = Member(parent, key);
  if (value == nullptr) return std::optional<int64_t>();
  if (value->is_int()) return std::optional<int64_t>(value->as_int());
  // YAML and JSON writers sometimes give 3.0 for 3; Kubernetes' decoder accepts it.
  if (value->is_double() && std::floor(value->as_double()) == value->as_double()) {
    return std::optional<int64_t>(static_cast<int64_t>(value->as_double()));
  }
  return Invalid(Join(path, key),
                 fmt::format("expected an integer, got {}", TypeName(value->type())));
}

Result<std::optional<int64_t>> FieldReader::Count(const Value& parent, std::string_view key,
                                                  std::string_view path) const {
  auto value = Int(parent, key, path);
  if (!value.ok()) return value;
  if (value->has_value() && **value < 0) {
    return Invalid(Join(path, key), fmt::format("must be >= 0, got {}", **value));
  }
  return value;
}

Result<std::optional<std::string>> FieldReader::String(const Value& parent, std::string_view key,
                                                       std::string_view path) const {
  const Value* value = Member(parent, key);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) {
    return Invalid(Join(path, key),
                   fmt::format("expected a string, got {}", TypeName(value->type())));
  }
  return std::optional<std::string>(value->as_string());
}

Result<std::optional<bool>> FieldReader::Bool(const Value& parent, std::string_view key,
                                              std::string_view path) const {
  const Value* value = Member(parent, key);
  if (value == nullptr) return std::optional<bool>();
  if (!value->is_bool()) {
    return Invalid(Join(path, key),
                   fmt::format("expected true or false, got {}", TypeName(value->type())));
  }
  return std::optional<bool>(value->as_bool());
}

Result<Value> FieldReader::StringMap(const Value& parent, std::string_view key,
                                     std::string_view path) const {
  const Value* value = Member(parent, key);
  if (value == nullptr) return Value::MakeObject();
  if (!value->is_object()) {
    return Invalid(Join(path, key),
                   fmt::format("expected a map of strings, got {}", TypeName(value->type())));
  }
  for (const auto& [name, member] : value->as_object()) {
    if (!member.is_string()) {
      return Invalid(Join(Join(path, key), name), "expected a string");
    }
  }
  return *value;
}

Status FieldReader::Strings(
    const Value& parent, std::string_view path,
    std::initializer_list<std::pair<const char*, std::string*>> fields) const {
  for (auto [key, field] : fields) {
    auto value = String(parent, key, path);
    if (!value.ok()) return value.error();
    *field = value->value_or("");
  }
  return OkStatus();
}

Status FieldReader::Counts(
    const Value& parent, std::string_view path,
    std::initializer_list<std::pair<const char*, std::optional<int64_t>*>> fields) const {
  for (auto [key, field] : fields) {
    auto value = Count(parent, key, path);
    if (!value.ok()) return value.error();
    *field = *value;
  }
  return OkStatus();
}

Status FieldReader::Refuse(const Value& object, std::string_view path,
                           std::initializer_list<std::string_view> unsupported) const {
  for (std::string_view field : unsupported) {
    if (Member(object, field) != nullptr) {
      return Invalid(Join(path, field), "not supported by capstan (see docs/rollouts.md)");
    }
  }
  return OkStatus();
}

Status FieldReader::RequireObject(const Value* value, std::string_view path, bool optional) const {
  if (value == nullptr || value->is_null()) {
    if (optional) return OkStatus();
    return Invalid(path, "required");
  }
  if (!value->is_object()) {
    return Invalid(path, fmt::format("expected an object, got {}", TypeName(value->type())));
  }
  return OkStatus();
}

Result<PodMetadata> FieldReader::Metadata(const Value& value, std::string_view path) const {
  CAPSTAN_TRY(RequireObject(&value, path, false));
  PodMetadata metadata;
  auto labels = StringMap(value, "labels", path);
  if (!labels.ok()) return labels.error();
  auto annotations = StringMap(value, "annotations", path);
  if (!annotations.ok()) return annotations.error();
  metadata.labels = std::move(*labels);
  metadata.annotations = std::move(*annotations);
  return metadata;
}

namespace {

Result<AnalysisArg> ReadArg(const FieldReader& reader, const Value& arg, const std::string& path) {
  CAPSTAN_TRY(reader.RequireObject(&arg, path, false));
  AnalysisArg out;
  auto name = reader.String(arg, "name", path);
  if (!name.ok()) return name.error();
  if (!name->has_value() || (*name)->empty()) return reader.Invalid(Join(path, "name"), "required");
  out.name = **name;
  auto value = reader.String(arg, "value", path);
  if (!value.ok()) return value.error();
  out.value = *value;
  const Value* from = arg.Find("valueFrom");
  if (from != nullptr && !from->is_null()) {
    std::string from_path = Join(path, "valueFrom");
    CAPSTAN_TRY(reader.RequireObject(from, from_path, false));
    auto hash = reader.String(*from, "podTemplateHashValue", from_path);
    if (!hash.ok()) return hash.error();
    if (hash->has_value()) {
      if (**hash != "Stable" && **hash != "Latest") {
        return reader.Invalid(Join(from_path, "podTemplateHashValue"),
                              fmt::format("\"{}\" is not Stable or Latest", **hash));
      }
      out.pod_template_hash_value = **hash;
    }
    if (const Value* ref = from->Find("fieldRef"); ref != nullptr && !ref->is_null()) {
      std::string ref_path = Join(from_path, "fieldRef");
      auto field = reader.String(*ref, "fieldPath", ref_path);
      if (!field.ok()) return field.error();
      if (!field->has_value()) return reader.Invalid(Join(ref_path, "fieldPath"), "required");
      out.field_path = **field;
    }
    if (out.pod_template_hash_value.empty() && out.field_path.empty()) {
      return reader.Invalid(from_path, "needs podTemplateHashValue or fieldRef");
    }
  }
  return out;
}

}  // namespace

Result<RolloutAnalysis> FieldReader::Analysis(const Value& value, std::string_view path) const {
  CAPSTAN_TRY(RequireObject(&value, path, false));
  RolloutAnalysis analysis;
  std::string templates_path = Join(path, "templates");
  const Value* templates = value.Find("templates");
  if (templates != nullptr && !templates->is_null()) {
    if (!templates->is_array()) return Invalid(templates_path, "expected a list");
    for (size_t i = 0; i < templates->size(); ++i) {
      const Value& ref = templates->as_array()[i];
      std::string ref_path = Index(templates_path, i);
      CAPSTAN_TRY(RequireObject(&ref, ref_path, false));
      auto name = String(ref, "templateName", ref_path);
      if (!name.ok()) return name.error();
      if (!name->has_value() || (*name)->empty()) {
        return Invalid(Join(ref_path, "templateName"), "required");
      }
      auto cluster = Bool(ref, "clusterScope", ref_path);
      if (!cluster.ok()) return cluster.error();
      analysis.templates.push_back({**name, cluster->value_or(false)});
    }
  }
  const Value* args = value.Find("args");
  if (args != nullptr && !args->is_null()) {
    std::string args_path = Join(path, "args");
    if (!args->is_array()) return Invalid(args_path, "expected a list");
    for (size_t i = 0; i < args->size(); ++i) {
      auto arg = ReadArg(*this, args->as_array()[i], Index(args_path, i));
      if (!arg.ok()) return arg.error();
      analysis.args.push_back(std::move(*arg));
    }
  }
  if (const Value* dry_run = value.Find("dryRun")) analysis.dry_run = *dry_run;
  if (const Value* retention = value.Find("measurementRetention")) {
    analysis.measurement_retention = *retention;
  }
  if (const Value* metadata = value.Find("analysisRunMetadata");
      metadata != nullptr && !metadata->is_null()) {
    auto read = Metadata(*metadata, Join(path, "analysisRunMetadata"));
    if (!read.ok()) return read.error();
    analysis.analysis_run_metadata = std::move(*read);
  }
  return analysis;
}

Result<Value> ReadIntOrPercent(const FieldReader& reader, const Value& parent, std::string_view key,
                               std::string_view path) {
  const Value* value = parent.Find(key);
  if (value == nullptr || value->is_null()) return Value();
  std::string field = Join(path, key);
  auto scaled = target::local::workload::ScaledValue(*value, 100, true, field);
  if (!scaled.ok()) return reader.Invalid(field, "must be an integer or a percentage (\"25%\")");
  if (*scaled < 0) return reader.Invalid(field, "must not be negative");
  return *value;
}

}  // namespace internal

namespace {

// Go's time.ParseDuration, in nanoseconds; nullopt when malformed.
std::optional<double> ParseGoDuration(std::string_view text) {
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  if (text.empty()) return std::nullopt;
  bool negative = false;
  if (text.front() == '-' || text.front() == '+') {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return 0.0;
  if (text.empty()) return std::nullopt;
  double total = 0;
  while (!text.empty()) {
    size_t digits = 0;
    while (digits < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    double number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + digits, number);
    if (ec != std::errc() || end != text.data() + digits) return std::nullopt;
    text.remove_prefix(digits);
    size_t unit_length = 0;
    while (unit_length < text.size() &&
           !std::isdigit(static_cast<unsigned char>(text[unit_length])) &&
           text[unit_length] != '.') {
      ++unit_length;
    }
    std::string_view unit = text.substr(0, unit_length);
    text.remove_prefix(unit_length);
    bool known = false;
    for (const auto& [name, scale] : kUnits) {
      if (unit == name) {
        total += number * scale;
        known = true;
      }
    }
    if (!known) return std::nullopt;
  }
  return negative ? -total : total;
}

}  // namespace

Result<int64_t> ParseDurationSeconds(const Value& duration, std::string_view field) {
  auto invalid = [&](std::string_view shown) {
    return Error::Invalid(fmt::format(
        "{}: invalid duration {}: use seconds (30) or a Go duration (\"30s\", \"5m\", \"1h\")",
        field, shown));
  };
  if (duration.is_int()) {
    if (duration.as_int() < 0) return invalid(std::to_string(duration.as_int()));
    return duration.as_int();
  }
  if (!duration.is_string()) return invalid(std::string(TypeName(duration.type())));
  const std::string& text = duration.as_string();
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (!text.empty() && ec == std::errc() && end == text.data() + text.size()) {
    if (seconds < 0) return invalid(fmt::format("\"{}\"", text));
    return seconds;
  }
  std::optional<double> nanos = ParseGoDuration(text);
  if (!nanos.has_value() || *nanos < 0) return invalid(fmt::format("\"{}\"", text));
  return static_cast<int64_t>(*nanos / 1e9);
}

}  // namespace capstan::rollout
