// AnalysisRun to and from its manifest, with Argo's field names and omitempty rules, so
// that `kubectl get analysisrun -o yaml` users see what they know.
#include <string>

#include "core/time.h"
#include "rollout/analysis/analysis.h"
#include "rollout/analysis/internal/fields.h"
#include "rollout/analysis/internal/spec_parts.h"

namespace capstan::rollout::analysis {

using internal::Field;
using internal::FieldError;
using internal::Item;

namespace {

Result<std::optional<TimePoint>> ReadTime(const Value& object, std::string_view key,
                                          std::string_view path) {
  auto text = internal::OptionalString(object, key, path);
  if (!text.ok()) return std::move(text).error();
  if (!text->has_value()) return std::optional<TimePoint>();
  auto time = ParseRfc3339(**text);
  if (!time)
    return FieldError(Field(path, key), "expected an RFC 3339 time, found \"" + **text + "\"");
  return std::optional<TimePoint>(*time);
}

Result<Phase> ReadPhase(const Value& object, std::string_view path) {
  auto text = internal::OptionalString(object, "phase", path);
  if (!text.ok()) return std::move(text).error();
  auto phase = ParsePhase(text->value_or(""));
  if (!phase)
    return FieldError(Field(path, "phase"), "unknown phase \"" + text->value_or("") + "\"");
  return *phase;
}

Result<int32_t> ReadCount(const Value& object, std::string_view key, std::string_view path) {
  auto number = internal::OptionalInt(object, key, path);
  if (!number.ok()) return std::move(number).error();
  return static_cast<int32_t>(number->value_or(0));
}

Result<std::vector<std::pair<std::string, std::string>>> ReadStringMap(const Value& object,
                                                                       std::string_view key,
                                                                       std::string_view path) {
  auto map = internal::OptionalMap(object, key, path);
  if (!map.ok()) return std::move(map).error();
  std::vector<std::pair<std::string, std::string>> out;
  if (*map == nullptr) return out;
  for (const auto& [name, value] : (*map)->as_object()) {
    if (!value.is_string()) return FieldError(Field(Field(path, key), name), "expected a string");
    out.emplace_back(name, value.as_string());
  }
  return out;
}

Result<Measurement> ReadMeasurement(const Value& object, std::string_view path) {
  Measurement m;
  auto phase = ReadPhase(object, path);
  if (!phase.ok()) return std::move(phase).error();
  m.phase = *phase;
  auto message = internal::OptionalString(object, "message", path);
  if (!message.ok()) return std::move(message).error();
  m.message = message->value_or("");
  auto started = ReadTime(object, "startedAt", path);
  if (!started.ok()) return std::move(started).error();
  m.started_at = *started;
  auto finished = ReadTime(object, "finishedAt", path);
  if (!finished.ok()) return std::move(finished).error();
  m.finished_at = *finished;
  auto value = internal::OptionalString(object, "value", path);
  if (!value.ok()) return std::move(value).error();
  m.value = value->value_or("");
  auto metadata = ReadStringMap(object, "metadata", path);
  if (!metadata.ok()) return std::move(metadata).error();
  m.metadata = std::move(*metadata);
  return m;
}

Result<MetricResult> ReadMetricResult(const Value& object, std::string_view path) {
  MetricResult r;
  auto name = internal::RequiredString(object, "name", path);
  if (!name.ok()) return std::move(name).error();
  r.name = std::move(*name);
  auto phase = ReadPhase(object, path);
  if (!phase.ok()) return std::move(phase).error();
  r.phase = *phase;
  auto list = internal::OptionalList(object, "measurements", path);
  if (!list.ok()) return std::move(list).error();
  for (size_t i = 0; i < (*list)->size(); ++i) {
    auto m = ReadMeasurement((**list)[i], Item(Field(path, "measurements"), i));
    if (!m.ok()) return std::move(m).error();
    r.measurements.push_back(std::move(*m));
  }
  auto message = internal::OptionalString(object, "message", path);
  if (!message.ok()) return std::move(message).error();
  r.message = message->value_or("");
  struct Counter {
    std::string_view key;
    int32_t* field;
  };
  for (const Counter& counter :
       {Counter{"count", &r.count}, Counter{"successful", &r.successful},
        Counter{"failed", &r.failed}, Counter{"inconclusive", &r.inconclusive},
        Counter{"error", &r.error}, Counter{"consecutiveError", &r.consecutive_error},
        Counter{"consecutiveSuccess", &r.consecutive_success}}) {
    auto value = ReadCount(object, counter.key, path);
    if (!value.ok()) return std::move(value).error();
    *counter.field = *value;
  }
  auto dry_run = internal::OptionalBool(object, "dryRun", path);
  if (!dry_run.ok()) return std::move(dry_run).error();
  r.dry_run = dry_run->value_or(false);
  auto metadata = ReadStringMap(object, "metadata", path);
  if (!metadata.ok()) return std::move(metadata).error();
  r.metadata = std::move(*metadata);
  return r;
}

Result<RunSummary> ReadSummary(const Value& object, std::string_view path) {
  RunSummary s;
  struct Counter {
    std::string_view key;
    int32_t* field;
  };
  for (const Counter& counter :
       {Counter{"count", &s.count}, Counter{"successful", &s.successful},
        Counter{"failed", &s.failed}, Counter{"inconclusive", &s.inconclusive},
        Counter{"error", &s.error}}) {
    auto value = ReadCount(object, counter.key, path);
    if (!value.ok()) return std::move(value).error();
    *counter.field = *value;
  }
  return s;
}

Result<AnalysisRun> ReadRun(const Value& object) {
  CAPSTAN_TRY(internal::CheckObject(object, {"AnalysisRun"}));
  AnalysisRun run;
  run.metadata = *object.Find("metadata");
  const Value* spec = object.Find("spec");
  if (spec == nullptr || !spec->is_object()) return FieldError("spec", "required");
  auto metrics = internal::OptionalList(*spec, "metrics", "spec");
  if (!metrics.ok()) return std::move(metrics).error();
  for (size_t i = 0; i < (*metrics)->size(); ++i) {
    CAPSTAN_TRY(ValidateMetricTemplate((**metrics)[i], Item("spec.metrics", i)));
    run.spec.metrics.push_back((**metrics)[i]);
  }
  const Value* args = spec->Find("args");
  auto parsed_args = ParseArguments(args == nullptr ? Value() : *args, "spec.args");
  if (!parsed_args.ok()) return std::move(parsed_args).error();
  run.spec.args = std::move(*parsed_args);
  auto terminate = internal::OptionalBool(*spec, "terminate", "spec");
  if (!terminate.ok()) return std::move(terminate).error();
  run.spec.terminate = terminate->value_or(false);
  auto dry_run = internal::ParseDryRun(*spec, "spec");
  if (!dry_run.ok()) return std::move(dry_run).error();
  run.spec.dry_run = std::move(*dry_run);
  auto retention = internal::ParseRetention(*spec, "spec");
  if (!retention.ok()) return std::move(retention).error();
  run.spec.measurement_retention = std::move(*retention);
  if (const Value* ttl = spec->Find("ttlStrategy"); ttl != nullptr && !ttl->is_null()) {
    run.spec.ttl_strategy = *ttl;
  }

  const Value* status = object.Find("status");
  if (status == nullptr || status->is_null()) return run;
  if (!status->is_object()) return FieldError("status", "expected a map");
  auto phase = ReadPhase(*status, "status");
  if (!phase.ok()) return std::move(phase).error();
  run.status.phase = *phase;
  auto message = internal::OptionalString(*status, "message", "status");
  if (!message.ok()) return std::move(message).error();
  run.status.message = message->value_or("");
  auto results = internal::OptionalList(*status, "metricResults", "status");
  if (!results.ok()) return std::move(results).error();
  for (size_t i = 0; i < (*results)->size(); ++i) {
    auto result = ReadMetricResult((**results)[i], Item("status.metricResults", i));
    if (!result.ok()) return std::move(result).error();
    run.status.metric_results.push_back(std::move(*result));
  }
  auto started = ReadTime(*status, "startedAt", "status");
  if (!started.ok()) return std::move(started).error();
  run.status.started_at = *started;
  auto completed = ReadTime(*status, "completedAt", "status");
  if (!completed.ok()) return std::move(completed).error();
  run.status.completed_at = *completed;
  if (const Value* summary = status->Find("runSummary");
      summary != nullptr && summary->is_object()) {
    auto parsed = ReadSummary(*summary, "status.runSummary");
    if (!parsed.ok()) return std::move(parsed).error();
    run.status.run_summary = *parsed;
  }
  if (const Value* summary = status->Find("dryRunSummary");
      summary != nullptr && summary->is_object()) {
    auto parsed = ReadSummary(*summary, "status.dryRunSummary");
    if (!parsed.ok()) return std::move(parsed).error();
    run.status.dry_run_summary = *parsed;
  }
  return run;
}

void SetCount(Value& object, std::string_view key, int32_t value) {
  if (value != 0) object.Set(key, Value(static_cast<int64_t>(value)));
}

Value SummaryToValue(const RunSummary& s) {
  Value out = Value::MakeObject();
  SetCount(out, "count", s.count);
  SetCount(out, "successful", s.successful);
  SetCount(out, "failed", s.failed);
  SetCount(out, "inconclusive", s.inconclusive);
  SetCount(out, "error", s.error);
  return out;
}

Value StringMap(const std::vector<std::pair<std::string, std::string>>& entries) {
  Value out = Value::MakeObject();
  for (const auto& [key, value] : entries) out.Set(key, value);
  return out;
}

Value MeasurementToValue(const Measurement& m) {
  Value out = Value::MakeObject();
  out.Set("phase", std::string(PhaseName(m.phase)));
  if (!m.message.empty()) out.Set("message", m.message);
  if (m.started_at) out.Set("startedAt", FormatRfc3339(*m.started_at));
  if (m.finished_at) out.Set("finishedAt", FormatRfc3339(*m.finished_at));
  if (!m.value.empty()) out.Set("value", m.value);
  if (!m.metadata.empty()) out.Set("metadata", StringMap(m.metadata));
  return out;
}

Value MetricResultToValue(const MetricResult& r) {
  Value out = Value::MakeObject();
  out.Set("name", r.name);
  out.Set("phase", std::string(PhaseName(r.phase)));
  if (!r.measurements.empty()) {
    Value list = Value::MakeArray();
    for (const Measurement& m : r.measurements) list.as_array().push_back(MeasurementToValue(m));
    out.Set("measurements", std::move(list));
  }
  if (!r.message.empty()) out.Set("message", r.message);
  SetCount(out, "count", r.count);
  SetCount(out, "successful", r.successful);
  SetCount(out, "failed", r.failed);
  SetCount(out, "inconclusive", r.inconclusive);
  SetCount(out, "error", r.error);
  SetCount(out, "consecutiveError", r.consecutive_error);
  if (r.dry_run) out.Set("dryRun", true);
  if (!r.metadata.empty()) out.Set("metadata", StringMap(r.metadata));
  SetCount(out, "consecutiveSuccess", r.consecutive_success);
  return out;
}

}  // namespace

Result<AnalysisRun> ParseAnalysisRun(const Value& object, std::string_view source) {
  auto run = ReadRun(object);
  if (!run.ok()) return internal::ObjectError(object, source, run.error());
  return run;
}

Value AnalysisRunToValue(const AnalysisRun& run) {
  Value out = Value::MakeObject();
  out.Set("apiVersion", std::string(kApiVersion));
  out.Set("kind", "AnalysisRun");
  out.Set("metadata", run.metadata);
  Value spec = Value::MakeObject();
  spec.Set("metrics", Value(Value::Array(run.spec.metrics.begin(), run.spec.metrics.end())));
  if (!run.spec.args.empty()) spec.Set("args", ArgumentsToValue(run.spec.args));
  if (run.spec.terminate) spec.Set("terminate", true);
  if (!run.spec.dry_run.empty()) spec.Set("dryRun", internal::DryRunToValue(run.spec.dry_run));
  if (!run.spec.measurement_retention.empty()) {
    spec.Set("measurementRetention", internal::RetentionToValue(run.spec.measurement_retention));
  }
  if (run.spec.ttl_strategy) spec.Set("ttlStrategy", *run.spec.ttl_strategy);
  out.Set("spec", std::move(spec));

  const AnalysisRunStatus& s = run.status;
  Value status = Value::MakeObject();
  status.Set("phase", s.phase == Phase::kPending && s.metric_results.empty() && !s.started_at
                          ? std::string()
                          : std::string(PhaseName(s.phase)));
  if (!s.message.empty()) status.Set("message", s.message);
  if (!s.metric_results.empty()) {
    Value list = Value::MakeArray();
    for (const MetricResult& r : s.metric_results)
      list.as_array().push_back(MetricResultToValue(r));
    status.Set("metricResults", std::move(list));
  }
  if (s.started_at) status.Set("startedAt", FormatRfc3339(*s.started_at));
  Value summary = SummaryToValue(s.run_summary);
  if (!summary.empty()) status.Set("runSummary", std::move(summary));
  if (s.dry_run_summary) status.Set("dryRunSummary", SummaryToValue(*s.dry_run_summary));
  if (s.completed_at) status.Set("completedAt", FormatRfc3339(*s.completed_at));
  out.Set("status", std::move(status));
  return out;
}

}  // namespace capstan::rollout::analysis
