// The proxy's Prometheus metrics. Series are created when a route table is installed
// (under a mutex) and then updated by request handlers with relaxed atomics only, so the
// request path takes no lock. Series are never removed: Prometheus counters must not
// reset while the process lives, and versions come and go slowly.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

namespace capstan::target::local::proxy::internal {

// Request-duration histogram buckets in seconds (Prometheus' client defaults).
inline constexpr std::array<double, 11> kDurationBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                            0.5,   1,    2.5,   5,    10};

// HTTP requests to one backend Service and version.
struct HttpSeries {
  // Requests by status class: index 0 = 1xx … 4 = 5xx.
  std::array<std::atomic<uint64_t>, 5> by_class{};
  // Per-bucket (not cumulative) counts; the last slot is +Inf.
  std::array<std::atomic<uint64_t>, kDurationBuckets.size() + 1> buckets{};
  std::atomic<uint64_t> duration_nanos{0};
  std::atomic<int64_t> in_flight{0};

  void Record(int status, std::chrono::nanoseconds duration);
};

// TCP connections through one Service port listener to one version.
struct TcpSeries {
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> connect_failures{0};
  std::atomic<int64_t> active{0};
  std::atomic<uint64_t> bytes_received{0};  // from clients
  std::atomic<uint64_t> bytes_sent{0};      // to clients
};

class Metrics {
 public:
  // The series for these labels, created on first use. Thread-safe; takes a mutex, so call
  // when building a route snapshot, not per request.
  std::shared_ptr<HttpSeries> Http(const std::string& ns, const std::string& service,
                                   const std::string& version);
  std::shared_ptr<TcpSeries> Tcp(const std::string& ns, const std::string& service, int port,
                                 const std::string& version);

  // Requests that matched no Ingress route (answered 404).
  std::atomic<uint64_t> unrouted{0};

  // Everything in Prometheus' text exposition format (version 0.0.4). Thread-safe.
  std::string Text() const;

 private:
  using HttpKey = std::tuple<std::string, std::string, std::string>;
  using TcpKey = std::tuple<std::string, std::string, int, std::string>;
  mutable std::mutex mu_;
  std::map<HttpKey, std::shared_ptr<HttpSeries>> http_;  // guarded by mu_
  std::map<TcpKey, std::shared_ptr<TcpSeries>> tcp_;     // guarded by mu_
};

}  // namespace capstan::target::local::proxy::internal
