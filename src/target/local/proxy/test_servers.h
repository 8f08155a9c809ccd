// Real servers and clients for the proxy's tests (header-only; included by *_test.cc only).
// TestUpstream is a small HTTP/1.1 server on 127.0.0.1 with test endpoints; NameServer is a
// TCP server that writes its name to each connection; TestClient is a keep-alive HTTP
// client with a time-out on every operation, so a broken proxy fails a test instead of
// hanging it.
#pragma once

#include <utility>
// <utility> before Boost: 1.74's awaitable.hpp uses std::exchange without including it.

#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace capstan::target::local::proxy::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

// Beast 1.74 treats body_limit(boost::none) as a limit of zero for Content-Length bodies.
inline constexpr uint64_t kNoBodyLimit = std::numeric_limits<uint64_t>::max();
inline constexpr auto kClientTimeout = std::chrono::seconds(10);

inline std::string View(beast::string_view text) { return std::string(text.data(), text.size()); }

// Query parameter `name` of a target ("/big?bytes=10&chunked=1"), or "".
inline std::string QueryParam(const std::string& target, const std::string& name) {
  size_t q = target.find('?');
  if (q == std::string::npos) return "";
  std::string query = target.substr(q + 1);
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(start, end - start);
    if (pair.rfind(name + "=", 0) == 0) return pair.substr(name.size() + 1);
    start = end + 1;
  }
  return "";
}

// A thread running an io_context until destroyed.
class Loop {
 public:
  Loop()
      : thread_([this] {
          auto guard = net::make_work_guard(ioc_);
          ioc_.run();
        }) {}
  ~Loop() { Stop(); }
  void Stop() {
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }
  net::io_context& ioc() { return ioc_; }

 private:
  net::io_context ioc_;
  std::thread thread_;
};

// HTTP/1.1 upstream. Endpoints:
//   any path         200, body = the server's name
//   /slow?ms=N       waits N ms first
//   /big?bytes=N     N bytes of 'x' streamed in 64 KiB pieces (&chunked=1 for chunked)
//   /echo            reads the request body streaming; body "received N"
//   /headers         body = the X-Forwarded-* and X-Real-IP headers it got, one per line
// Every response carries "X-Upstream: name".
class TestUpstream {
 public:
  explicit TestUpstream(std::string name)
      : name_(std::move(name)),
        acceptor_(loop_.ioc(), tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    net::co_spawn(loop_.ioc(), Accept(), net::detached);
  }
  ~TestUpstream() { loop_.Stop(); }

  uint16_t port() const { return port_; }
  std::string address_port() const { return "127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

 private:
  net::awaitable<void> Accept() {
    for (;;) {
      error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return;
      ++connections_;
      net::co_spawn(loop_.ioc(), Session(std::move(socket)), net::detached);
    }
  }

  net::awaitable<void> Session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    std::vector<char> chunk(64 * 1024);
    error_code ec;
    auto token = net::redirect_error(net::use_awaitable, ec);
    for (;;) {
      http::request_parser<http::buffer_body> parser;
      parser.body_limit(kNoBodyLimit);
      co_await http::async_read_header(stream, buffer, parser, token);
      if (ec) co_return;
      size_t received = 0;
      while (!parser.is_done()) {
        parser.get().body().data = chunk.data();
        parser.get().body().size = chunk.size();
        co_await http::async_read_some(stream, buffer, parser, token);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) co_return;
        received += chunk.size() - parser.get().body().size;
      }
      ++requests_;
      const auto& req = parser.get();
      std::string target = View(req.target());
      std::string path = target.substr(0, target.find('?'));
      if (path == "/slow") {
        net::steady_timer timer(stream.get_executor(),
                                std::chrono::milliseconds(std::stoi(QueryParam(target, "ms"))));
        co_await timer.async_wait(token);
      }
      if (path == "/big") {
        size_t total = std::stoull(QueryParam(target, "bytes"));
        http::response<http::buffer_body> res{http::status::ok, 11};
        res.set("X-Upstream", name_);
        if (QueryParam(target, "chunked") == "1") {
          res.chunked(true);
        } else {
          res.content_length(total);
        }
        http::response_serializer<http::buffer_body> sr{res};
        co_await http::async_write_header(stream, sr, token);
        if (ec) co_return;
        std::fill(chunk.begin(), chunk.end(), 'x');
        size_t sent = 0;
        while (!sr.is_done()) {
          size_t n = std::min(chunk.size(), total - sent);
          res.body().data = n > 0 ? chunk.data() : nullptr;
          res.body().size = n;
          sent += n;
          res.body().more = sent < total;
          co_await http::async_write(stream, sr, token);
          if (ec == http::error::need_buffer) ec = {};
          if (ec) co_return;
        }
        continue;
      }
      http::response<http::string_body> res{http::status::ok, 11};
      res.set("X-Upstream", name_);
      if (path == "/echo") {
        res.body() = "received " + std::to_string(received);
      } else if (path == "/headers") {
        for (const char* name :
             {"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP"}) {
          res.body() += std::string(name) + ": " + View(req[name]) + "\n";
        }
      } else {
        res.body() = name_;
      }
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      co_await http::async_write(stream, res, token);
      if (ec || !req.keep_alive()) co_return;
    }
  }

  std::string name_;
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  Loop loop_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
};

// Writes its name to every connection, then closes it.
class NameServer {
 public:
  explicit NameServer(std::string name)
      : name_(std::move(name)),
        acceptor_(loop_.ioc(), tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    net::co_spawn(loop_.ioc(), Accept(), net::detached);
  }
  ~NameServer() { loop_.Stop(); }
  uint16_t port() const { return port_; }

 private:
  net::awaitable<void> Accept() {
    for (;;) {
      error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return;
      co_await net::async_write(socket, net::buffer(name_),
                                net::redirect_error(net::use_awaitable, ec));
      socket.shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  std::string name_;
  Loop loop_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
};

struct Reply {
  int status = 0;  // 0 = the connection failed
  std::string body;
  std::map<std::string, std::string> headers;
  bool keep_alive = false;
};

// A keep-alive HTTP client; each call runs its own io_context with a time-out.
class TestClient {
 public:
  explicit TestClient(uint16_t port) : port_(port), stream_(ioc_) {}

  Reply Get(const std::string& host, const std::string& target,
            const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, host);
    for (const auto& [name, value] : headers) req.set(name, value);
    return Send(req);
  }

  Reply Send(http::request<http::string_body>& req) {
    if (!Connect()) return {};
    req.prepare_payload();
    error_code ec;
    stream_.expires_after(kClientTimeout);
    http::async_write(stream_, req, [&](error_code e, size_t) { ec = e; });
    Run();
    if (ec) return Fail();
    return ReadReply();
  }

  Reply ReadReply() {
    http::response<http::string_body> res;
    error_code ec;
    stream_.expires_after(kClientTimeout);
    http::async_read(stream_, buffer_, res, [&](error_code e, size_t) { ec = e; });
    Run();
    if (ec) return Fail();
    Reply reply;
    reply.status = static_cast<int>(res.result_int());
    reply.body = res.body();
    for (const auto& field : res) reply.headers[View(field.name_string())] = View(field.value());
    reply.keep_alive = res.keep_alive();
    if (!reply.keep_alive) connected_ = false;
    return reply;
  }

  // Writes raw bytes (to stream a body by hand).
  bool Write(const void* data, size_t size) {
    if (!Connect()) return false;
    error_code ec;
    stream_.expires_after(kClientTimeout);
    net::async_write(stream_, net::buffer(data, size), [&](error_code e, size_t) { ec = e; });
    Run();
    return !ec;
  }

  // Reads a response whose body may be huge, counting body bytes instead of keeping them.
  std::pair<int, size_t> ReadCounting() {
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(kNoBodyLimit);
    error_code ec;
    stream_.expires_after(kClientTimeout);
    http::async_read_header(stream_, buffer_, parser, [&](error_code e, size_t) { ec = e; });
    Run();
    if (ec) return {0, 0};
    std::vector<char> chunk(64 * 1024);
    size_t total = 0;
    while (!parser.is_done()) {
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      stream_.expires_after(kClientTimeout);
      http::async_read_some(stream_, buffer_, parser, [&](error_code e, size_t) { ec = e; });
      Run();
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return {0, total};
      total += chunk.size() - parser.get().body().size;
    }
    return {static_cast<int>(parser.get().result_int()), total};
  }

 private:
  bool Connect() {
    if (connected_) return true;
    error_code ec;
    stream_.close();
    stream_.expires_after(kClientTimeout);
    stream_.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_),
                          [&](error_code e) { ec = e; });
    Run();
    connected_ = !ec;
    buffer_.clear();
    return connected_;
  }
  void Run() {
    ioc_.restart();
    ioc_.run();
  }
  Reply Fail() {
    connected_ = false;
    return {};
  }

  uint16_t port_;
  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
};

// Reads everything a TCP server sends on one new connection to 127.0.0.1:port.
inline std::string ReadAll(uint16_t port) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  std::string out;
  error_code ec;
  stream.expires_after(kClientTimeout);
  stream.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                       [&](error_code e) { ec = e; });
  ioc.run();
  if (ec) return "";
  ioc.restart();
  net::async_read(stream, net::dynamic_buffer(out), [&](error_code e, size_t) { ec = e; });
  ioc.run();
  return out;
}

// Resident set size of this process in bytes.
inline size_t ResidentBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;
  if (f != nullptr) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<size_t>(resident) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace capstan::target::local::proxy::testing
