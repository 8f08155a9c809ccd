// A minimal HTTP/1.1 server for the demo app: POSIX sockets, one thread per connection,
// keep-alive, and a graceful stop (no new connections, in-flight requests finish, idle
// connections close). Only what the demo needs: GET-style requests whose body, if any, is
// read and dropped.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace demo {

struct Request {
  std::string method;
  std::string path;                            // without the query
  std::map<std::string, std::string> query;    // decoded; a repeated key keeps the last
  std::map<std::string, std::string> headers;  // names lower-cased
};

struct Response {
  Response(int status, std::string body, std::string content_type = "text/plain; charset=utf-8")
      : status(status), body(std::move(body)), content_type(std::move(content_type)) {}

  int status;
  std::string body;
  std::string content_type;
  // Runs after the response is written and the connection closed (the demo's /exit).
  std::function<void()> after;
};

using Handler = std::function<Response(const Request&)>;

class HttpServer {
 public:
  // Binds 0.0.0.0:port (IPv4: podman's bridge network is IPv4). Returns false and fills
  // `error` when the port cannot be bound.
  bool Listen(int port, std::string* error);
  // Accepts connections until Stop(); each is served on its own thread by `handler`, which
  // must be thread-safe. Returns when Stop() was called and every connection is closed.
  void Serve(const Handler& handler);
  // Safe from any thread (not from a signal handler): stops accepting, lets requests being
  // handled finish (their responses say `Connection: close`), closes idle connections.
  void Stop();

 private:
  void ServeConnection(int fd, const Handler& handler);

  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable idle_;
  int connections_ = 0;  // guarded by mu_
};

}  // namespace demo
