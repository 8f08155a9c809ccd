// HttpServer: a small HTTP/1.1 server for capstan's API, webhooks and server-sent events.
//
// Built on Boost.Beast and Asio (docs/decisions/0007-boost-beast-http-server.md); this
// header includes no Boost, so only http_server.cc pays for Beast's compile time.
//
//   HttpServer server({.listen = "127.0.0.1:0"});
//   server.Route("GET", "/api/v1/applications/:name", [](const Request& r) {
//     return Response::Json(200, LookUp(r.params.at("name")));
//   });
//   auto address = server.Start();   // "127.0.0.1:41237"
//   ...
//   server.Stop();
//
// Behaviour a client sees:
//   - keep-alive as HTTP/1.1 says (Connection: close honoured; HTTP/1.0 closes);
//   - errors are JSON `{"error": "..."}`: 404 no route for the path, 405 a route for the
//     path but not the method (with an Allow header), 413 a body over max_body_bytes, 431
//     headers over max_header_bytes, 400 a request that does not parse, 500 a handler
//     that throws (the exception's text is logged, never sent);
//   - a connection idle or slow for read_timeout is closed.
// Handlers run on the server's threads (options.threads); a slow handler holds one.
// Stream handlers (server-sent events) each run on a thread of their own.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace capstan::server {

// Header fields with case-insensitive names, in the order added.
class Headers {
 public:
  void Add(std::string name, std::string value);
  // Replaces every field called `name`.
  void Set(std::string name, std::string value);
  // The first value of `name`, or std::nullopt.
  std::optional<std::string_view> Get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct Request {
  std::string method;                         // "GET", upper case as sent
  std::string path;                           // percent-decoded, without the query
  std::map<std::string, std::string> params;  // from the route's `:name` segments, decoded
  std::map<std::string, std::string> query;   // decoded; a repeated key keeps the last value
  Headers headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1:53412"
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  Headers headers;  // extra fields; Content-Type and Content-Length are set by the server

  static Response Json(int status, const Value& body);
  static Response Text(int status, std::string body);
  static Response Error(int status, std::string_view message);  // {"error": message}
};

// The writing end of one server-sent-events stream. Thread-safe.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // Sends one event (`event:` line unless empty, one `data:` line per line of `data`) and
  // waits until it is written. Returns false once the client has gone or the server is
  // stopping; the handler should then return.
  virtual bool Send(std::string_view event, std::string_view data) = 0;
  // Waits up to `timeout`; returns false early (and at once) when the stream has ended.
  virtual bool Wait(std::chrono::milliseconds timeout) = 0;
  virtual bool open() const = 0;
};

using Handler = std::function<Response(const Request&)>;
// Runs for the life of one `text/event-stream` response, on its own thread. REQUIRES: it
// returns soon after Send or Wait returns false (HttpServer::Stop waits for it).
using StreamHandler = std::function<void(const Request&, EventSink&)>;

struct HttpServerOptions {
  // "host:port"; port 0 picks a free port (Start returns the one bound). Default
  // 127.0.0.1:8080: only this machine, until auth exists.
  std::string listen = "127.0.0.1:8080";
  // Threads running the event loop and handlers. Default 4; each costs a thread stack.
  int threads = 4;
  // Largest request body; larger gets 413. Default 1 MiB (webhook payloads are < 100 KiB).
  size_t max_body_bytes = 1u << 20;
  // Largest request line plus headers; larger gets 431. Default 16 KiB.
  size_t max_header_bytes = 16u << 10;
  // Time allowed to read one request, and the keep-alive idle limit. Default 30 s.
  std::chrono::milliseconds read_timeout{30'000};
  // How long Stop waits for in-flight requests and streams. Default 10 s.
  std::chrono::milliseconds stop_deadline{10'000};
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();  // Stop()s if running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Adds a route. `pattern` is a path whose segments are literals, `:name` (one segment,
  // into Request::params) or, last only, `*name` (the rest of the path, may be empty).
  // Routes are tried in the order added; the first match wins. REQUIRES: before Start.
  void Route(std::string method, std::string_view pattern, Handler handler);
  // A route answered with a `text/event-stream` of events written by `handler`.
  void Stream(std::string method, std::string_view pattern, StreamHandler handler);

  // Binds, listens and starts the threads. Returns the bound "host:port". Errors:
  // Invalid (a malformed listen address), Unavailable (the address is in use).
  Result<std::string> Start();

  // Stops accepting, closes idle connections, ends event streams (their Send returns
  // false), lets in-flight requests finish and answers them with `Connection: close`, and
  // after options.stop_deadline closes whatever is left. Returns when every thread has
  // ended. Safe to call twice, or without Start.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace capstan::server
