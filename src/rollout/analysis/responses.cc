// Reading providers' answers: Prometheus's query API and web metrics. Pure functions; the
// HTTP exchange is in http_provider.cc.
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "core/json.h"
#include "rollout/analysis/providers.h"

namespace capstan::rollout::analysis {
namespace {

// Room for a Prometheus answer's JSON; the HTTP reader already bounds the body.
constexpr size_t kMaxJsonBytes = 64u << 20;
// Bytes of an unreadable body quoted in an error.
constexpr size_t kQuotedBodyBytes = 200;

std::string Quote(std::string_view body) {
  std::string shown(body.substr(0, kQuotedBodyBytes));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (body.size() > kQuotedBodyBytes) shown += "...";
  return shown;
}

ProviderResult Failed(std::string message) {
  ProviderResult out;
  out.error = std::move(message);
  return out;
}

// A sample is [timestamp, "value"]; the value is a string ("0.95", "NaN", "+Inf").
bool SampleValue(const Value& sample, double& out) {
  if (!sample.is_array() || sample.as_array().size() != 2) return false;
  const Value& text = sample.as_array()[1];
  if (!text.is_string()) return false;
  const std::string& s = text.as_string();
  if (s == "NaN") {
    out = std::nan("");
  } else if (s == "+Inf" || s == "Inf") {
    out = std::numeric_limits<double>::infinity();
  } else if (s == "-Inf") {
    out = -std::numeric_limits<double>::infinity();
  } else {
    auto parsed = std::from_chars(s.data(), s.data() + s.size(), out);
    if (parsed.ec != std::errc() || parsed.ptr != s.data() + s.size()) return false;
  }
  return true;
}

// The vector and matrix shape Argo gives conditions: every sample's value, in order.
ProviderResult Samples(const std::vector<double>& values) {
  ProviderResult out;
  Value::Array numbers;
  std::string shown = "[";
  bool all_nan = true;
  for (double v : values) {
    numbers.emplace_back(v);
    if (shown.size() > 1) shown += ",";
    shown += FormatPrometheusFloat(v);
    all_nan &= std::isnan(v);
  }
  shown += "]";
  out.result = Value(std::move(numbers));
  out.value = std::move(shown);
  if (values.empty()) {
    out.no_data = true;
    out.no_data_message = std::string(kNoDataMessage);
  } else if (all_nan) {
    out.no_data = true;
    out.no_data_message = std::string(kNaNMessage);
  }
  return out;
}

}  // namespace

std::string FormatPrometheusFloat(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[400];  // the longest fixed form of a double is about 330 characters
  auto written = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
  return std::string(buffer, written.ptr);
}

ProviderResult ParsePrometheusResponse(long http_status, std::string_view body) {
  auto parsed = ParseJson(body, "prometheus response", kMaxJsonBytes);
  bool http_ok = http_status >= 200 && http_status < 300;
  if (!parsed.ok() || !parsed->is_object()) {
    if (!http_ok) {
      return Failed("prometheus answered HTTP " + std::to_string(http_status) + ": " + Quote(body));
    }
    return Failed("cannot read the Prometheus response (not its JSON API?): " + Quote(body));
  }
  const Value& answer = *parsed;
  if (answer.StringAt({"status"}) == "error" || !http_ok) {
    std::string type(answer.StringAt({"errorType"}));
    std::string message(answer.StringAt({"error"}));
    if (message.empty()) {
      return Failed("prometheus answered HTTP " + std::to_string(http_status) + ": " + Quote(body));
    }
    return Failed((type.empty() ? "" : type + ": ") + message);
  }
  const Value* data = answer.Find("data");
  std::string_view type = data == nullptr ? "" : data->StringAt({"resultType"});
  const Value* result = data == nullptr ? nullptr : data->Find("result");
  if (result == nullptr) return Failed("cannot read the Prometheus response: no data.result");

  ProviderResult out;
  if (type == "scalar") {
    double v = 0;
    if (!SampleValue(*result, v))
      return Failed("cannot read the Prometheus scalar: " + Quote(body));
    out.result = Value(v);
    out.value = FormatPrometheusFloat(v);
    if (std::isnan(v)) {
      out.no_data = true;
      out.no_data_message = std::string(kNaNMessage);
    }
  } else if (type == "vector" || type == "matrix") {
    if (!result->is_array()) return Failed("cannot read the Prometheus " + std::string(type));
    std::vector<double> values;
    for (const Value& series : result->as_array()) {
      if (type == "vector") {
        double v = 0;
        const Value* sample = series.Find("value");
        if (sample == nullptr || !SampleValue(*sample, v)) {
          return Failed("cannot read a Prometheus vector sample: " + Quote(EmitJson(series)));
        }
        values.push_back(v);
        continue;
      }
      const Value* samples = series.Find("values");
      if (samples == nullptr || !samples->is_array()) {
        return Failed("cannot read a Prometheus matrix series: " + Quote(EmitJson(series)));
      }
      for (const Value& sample : samples->as_array()) {
        double v = 0;
        if (!SampleValue(sample, v)) return Failed("cannot read a Prometheus matrix sample");
        values.push_back(v);
      }
    }
    out = Samples(values);
  } else {
    // Argo's own words for a string result or anything newer.
    return Failed("Prometheus metric type not supported (resultType \"" + std::string(type) +
                  "\")");
  }
  if (const Value* warnings = answer.Find("warnings");
      warnings != nullptr && warnings->is_array()) {
    std::string joined;
    for (const Value& warning : warnings->as_array()) {
      if (!warning.is_string()) continue;
      if (!joined.empty()) joined += ", ";
      joined += "\"" + warning.as_string() + "\"";
    }
    if (!joined.empty()) out.metadata.emplace_back("warnings", joined);
  }
  return out;
}

ProviderResult ParseWebResponse(const WebMetric& metric, long http_status, std::string_view body) {
  if (http_status < 200 || http_status >= 300) {
    return Failed("received non 2xx response code: " + std::to_string(http_status));
  }
  ProviderResult out;
  auto parsed = ParseJson(body, "web metric response", kMaxJsonBytes);
  if (!parsed.ok()) {
    // Not JSON: the body itself is the result, as Argo's plain-text responses.
    out.result = Value(std::string(body));
    out.value = std::string(body);
    return out;
  }
  const Value* found = &*parsed;
  if (!metric.json_path.empty()) {
    auto path = JsonPath::Parse(metric.json_path);
    if (!path.ok()) return Failed(path.error().message());
    auto selected = path->Find(*parsed);
    if (!selected.ok())
      return Failed("Could not find JSONPath in body: " + selected.error().message());
    found = *selected;
  }
  out.result = *found;
  out.value = EmitJson(*found);
  return out;
}

}  // namespace capstan::rollout::analysis
