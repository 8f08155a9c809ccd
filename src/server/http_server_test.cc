// HttpServer over real sockets on 127.0.0.1 with a raw-socket client, so every byte on
// the wire is what a test asserts on.
#include "server/http_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "core/json.h"
#include "server/internal/router.h"

namespace capstan::server {
namespace {

using namespace std::chrono_literals;

struct Reply {
  int status = 0;
  Headers headers;
  std::string body;
};

// A blocking HTTP/1.1 client on one TCP connection.
class Client {
 public:
  explicit Client(const std::string& address) {
    size_t colon = address.rfind(':');
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
    inet_pton(AF_INET, address.substr(0, colon).c_str(), &addr.sin_addr);
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() { Close(); }
  bool connected() const { return connected_; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads until `buffer_` holds `marker`; false on timeout or end of stream.
  bool ReadUntil(std::string_view marker, std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buffer_.find(marker) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !ReadSome(left)) return false;
    }
    return true;
  }

  // Whether the server closed the connection within `timeout`.
  bool ClosedByServer(std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!ReadSome(100ms) && eof_) return true;
    }
    return false;
  }

  std::optional<Reply> ReadReply(std::chrono::milliseconds timeout = 5s) {
    if (!ReadUntil("\r\n\r\n", timeout)) return std::nullopt;
    size_t end = buffer_.find("\r\n\r\n");
    std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    Reply reply;
    reply.status = std::stoi(head.substr(9, 3));
    size_t pos = head.find("\r\n");
    while (pos != std::string::npos) {
      size_t next = head.find("\r\n", pos + 2);
      std::string line = head.substr(pos + 2, next - pos - 2);
      size_t colon = line.find(':');
      reply.headers.Add(line.substr(0, colon), line.substr(colon + 2));
      pos = next;
    }
    size_t length = std::stoul(std::string(reply.headers.Get("Content-Length").value_or("0")));
    while (buffer_.size() < length) {
      if (!ReadSome(timeout)) return std::nullopt;
    }
    reply.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return reply;
  }

  std::string& buffer() { return buffer_; }

 private:
  bool ReadSome(std::chrono::milliseconds timeout) {
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char chunk[4096];
    ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string buffer_;
};

std::string Get(std::string_view path, std::string_view extra_headers = "") {
  return fmt::format("GET {} HTTP/1.1\r\nHost: test\r\n{}\r\n", path, extra_headers);
}

std::string Post(std::string_view path, std::string_view body) {
  return fmt::format("POST {} HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n{}", path,
                     body.size(), body);
}

std::optional<Reply> RoundTrip(const std::string& address, const std::string& request) {
  Client client(address);
  if (!client.connected() || !client.Send(request)) return std::nullopt;
  return client.ReadReply();
}

Value BodyJson(const Reply& reply) {
  auto parsed = ParseJson(reply.body, "reply");
  return parsed.ok() ? *parsed : Value();
}

HttpServerOptions TestOptions() {
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  options.threads = 4;
  options.stop_deadline = 2s;
  return options;
}

TEST(HttpServerTest, RoutesFillParamsQueryAndHeaders) {
  HttpServer server(TestOptions());
  server.Route("GET", "/api/v1/applications/:name/resources/:kind", [](const Request& r) {
    Value out = Value::MakeObject();
    out.Set("name", r.params.at("name"));
    out.Set("kind", r.params.at("kind"));
    out.Set("refresh", r.query.count("refresh") ? r.query.at("refresh") : "");
    out.Set("label", r.query.count("label") ? r.query.at("label") : "");
    out.Set("custom", std::string(r.headers.Get("x-CUSTOM").value_or("")));
    out.Set("path", r.path);
    return Response::Json(200, out);
  });
  server.Route("GET", "/ui/*file",
               [](const Request& r) { return Response::Text(200, "file=" + r.params.at("file")); });
  auto address = server.Start();
  ASSERT_TRUE(address.ok()) << address.error().message();

  auto reply = RoundTrip(*address, Get("/api/v1/applications/web%20app/resources/Deployment"
                                       "?refresh=hard&label=a+b%3Dc",
                                       "X-Custom: yes\r\n"));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->headers.Get("content-type").value_or(""), "application/json");
  Value body = BodyJson(*reply);
  EXPECT_EQ(body.StringAt({"name"}), "web app");
  EXPECT_EQ(body.StringAt({"kind"}), "Deployment");
  EXPECT_EQ(body.StringAt({"refresh"}), "hard");
  EXPECT_EQ(body.StringAt({"label"}), "a b=c");
  EXPECT_EQ(body.StringAt({"custom"}), "yes");
  EXPECT_EQ(body.StringAt({"path"}), "/api/v1/applications/web app/resources/Deployment");

  reply = RoundTrip(*address, Get("/ui/assets/app.js"));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "file=assets/app.js");
  server.Stop();
}

TEST(HttpServerTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  HttpServer server(TestOptions());
  server.Route("GET", "/apps/:name", [](const Request&) { return Response::Text(200, "ok"); });
  server.Route("DELETE", "/apps/:name", [](const Request&) { return Response::Text(200, "ok"); });
  auto address = server.Start();
  ASSERT_TRUE(address.ok());

  auto reply = RoundTrip(*address, Get("/nothing/here"));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 404);
  EXPECT_EQ(BodyJson(*reply).StringAt({"error"}), "no route for /nothing/here");

  reply = RoundTrip(*address, Post("/apps/web", "{}"));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 405);
  EXPECT_EQ(reply->headers.Get("Allow").value_or(""), "GET, DELETE");
  EXPECT_NE(BodyJson(*reply).StringAt({"error"}).find("POST not allowed"), std::string::npos);
}

TEST(HttpServerTest, BodyOverTheLimitIs413AndAtTheLimitIsRead) {
  HttpServerOptions options = TestOptions();
  options.max_body_bytes = 1024;
  HttpServer server(options);
  server.Route("POST", "/hook",
               [](const Request& r) { return Response::Text(200, std::to_string(r.body.size())); });
  auto address = server.Start();
  ASSERT_TRUE(address.ok());

  auto reply = RoundTrip(*address, Post("/hook", std::string(1024, 'x')));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "1024");

  reply = RoundTrip(*address, Post("/hook", std::string(200'000, 'x')));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 413);
  EXPECT_EQ(BodyJson(*reply).StringAt({"error"}), "request body larger than 1024 bytes");
  EXPECT_EQ(reply->headers.Get("Connection").value_or(""), "close");
}

TEST(HttpServerTest, ExpectContinueIsAnsweredBeforeTheBodyAndRefusedWhenTooLarge) {
  HttpServerOptions options = TestOptions();
  options.max_body_bytes = 1024;
  HttpServer server(options);
  server.Route("POST", "/hook", [](const Request& r) { return Response::Text(200, r.body); });
  auto address = server.Start();
  ASSERT_TRUE(address.ok());

  Client client(*address);
  ASSERT_TRUE(client.Send(
      "POST /hook HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  ASSERT_TRUE(client.ReadUntil("HTTP/1.1 100 Continue\r\n\r\n", 2s));
  client.buffer().clear();
  ASSERT_TRUE(client.Send("hello"));
  auto reply = client.ReadReply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "hello");

  Client big(*address);
  ASSERT_TRUE(big.Send(
      "POST /hook HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n"));
  reply = big.ReadReply();  // at once, without sending the body
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 413);
}

TEST(HttpServerTest, OversizedHeadersAre431AndGarbageIs400) {
  HttpServerOptions options = TestOptions();
  options.max_header_bytes = 1024;
  HttpServer server(options);
  server.Route("GET", "/", [](const Request&) { return Response::Text(200, "ok"); });
  auto address = server.Start();
  ASSERT_TRUE(address.ok());

  auto reply = RoundTrip(*address, Get("/", "X-Big: " + std::string(4000, 'a') + "\r\n"));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 431);

  reply = RoundTrip(*address, "NOT HTTP AT ALL\r\n\r\n");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 400);
  EXPECT_NE(BodyJson(*reply).StringAt({"error"}).find("malformed request"), std::string::npos);
}

TEST(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  HttpServer server(TestOptions());
  server.Route("GET", "/who",
               [](const Request& r) { return Response::Text(200, r.remote_address); });
  auto address = server.Start();
  ASSERT_TRUE(address.ok());

  Client client(*address);
  ASSERT_TRUE(client.Send(Get("/who")));
  auto first = client.ReadReply();
  ASSERT_TRUE(first);
  ASSERT_TRUE(client.Send(Get("/who")));
  auto second = client.ReadReply();
  ASSERT_TRUE(second);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(second->status, 200);
  // The same client port both times: one connection.
  EXPECT_EQ(first->body, second->body);
  EXPECT_EQ(first->body.rfind("127.0.0.1:", 0), 0u);

  // Connection: close is honoured.
  ASSERT_TRUE(client.Send(Get("/who", "Connection: close\r\n")));
  auto third = client.ReadReply();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->headers.Get("connection").value_or(""), "close");
  EXPECT_TRUE(client.ClosedByServer());
}

TEST(HttpServerTest, ServesRequestsConcurrently) {
  HttpServer server(TestOptions());  // 4 threads
  server.Route("GET", "/slow", [](const Request&) {
    std::this_thread::sleep_for(300ms);
    return Response::Text(200, "done");
  });
  auto address = server.Start();
  ASSERT_TRUE(address.ok());

  auto start = std::chrono::steady_clock::now();
  std::vector<std::future<std::optional<Reply>>> replies;
  for (int i = 0; i < 4; ++i) {
    replies.push_back(
        std::async(std::launch::async, [&] { return RoundTrip(*address, Get("/slow")); }));
  }
  for (auto& reply : replies) {
    auto r = reply.get();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, "done");
  }
  // Serially this takes 1.2 s.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 900ms);
}

TEST(HttpServerTest, HandlerExceptionIs500WithoutItsText) {
  HttpServer server(TestOptions());
  server.Route("GET", "/boom",
               [](const Request&) -> Response { throw std::runtime_error("secret detail"); });
  auto address = server.Start();
  ASSERT_TRUE(address.ok());
  auto reply = RoundTrip(*address, Get("/boom"));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 500);
  EXPECT_EQ(reply->body.find("secret"), std::string::npos);
}

TEST(HttpServerTest, EventStreamDeliversEventsInOrderAndNoticesDisconnect) {
  HttpServer server(TestOptions());
  std::promise<int> ended;
  server.Stream("GET", "/events", [&](const Request& r, EventSink& sink) {
    int sent = 0;
    while (sink.Send("tick", std::to_string(sent) + "\nline two")) {
      ++sent;
      sink.Wait(10ms);
    }
    ended.set_value(sent);
  });
  auto address = server.Start();
  ASSERT_TRUE(address.ok());

  Client client(*address);
  ASSERT_TRUE(client.Send(Get("/events")));
  ASSERT_TRUE(client.ReadUntil("data: 2\n"));
  EXPECT_NE(client.buffer().find("Content-Type: text/event-stream"), std::string::npos);
  std::string events = client.buffer().substr(client.buffer().find("\r\n\r\n") + 4);
  std::string expected =
      "event: tick\ndata: 0\ndata: line two\n\n"
      "event: tick\ndata: 1\ndata: line two\n\n"
      "event: tick\ndata: 2\n";
  EXPECT_EQ(events.substr(0, expected.size()), expected);
  client.Close();
  auto future = ended.get_future();
  ASSERT_EQ(future.wait_for(3s), std::future_status::ready) << "the server did not notice";
  EXPECT_GE(future.get(), 2);  // the third may race the close
}

TEST(HttpServerTest, StopFinishesAnInFlightRequestAndEndsStreams) {
  HttpServer server(TestOptions());
  std::promise<void> slow_started;
  server.Route("GET", "/slow", [&](const Request&) {
    slow_started.set_value();
    std::this_thread::sleep_for(500ms);
    return Response::Text(200, "finished");
  });
  std::atomic<bool> stream_ended{false};
  server.Stream("GET", "/events", [&](const Request&, EventSink& sink) {
    while (sink.Send("", "ping")) sink.Wait(50ms);
    stream_ended = true;
  });
  auto address = server.Start();
  ASSERT_TRUE(address.ok());

  Client idle(*address);  // connected, never sends: closed at once by Stop
  Client events(*address);
  ASSERT_TRUE(events.Send(Get("/events")));
  ASSERT_TRUE(events.ReadUntil("data: ping"));
  Client slow(*address);
  ASSERT_TRUE(slow.Send(Get("/slow")));
  slow_started.get_future().wait();

  auto start = std::chrono::steady_clock::now();
  std::thread stopper([&] { server.Stop(); });
  auto reply = slow.ReadReply();
  stopper.join();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "finished");
  EXPECT_EQ(reply->headers.Get("Connection").value_or(""), "close");
  EXPECT_TRUE(stream_ended);
  EXPECT_TRUE(idle.ClosedByServer(1s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);

  Client after(*address);
  EXPECT_FALSE(after.connected() && after.Send(Get("/slow")) && after.ReadReply(500ms));
}

TEST(HttpServerTest, StartReportsBadAndBusyAddresses) {
  HttpServerOptions options = TestOptions();
  options.listen = "nonsense";
  EXPECT_EQ(HttpServer(options).Start().error().code(), ErrorCode::kInvalid);

  HttpServer first(TestOptions());
  auto address = first.Start();
  ASSERT_TRUE(address.ok());
  options.listen = *address;
  auto second = HttpServer(options).Start();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(second.error().message().find(*address), std::string::npos);
}

TEST(RouterTest, DecodesQueriesAndFormatsEvents) {
  EXPECT_EQ(internal::PercentDecode("a%2Fb+c%zz", false), "a/b+c%zz");
  EXPECT_EQ(internal::PercentDecode("a+b%20", true), "a b ");
  auto query = internal::ParseQuery("a=1&b=x%20y&c&&a=2");
  EXPECT_EQ(query["a"], "2");
  EXPECT_EQ(query["b"], "x y");
  EXPECT_EQ(query.count("c"), 1u);
  EXPECT_EQ(internal::FormatEvent("", "one"), "data: one\n\n");
  EXPECT_EQ(internal::FormatEvent("a\nb", "x\r"), "event: a b\ndata: x \n\n");
  EXPECT_EQ(internal::SplitPath("/a/b/"), (std::vector<std::string>{"a", "b", ""}));
  EXPECT_TRUE(internal::SplitPath("/").empty());
}

}  // namespace
}  // namespace capstan::server
