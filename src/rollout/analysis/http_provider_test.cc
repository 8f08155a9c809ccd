// HttpMetricProvider over real loopback sockets: a small HTTP server in this test answers
// as a web metric endpoint would, and records what it was sent. (The Prometheus side runs
// against a real Prometheus in tests/integration/analysis_prometheus_test.cc.)
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/yaml.h"
#include "rollout/analysis/providers.h"
#include "rollout/analysis/run.h"

namespace capstan::rollout::analysis {
namespace {

struct Request {
  std::string head;  // request line and headers
  std::string body;
};

// Accepts connections on 127.0.0.1 (a free port) and answers each request with
// `respond(request)`, a complete HTTP response. One request per connection.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::function<std::string(const Request&)> respond)
      : respond_(std::move(respond)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Request> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Serve() {
    while (!stop_) {
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      Request request;
      std::string data;
      char buffer[4096];
      while (true) {
        size_t end = data.find("\r\n\r\n");
        if (end != std::string::npos) {
          request.head = data.substr(0, end);
          size_t length = 0;
          size_t at = request.head.find("Content-Length: ");
          if (at != std::string::npos) length = std::stoul(request.head.substr(at + 16));
          if (data.size() >= end + 4 + length) {
            request.body = data.substr(end + 4, length);
            break;
          }
        }
        ssize_t n = ::read(client, buffer, sizeof buffer);
        if (n <= 0) break;
        data.append(buffer, static_cast<size_t>(n));
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(request);
      }
      std::string response = respond_(request);
      size_t sent = 0;
      while (sent < response.size()) {
        ssize_t n = ::send(client, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
      }
      ::close(client);
    }
  }

  std::function<std::string(const Request&)> respond_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<Request> requests_;
};

std::string Response(int status, const std::string& body,
                     const std::string& type = "application/json") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         body;
}

Metric MetricOf(const std::string& yaml) {
  auto value = ParseYaml(yaml, "test.yaml");
  EXPECT_TRUE(value.ok());
  auto metric = ParseMetric(*value, "metric");
  EXPECT_TRUE(metric.ok()) << (metric.ok() ? "" : metric.error().message());
  return metric.ok() ? *metric : Metric();
}

TEST(HttpMetricProvider, WebGetWithHeadersAndJsonPath) {
  LoopbackServer server([](const Request&) {
    return Response(200, R"({"data":{"ok":true,"successPercent":0.95}})");
  });
  Metric metric = MetricOf(R"(
name: webmetric
successCondition: "result.ok && result.successPercent >= 0.90"
provider:
  web:
    url: ")" + server.url("/api/v1/measurement?service=guestbook") +
                           R"("
    headers: [{key: Authorization, value: "Bearer t0ken"}]
    jsonPath: "{$.data}"
)");
  HttpMetricProvider provider;
  ProviderResult r = provider.Measure(metric);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.value, R"({"ok":true,"successPercent":0.95})");
  EXPECT_LE(r.started_at, r.finished_at);
  Measurement m = EvaluateMeasurement(metric, r, Clock::now());
  EXPECT_EQ(m.phase, Phase::kSuccessful);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].head.substr(0, 48), "GET /api/v1/measurement?service=guestbook HTTP/1");
  EXPECT_NE(requests[0].head.find("Authorization: Bearer t0ken"), std::string::npos);
}

TEST(HttpMetricProvider, WebPostJsonBodyAndPlainTextAnswer) {
  LoopbackServer server([](const Request&) { return Response(200, "I am OK", "text/plain"); });
  Metric metric = MetricOf(R"(
name: health-check
successCondition: result == "I am OK"
provider:
  web:
    method: POST
    url: ")" + server.url("/check") +
                           R"("
    jsonBody: {key1: value_1, key2: {nestedObj: nested value}}
)");
  HttpMetricProvider provider;
  ProviderResult r = provider.Measure(metric);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(EvaluateMeasurement(metric, r, Clock::now()).phase, Phase::kSuccessful);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].head.substr(0, 11), "POST /check");
  EXPECT_NE(requests[0].head.find("Content-Type: application/json"), std::string::npos);
  EXPECT_EQ(requests[0].body, R"({"key1":"value_1","key2":{"nestedObj":"nested value"}})");
}

TEST(HttpMetricProvider, FailuresAreErrorMeasurementsWithReasons) {
  HttpMetricProvider provider;
  {
    LoopbackServer server([](const Request&) { return Response(500, "oops"); });
    ProviderResult r = provider.Measure(
        MetricOf("name: m\nprovider: {web: {url: '" + server.url("/x?token=secret") + "'}}"));
    EXPECT_EQ(r.error, "received non 2xx response code: 500");
  }
  {
    LoopbackServer server([](const Request&) { return Response(200, std::string(2u << 20, 'x')); });
    ProviderResult r =
        provider.Measure(MetricOf("name: m\nprovider: {web: {url: '" + server.url("/big") + "'}}"));
    EXPECT_NE(r.error.find("response larger than 1048576 bytes"), std::string::npos) << r.error;
    EXPECT_EQ(r.error.substr(0, 4), "GET ");
  }
  {
    LoopbackServer server([](const Request&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2500));
      return Response(200, "late");
    });
    auto started = std::chrono::steady_clock::now();
    ProviderResult r =
        provider.Measure(MetricOf("name: m\nprovider: {web: {url: '" +
                                  server.url("/slow?token=secret") + "', timeoutSeconds: 1}}"));
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2400));
    EXPECT_NE(r.error.find("timed out after 1 s"), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find("secret"), std::string::npos) << "the query is left out: " << r.error;
  }
  int port;
  {
    LoopbackServer server([](const Request&) { return Response(200, ""); });
    port = std::stoi(server.url("").substr(17));
  }
  ProviderResult r =
      provider.Measure(MetricOf("name: m\nprovider: {prometheus: {address: 'http://127.0.0.1:" +
                                std::to_string(port) + "', query: up}}"));
  EXPECT_NE(r.error.find("prometheus query failed: GET http://127.0.0.1:" + std::to_string(port) +
                         "/api/v1/query: cannot connect"),
            std::string::npos)
      << r.error;
}

TEST(HttpMetricProvider, PrometheusQueryIsUrlEncoded) {
  LoopbackServer server([](const Request&) {
    return Response(
        200,
        R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.99"]}]}})");
  });
  Metric metric = MetricOf(R"(
name: success-rate
successCondition: result[0] >= 0.95
provider:
  prometheus:
    address: ")" + server.url("/prefix/") +
                           R"("
    query: sum(rate(x{code!~"5.*"}[5m])) / 2
    headers: [{key: X-Scope-OrgID, value: tenant_a}]
)");
  HttpMetricProvider provider;
  ProviderResult r = provider.Measure(metric);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.value, "[0.99]");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(
      requests[0].head.substr(0, requests[0].head.find(" HTTP/")),
      "GET "
      "/prefix/api/v1/query?query=sum%28rate%28x%7Bcode%21~%225.%2A%22%7D%5B5m%5D%29%29%20%2F%202");
  EXPECT_NE(requests[0].head.find("X-Scope-OrgID: tenant_a"), std::string::npos);
}

TEST(HttpMetricProvider, PrometheusAddressFromTheEnvironmentDefault) {
  HttpProviderOptions options;
  options.default_prometheus_address = "";
  HttpMetricProvider provider(options);
  ProviderResult r = provider.Measure(MetricOf("name: m\nprovider: {prometheus: {query: up}}"));
  EXPECT_EQ(r.error,
            "prometheus address is not configured: set provider.prometheus.address or "
            "ARGO_ROLLOUTS_PROMETHEUS_ADDRESS");
}

}  // namespace
}  // namespace capstan::rollout::analysis
