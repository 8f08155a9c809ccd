// The parts of HttpServer that its two Beast files share: ServerState (the listener, the
// io_context and its threads, the set of open connections) and the few things it asks of a
// connection (a Session, http_session.cc). Internal to the server module; only
// http_server.cc and http_session.cc include it, and with it Beast and Asio
// (docs/decisions/0007-boost-beast-http-server.md says why no other file does).
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <condition_variable>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "server/http_server.h"
#include "server/internal/router.h"

namespace capstan::server {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// One client connection (http_session.cc).
class Session;

class ServerState {
 public:
  explicit ServerState(HttpServerOptions options) : options_(std::move(options)) {}

  Result<std::string> Start();
  void Stop();

  // Called by Sessions.
  void Register(const std::shared_ptr<Session>& session);
  void Unregister(Session* session);
  void LaunchStreamThread(std::function<void()> body);
  bool stopping() const { return stopping_.load(); }
  const HttpServerOptions& options() const { return options_; }
  const std::vector<internal::RouteEntry>& routes() const { return routes_; }

  std::vector<internal::RouteEntry> routes_;  // constant after Start

 private:
  void Accept();
  void ForEachSession(const std::function<void(const std::shared_ptr<Session>&)>& fn);

  // Constant after construction.
  const HttpServerOptions options_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;  // touched only by the owner's thread (Start, Stop)
  bool stopped_ = false;

  std::mutex mu_;
  std::condition_variable sessions_changed_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;  // guarded by mu_
  struct StreamThread {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<StreamThread> stream_threads_;  // guarded by mu_

  // Declared last so that it is destroyed first: handlers it still owns hold Sessions,
  // whose destructors use mu_ and sessions_.
  net::io_context ioc_;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
};

// "127.0.0.1:8080", "[::1]:8080".
std::string EndpointText(const tcp::endpoint& endpoint);

// What ServerState does with a connection (http_session.cc): start serving one just
// accepted (it registers itself); ask it to finish its request and close (Stop); close it
// now; end its event stream after the io_context stopped (nothing runs on its strand then).
void StartSession(ServerState& server, tcp::socket socket);
void StopSessionGracefully(const std::shared_ptr<Session>& session);
void ForceCloseSession(const std::shared_ptr<Session>& session);
void CloseSessionStreamAfterLoop(const std::shared_ptr<Session>& session);

}  // namespace capstan::server
