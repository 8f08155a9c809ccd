// Metric providers: where a measurement's value comes from.
//
// A provider takes one measurement of a metric and reports the raw `result` (or why it
// could not); the verdict (Successful, Failed, Inconclusive) is made by EvaluateMeasurement
// in run.h, the same for every provider. capstan runs two of Argo Rollouts' providers:
//   prometheus  GET {address}/api/v1/query?query=...; a vector is an array of numbers
//               (`result[0]`), a scalar a number, a matrix every sample of every series.
//               An empty vector or NaN is "no data": Inconclusive, never Successful.
//   web         GET/POST/PUT a URL; the JSON body (or the part jsonPath selects) is
//               `result`; a body that is not JSON is a string.
// The job provider and the others (datadog, newRelic, ...) are refused when a template is
// loaded (ParseMetric). Responses are untrusted: their size is bounded.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "rollout/analysis/analysis.h"

namespace capstan::rollout::analysis {

// The message of an Inconclusive measurement whose query found nothing: a canary that gets
// no traffic produces no samples, and Flagger users know this as "no values found".
inline constexpr std::string_view kNoDataMessage =
    "no data: the query returned no values (is the canary getting traffic?)";
inline constexpr std::string_view kNaNMessage =
    "no data: the query returned NaN (is the canary getting traffic? a ratio of two zero "
    "rates is NaN)";

// One measurement as a provider took it, before the conditions are applied.
struct ProviderResult {
  // The value bound to `result` in conditions. Unset when `error` is set.
  std::optional<Value> result;
  // The value as Argo records it in measurement.value: "[0.99]", "0.5", "true", JSON.
  std::string value;
  // Not empty: the measurement could not be taken (connection refused, HTTP 500, a
  // Prometheus error); it is an Error measurement with this message.
  std::string error;
  // The provider got an answer with no data in it (empty vector, NaN): the measurement is
  // Inconclusive with `no_data_message`, whatever the conditions say.
  bool no_data = false;
  std::string no_data_message;
  TimePoint started_at;
  TimePoint finished_at;
  std::vector<std::pair<std::string, std::string>> metadata;  // e.g. Prometheus warnings
};

// A source of measurements. Implementations must be safe to call from several threads at
// once (a run measures its metrics in parallel) and must return within the metric's own
// timeout plus connection set-up; they report failures in ProviderResult::error, never by
// throwing.
class MetricProvider {
 public:
  virtual ~MetricProvider() = default;
  // Takes one measurement of `metric` (args substituted, secrets included: never log it).
  virtual ProviderResult Measure(const Metric& metric) = 0;
};

struct HttpProviderOptions {
  // Used when provider.prometheus.address is empty. Default: the environment variable
  // ARGO_ROLLOUTS_PROMETHEUS_ADDRESS, as Argo Rollouts reads it; empty: such a metric errors.
  std::string default_prometheus_address;
  // Largest Prometheus response read, in bytes. Default 16 MiB: about 200,000 samples; a
  // larger answer is an Error measurement ("response larger than ...").
  size_t max_prometheus_bytes = 16u << 20;
  // Largest web response read. Default 1 MiB.
  size_t max_web_bytes = 1u << 20;
  // Prometheus timeout when the metric sets none (Argo's default: 30 s).
  std::chrono::seconds default_prometheus_timeout{30};
  // Web timeout when timeoutSeconds is not positive (Argo's default: 10 s).
  std::chrono::seconds default_web_timeout{10};
};

// The prometheus and web providers over HTTP (libcurl). Thread-safe; holds no connections
// between measurements.
class HttpMetricProvider final : public MetricProvider {
 public:
  explicit HttpMetricProvider(HttpProviderOptions options = DefaultOptions());
  ProviderResult Measure(const Metric& metric) override;

  // Options with default_prometheus_address read from the environment.
  static HttpProviderOptions DefaultOptions();

 private:
  HttpProviderOptions options_;
};

// ---- The pure halves of the providers, for tests and other transports ---------------------

// Reads a Prometheus /api/v1/query answer (its HTTP status and body) into a result:
// scalar -> number, vector -> array of numbers, matrix -> array of every sample; an empty
// vector or matrix, or only NaN samples, is no_data; {"status":"error"} and HTTP errors
// are `error` ("bad_data: parse error at char 5: ..."). Times are left unset.
ProviderResult ParsePrometheusResponse(long http_status, std::string_view body);

// Go's strconv.FormatFloat(f, 'f', -1, 64), which Argo uses for Prometheus values:
// 0.95, 1000000, NaN, +Inf, -Inf.
std::string FormatPrometheusFloat(double value);

// The subset of Kubernetes JSONPath that web metrics use: "{$.data.ok}", "{.data}", "{$}",
// "{$.items[0].value}", "{$['a key']}". Other syntax (filters, wildcards, ranges) is refused
// when parsed.
class JsonPath {
 public:
  static Result<JsonPath> Parse(std::string_view text);
  // The element selected in `root`; NotFound naming the missing step ("data.ok is not found").
  Result<const Value*> Find(const Value& root) const;
  const std::string& text() const { return text_; }

 private:
  struct Step {
    std::string field;  // used when !is_index
    int64_t index = 0;
    bool is_index = false;
  };
  std::string text_;
  std::vector<Step> steps_;
};

// Reads a web metric's answer as Argo does: a body that parses as JSON is searched with
// jsonPath (missing: error); a body that does not is `result` as a string. A status outside
// 2xx is an error ("received non 2xx response code: 503").
ProviderResult ParseWebResponse(const WebMetric& metric, long http_status, std::string_view body);

}  // namespace capstan::rollout::analysis
