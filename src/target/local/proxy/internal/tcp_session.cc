// One client connection of a Service port listener: connect to a pod (round-robin, one
// other pod tried when the first refuses), then copy bytes both ways until both sides have
// finished. A half-close is passed on, so request/response protocols that signal the end
// of a request with FIN keep working.
#include <utility>
// <utility> before Boost: 1.74's awaitable.hpp uses std::exchange without including it.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <exception>
#include <optional>

#include "core/log.h"
#include "target/local/proxy/internal/runtime.h"

namespace capstan::target::local::proxy::internal {
namespace {

using error_code = boost::system::error_code;

constexpr size_t kCopyChunk = 16 * 1024;

auto Token(error_code& ec) { return net::redirect_error(kUseAwaitable, ec); }

// Both sockets and what must live until both directions are done.
struct Pipe : std::enable_shared_from_this<Pipe> {
  Pipe(Socket c, Socket u, std::shared_ptr<const Snapshot> s, const LiveEndpoint& e,
       std::chrono::milliseconds linger)
      : client(std::move(c)),
        upstream(std::move(u)),
        snapshot(std::move(s)),
        endpoint(e),
        in_flight(e.state, &e.tcp->active),
        linger_timer(client.get_executor()),
        linger_time(linger) {}

  void Close() {
    error_code ec;
    client.close(ec);
    upstream.close(ec);
    linger_timer.cancel();
  }

  // Once one side has finished sending, the other gets `linger_time` of silence before
  // both are closed (haproxy's client-fin/server-fin), so a peer that never closes its half
  // cannot hold the connection, and the endpoint's drain, forever.
  void StartLinger() {
    last_activity = Clock::now();
    RearmLinger(last_activity + linger_time);
  }
  void RearmLinger(Clock::time_point at) {
    linger_timer.expires_at(at);
    linger_timer.async_wait([self = shared_from_this()](error_code ec) {
      if (ec) return;
      Clock::time_point quiet_until = self->last_activity + self->linger_time;
      if (Clock::now() >= quiet_until) {
        self->Close();
      } else {
        self->RearmLinger(quiet_until);
      }
    });
  }

  Socket client;
  Socket upstream;
  std::shared_ptr<const Snapshot> snapshot;  // keeps `endpoint` alive
  const LiveEndpoint& endpoint;
  InFlightGuard in_flight;
  Timer linger_timer;
  std::chrono::milliseconds linger_time;
  int finished = 0;  // directions that saw EOF
  Clock::time_point last_activity;
};

// Copies from `from` to `to` until EOF (then half-closes `to`) or an error (then closes
// both, which ends the other direction too).
Task<void> Copy(std::shared_ptr<Pipe> pipe, Socket& from, Socket& to,
                std::atomic<uint64_t>& bytes) {
  std::unique_ptr<char[]> buffer(new char[kCopyChunk]);
  error_code ec;
  for (;;) {
    size_t n = co_await from.async_read_some(net::buffer(buffer.get(), kCopyChunk), Token(ec));
    if (ec == net::error::eof) {
      to.shutdown(Socket::shutdown_send, ec);
      if (++pipe->finished == 1) {
        pipe->StartLinger();
      } else {
        pipe->linger_timer.cancel();
      }
      co_return;
    }
    if (ec) break;
    co_await net::async_write(to, net::buffer(buffer.get(), n), Token(ec));
    if (ec) break;
    bytes.fetch_add(n, std::memory_order_relaxed);
    if (pipe->finished > 0) pipe->last_activity = Clock::now();
  }
  pipe->Close();
}

Task<std::optional<Socket>> Connect(const LiveEndpoint& endpoint,
                                    std::chrono::milliseconds timeout) {
  error_code ec;
  net::ip::address address = net::ip::make_address(endpoint.endpoint.address, ec);
  if (ec) co_return std::nullopt;
  auto executor = co_await net::this_coro::executor;
  Stream stream(executor);
  stream.expires_after(timeout);
  co_await stream.async_connect(tcp::endpoint(address, endpoint.endpoint.port), Token(ec));
  if (ec) co_return std::nullopt;
  stream.expires_never();
  Socket socket = stream.release_socket();
  socket.set_option(tcp::no_delay(true), ec);
  co_return std::move(socket);
}

Task<void> Serve(Socket client, Shared& shared, std::string service_key) {
  std::shared_ptr<const Snapshot> snapshot = shared.Current();
  auto found = snapshot->services.find(service_key);
  if (found == snapshot->services.end()) co_return;  // removed while accepting
  const LiveBackend& backend = *found->second;
  const LiveEndpoint* endpoint = backend.Pick();
  std::optional<Socket> upstream;
  for (int attempt = 0; endpoint != nullptr && attempt < 2; ++attempt) {
    upstream = co_await Connect(*endpoint, shared.options.connect_timeout);
    if (upstream) break;
    endpoint->tcp->connect_failures.fetch_add(1, std::memory_order_relaxed);
    const LiveEndpoint* other = backend.Pick(endpoint);
    endpoint = other == endpoint ? nullptr : other;
  }
  if (!upstream) co_return;  // closing the client says "no pod"
  endpoint->tcp->connections.fetch_add(1, std::memory_order_relaxed);
  error_code ec;
  client.set_option(tcp::no_delay(true), ec);
  auto pipe = std::make_shared<Pipe>(std::move(client), std::move(*upstream), snapshot, *endpoint,
                                     shared.options.idle_timeout);
  TcpSeries& series = *endpoint->tcp;
  net::co_spawn(co_await net::this_coro::executor,
                Copy(pipe, pipe->upstream, pipe->client, series.bytes_sent), net::detached);
  co_await Copy(pipe, pipe->client, pipe->upstream, series.bytes_received);
}

}  // namespace

Task<void> ServeTcp(Socket client, Shared& shared, std::string service_key) {
  try {
    co_await Serve(std::move(client), shared, std::move(service_key));
  } catch (const std::exception& e) {
    Log(LogLevel::kWarning, "proxy: TCP connection failed: {}", e.what());
  }
}

}  // namespace capstan::target::local::proxy::internal
