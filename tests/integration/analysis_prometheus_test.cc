// Analysis against a real Prometheus (Debian's /usr/bin/prometheus): the test serves a
// /metrics endpoint with request counters of two versions, Prometheus scrapes it every
// second, and AnalysisRuns made from templates written as Argo Rollouts' documentation
// writes them run real PromQL through the prometheus provider. Then Prometheus is stopped
// in the middle of a run. A missing prometheus binary fails the test.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/yaml.h"
#include "rollout/analysis/analysis.h"
#include "rollout/analysis/providers.h"
#include "rollout/analysis/run.h"
#include "support/http_client.h"
#include "support/prometheus.h"
#include "support/run.h"

namespace capstan::rollout::analysis {
namespace {

using std::chrono::seconds;

// How long Prometheus may take to have scraped enough samples for rate() on this (shared,
// loaded) machine.
constexpr auto kReadyTimeout = std::chrono::seconds(90);

// Serves GET /metrics on a loopback port: request counters of the stable release (v2,
// 1% errors) and of a bad one (v3, 30% errors), growing with every scrape.
class MetricsEndpoint {
 public:
  MetricsEndpoint() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd_, 16);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~MetricsEndpoint() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  int scrapes() const { return scrapes_; }

 private:
  void Serve() {
    while (true) {
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(client, buffer, sizeof buffer);
        if (n <= 0) break;
        request.append(buffer, static_cast<size_t>(n));
      }
      long n = ++scrapes_;
      std::string body =
          "# TYPE demo_http_requests_total counter\n"
          "demo_http_requests_total{code=\"200\",version=\"v2\"} " +
          std::to_string(99 * n) + "\n" + "demo_http_requests_total{code=\"500\",version=\"v2\"} " +
          std::to_string(1 * n) + "\n" + "demo_http_requests_total{code=\"200\",version=\"v3\"} " +
          std::to_string(70 * n) + "\n" + "demo_http_requests_total{code=\"500\",version=\"v3\"} " +
          std::to_string(30 * n) + "\n";
      std::string response =
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
          "Content-Length: " +
          std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
      ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
      ::close(client);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<long> scrapes_{0};
  std::thread thread_;
};

// The success-rate template as Argo Rollouts' documentation writes it, on this test's
// counters instead of Istio's.
std::string SuccessRateTemplate(const std::string& address, const std::string& extra = "") {
  return R"(
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
spec:
  args:
  - name: version
  - name: prometheus-address
  metrics:
  - name: success-rate
    successCondition: result[0] >= 0.95
)" + extra +
         R"(
    provider:
      prometheus:
        address: "{{args.prometheus-address}}"
        query: |
          sum(rate(demo_http_requests_total{code!~"5.*",version="{{args.version}}"}[10s])) /
          sum(rate(demo_http_requests_total{version="{{args.version}}"}[10s]))
)";
}

AnalysisRun RunFor(const std::string& template_yaml, const std::string& version,
                   const std::string& address) {
  auto value = ParseYaml(template_yaml, "success-rate.yaml");
  EXPECT_TRUE(value.ok()) << (value.ok() ? "" : value.error().message());
  auto parsed = ParseAnalysisTemplate(*value, "success-rate.yaml");
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message());
  NewRunOptions options;
  options.name = "demo-" + version;
  options.ns = "default";
  Argument version_arg;
  version_arg.name = "version";
  version_arg.value = version;
  Argument address_arg;
  address_arg.name = "prometheus-address";
  address_arg.value = address;
  options.args = {version_arg, address_arg};
  auto run = NewAnalysisRun({*parsed}, options);
  EXPECT_TRUE(run.ok()) << (run.ok() ? "" : run.error().message());
  return run.ok() ? *run : AnalysisRun();
}

class AnalysisPrometheusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    prometheus_ = std::make_unique<it::PrometheusServer>(
        dir_.path(), std::vector<std::string>{"127.0.0.1:" + std::to_string(endpoint_.port())});
    std::string error;
    ASSERT_TRUE(prometheus_->Start(&error)) << error;
    // Wait until rate() over the counters has data: two scrapes inside the window.
    HttpMetricProvider provider;
    Metric probe;
    probe.name = "probe";
    probe.prometheus = PrometheusMetric{};
    probe.prometheus->address = prometheus_->address();
    probe.prometheus->query = "sum(rate(demo_http_requests_total[10s]))";
    auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      ProviderResult r = provider.Measure(probe);
      if (r.error.empty() && !r.no_data) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    FAIL() << "prometheus has no samples after " << kReadyTimeout.count() << " s ("
           << endpoint_.scrapes() << " scrapes):\n"
           << prometheus_->Log();
  }

  it::TempDir dir_;
  MetricsEndpoint endpoint_;
  std::unique_ptr<it::PrometheusServer> prometheus_;
  HttpMetricProvider provider_;
};

TEST_F(AnalysisPrometheusTest, GoodVersionIsSuccessfulBadVersionFails) {
  TimePoint now = Clock::now();
  AnalysisRun good =
      RunFor(SuccessRateTemplate(prometheus_->address()), "v2", prometheus_->address());
  EXPECT_FALSE(Reconcile(good, now, provider_).has_value());
  EXPECT_EQ(PhaseName(good.status.phase), "Successful") << good.status.message;
  const MetricResult* result = FindMetricResult(good, "success-rate");
  ASSERT_NE(result, nullptr);
  ASSERT_EQ(result->measurements.size(), 1u);
  // 99 of every 100 requests succeed: "[0.99]" or its float neighbour "[0.9899999999999999]".
  const std::string& value = result->measurements[0].value;
  ASSERT_GE(value.size(), 3u);
  EXPECT_NEAR(std::stod(value.substr(1, value.size() - 2)), 0.99, 0.001) << value;
  ASSERT_FALSE(result->metadata.empty());
  EXPECT_NE(result->metadata[0].second.find("version=\"v2\""), std::string::npos);

  AnalysisRun bad =
      RunFor(SuccessRateTemplate(prometheus_->address()), "v3", prometheus_->address());
  Reconcile(bad, now, provider_);
  EXPECT_EQ(PhaseName(bad.status.phase), "Failed");
  EXPECT_EQ(bad.status.message,
            "Metric \"success-rate\" assessed Failed due to failed (1) > failureLimit (0)");
  EXPECT_EQ(FindMetricResult(bad, "success-rate")->measurements[0].value.substr(0, 4), "[0.7");
}

TEST_F(AnalysisPrometheusTest, ASeriesThatDoesNotExistIsInconclusiveNoData) {
  AnalysisRun run =
      RunFor(SuccessRateTemplate(prometheus_->address()), "v9", prometheus_->address());
  Reconcile(run, Clock::now(), provider_);
  EXPECT_EQ(PhaseName(run.status.phase), "Inconclusive");
  const MetricResult* result = FindMetricResult(run, "success-rate");
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(result->measurements.at(0).value, "[]");
  EXPECT_EQ(result->measurements.at(0).message,
            "no data: the query returned no values (is the canary getting traffic?)");
}

TEST_F(AnalysisPrometheusTest, InvalidPromQLIsAnErrorWithPrometheusMessage) {
  Metric metric;
  metric.name = "broken";
  metric.prometheus = PrometheusMetric{};
  metric.prometheus->address = prometheus_->address();
  metric.prometheus->query = "sum(rate(demo_http_requests_total[10s])";
  ProviderResult r = provider_.Measure(metric);
  EXPECT_EQ(r.error.substr(0, 9), "bad_data:") << r.error;
  EXPECT_NE(r.error.find("parse error"), std::string::npos) << r.error;
}

TEST_F(AnalysisPrometheusTest, PrometheusStoppedGivesErrorsThenError) {
  AnalysisRun run = RunFor(SuccessRateTemplate(prometheus_->address(),
                                               "    interval: 30s\n    consecutiveErrorLimit: 2"),
                           "v2", prometheus_->address());
  TimePoint now = Clock::now();
  auto next = Reconcile(run, now, provider_);
  ASSERT_EQ(PhaseName(run.status.phase), "Running") << run.status.message;
  ASSERT_TRUE(next.has_value());
  // The interval runs from when the measurement finished: `now` plus the query's time.
  EXPECT_GE(*next - now, seconds(30));
  EXPECT_LT(*next - now, seconds(35));

  prometheus_->Stop();
  // Measurements now fail; each is retried 10 s later; the third in a row passes the limit.
  now = *next;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    SCOPED_TRACE(attempt);
    next = Reconcile(run, now, provider_);
    const MetricResult* result = FindMetricResult(run, "success-rate");
    ASSERT_NE(result, nullptr);
    const Measurement& last = result->measurements.back();
    EXPECT_EQ(PhaseName(last.phase), "Error");
    EXPECT_NE(last.message.find("prometheus query failed: GET " + prometheus_->address() +
                                "/api/v1/query: cannot connect"),
              std::string::npos)
        << last.message;
    EXPECT_EQ(result->consecutive_error, attempt);
    if (attempt < 3) {
      EXPECT_EQ(PhaseName(run.status.phase), "Running");
      ASSERT_TRUE(next.has_value());
      EXPECT_GE(*next - now, seconds(10)) << "errors are retried after 10 s";
      EXPECT_LT(*next - now, seconds(15));
      now = *next;
    }
  }
  EXPECT_EQ(PhaseName(run.status.phase), "Error");
  const std::string expected =
      "Metric \"success-rate\" assessed Error due to consecutiveErrors (3) > consecutiveErrorLimit "
      "(2)";
  EXPECT_EQ(run.status.message.substr(0, expected.size()), expected) << run.status.message;
  EXPECT_FALSE(next.has_value());
}

}  // namespace
}  // namespace capstan::rollout::analysis
