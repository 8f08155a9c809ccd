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

class CoalescingStream : public Socket {
 public:
  using Socket::Socket;
  explicit CoalescingStream(Socket&& socket) : Socket(std::move(socket)) {}

  template <class ConstBufferSequence, class WriteHandler>
  auto async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
    auto begin = net::buffer_sequence_begin(buffers);
    auto end = net::buffer_sequence_end(buffers);
    size_t segments = 0;
    for (auto it = begin; it != end && segments <= kDirectWriteSegments; ++it) ++segments;
    if (segments <= kDirectWriteSegments) {
      return Socket::async_write_some(buffers, std::forward<WriteHandler>(handler));
    }
    if (!scratch_) scratch_.reset(new char[kCoalesceBytes]);
    size_t n = net::buffer_copy(net::buffer(scratch_.get(), kCoalesceBytes), buffers);
    return Socket::async_write_some(net::const_buffer(scratch_.get(), n),
                                    std::forward<WriteHandler>(handler));
  }

 private:
  std::unique_ptr<char[]> scratch_;  // allocated on the first coalesced write
};

// Time-outs of HTTP sessions without a timer per operation (arming a timer per read and
// write cost about 4% of the CPU per request): before each operation a session sets its
// Watch's deadline; the worker's Watchdog checks all watches every kWatchTick and cancels
// the sockets of the expired ones, so their pending operation ends with
// operation_aborted and the session sees `expired`. Deadlines are met within a tick.
inline constexpr auto kWatchTick = std::chrono::milliseconds(100);

struct Watch {
  // Starts a deadline for the next operation(s).
  void Arm(std::chrono::milliseconds timeout) {
    deadline = Clock::now() + timeout;
    expired = false;
  }
  void Disarm() { deadline = Clock::time_point::max(); }

  Clock::time_point deadline = Clock::time_point::max();
  bool expired = false;
  Socket* client = nullptr;    // cancelled when the deadline passes
  Socket* upstream = nullptr;  // likewise, when set
  Watch* prev = nullptr;       // the Watchdog's list
  Watch* next = nullptr;
};

// The watches of one worker's sessions. Used only on the worker's thread.
class Watchdog {
 public:
  void Add(Watch* watch) {
    watch->next = head_;
    if (head_ != nullptr) head_->prev = watch;
    head_ = watch;
  }
  void Remove(Watch* watch) {
    if (watch->prev != nullptr) watch->prev->next = watch->next;
    if (watch->next != nullptr) watch->next->prev = watch->prev;
    if (head_ == watch) head_ = watch->next;
    watch->prev = watch->next = nullptr;
  }
  void Tick(Clock::time_point now) {
    for (Watch* watch = head_; watch != nullptr; watch = watch->next) {
      if (watch->expired || now < watch->deadline) continue;
      watch->expired = true;
      boost::system::error_code ec;
      if (watch->client != nullptr) watch->client->cancel(ec);
      if (watch->upstream != nullptr) watch->upstream->cancel(ec);
    }
  }

 private:
  Watch* head_ = nullptr;
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
  // Declared before ioc: sessions destroyed with ioc's pending handlers still unregister.
  Watchdog watchdog;
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
