// The prometheus and web providers: build the request, exchange it, read the answer.
#include <strings.h>

#include <cstdlib>
#include <string>

#include "core/json.h"
#include "rollout/analysis/internal/http.h"
#include "rollout/analysis/providers.h"

namespace capstan::rollout::analysis {
namespace {

constexpr const char* kPrometheusAddressVariable = "ARGO_ROLLOUTS_PROMETHEUS_ADDRESS";

ProviderResult Errored(std::string message) {
  ProviderResult out;
  out.error = std::move(message);
  return out;
}

ProviderResult MeasurePrometheus(const PrometheusMetric& metric,
                                 const HttpProviderOptions& options) {
  std::string address =
      metric.address.empty() ? options.default_prometheus_address : metric.address;
  if (address.empty()) {
    return Errored(
        std::string("prometheus address is not configured: set provider.prometheus.address "
                    "or ") +
        kPrometheusAddressVariable);
  }
  while (!address.empty() && address.back() == '/') address.pop_back();
  internal::HttpRequest request;
  request.url = address + "/api/v1/query?query=" + internal::UrlEncode(metric.query);
  request.headers = metric.headers;
  request.insecure = metric.insecure;
  request.username = metric.basic_auth_username;
  request.password = metric.basic_auth_password;
  request.max_response_bytes = options.max_prometheus_bytes;
  request.timeout = metric.timeout_seconds ? std::chrono::seconds(*metric.timeout_seconds)
                                           : options.default_prometheus_timeout;
  // timeout: 0 in a template is Go's zero duration: a context that has already expired.
  // capstan reads it as "no extra limit" beyond the default rather than failing every time.
  if (request.timeout.count() == 0) request.timeout = options.default_prometheus_timeout;
  auto response = internal::HttpExchange(request);
  if (!response.ok()) return Errored("prometheus query failed: " + response.error().message());
  return ParsePrometheusResponse(response->status, response->body);
}

ProviderResult MeasureWeb(const WebMetric& metric, const HttpProviderOptions& options) {
  internal::HttpRequest request;
  request.method = metric.method;
  request.url = metric.url;
  request.headers = metric.headers;
  request.insecure = metric.insecure;
  request.max_response_bytes = options.max_web_bytes;
  request.timeout = metric.timeout_seconds > 0 ? std::chrono::seconds(metric.timeout_seconds)
                                               : options.default_web_timeout;
  if (metric.json_body) {
    request.body = EmitJson(*metric.json_body);
    bool has_type = false;
    for (Header& header : request.headers) {
      if (header.key.size() == 12 && strncasecmp(header.key.c_str(), "Content-Type", 12) == 0) {
        header.value = "application/json";
        has_type = true;
      }
    }
    if (!has_type) request.headers.push_back(Header{"Content-Type", "application/json"});
  } else {
    request.body = metric.body;
  }
  auto response = internal::HttpExchange(request);
  if (!response.ok()) return Errored(response.error().message());
  return ParseWebResponse(metric, response->status, response->body);
}

}  // namespace

HttpMetricProvider::HttpMetricProvider(HttpProviderOptions options)
    : options_(std::move(options)) {}

HttpProviderOptions HttpMetricProvider::DefaultOptions() {
  HttpProviderOptions options;
  if (const char* address = std::getenv(kPrometheusAddressVariable); address != nullptr) {
    options.default_prometheus_address = address;
  }
  return options;
}

ProviderResult HttpMetricProvider::Measure(const Metric& metric) {
  TimePoint started = Clock::now();
  ProviderResult out;
  if (metric.prometheus) {
    out = MeasurePrometheus(*metric.prometheus, options_);
  } else if (metric.web) {
    out = MeasureWeb(*metric.web, options_);
  } else {
    out = Errored("metric \"" + metric.name + "\" has no provider capstan can run");
  }
  out.started_at = started;
  out.finished_at = Clock::now();
  return out;
}

}  // namespace capstan::rollout::analysis
