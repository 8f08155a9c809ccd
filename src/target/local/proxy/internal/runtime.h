// What the proxy's Asio code shares: the current snapshot, per-thread workers with their
// upstream connection pools, and the session coroutines. Included only by the .cc files
// that use Asio (proxy.cc, http_session.cc, tcp_session.cc, metrics_session.cc,
// upstream_pool.cc).
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "target/local/proxy/internal/metrics.h"
#include "target/local/proxy/internal/snapshot.h"
#include "target/local/proxy/proxy.h"

namespace capstan::target::local::proxy::internal {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// State shared by all threads; outlives every session.
struct Shared {
  explicit Shared(ProxyOptions o) : options(std::move(o)) {}

  // The current snapshot. Sessions keep a SnapshotCache instead of calling this per request.
  std::shared_ptr<const Snapshot> Current() const {
    std::lock_guard lock(snapshot_mu);
    return snapshot;
  }

  const ProxyOptions options;
  Metrics metrics;
  EndpointRegistry endpoints;
  std::atomic<uint64_t> generation{0};  // bumped after each snapshot swap
  mutable std::mutex snapshot_mu;
  std::shared_ptr<const Snapshot> snapshot;  // guarded by snapshot_mu
};

// A session's copy of the current snapshot, refreshed only when the generation moved, so
// the request path reads one atomic instead of taking a lock.
class SnapshotCache {
 public:
  const Snapshot& Get(const Shared& shared) {
    uint64_t generation = shared.generation.load(std::memory_order_acquire);
    if (!snapshot_ || generation != generation_) {
      snapshot_ = shared.Current();
      generation_ = generation;
    }
    return *snapshot_;
  }
  // Keeps the snapshot (and so the backend and endpoint objects) alive for a request.
  const std::shared_ptr<const Snapshot>& held() const { return snapshot_; }

 private:
  std::shared_ptr<const Snapshot> snapshot_;
  uint64_t generation_ = 0;
};

// A kept-alive connection to a pod.
struct Upstream {
  explicit Upstream(net::io_context& ioc) : stream(ioc) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;  // bytes read past the last response (normally none)
  Clock::time_point idle_since;
  bool reused = false;  // taken from the pool: a failure before any answer may be stale
};

// Idle upstream connections of one worker, by pod address:port. Used only on the worker's
// own thread, so it has no lock.
class UpstreamPool {
 public:
  UpstreamPool(size_t max_per_endpoint, std::chrono::milliseconds idle_timeout)
      : max_per_endpoint_(max_per_endpoint), idle_timeout_(idle_timeout) {}
  // An idle connection still open at the far end, or null.
  std::unique_ptr<Upstream> Take(const std::string& key);
  void Put(const std::string& key, std::unique_ptr<Upstream> upstream);
  // Closes connections idle too long or to pods no longer in `active`.
  void Sweep(const std::set<std::string>& active);

 private:
  const size_t max_per_endpoint_;
  const std::chrono::milliseconds idle_timeout_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Upstream>>> idle_;
};

// One I/O thread: its io_context and its pool. Connections accepted for this worker stay
// on its thread for their whole life.
struct Worker {
  explicit Worker(const ProxyOptions& options)
      : pool(options.max_idle_per_endpoint, options.idle_timeout) {}
  net::io_context ioc{1};
  UpstreamPool pool;  // declared after ioc: its sockets close before ioc goes away
  std::thread thread;
};

// Serves one client connection on the Ingress listener until it closes.
net::awaitable<void> ServeHttp(tcp::socket client, Shared& shared, Worker& worker);
// Proxies one client connection of a Service listener to one of `service_key`'s endpoints.
net::awaitable<void> ServeTcp(tcp::socket client, Shared& shared, std::string service_key);
// Answers GET /metrics on the own metrics listener.
net::awaitable<void> ServeMetrics(tcp::socket client, Shared& shared);

}  // namespace capstan::target::local::proxy::internal
