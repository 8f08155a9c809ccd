// What the proxy's Asio code shares: the current snapshot, per-thread workers with their
// upstream connection pools, and the session coroutines. Included only by the .cc files
// that use Asio (proxy.cc, http_session.cc, tcp_session.cc, metrics_session.cc,
// upstream_pool.cc).
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
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

// Every I/O object names the io_context's own executor type rather than the type-erased
// any_io_executor, which cost about 6% of the CPU per request in copies and dispatch.
using Executor = net::io_context::executor_type;
template <typename T>
using Task = net::awaitable<T, Executor>;
inline constexpr net::use_awaitable_t<Executor> kUseAwaitable;
using Socket = net::basic_stream_socket<tcp, Executor>;
using Acceptor = net::basic_socket_acceptor<tcp, Executor>;
using Stream = beast::basic_stream<tcp, Executor>;
using Timer = net::basic_waitable_timer<Clock, net::wait_traits<Clock>, Executor>;

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

// Beast's serializer hands a header to the socket as four buffers per field. The kernel's
// cost of sendmsg grows with the number of iovecs, so writes of more than
// kDirectWriteSegments buffers are copied into one contiguous buffer first (up to
// kCoalesceBytes; the rest goes in the next write). This took about a third off the CPU
// time per proxied request. Body pieces (a few large buffers) go out directly.
inline constexpr size_t kDirectWriteSegments = 4;
inline constexpr size_t kCoalesceBytes = 16 * 1024;

class CoalescingStream : public Stream {
 public:
  using Stream::Stream;

  template <class ConstBufferSequence, class WriteHandler>
  auto async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
    auto begin = net::buffer_sequence_begin(buffers);
    auto end = net::buffer_sequence_end(buffers);
    size_t segments = 0;
    for (auto it = begin; it != end && segments <= kDirectWriteSegments; ++it) ++segments;
    if (segments <= kDirectWriteSegments) {
      return Stream::async_write_some(buffers, std::forward<WriteHandler>(handler));
    }
    if (!scratch_) scratch_.reset(new char[kCoalesceBytes]);
    size_t n = net::buffer_copy(net::buffer(scratch_.get(), kCoalesceBytes), buffers);
    return Stream::async_write_some(net::const_buffer(scratch_.get(), n),
                                    std::forward<WriteHandler>(handler));
  }

 private:
  std::unique_ptr<char[]> scratch_;  // allocated on the first coalesced write
};

// Bytes read from a socket at once. Large enough for a whole request or response header
// (and a small body) in one read; Beast would start at 512 bytes.
inline constexpr size_t kReadBuffer = 16 * 1024;

// A kept-alive connection to a pod.
struct Upstream {
  explicit Upstream(net::io_context& ioc) : stream(ioc) { buffer.reserve(kReadBuffer); }
  CoalescingStream stream;
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
Task<void> ServeHttp(Socket client, Shared& shared, Worker& worker);
// Proxies one client connection of a Service listener to one of `service_key`'s endpoints.
Task<void> ServeTcp(Socket client, Shared& shared, std::string service_key);
// Answers GET /metrics on the own metrics listener.
Task<void> ServeMetrics(Socket client, Shared& shared);

}  // namespace capstan::target::local::proxy::internal
