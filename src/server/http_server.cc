// HttpServer on Boost.Beast: the listener, the io_context run by options.threads threads,
// and the set of open connections (http_session.cc serves each one). The server keeps weak
// references to its Sessions so that Stop can reach them. Beast and Asio stay in this file,
// http_session.cc and their internal header (docs/decisions/0007-boost-beast-http-server.md).
#include "server/http_server.h"

#include <fmt/format.h>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <exception>

#include "server/internal/http_server_state.h"

namespace capstan::server {
namespace {

namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;

Result<tcp::endpoint> ParseListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Error::Invalid(fmt::format("listen address \"{}\": expected host:port", listen));
  }
  std::string host = listen.substr(0, colon);
  std::string port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(port_text, &used);
    if (used != port_text.size()) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    return Error::Invalid(fmt::format("listen address \"{}\": bad port", listen));
  }
  beast::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) {
    return Error::Invalid(
        fmt::format("listen address \"{}\": \"{}\" is not an IP address", listen, host));
  }
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

}  // namespace

// ---- ServerState ------------------------------------------------------------------------

void ServerState::Register(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mu_);
  sessions_[session.get()] = session;
}

void ServerState::Unregister(Session* session) {
  std::lock_guard lock(mu_);
  sessions_.erase(session);
  sessions_changed_.notify_all();
}

void ServerState::ForEachSession(const std::function<void(const std::shared_ptr<Session>&)>& fn) {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(mu_);
    for (auto& [ptr, weak] : sessions_) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  for (const auto& session : live) fn(session);
}

void ServerState::LaunchStreamThread(std::function<void()> body) {
  // Join the threads of streams that have ended, so a long-running server does not
  // collect them; outside mu_, as a thread's last act may be to end a Session.
  std::list<StreamThread> ended;
  {
    std::lock_guard lock(mu_);
    for (auto it = stream_threads_.begin(); it != stream_threads_.end();) {
      auto next = std::next(it);
      if (it->done->load()) ended.splice(ended.end(), stream_threads_, it);
      it = next;
    }
  }
  for (auto& stream : ended) stream.thread.join();
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::lock_guard lock(mu_);
  stream_threads_.push_back(StreamThread{std::thread([body = std::move(body), done] {
                                           body();
                                           done->store(true);
                                         }),
                                         done});
}

Result<std::string> ServerState::Start() {
  if (started_) return Error::Internal("HttpServer::Start called twice");
  auto endpoint = ParseListen(options_.listen);
  if (!endpoint.ok()) return std::move(endpoint).error();
  acceptor_.emplace(net::make_strand(ioc_));
  beast::error_code ec;
  acceptor_->open(endpoint->protocol(), ec);
  if (!ec) acceptor_->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(*endpoint, ec);
  if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error::Unavailable(fmt::format("listen on {}: {}", options_.listen, ec.message()));
  }
  std::string bound = EndpointText(acceptor_->local_endpoint());
  started_ = true;
  work_.emplace(net::make_work_guard(ioc_));
  Accept();
  int threads = std::max(1, options_.threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
  return bound;
}

void ServerState::Accept() {
  acceptor_->async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping_.load() || !acceptor_->is_open()) return;
    if (!ec) StartSession(*this, std::move(socket));
    Accept();
  });
}

void ServerState::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  stopping_.store(true);
  net::post(acceptor_->get_executor(), [this] {
    beast::error_code ec;
    acceptor_->close(ec);
  });
  ForEachSession(StopSessionGracefully);
  auto deadline = Clock::now() + options_.stop_deadline;
  {
    std::unique_lock lock(mu_);
    sessions_changed_.wait_until(lock, deadline, [&] { return sessions_.empty(); });
  }
  ForEachSession(ForceCloseSession);
  work_.reset();
  // Let the forced closes run, then end the loop even if a handler still runs.
  {
    std::unique_lock lock(mu_);
    sessions_changed_.wait_for(lock, std::chrono::milliseconds(200),
                               [&] { return sessions_.empty(); });
  }
  ioc_.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  // A ForceClose still queued when the loop stopped never ran; end those streams here.
  ForEachSession(CloseSessionStreamAfterLoop);
  std::list<StreamThread> streams;
  {
    std::lock_guard lock(mu_);
    streams.swap(stream_threads_);
  }
  for (auto& stream : streams) stream.thread.join();
}

// ---- HttpServer --------------------------------------------------------------------

class HttpServer::Impl : public ServerState {
 public:
  using ServerState::ServerState;
};

HttpServer::HttpServer(HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(std::string method, std::string_view pattern, Handler handler) {
  impl_->routes_.push_back(internal::RouteEntry{
      std::move(method), internal::SplitPath(pattern), std::move(handler), {}});
}

void HttpServer::Stream(std::string method, std::string_view pattern, StreamHandler handler) {
  impl_->routes_.push_back(internal::RouteEntry{
      std::move(method), internal::SplitPath(pattern), {}, std::move(handler)});
}

Result<std::string> HttpServer::Start() { return impl_->Start(); }

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace capstan::server
