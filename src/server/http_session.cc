// One HTTP connection of HttpServer: reads requests with limits, runs the route's handler,
// writes the answer (or an event stream), lingers after an early error answer so the client
// reads it, and closes when the server stops. Each Session runs on its own strand, so its
// members are touched by one handler at a time.
#include <fmt/format.h>

#include <array>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <exception>

#include "core/log.h"
#include "server/internal/http_server_state.h"

namespace capstan::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

// After answering 413/431 with a body still arriving, read and drop it for this long
// before closing, so the client reads the answer instead of a connection reset.
constexpr auto kLingerTime = std::chrono::seconds(1);
// Bytes dropped while lingering, at most.
constexpr size_t kMaxLingerBytes = 16u << 20;

constexpr std::string_view kEventStreamHeader =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/event-stream\r\n"
    "Cache-Control: no-cache\r\n"
    "X-Accel-Buffering: no\r\n"
    "Connection: close\r\n"
    "\r\n";

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

}  // namespace

// The writing end of one event stream; shared by the handler thread and the Session.
class Sink : public EventSink, public std::enable_shared_from_this<Sink> {
 public:
  explicit Sink(std::shared_ptr<Session> session) : session_(std::move(session)) {}

  bool Send(std::string_view event, std::string_view data) override;
  bool Wait(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, timeout, [&] { return !open_; });
    return open_;
  }
  bool open() const override {
    std::lock_guard lock(mu_);
    return open_;
  }
  void Close() {
    std::lock_guard lock(mu_);
    open_ = false;
    changed_.notify_all();
  }
  void WriteDone(bool ok) {
    std::lock_guard lock(mu_);
    writing_ = false;
    write_ok_ = ok;
    if (!ok) open_ = false;
    changed_.notify_all();
  }
  // Drops the Session so it can close; called when the handler has returned.
  std::shared_ptr<Session> Release() {
    std::lock_guard lock(send_mu_);
    return std::move(session_);
  }

 private:
  std::mutex send_mu_;                // one Send at a time
  std::shared_ptr<Session> session_;  // guarded by send_mu_
  mutable std::mutex mu_;
  std::condition_variable changed_;
  bool open_ = true;       // guarded by mu_
  bool writing_ = false;   // guarded by mu_
  bool write_ok_ = false;  // guarded by mu_; the last write's outcome
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ServerState& server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = EndpointText(endpoint);
  }
  ~Session() { server_.Unregister(this); }

  void Start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::DoRead, shared_from_this()));
  }

  // On the strand: the server is stopping.
  void OnServerStop() {
    if (state_ == State::kIdle) {
      beast::error_code ec;
      stream_.socket().cancel(ec);
    } else if (state_ == State::kStreaming && sink_) {
      sink_->Close();
      beast::error_code ec;
      stream_.socket().cancel(ec);
    }
  }
  // On the strand: the stop deadline passed.
  void ForceClose() {
    if (sink_) sink_->Close();
    Close();
  }
  void PostToStrand(std::function<void()> fn) { net::post(stream_.get_executor(), std::move(fn)); }

  // On the strand: writes `bytes` of an event stream, then tells `sink`.
  void WriteEvent(const std::shared_ptr<std::string>& bytes, const std::shared_ptr<Sink>& sink) {
    if (state_ != State::kStreaming) return sink->WriteDone(false);
    net::async_write(stream_, net::buffer(*bytes),
                     [self = shared_from_this(), bytes, sink](beast::error_code ec, size_t) {
                       sink->WriteDone(!ec);
                     });
  }
  // On the strand: the stream handler has returned.
  void EndStream() { Close(); }
  // After the event loop has ended (no strand left to post to): ends the stream so that
  // its handler returns.
  void CloseSinkAfterLoop() {
    if (sink_) sink_->Close();
  }

 private:
  enum class State { kIdle, kBusy, kStreaming, kClosed };

  void DoRead() {
    if (state_ == State::kClosed) return;
    if (server_.stopping()) return Close();
    state_ = State::kIdle;
    parser_.emplace();
    parser_->body_limit(server_.options().max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(server_.options().max_header_bytes));
    stream_.expires_after(server_.options().read_timeout);
    // The header first, so that a body over the limit is refused before it is sent and a
    // client waiting on `Expect: 100-continue` is told to go on.
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnRead(ec, 0);
    if (parser_->is_done()) return OnRead(ec, 0);
    auto read_body = [self = shared_from_this()] {
      http::async_read(self->stream_, self->buffer_, *self->parser_,
                       beast::bind_front_handler(&Session::OnRead, self));
    };
    auto expect = parser_->get()[http::field::expect];
    if (!beast::iequals(expect, "100-continue")) return read_body();
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this(), read_body](beast::error_code write_ec, size_t) {
                       if (write_ec) return self->Close();
                       read_body();
                     });
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == http::error::body_limit) {
      return WriteError(
          413, fmt::format("request body larger than {} bytes", server_.options().max_body_bytes));
    }
    if (ec == http::error::header_limit) {
      return WriteError(431, fmt::format("request headers larger than {} bytes",
                                         server_.options().max_header_bytes));
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) return Close();
    if (ec && IsHttpParseError(ec)) {
      return WriteError(400, fmt::format("malformed request: {}", ec.message()));
    }
    if (ec) return Close();  // timeout, reset, cancelled by Stop
    state_ = State::kBusy;
    Dispatch(parser_->release());
  }

  void Dispatch(http::request<http::string_body> raw) {
    Request request;
    request.method = std::string(raw.method_string());
    std::string_view target(raw.target().data(), raw.target().size());
    size_t question = target.find('?');
    std::string_view raw_path = target.substr(0, question);
    if (question != std::string_view::npos) {
      request.query = internal::ParseQuery(target.substr(question + 1));
    }
    request.path = internal::PercentDecode(raw_path, false);
    for (const auto& field : raw) {
      request.headers.Add(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(raw.body());
    request.remote_address = remote_;
    bool keep_alive = raw.keep_alive();
    unsigned version = raw.version();

    internal::RouteMatch match = internal::FindRoute(server_.routes(), request.method, raw_path);
    if (match.route == nullptr) {
      if (match.allowed.empty()) {
        return Write(Response::Error(404, fmt::format("no route for {}", request.path)), keep_alive,
                     version);
      }
      std::string allow;
      for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
      Response response =
          Response::Error(405, fmt::format("method {} not allowed for {} (allowed: {})",
                                           request.method, request.path, allow));
      response.headers.Set("Allow", allow);
      return Write(std::move(response), keep_alive, version);
    }
    request.params = std::move(match.params);
    if (match.route->stream) return StartStream(std::move(request), match.route->stream);
    Response response;
    try {
      response = match.route->handler(request);
    } catch (const std::exception& e) {
      Log(LogLevel::kError, "http {} {}: handler threw: {}", request.method, request.path,
          e.what());
      response = Response::Error(500, "internal error");
    }
    Write(std::move(response), keep_alive, version);
  }

  void Write(Response response, bool keep_alive, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version);
    for (const auto& [name, value] : response.headers.fields()) res->set(name, value);
    res->set(http::field::content_type, response.content_type);
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive && !server_.stopping());
    res->prepare_payload();
    stream_.expires_after(server_.options().read_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        if (!res->keep_alive()) return self->ShutdownSend();
                        self->DoRead();
                      });
  }

  // An error answer after which the connection closes, with the unread rest of the
  // request drained first (see kLingerTime).
  void WriteError(int status, std::string_view message) {
    state_ = State::kBusy;
    auto res =
        std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    res->set(http::field::content_type, "application/json");
    res->body() = Response::Error(status, message).body;
    res->keep_alive(false);
    res->prepare_payload();
    stream_.expires_after(server_.options().read_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        self->Linger();
                      });
  }

  void ShutdownSend() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    Close();
  }

  void Linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(kLingerTime);
    linger_buffer_ = std::make_unique<std::array<char, 4096>>();
    DrainSome();
  }
  void DrainSome() {
    stream_.async_read_some(net::buffer(*linger_buffer_),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->lingered_ += n;
                              if (ec || self->lingered_ > kMaxLingerBytes) return self->Close();
                              self->DrainSome();
                            });
  }

  void StartStream(Request request, const StreamHandler& handler) {
    if (server_.stopping()) {
      return Write(Response::Error(503, "server is stopping"), false, 11);
    }
    state_ = State::kStreaming;
    stream_.expires_never();
    sink_ = std::make_shared<Sink>(shared_from_this());
    auto header = std::make_shared<std::string>(kEventStreamHeader);
    net::async_write(
        stream_, net::buffer(*header),
        [self = shared_from_this(), header, handler, request = std::move(request)](
            beast::error_code ec, size_t) mutable {
          if (ec) {
            self->sink_->Release();
            return self->Close();
          }
          self->WatchForDisconnect();
          std::shared_ptr<Sink> sink = self->sink_;
          self->server_.LaunchStreamThread([sink, handler, request = std::move(request)] {
            try {
              handler(request, *sink);
            } catch (const std::exception& e) {
              Log(LogLevel::kError, "http stream {}: handler threw: {}", request.path, e.what());
            }
            sink->Close();
            if (auto session = sink->Release()) {
              session->PostToStrand([session] { session->EndStream(); });
            }
          });
        });
  }

  // A client of an event stream sends nothing more; a finished read means it has gone.
  void WatchForDisconnect() {
    if (!linger_buffer_) linger_buffer_ = std::make_unique<std::array<char, 4096>>();
    stream_.async_read_some(net::buffer(*linger_buffer_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) {
                                if (self->sink_) self->sink_->Close();
                                return;
                              }
                              self->WatchForDisconnect();
                            });
  }

  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    if (sink_) sink_->Close();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  ServerState& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string remote_;
  State state_ = State::kIdle;
  std::shared_ptr<Sink> sink_;
  std::unique_ptr<std::array<char, 4096>> linger_buffer_;
  size_t lingered_ = 0;
};

bool Sink::Send(std::string_view event, std::string_view data) {
  std::lock_guard send_lock(send_mu_);
  if (!session_) return false;
  {
    std::lock_guard lock(mu_);
    if (!open_) return false;
    writing_ = true;
  }
  auto bytes = std::make_shared<std::string>(internal::FormatEvent(event, data));
  std::shared_ptr<Sink> self = shared_from_this();
  std::shared_ptr<Session> session = session_;
  session->PostToStrand([session, bytes, self] { session->WriteEvent(bytes, self); });
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return !writing_ || !open_; });
  // A write that completed counts even if the client left just after.
  return !writing_ && write_ok_;
}

std::string EndpointText(const tcp::endpoint& endpoint) {
  auto address = endpoint.address();
  if (address.is_v6()) return fmt::format("[{}]:{}", address.to_string(), endpoint.port());
  return fmt::format("{}:{}", address.to_string(), endpoint.port());
}

void StartSession(ServerState& server, tcp::socket socket) {
  auto session = std::make_shared<Session>(server, std::move(socket));
  server.Register(session);
  session->Start();
}

void StopSessionGracefully(const std::shared_ptr<Session>& session) {
  session->PostToStrand([session] { session->OnServerStop(); });
}

void ForceCloseSession(const std::shared_ptr<Session>& session) {
  session->PostToStrand([session] { session->ForceClose(); });
}

void CloseSessionStreamAfterLoop(const std::shared_ptr<Session>& session) {
  session->CloseSinkAfterLoop();
}

}  // namespace capstan::server
