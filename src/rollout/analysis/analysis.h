// Analysis objects of Argo Rollouts (argoproj.io/v1alpha1), read and written unchanged:
// AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun, their args and metrics.
//
// A template's metrics are kept as written (with `{{args.NAME}}` placeholders); they become
// typed Metrics once the run's args are substituted (ResolveMetric), as Argo resolves them
// at every reconcile. Errors name the object, the field and the source file:
//   argoproj.io/AnalysisTemplate default/success-rate: spec.metrics[0].interval: invalid
//   duration "5x": unknown unit "x" (analysis.yaml)
// What is supported, and how it differs from Argo Rollouts, is in docs/analysis.md.
// Everything here is plain data and pure functions: thread-compatible, no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "rollout/analysis/expr.h"

namespace capstan::rollout::analysis {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::nanoseconds;

inline constexpr std::string_view kApiVersion = "argoproj.io/v1alpha1";

// Phase of an AnalysisRun, a metric or one measurement, best to worst as Argo ranks them
// when it picks a run's phase from its metrics.
enum class Phase {
  kSuccessful,    // the analysis passed: the rollout continues
  kRunning,       // measurements are still being taken
  kPending,       // nothing measured yet (an initialDelay has not passed)
  kInconclusive,  // neither passed nor failed: the rollout pauses for a person to decide
  kError,         // the measurement could not be taken too many times in a row: abort
  kFailed,        // the analysis failed: the rollout aborts
};
std::string_view PhaseName(Phase phase);  // "Successful", ...
// "" (a new run's status) reads as Pending; an unknown name is nullopt.
std::optional<Phase> ParsePhase(std::string_view name);
// Successful, Inconclusive, Error and Failed are final.
bool IsCompleted(Phase phase);
Phase Worst(Phase a, Phase b);

// Go's time.ParseDuration, which Argo uses for interval and initialDelay: a sequence of
// decimal numbers with units ns, us (µs), ms, s, m, h: "30s", "5m", "1h30m", "1.5h". "0"
// alone is zero. Errors quote the text: `invalid duration "5x": unknown unit "x"`.
Result<Duration> ParseDuration(std::string_view text);

// ---- Arguments ---------------------------------------------------------------------------

struct SecretKeyRef {
  std::string name;  // a Secret in the run's namespace
  std::string key;
};

// An entry of spec.args (templates, runs) or of a Rollout's analysis args.
struct Argument {
  std::string name;
  std::optional<std::string> value;  // a number in YAML (`value: 9090`) reads as its text
  // valueFrom: at most one is set.
  std::optional<SecretKeyRef> secret_key_ref;          // resolved when measuring
  std::optional<std::string> field_ref;                // fieldRef.fieldPath (Rollout args)
  std::optional<std::string> pod_template_hash_value;  // "Stable" or "Latest" (Rollout args)
};

// Reads a list of args at `path` ("spec.args"). Errors name the entry and field.
Result<std::vector<Argument>> ParseArguments(const Value& list, std::string_view path);
Value ArgumentsToValue(const std::vector<Argument>& args);

// Looks up a Secret's key for a secretKeyRef arg. Supplied by the controller, which reads
// Secrets; the value is used for the measurement and redacted ("*****") from messages.
using SecretLookup = std::function<Result<std::string>(const SecretKeyRef& ref)>;

// Replaces every `{{args.NAME}}` (spaces inside the braces allowed) in every string of
// `metric` (keys are left alone) by that arg's value, as Argo does before each measurement.
// Errors: an arg without a value (`argument "x" was not supplied`) and a placeholder with
// no matching arg (`failed to resolve {{args.y}}`), as Argo words them.
Result<Value> SubstituteArgs(const Value& metric, const std::vector<Argument>& args);

// ---- Metrics -----------------------------------------------------------------------------

struct Header {
  std::string key;
  std::string value;  // may hold a secret: never logged
};

struct PrometheusMetric {
  std::string address;  // "http://prometheus:9090"; empty: the provider's default
  std::string query;
  std::optional<int64_t> timeout_seconds;  // default 30
  bool insecure = false;                   // skip TLS verification
  std::vector<Header> headers;
  std::string basic_auth_username;  // authentication.basicAuth
  std::string basic_auth_password;
};

struct WebMetric {
  std::string method = "GET";  // GET, POST or PUT
  std::string url;
  std::vector<Header> headers;
  std::string body;                // POST/PUT only
  std::optional<Value> json_body;  // POST/PUT only; sent as JSON with its Content-Type
  int64_t timeout_seconds = 0;     // <= 0: 10
  std::string json_path;           // "{$.data.ok}"; empty: the whole body
  bool insecure = false;
};

// A metric whose args are substituted: what a provider measures and the verdict rules.
struct Metric {
  std::string name;
  std::optional<Duration> interval;       // between measurements; none: one measurement
  std::optional<Duration> initial_delay;  // after the run starts
  int64_t count = 0;                      // 0: see EffectiveCount
  std::string success_condition;          // empty: none
  std::string failure_condition;
  std::optional<Expression> success;  // compiled success_condition
  std::optional<Expression> failure;
  int64_t failure_limit = 0;  // -1: off (then consecutiveSuccessLimit decides)
  int64_t inconclusive_limit = 0;
  int64_t consecutive_error_limit = 4;
  int64_t consecutive_success_limit = 0;       // 0: off
  std::optional<PrometheusMetric> prometheus;  // exactly one provider is set
  std::optional<WebMetric> web;

  // How many measurements complete the metric, as Argo counts: `count` when set; 1 when
  // neither count nor interval is set; nullopt (until stopped) with an interval only.
  std::optional<int64_t> EffectiveCount() const;
};

inline constexpr int64_t kDefaultConsecutiveErrorLimit = 4;

// Reads one metric (args already substituted) at `path` ("spec.metrics[0]"), checks it as
// Argo's ValidateMetric does (limits, count vs interval, one provider) and compiles its
// conditions. Providers other than prometheus and web are refused with the field named
// (provider.job: not supported yet). Unknown fields are refused: a typo such as
// `successCondtion` would otherwise silently pass every measurement.
Result<Metric> ParseMetric(const Value& metric, std::string_view path);

// The same checks on a metric that may still hold `{{args...}}` placeholders: fields with
// a placeholder are checked for type only. Used when a template is loaded.
Status ValidateMetricTemplate(const Value& metric, std::string_view path);

// ---- Templates ---------------------------------------------------------------------------

struct DryRun {
  std::string metric_name;  // a regular expression, searched in metric names (".*": all)
};

struct MeasurementRetention {
  std::string metric_name;  // a regular expression, as DryRun
  int64_t limit = 0;        // > 0: keep the latest `limit` measurements of matching metrics
};

struct TemplateRef {
  std::string template_name;
  bool cluster_scope = false;  // a ClusterAnalysisTemplate
};

// An AnalysisTemplate or ClusterAnalysisTemplate.
struct AnalysisTemplate {
  std::string kind;  // "AnalysisTemplate" or "ClusterAnalysisTemplate"
  std::string name;
  std::string ns;      // empty for ClusterAnalysisTemplates
  std::string source;  // the file it came from, for messages
  std::vector<Argument> args;
  std::vector<Value> metrics;  // as written; each passed ValidateMetricTemplate
  std::vector<DryRun> dry_run;
  std::vector<MeasurementRetention> measurement_retention;
  std::vector<TemplateRef> templates;  // other templates whose metrics and args join these

  bool cluster_scope() const { return kind == "ClusterAnalysisTemplate"; }
};

// Reads an AnalysisTemplate or ClusterAnalysisTemplate. `source` names the file in errors.
Result<AnalysisTemplate> ParseAnalysisTemplate(const Value& object, std::string_view source);

// ---- Runs --------------------------------------------------------------------------------

struct Measurement {
  Phase phase = Phase::kRunning;
  std::string message;  // why it errored or was inconclusive; secrets redacted
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> finished_at;
  std::string value;  // as Argo shows it: "[0.99]" for a vector, "0.99", "true", JSON
  std::vector<std::pair<std::string, std::string>> metadata;  // e.g. warnings
};

struct MetricResult {
  std::string name;
  Phase phase = Phase::kRunning;
  std::vector<Measurement> measurements;  // oldest first; see measurementRetention
  std::string message;
  int32_t count = 0;  // measurements that did not error: successful + failed + inconclusive
  int32_t successful = 0;
  int32_t failed = 0;
  int32_t inconclusive = 0;
  int32_t error = 0;
  int32_t consecutive_error = 0;
  int32_t consecutive_success = 0;
  bool dry_run = false;
  std::vector<std::pair<std::string, std::string>> metadata;  // ResolvedPrometheusQuery
};

struct RunSummary {
  int32_t count = 0;
  int32_t successful = 0;
  int32_t failed = 0;
  int32_t inconclusive = 0;
  int32_t error = 0;
};

struct AnalysisRunSpec {
  std::vector<Value> metrics;  // as in the templates: placeholders resolved per measurement
  std::vector<Argument> args;  // every arg has a value or a secretKeyRef
  bool terminate = false;      // set by the controller to stop the run early
  std::vector<DryRun> dry_run;
  std::vector<MeasurementRetention> measurement_retention;
  std::optional<Value> ttl_strategy;  // kept as written; deleting finished runs is the caller's
};

struct AnalysisRunStatus {
  Phase phase = Phase::kPending;
  std::string message;
  std::vector<MetricResult> metric_results;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> completed_at;
  RunSummary run_summary;
  std::optional<RunSummary> dry_run_summary;
};

struct AnalysisRun {
  Value metadata = Value::MakeObject();  // name, namespace, labels, ownerReferences: kept
  AnalysisRunSpec spec;
  AnalysisRunStatus status;
};

// Reads an AnalysisRun (spec and status). `source` names the file in errors.
Result<AnalysisRun> ParseAnalysisRun(const Value& object, std::string_view source);
// The AnalysisRun object with Argo's field names; ParseAnalysisRun reads it back unchanged.
Value AnalysisRunToValue(const AnalysisRun& run);

// Finds another template referenced from spec.templates. Supplied by the controller.
using TemplateLookup =
    std::function<Result<AnalysisTemplate>(std::string_view name, bool cluster_scope)>;

struct NewRunOptions {
  std::string name;           // metadata.name
  std::string generate_name;  // metadata.generateName, when the API server is to name it
  std::string ns;             // metadata.namespace: where Secrets are read
  // The Rollout's args, their valueFrom (podTemplateHashValue, fieldRef) already turned into
  // values by the caller; they override template args of the same name.
  std::vector<Argument> args;
  std::vector<DryRun> dry_run;  // the Rollout's, added to the templates'
  std::vector<MeasurementRetention> measurement_retention;
};

// Builds an AnalysisRun from templates as Argo does: metrics of every template (and of the
// templates they reference, each once) in order, AnalysisTemplates before
// ClusterAnalysisTemplates; args merged (the same arg with two different values is an
// error) and overridden by `options.args`; every arg must end with a value or a
// secretKeyRef (`args.service-name was not resolved`). Two metrics of one name are an error.
Result<AnalysisRun> NewAnalysisRun(const std::vector<AnalysisTemplate>& templates,
                                   const NewRunOptions& options, const TemplateLookup& lookup = {});

}  // namespace capstan::rollout::analysis
