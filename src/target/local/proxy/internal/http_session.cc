// One client connection on the Ingress listener: read a request header, pick a route,
// backend (stable or canary) and pod, relay the request and response with their bodies
// streamed through a fixed buffer, then wait for the next request on the same connection.
//
// Runs entirely on its worker's thread (one coroutine per connection), so nothing here
// needs a lock; shared state is reached through the session's snapshot and atomics.
#include <utility>
// <utility> before Boost: 1.74's awaitable.hpp uses std::exchange without including it.

#include <fmt/format.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <limits>
#include <optional>
#include <random>

#include "core/log.h"
#include "target/local/proxy/internal/http_match.h"
#include "target/local/proxy/internal/http_relay.h"
#include "target/local/proxy/internal/runtime.h"

namespace capstan::target::local::proxy::internal {
namespace {

namespace http = beast::http;
using error_code = beast::error_code;
using RequestParser = http::request_parser<http::buffer_body>;
using ResponseParser = http::response_parser<http::buffer_body>;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

auto Token(error_code& ec) { return net::redirect_error(kUseAwaitable, ec); }

// Uniform in [0, total): the draw for weighted canary routing.
uint32_t Draw(uint32_t total) {
  thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_int_distribution<uint32_t>(0, total - 1)(rng);
}

// A malformed request (answered 400), as opposed to a client that closed or went quiet.
bool IsParseError(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

// Removes headers that describe one hop only (RFC 9110 section 7.6.1), including those
// named by Connection. Framing (Content-Length, Transfer-Encoding) stays: the serializer
// writes the body as it was framed.
template <bool isRequest>
void StripHopByHop(http::header<isRequest>& fields) {
  std::string named(fields[http::field::connection]);
  size_t start = 0;
  while (start < named.size()) {
    size_t end = named.find(',', start);
    if (end == std::string::npos) end = named.size();
    std::string token = named.substr(start, end - start);
    token.erase(0, token.find_first_not_of(" \t"));
    token.erase(token.find_last_not_of(" \t") + 1);
    if (!token.empty() && !beast::iequals(token, "close") && !beast::iequals(token, "keep-alive")) {
      fields.erase(token);
    }
    start = end + 1;
  }
  for (http::field field :
       {http::field::connection, http::field::keep_alive, http::field::proxy_connection,
        http::field::te, http::field::trailer, http::field::upgrade}) {
    fields.erase(field);
  }
}

class HttpSession {
 public:
  HttpSession(Socket socket, Shared& shared, Worker& worker)
      : client_(std::move(socket)),
        shared_(shared),
        worker_(worker),
        options_(shared.options),
        body_(new char[kBodyChunk]) {
    client_buffer_.reserve(kReadBuffer);
    error_code ec;
    client_.set_option(tcp::no_delay(true), ec);
    client_ip_ = client_.remote_endpoint(ec).address().to_string();
    watch_.client = &client_;
    worker_.watchdog.Add(&watch_);
  }

  ~HttpSession() { worker_.watchdog.Remove(&watch_); }
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  Task<void> Run() {
    while (co_await HandleOne()) {
    }
    error_code ec;
    client_.shutdown(Socket::shutdown_send, ec);
  }

 private:
  // Serves one request; false when the client connection must close.
  Task<bool> HandleOne() {
    RequestParser parser;
    parser.header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    parser.body_limit(kNoBodyLimit);
    error_code ec;
    watch_.Arm(options_.idle_timeout);
    co_await http::async_read_header(client_, client_buffer_, parser, Token(ec));
    if (ec == http::error::header_limit) {
      co_await SendError(431, false, 11);
      co_return false;
    }
    if (ec) {
      if (IsParseError(ec)) co_await SendError(400, false, 11);
      co_return false;  // closed, reset or idle too long
    }
    Clock::time_point start = Clock::now();
    auto& req = parser.get();
    const unsigned client_version = req.version();
    bool keep_alive = req.keep_alive();
    // An error answered before the request body was read leaves that body unread on the
    // connection, so such answers close it.
    const bool body_pending = !parser.is_done();

    const Snapshot& snapshot = snapshot_.Get(shared_);
    std::string_view target = View(req.target());
    int index = snapshot.router.Match(NormalizeHost(View(req[http::field::host])),
                                      target.substr(0, target.find('?')));
    if (index < 0) {
      shared_.metrics.unrouted.fetch_add(1, std::memory_order_relaxed);
      co_return co_await SendError(404, keep_alive && !body_pending, client_version);
    }
    const LiveBackend* backend = ChooseBackend(snapshot, index, req);
    const LiveEndpoint* endpoint = backend->Pick();
    if (endpoint == nullptr) {
      backend->unversioned->Record(503, Clock::now() - start);
      co_return co_await SendError(503, keep_alive && !body_pending, client_version);
    }

    if (beast::iequals(req[http::field::expect], "100-continue")) {
      // Answer it here: the body is read only once a pod is connected, and the pod never
      // sees the Expect header.
      req.erase(http::field::expect);
      co_await net::async_write(client_, net::buffer(kContinue.data(), kContinue.size()),
                                Token(ec));
      if (ec) co_return false;
    }
    PrepareUpstreamRequest(req);

    // Attempts: a pooled connection that turns out dead before anything of the request
    // body was read is replaced by a fresh one to the same pod; a pod that cannot be
    // connected to is replaced by another pod, once.
    std::optional<InFlightGuard> in_flight;
    // The watch must not point at an upstream connection once it is pooled or closed.
    struct ForgetUpstream {
      Watch& watch;
      ~ForgetUpstream() { watch.upstream = nullptr; }
    } forget_upstream{watch_};
    std::unique_ptr<Upstream> upstream;
    std::optional<ResponseParser> response;
    bool switched = false;
    bool fresh_only = false;
    bool body_started = false;
    for (;;) {
      in_flight.emplace(endpoint->state, &endpoint->http->in_flight);
      upstream = fresh_only ? nullptr : worker_.pool.Take(endpoint->key);
      if (upstream) watch_.upstream = &upstream->stream;
      if (!upstream) upstream = co_await Connect(*endpoint);
      if (!upstream) {
        in_flight.reset();
        const LiveEndpoint* other = switched ? nullptr : backend->Pick(endpoint);
        if (other != nullptr && other != endpoint) {
          endpoint = other;
          switched = true;
          continue;
        }
        endpoint->http->Record(502, Clock::now() - start);
        co_return co_await SendError(502, keep_alive && !body_pending, client_version);
      }
      // The coroutines are awaited here directly, not through helpers: each coroutine
      // call allocates a frame, and this is the path every request takes.
      Relayed sent = co_await Relay(parser, client_, client_buffer_, upstream->stream, body_.get(),
                                    watch_, options_.idle_timeout, &body_started);
      if (sent == Relayed::kReadFailed) co_return false;  // the client went away
      bool retry = upstream->reused && !body_started;
      if (sent == Relayed::kOk) {
        response.emplace();
        for (;;) {  // the final response header, skipping 1xx interim answers
          response->header_limit(static_cast<uint32_t>(options_.max_header_bytes));
          response->body_limit(kNoBodyLimit);
          if (req.method() == http::verb::head) response->skip(true);
          watch_.Arm(options_.response_header_timeout);
          co_await http::async_read_header(upstream->stream, upstream->buffer, *response,
                                           Token(ec));
          unsigned code = response->get().result_int();
          if (ec || code < 100 || code >= 200 || code == 101) break;
          response.emplace();
        }
        if (!ec) break;
        if (watch_.expired) {
          endpoint->http->Record(504, Clock::now() - start);
          co_return co_await SendError(504, false, client_version);
        }
        retry = retry && !body_pending;  // the pod may have acted on a request with a body
      }
      if (!retry) {
        endpoint->http->Record(502, Clock::now() - start);
        co_return co_await SendError(502, false, client_version);
      }
      fresh_only = true;
    }

    int status = static_cast<int>(response->get().result_int());
    bool upstream_keep_alive = PrepareResponse(*response, client_version, keep_alive);
    bool relayed =
        co_await Relay(*response, upstream->stream, upstream->buffer, client_, body_.get(), watch_,
                       options_.idle_timeout, nullptr) == Relayed::kOk;
    if (!upstream_keep_alive) upstream->stream.close();
    endpoint->http->Record(status, Clock::now() - start);
    if (relayed && upstream->stream.is_open() &&
        endpoint->state->active.load(std::memory_order_relaxed)) {
      worker_.pool.Put(endpoint->key, std::move(upstream));
    }
    co_return relayed&& keep_alive;
  }

  const LiveBackend* ChooseBackend(const Snapshot& snapshot, int index,
                                   const http::request<http::buffer_body>& req) {
    const LiveHttpRoute& live = snapshot.http[index];
    if (!live.canary || !live.canary->HasServing()) return live.stable.get();
    const CanaryPolicy& policy = snapshot.table.http[index].canary_policy;
    std::optional<std::string_view> header;
    std::optional<std::string_view> cookie;
    if (!policy.header.empty()) {
      if (auto it = req.find(policy.header); it != req.end()) header = View(it->value());
    }
    if (!policy.cookie.empty()) {
      if (auto it = req.find(http::field::cookie); it != req.end()) {
        cookie = CookieValue(View(it->value()), policy.cookie);
      }
    }
    uint32_t draw = policy.weight > 0 ? Draw(static_cast<uint32_t>(policy.weight_total)) : 0;
    return ChooseCanary(policy, header, cookie, draw) ? live.canary.get() : live.stable.get();
  }

  void PrepareUpstreamRequest(http::request<http::buffer_body>& req) {
    std::string host(req[http::field::host]);
    StripHopByHop(req);
    req.version(11);  // keep-alive to the pod even for HTTP/1.0 clients
    std::string forwarded(req["X-Forwarded-For"]);
    req.set("X-Forwarded-For", forwarded.empty() ? client_ip_ : forwarded + ", " + client_ip_);
    req.set("X-Forwarded-Host", host);
    req.set("X-Forwarded-Proto", "http");
    req.set("X-Real-IP", client_ip_);
  }

  Task<std::unique_ptr<Upstream>> Connect(const LiveEndpoint& endpoint) {
    error_code ec;
    net::ip::address address = net::ip::make_address(endpoint.endpoint.address, ec);
    if (ec) co_return nullptr;
    auto upstream = std::make_unique<Upstream>(worker_.ioc);
    watch_.upstream = &upstream->stream;
    watch_.Arm(options_.connect_timeout);
    co_await upstream->stream.async_connect(tcp::endpoint(address, endpoint.endpoint.port),
                                            Token(ec));
    if (ec) {
      watch_.upstream = nullptr;
      co_return nullptr;
    }
    upstream->stream.set_option(tcp::no_delay(true), ec);
    co_return upstream;
  }

  // Fits the response header for the client (hop-by-hop headers, framing for its HTTP
  // version); may clear `keep_alive`. Returns whether the pod's connection can be reused.
  static bool PrepareResponse(ResponseParser& parser, unsigned client_version, bool& keep_alive) {
    auto& res = parser.get();
    bool upstream_keep_alive = res.keep_alive();
    StripHopByHop(res);
    bool has_body = !parser.is_done();
    if (has_body && !res.has_content_length() && !res.chunked()) {
      // Delimited by the pod closing: chunk it for HTTP/1.1 clients so they can stay.
      upstream_keep_alive = false;
      if (client_version >= 11) {
        res.chunked(true);
      } else {
        keep_alive = false;
      }
    }
    if (client_version < 11) {
      res.version(10);
      if (res.chunked()) {
        res.chunked(false);  // HTTP/1.0 has no chunks: send it raw and close
        keep_alive = false;
      }
    }
    res.keep_alive(keep_alive);
    return upstream_keep_alive;
  }

  // An answer of the proxy's own; returns whether the connection stays open.
  Task<bool> SendError(int status, bool keep_alive, unsigned version) {
    http::response<http::string_body> res{static_cast<http::status>(status),
                                          version < 11 ? 10u : 11u};
    res.set(http::field::server, "capstan");
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = fmt::format("{} {}\n", status, View(http::obsolete_reason(res.result())));
    res.keep_alive(keep_alive);
    res.prepare_payload();
    error_code ec;
    watch_.Arm(options_.idle_timeout);
    co_await http::async_write(client_, res, Token(ec));
    co_return !ec && keep_alive;
  }

  CoalescingStream client_;
  beast::flat_buffer client_buffer_;
  Shared& shared_;
  Worker& worker_;
  const ProxyOptions& options_;
  std::unique_ptr<char[]> body_;
  std::string client_ip_;
  SnapshotCache snapshot_;
  Watch watch_;
};

}  // namespace

Task<void> ServeHttp(Socket client, Shared& shared, Worker& worker) {
  try {
    HttpSession session(std::move(client), shared, worker);
    co_await session.Run();
  } catch (const std::exception& e) {
    Log(LogLevel::kWarning, "proxy: HTTP connection failed: {}", e.what());
  }
}

}  // namespace capstan::target::local::proxy::internal
