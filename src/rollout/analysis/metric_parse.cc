// One metric of an AnalysisTemplate or AnalysisRun, checked as Argo's ValidateMetric checks
// it (utils/analysis/factory.go), with its conditions compiled once.
#include <string>

#include "rollout/analysis/analysis.h"
#include "rollout/analysis/internal/fields.h"
#include "rollout/analysis/providers.h"

namespace capstan::rollout::analysis {

using internal::Field;
using internal::FieldError;
using internal::HasPlaceholder;
using internal::Item;

namespace {

// Argo's providers that capstan does not run; refused by name rather than ignored.
constexpr std::string_view kUnsupportedProviders[] = {"kayenta",  "datadog",    "wavefront",
                                                      "newRelic", "cloudWatch", "graphite",
                                                      "influxdb", "skywalking", "plugin"};

// Reading a metric in one of two modes: a template (strings may still hold placeholders,
// checked for type only) or a resolved metric (every value checked).
class MetricReader {
 public:
  MetricReader(std::string_view path, bool templated) : path_(path), templated_(templated) {}

  Status Read(const Value& object, Metric& metric) {
    if (!object.is_object()) return FieldError(path_, "expected a map");
    CAPSTAN_TRY(
        internal::OnlyKnownFields(object,
                                  {"name", "interval", "initialDelay", "count", "successCondition",
                                   "failureCondition", "failureLimit", "inconclusiveLimit",
                                   "consecutiveErrorLimit", "consecutiveSuccessLimit", "provider"},
                                  path_));
    auto name = internal::RequiredString(object, "name", path_);
    if (!name.ok()) return std::move(name).error();
    metric.name = std::move(*name);

    CAPSTAN_TRY(ReadDuration(object, "interval", "invalid interval string", metric.interval));
    CAPSTAN_TRY(
        ReadDuration(object, "initialDelay", "invalid startDelay string", metric.initial_delay));
    CAPSTAN_TRY(ReadIntOrString(object, "count", metric.count));
    CAPSTAN_TRY(ReadIntOrString(object, "failureLimit", metric.failure_limit));
    CAPSTAN_TRY(ReadIntOrString(object, "inconclusiveLimit", metric.inconclusive_limit));
    CAPSTAN_TRY(ReadIntOrString(object, "consecutiveErrorLimit", metric.consecutive_error_limit));
    CAPSTAN_TRY(
        ReadIntOrString(object, "consecutiveSuccessLimit", metric.consecutive_success_limit));
    CAPSTAN_TRY(
        ReadCondition(object, "successCondition", metric.success_condition, metric.success));
    CAPSTAN_TRY(
        ReadCondition(object, "failureCondition", metric.failure_condition, metric.failure));
    CAPSTAN_TRY(CheckLimits(metric));

    const Value* provider = object.Find("provider");
    if (provider == nullptr || provider->is_null())
      return FieldError(Field(path_, "provider"), "required");
    return ReadProvider(*provider, metric);
  }

 private:
  Status ReadDuration(const Value& object, std::string_view key, std::string_view what,
                      std::optional<Duration>& out) {
    auto text = internal::OptionalString(object, key, path_);
    if (!text.ok()) return std::move(text).error();
    if (!text->has_value() || (*text)->empty()) return OkStatus();
    if (templated_ && HasPlaceholder(**text)) {
      interval_unknown_ |= key == "interval";
      out = Duration(0);
      return OkStatus();
    }
    auto duration = ParseDuration(**text);
    if (!duration.ok()) {
      return FieldError(Field(path_, key), std::string(what) + ": " + duration.error().message());
    }
    out = *duration;
    return OkStatus();
  }

  // Argo's IntOrString fields: 3 or "3" (what a `{{args.count}}` placeholder becomes).
  Status ReadIntOrString(const Value& object, std::string_view key, int64_t& out) {
    const Value* field = object.Find(key);
    if (field == nullptr || field->is_null()) return OkStatus();
    if (field->is_string()) {
      const std::string& text = field->as_string();
      if (templated_ && HasPlaceholder(text)) {
        unknown_ints_ = true;
        return OkStatus();
      }
      size_t start = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
      bool digits = text.size() > start && text.size() < 19 &&
                    text.find_first_not_of("0123456789", start) == std::string::npos;
      if (!digits)
        return FieldError(Field(path_, key), "expected an integer, found \"" + text + "\"");
      out = std::stoll(text);
      return OkStatus();
    }
    auto number = internal::OptionalInt(object, key, path_);
    if (!number.ok()) return std::move(number).error();
    out = **number;
    return OkStatus();
  }

  Status ReadCondition(const Value& object, std::string_view key, std::string& text,
                       std::optional<Expression>& compiled) {
    auto condition = internal::OptionalString(object, key, path_);
    if (!condition.ok()) return std::move(condition).error();
    if (!condition->has_value()) return OkStatus();
    text = std::move(**condition);
    if (text.empty() || (templated_ && HasPlaceholder(text))) return OkStatus();
    auto expression = Expression::Compile(text);
    if (!expression.ok()) return FieldError(Field(path_, key), expression.error().message());
    compiled = std::move(*expression);
    return OkStatus();
  }

  // Argo's ValidateMetric, message for message.
  Status CheckLimits(const Metric& m) {
    if (m.consecutive_success_limit < 0)
      return FieldError(path_, "consecutiveSuccessLimit must be >= 0");
    if (m.failure_limit < -1)
      return FieldError(path_, "failureLimit must be >= 0, or -1 to be disabled");
    if (unknown_ints_) return CheckInterval(m);
    if (m.consecutive_success_limit == 0 && m.failure_limit == -1) {
      return FieldError(path_, "failureLimit and consecutiveSuccessLimit cannot both be disabled");
    }
    if (m.inconclusive_limit < 0) return FieldError(path_, "inconclusiveLimit must be >= 0");
    if (m.consecutive_error_limit < 0)
      return FieldError(path_, "consecutiveErrorLimit must be >= 0");
    if (m.count > 0) {
      if (m.failure_limit >= 0) {
        if (m.count < m.failure_limit + m.consecutive_success_limit) {
          return FieldError(path_, "count (" + std::to_string(m.count) +
                                       ") must be >= failureLimit + consecutiveSuccessLimit (" +
                                       std::to_string(m.failure_limit) + " + " +
                                       std::to_string(m.consecutive_success_limit) +
                                       ") if both >= 0");
        }
      } else if (m.count < m.consecutive_success_limit) {
        return FieldError(path_, "count must be >= consecutiveSuccessLimit");
      }
      if (m.count < m.inconclusive_limit)
        return FieldError(path_, "count must be >= inconclusiveLimit");
    }
    return CheckInterval(m);
  }

  Status CheckInterval(const Metric& m) {
    if (m.count > 1 && !m.interval && !interval_unknown_) {
      return FieldError(path_, "interval must be specified when count > 1");
    }
    return OkStatus();
  }

  Status ReadProvider(const Value& provider, Metric& metric) {
    std::string path = Field(path_, "provider");
    if (!provider.is_object()) return FieldError(path, "expected a map");
    int providers = 0;
    for (const auto& [key, value] : provider.as_object()) {
      std::string field = Field(path, key);
      if (key == "prometheus") {
        ++providers;
        CAPSTAN_TRY(ReadPrometheus(value, field, metric.prometheus.emplace()));
      } else if (key == "web") {
        ++providers;
        CAPSTAN_TRY(ReadWeb(value, field, metric.web.emplace()));
      } else if (key == "job") {
        return FieldError(
            field, "the job provider is not supported by capstan yet; use prometheus or web");
      } else {
        bool known = false;
        for (std::string_view name : kUnsupportedProviders) known |= name == key;
        if (!known) return FieldError(path, "unknown field \"" + key + "\"");
        return FieldError(
            field, "the " + key + " provider is not supported by capstan; use prometheus or web");
      }
    }
    if (providers == 0) return FieldError(path, "no provider specified");
    if (providers > 1) return FieldError(path, "multiple providers specified");
    return OkStatus();
  }

  Result<std::vector<Header>> ReadHeaders(const Value& object, std::string_view path) {
    auto list = internal::OptionalList(object, "headers", path);
    if (!list.ok()) return std::move(list).error();
    std::vector<Header> headers;
    std::string list_path = Field(path, "headers");
    for (size_t i = 0; i < (*list)->size(); ++i) {
      const Value& entry = (**list)[i];
      std::string entry_path = Item(list_path, i);
      if (!entry.is_object()) return FieldError(entry_path, "expected a map with key and value");
      CAPSTAN_TRY(internal::OnlyKnownFields(entry, {"key", "value"}, entry_path));
      auto key = internal::RequiredString(entry, "key", entry_path);
      if (!key.ok()) return std::move(key).error();
      auto value = internal::OptionalString(entry, "value", entry_path);
      if (!value.ok()) return std::move(value).error();
      if (key->find_first_of("\r\n:") != std::string::npos) {
        return FieldError(Field(entry_path, "key"),
                          "a header name may not hold ':' or a line break");
      }
      if (value->value_or("").find_first_of("\r\n") != std::string::npos) {
        return FieldError(Field(entry_path, "value"), "a header value may not hold a line break");
      }
      headers.push_back(Header{std::move(*key), value->value_or("")});
    }
    return headers;
  }

  // authentication: basicAuth is supported; sigv4 and oauth2 are refused when set.
  Status ReadAuthentication(const Value& object, std::string_view path,
                            PrometheusMetric* prometheus) {
    auto auth = internal::OptionalMap(object, "authentication", path);
    if (!auth.ok()) return std::move(auth).error();
    if (*auth == nullptr) return OkStatus();
    std::string auth_path = Field(path, "authentication");
    CAPSTAN_TRY(internal::OnlyKnownFields(**auth, {"sigv4", "oauth2", "basicAuth"}, auth_path));
    for (std::string_view unsupported : {"sigv4", "oauth2"}) {
      const Value* section = (*auth)->Find(unsupported);
      if (section != nullptr && !section->empty()) {
        return FieldError(Field(auth_path, unsupported), "not supported by capstan yet");
      }
    }
    auto basic = internal::OptionalMap(**auth, "basicAuth", auth_path);
    if (!basic.ok()) return std::move(basic).error();
    if (*basic == nullptr || (*basic)->empty()) return OkStatus();
    std::string basic_path = Field(auth_path, "basicAuth");
    if (prometheus == nullptr) return FieldError(basic_path, "not supported for web metrics");
    CAPSTAN_TRY(internal::OnlyKnownFields(**basic, {"username", "password"}, basic_path));
    auto username = internal::OptionalString(**basic, "username", basic_path);
    if (!username.ok()) return std::move(username).error();
    auto password = internal::OptionalString(**basic, "password", basic_path);
    if (!password.ok()) return std::move(password).error();
    prometheus->basic_auth_username = username->value_or("");
    prometheus->basic_auth_password = password->value_or("");
    if (prometheus->basic_auth_username.empty()) {
      return FieldError(Field(basic_path, "username"), "required with basicAuth");
    }
    if (prometheus->basic_auth_password.empty()) {
      return FieldError(Field(basic_path, "password"), "required with basicAuth");
    }
    return OkStatus();
  }

  Status CheckUrl(const std::string& url, std::string_view path, bool required) {
    if (url.empty()) return required ? FieldError(path, "required") : OkStatus();
    if (templated_ && HasPlaceholder(url)) return OkStatus();
    bool http = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
    size_t host = url.find("://") + 3;
    if (!http || host >= url.size() || url[host] == '/') {
      return FieldError(path,
                        "expected an http:// or https:// URL with a host, found \"" + url + "\"");
    }
    return OkStatus();
  }

  Status ReadPrometheus(const Value& object, const std::string& path, PrometheusMetric& out) {
    if (!object.is_object()) return FieldError(path, "expected a map");
    CAPSTAN_TRY(internal::OnlyKnownFields(
        object,
        {"address", "query", "authentication", "timeout", "insecure", "headers", "rangeQuery"},
        path));
    if (object.Find("rangeQuery") != nullptr) {
      return FieldError(Field(path, "rangeQuery"),
                        "range queries are not supported by capstan yet");
    }
    auto address = internal::OptionalString(object, "address", path);
    if (!address.ok()) return std::move(address).error();
    out.address = address->value_or("");
    CAPSTAN_TRY(CheckUrl(out.address, Field(path, "address"), /*required=*/false));
    auto query = internal::RequiredString(object, "query", path);
    if (!query.ok()) return std::move(query).error();
    out.query = std::move(*query);
    auto timeout = internal::OptionalInt(object, "timeout", path);
    if (!timeout.ok()) return std::move(timeout).error();
    if (timeout->has_value() && **timeout < 0) {
      return FieldError(Field(path, "timeout"), "prometheus timeout should not be negative");
    }
    out.timeout_seconds = *timeout;
    auto insecure = internal::OptionalBool(object, "insecure", path);
    if (!insecure.ok()) return std::move(insecure).error();
    out.insecure = insecure->value_or(false);
    auto headers = ReadHeaders(object, path);
    if (!headers.ok()) return std::move(headers).error();
    out.headers = std::move(*headers);
    return ReadAuthentication(object, path, &out);
  }

  Status ReadWeb(const Value& object, const std::string& path, WebMetric& out) {
    if (!object.is_object()) return FieldError(path, "expected a map");
    CAPSTAN_TRY(internal::OnlyKnownFields(object,
                                          {"method", "url", "headers", "body", "timeoutSeconds",
                                           "jsonPath", "insecure", "jsonBody", "authentication"},
                                          path));
    auto method = internal::OptionalString(object, "method", path);
    if (!method.ok()) return std::move(method).error();
    out.method = method->value_or("");
    if (out.method.empty()) out.method = "GET";
    if (out.method != "GET" && out.method != "POST" && out.method != "PUT") {
      return FieldError(Field(path, "method"),
                        "must be GET, POST or PUT, found \"" + out.method + "\"");
    }
    auto url = internal::OptionalString(object, "url", path);
    if (!url.ok()) return std::move(url).error();
    out.url = url->value_or("");
    CAPSTAN_TRY(CheckUrl(out.url, Field(path, "url"), /*required=*/true));
    auto headers = ReadHeaders(object, path);
    if (!headers.ok()) return std::move(headers).error();
    out.headers = std::move(*headers);
    auto body = internal::OptionalString(object, "body", path);
    if (!body.ok()) return std::move(body).error();
    out.body = body->value_or("");
    if (const Value* json_body = object.Find("jsonBody");
        json_body != nullptr && !json_body->is_null()) {
      out.json_body = *json_body;
    }
    if (!out.body.empty() && out.json_body) {
      return FieldError(path, "use either body or jsonBody; both cannot exist for a web metric");
    }
    if ((!out.body.empty() || out.json_body) && out.method == "GET") {
      return FieldError(path, "body and jsonBody can only be used with the POST or PUT method");
    }
    auto timeout = internal::OptionalInt(object, "timeoutSeconds", path);
    if (!timeout.ok()) return std::move(timeout).error();
    out.timeout_seconds = timeout->value_or(0);
    auto json_path = internal::OptionalString(object, "jsonPath", path);
    if (!json_path.ok()) return std::move(json_path).error();
    out.json_path = json_path->value_or("");
    if (!out.json_path.empty() && !(templated_ && HasPlaceholder(out.json_path))) {
      auto parsed = JsonPath::Parse(out.json_path);
      if (!parsed.ok()) return FieldError(Field(path, "jsonPath"), parsed.error().message());
    }
    auto insecure = internal::OptionalBool(object, "insecure", path);
    if (!insecure.ok()) return std::move(insecure).error();
    out.insecure = insecure->value_or(false);
    return ReadAuthentication(object, path, nullptr);
  }

  std::string path_;
  bool templated_;
  bool unknown_ints_ = false;      // an integer field is still a placeholder
  bool interval_unknown_ = false;  // interval is still a placeholder
};

}  // namespace

std::optional<int64_t> Metric::EffectiveCount() const {
  if (count == 0) {
    if (!interval) return 1;
    return std::nullopt;
  }
  return count;
}

Result<Metric> ParseMetric(const Value& metric, std::string_view path) {
  Metric out;
  MetricReader reader(path, /*templated=*/false);
  CAPSTAN_TRY(reader.Read(metric, out));
  return out;
}

Status ValidateMetricTemplate(const Value& metric, std::string_view path) {
  Metric out;
  MetricReader reader(path, /*templated=*/true);
  return reader.Read(metric, out);
}

}  // namespace capstan::rollout::analysis
