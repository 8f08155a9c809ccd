#include "target/local/proxy/internal/metrics.h"

#include <fmt/format.h>

namespace capstan::target::local::proxy::internal {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

// Escapes a label value: backslash, double quote and newline, as the format requires.
std::string Escape(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string HttpLabels(const std::tuple<std::string, std::string, std::string>& key) {
  return fmt::format("namespace=\"{}\",service=\"{}\",version=\"{}\"", Escape(std::get<0>(key)),
                     Escape(std::get<1>(key)), Escape(std::get<2>(key)));
}

}  // namespace

void HttpSeries::Record(int status, std::chrono::nanoseconds duration) {
  int status_class = status / 100;
  if (status_class >= 1 && status_class <= 5) by_class[status_class - 1].fetch_add(1, kRelaxed);
  double seconds = std::chrono::duration<double>(duration).count();
  size_t bucket = 0;
  while (bucket < kDurationBuckets.size() && seconds > kDurationBuckets[bucket]) ++bucket;
  buckets[bucket].fetch_add(1, kRelaxed);
  duration_nanos.fetch_add(static_cast<uint64_t>(duration.count()), kRelaxed);
}

std::shared_ptr<HttpSeries> Metrics::Http(const std::string& ns, const std::string& service,
                                          const std::string& version) {
  std::lock_guard lock(mu_);
  auto& series = http_[HttpKey{ns, service, version}];
  if (!series) series = std::make_shared<HttpSeries>();
  return series;
}

std::shared_ptr<TcpSeries> Metrics::Tcp(const std::string& ns, const std::string& service, int port,
                                        const std::string& version) {
  std::lock_guard lock(mu_);
  auto& series = tcp_[TcpKey{ns, service, port, version}];
  if (!series) series = std::make_shared<TcpSeries>();
  return series;
}

std::string Metrics::Text() const {
  std::lock_guard lock(mu_);
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "# HELP capstan_proxy_requests_total HTTP requests proxied to an Ingress "
                 "backend, by backend Service, version and status class.\n"
                 "# TYPE capstan_proxy_requests_total counter\n");
  static constexpr std::array<std::string_view, 5> kClasses = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  for (const auto& [key, series] : http_) {
    for (size_t c = 0; c < kClasses.size(); ++c) {
      uint64_t count = series->by_class[c].load(kRelaxed);
      if (count == 0) continue;
      fmt::format_to(it, "capstan_proxy_requests_total{{{},code_class=\"{}\"}} {}\n",
                     HttpLabels(key), kClasses[c], count);
    }
  }
  fmt::format_to(it,
                 "# HELP capstan_proxy_request_duration_seconds Time from reading a request's "
                 "header to sending the last byte of its response.\n"
                 "# TYPE capstan_proxy_request_duration_seconds histogram\n");
  for (const auto& [key, series] : http_) {
    std::string labels = HttpLabels(key);
    uint64_t cumulative = 0;
    for (size_t b = 0; b < series->buckets.size(); ++b) {
      cumulative += series->buckets[b].load(kRelaxed);
      std::string le =
          b < kDurationBuckets.size() ? fmt::format("{}", kDurationBuckets[b]) : "+Inf";
      fmt::format_to(it, "capstan_proxy_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n",
                     labels, le, cumulative);
    }
    fmt::format_to(it, "capstan_proxy_request_duration_seconds_sum{{{}}} {}\n", labels,
                   static_cast<double>(series->duration_nanos.load(kRelaxed)) / 1e9);
    fmt::format_to(it, "capstan_proxy_request_duration_seconds_count{{{}}} {}\n", labels,
                   cumulative);
  }
  fmt::format_to(it,
                 "# HELP capstan_proxy_in_flight_requests HTTP requests being proxied now.\n"
                 "# TYPE capstan_proxy_in_flight_requests gauge\n");
  for (const auto& [key, series] : http_) {
    fmt::format_to(it, "capstan_proxy_in_flight_requests{{{}}} {}\n", HttpLabels(key),
                   series->in_flight.load(kRelaxed));
  }
  fmt::format_to(it,
                 "# HELP capstan_proxy_unrouted_requests_total HTTP requests that matched no "
                 "Ingress rule (answered 404).\n"
                 "# TYPE capstan_proxy_unrouted_requests_total counter\n"
                 "capstan_proxy_unrouted_requests_total {}\n",
                 unrouted.load(kRelaxed));
  struct TcpMetric {
    std::string_view name, type, help;
    const std::atomic<uint64_t> TcpSeries::*counter;
  };
  static const std::array<TcpMetric, 4> kTcp = {{
      {"capstan_proxy_tcp_connections_total", "counter",
       "TCP connections proxied by a Service port listener.", &TcpSeries::connections},
      {"capstan_proxy_tcp_connect_failures_total", "counter",
       "Connections to a Service's endpoint that failed.", &TcpSeries::connect_failures},
      {"capstan_proxy_tcp_received_bytes_total", "counter",
       "Bytes received from clients of a Service port listener.", &TcpSeries::bytes_received},
      {"capstan_proxy_tcp_sent_bytes_total", "counter",
       "Bytes sent to clients of a Service port listener.", &TcpSeries::bytes_sent},
  }};
  auto tcp_labels = [](const TcpKey& key) {
    return fmt::format("namespace=\"{}\",service=\"{}\",port=\"{}\",version=\"{}\"",
                       Escape(std::get<0>(key)), Escape(std::get<1>(key)), std::get<2>(key),
                       Escape(std::get<3>(key)));
  };
  for (const TcpMetric& metric : kTcp) {
    fmt::format_to(it, "# HELP {} {}\n# TYPE {} {}\n", metric.name, metric.help, metric.name,
                   metric.type);
    for (const auto& [key, series] : tcp_) {
      fmt::format_to(it, "{}{{{}}} {}\n", metric.name, tcp_labels(key),
                     ((*series).*(metric.counter)).load(kRelaxed));
    }
  }
  fmt::format_to(it,
                 "# HELP capstan_proxy_tcp_active_connections TCP connections open now through "
                 "a Service port listener.\n"
                 "# TYPE capstan_proxy_tcp_active_connections gauge\n");
  for (const auto& [key, series] : tcp_) {
    fmt::format_to(it, "capstan_proxy_tcp_active_connections{{{}}} {}\n", tcp_labels(key),
                   series->active.load(kRelaxed));
  }
  return out;
}

}  // namespace capstan::target::local::proxy::internal
