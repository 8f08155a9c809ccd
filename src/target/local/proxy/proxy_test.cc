// The data plane against real sockets: in-process upstream servers (test_servers.h), the
// proxy, and a client, all on 127.0.0.1.
#include "target/local/proxy/proxy.h"

#include <gtest/gtest.h>

#include <future>

#include "target/local/proxy/test_servers.h"

namespace capstan::target::local::proxy {
namespace {

using namespace testing;  // NOLINT(google-build-using-namespace): the test servers
using namespace std::chrono_literals;

Endpoint At(uint16_t port, std::string pod, std::string version = "v1") {
  Endpoint e;
  e.address = "127.0.0.1";
  e.port = port;
  e.pod = "shop/" + pod;
  e.version = std::move(version);
  return e;
}

Backend To(std::string service, std::vector<Endpoint> endpoints) {
  Backend b;
  b.namespace_ = "shop";
  b.service = std::move(service);
  b.port = 80;
  b.endpoints = std::move(endpoints);
  return b;
}

HttpRoute Route(std::string host, std::string path, Backend backend,
                PathType type = PathType::kPrefix) {
  HttpRoute r;
  r.host = std::move(host);
  r.path = std::move(path);
  r.path_type = type;
  r.ingress = "shop/web";
  r.backend = std::move(backend);
  return r;
}

std::unique_ptr<Proxy> StartProxy(ProxyOptions options = {}) {
  auto proxy = Proxy::Start(options);
  EXPECT_TRUE(proxy.ok()) << proxy.error().message();
  return std::move(proxy).value();
}

// A port nothing listens on (bound, then closed).
uint16_t DeadPort() {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

TEST(Proxy, RoutesByHostAndPath) {
  TestUpstream web("web"), api("api"), other("other");
  auto proxy = StartProxy();
  RouteTable table;
  table.http = {Route("shop.example.com", "/", To("web", {At(web.port(), "web-1")})),
                Route("shop.example.com", "/api", To("api", {At(api.port(), "api-1")})),
                Route("other.example.com", "/", To("other", {At(other.port(), "other-1")}))};
  proxy->Update(table);
  TestClient client(proxy->http_port());
  EXPECT_EQ(client.Get("shop.example.com", "/").body, "web");
  EXPECT_EQ(client.Get("shop.example.com:8000", "/api/users?x=1").body, "api");
  EXPECT_EQ(client.Get("Shop.Example.com", "/apiary").body, "web");
  EXPECT_EQ(client.Get("other.example.com", "/api").body, "other");
  Reply missing = client.Get("nowhere.example.com", "/");
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(missing.keep_alive);
  EXPECT_EQ(client.Get("shop.example.com", "/").body, "web");  // same connection still works
}

TEST(Proxy, ForwardsHeadersAndReusesUpstreamConnections) {
  TestUpstream web("web");
  auto proxy = StartProxy();
  RouteTable table;
  table.http = {Route("", "/", To("web", {At(web.port(), "web-1")}))};
  proxy->Update(table);
  TestClient client(proxy->http_port());
  Reply headers = client.Get("shop.example.com", "/headers", {{"X-Forwarded-For", "10.0.0.1"}});
  EXPECT_EQ(headers.body,
            "X-Forwarded-For: 10.0.0.1, 127.0.0.1\nX-Forwarded-Host: shop.example.com\n"
            "X-Forwarded-Proto: http\nX-Real-IP: 127.0.0.1\n");
  for (int i = 0; i < 20; ++i) ASSERT_EQ(client.Get("a", "/").status, 200);
  EXPECT_EQ(web.requests(), 21);
  EXPECT_EQ(web.connections(), 1) << "keep-alive on both sides: one upstream connection";
}

TEST(Proxy, StreamsLargeBodiesWithoutBuffering) {
  TestUpstream web("web");
  auto proxy = StartProxy();
  RouteTable table;
  table.http = {Route("", "/", To("web", {At(web.port(), "web-1")}))};
  proxy->Update(table);
  constexpr size_t kBytes = 50u << 20;
  size_t rss_before = ResidentBytes();

  TestClient client(proxy->http_port());
  std::string header =
      "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(kBytes) + "\r\n\r\n";
  ASSERT_TRUE(client.Write(header.data(), header.size()));
  std::vector<char> piece(1 << 20, 'y');
  for (size_t sent = 0; sent < kBytes; sent += piece.size()) {
    ASSERT_TRUE(client.Write(piece.data(), piece.size()));
  }
  Reply echoed = client.ReadReply();
  EXPECT_EQ(echoed.body, "received " + std::to_string(kBytes));

  // Responses: 50 MB chunked, and 10 MB with a Content-Length (enough to pass the 8 MB
  // limit Beast's parser has by default, in less time).
  for (auto [chunked, size] : {std::pair{"1", kBytes}, std::pair{"0", kBytes / 5}}) {
    SCOPED_TRACE(chunked);
    std::string get = "GET /big?bytes=" + std::to_string(size) + "&chunked=" + chunked +
                      " HTTP/1.1\r\nHost: a\r\n\r\n";
    ASSERT_TRUE(client.Write(get.data(), get.size()));
    auto [status, bytes] = client.ReadCounting();
    EXPECT_EQ(status, 200);
    EXPECT_EQ(bytes, size);
  }
  // 110 MB went through; had the proxy buffered a body, RSS would have grown by 50 MB.
  // (AddressSanitizer keeps freed memory in quarantine, so RSS says nothing there.)
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(ResidentBytes(), rss_before + (16u << 20));
#else
  (void)rss_before;
#endif
}

TEST(Proxy, ChunkedRequestBody) {
  TestUpstream web("web");
  auto proxy = StartProxy();
  RouteTable table;
  table.http = {Route("", "/", To("web", {At(web.port(), "web-1")}))};
  proxy->Update(table);
  TestClient client(proxy->http_port());
  std::string request =
      "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  ASSERT_TRUE(client.Write(request.data(), request.size()));
  EXPECT_EQ(client.ReadReply().body, "received 11");
  EXPECT_EQ(client.Get("a", "/").body, "web");
}

TEST(Proxy, ErrorAnswers) {
  TestUpstream slow("slow");
  ProxyOptions options;
  options.response_header_timeout = 300ms;
  options.connect_timeout = 1s;
  auto proxy = StartProxy(options);
  RouteTable table;
  table.http = {
      Route("dead", "/", To("dead", {At(DeadPort(), "dead-1")})),
      Route("empty", "/", To("empty", {})),
      Route("slow", "/", To("slow", {At(slow.port(), "slow-1")})),
      Route("retry", "/", To("mixed", {At(DeadPort(), "dead-2"), At(slow.port(), "ok")}))};
  proxy->Update(table);
  TestClient client(proxy->http_port());
  EXPECT_EQ(client.Get("dead", "/").status, 502);
  EXPECT_EQ(client.Get("empty", "/").status, 503);
  EXPECT_EQ(client.Get("slow", "/slow?ms=2000").status, 504);
  EXPECT_EQ(client.Get("slow", "/slow?ms=10").status, 200);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(client.Get("retry", "/").body, "slow") << "a refused connection is retried";
  }
}

TEST(Proxy, CanaryWeightSplitsTraffic) {
  TestUpstream stable("stable"), canary("canary");
  auto proxy = StartProxy();
  RouteTable table;
  HttpRoute route = Route("", "/", To("web", {At(stable.port(), "web-1")}));
  route.canary = To("web-canary", {At(canary.port(), "canary-1", "v2")});
  route.canary_policy.weight = 10;
  table.http = {route};
  proxy->Update(table);
  TestClient client(proxy->http_port());
  constexpr int kRequests = 2000;
  int to_canary = 0;
  for (int i = 0; i < kRequests; ++i) {
    Reply reply = client.Get("a", "/");
    ASSERT_EQ(reply.status, 200);
    to_canary += reply.body == "canary";
  }
  EXPECT_NEAR(to_canary, kRequests / 10, kRequests * 2 / 100);
}

TEST(Proxy, CanaryByHeaderRoutesExactly) {
  TestUpstream stable("stable"), canary("canary");
  auto proxy = StartProxy();
  RouteTable table;
  HttpRoute route = Route("", "/", To("web", {At(stable.port(), "web-1")}));
  route.canary = To("web-canary", {At(canary.port(), "canary-1", "v2")});
  route.canary_policy.header = "X-Canary";
  route.canary_policy.header_value = "me";
  table.http = {route};
  proxy->Update(table);
  TestClient client(proxy->http_port());
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(client.Get("a", "/", {{"x-canary", "me"}}).body, "canary");
    EXPECT_EQ(client.Get("a", "/", {{"X-Canary", "you"}}).body, "stable");
    EXPECT_EQ(client.Get("a", "/").body, "stable");
  }
}

TEST(Proxy, DrainsRemovedEndpoint) {
  TestUpstream old_pod("old"), new_pod("new");
  auto proxy = StartProxy();
  RouteTable table;
  table.http = {Route("", "/", To("web", {At(old_pod.port(), "old")}))};
  proxy->Update(table);

  auto slow = std::async(std::launch::async, [&] {
    TestClient client(proxy->http_port());
    return client.Get("a", "/slow?ms=800");
  });
  for (int i = 0; i < 200 && proxy->InFlight(old_pod.address_port()) == 0; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(proxy->InFlight(old_pod.address_port()), 1u);

  table.http = {Route("", "/", To("web", {At(new_pod.port(), "new")}))};
  proxy->Update(table);
  TestClient client(proxy->http_port());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.Get("a", "/").body, "new");
  EXPECT_EQ(proxy->InFlight(old_pod.address_port()), 1u) << "the slow request is still running";
  EXPECT_TRUE(proxy->WaitDrained(old_pod.address_port(), 5s));
  Reply finished = slow.get();
  EXPECT_EQ(finished.status, 200);
  EXPECT_EQ(finished.body, "old");
  EXPECT_EQ(proxy->InFlight(old_pod.address_port()), 0u);
}

TEST(Proxy, DrainingFlagStopsNewRequests) {
  TestUpstream a("a"), b("b");
  auto proxy = StartProxy();
  RouteTable table;
  Endpoint draining = At(a.port(), "a");
  draining.draining = true;
  table.http = {Route("", "/", To("web", {draining, At(b.port(), "b")}))};
  proxy->Update(table);
  TestClient client(proxy->http_port());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(client.Get("x", "/").body, "b");
  EXPECT_TRUE(proxy->WaitDrained(a.address_port(), 1s));
}

ServiceRoute Service(std::string name, uint16_t listen_port, std::vector<Endpoint> endpoints) {
  ServiceRoute s;
  s.namespace_ = "shop";
  s.name = std::move(name);
  s.port = 80;
  s.listen_port = listen_port;
  s.endpoints = std::move(endpoints);
  return s;
}

TEST(Proxy, ServiceListenerRoundRobin) {
  NameServer one("one"), two("two"), three("three");
  auto proxy = StartProxy();
  RouteTable table;
  table.services = {
      Service("web", 0, {At(one.port(), "p1"), At(two.port(), "p2"), At(three.port(), "p3")})};
  proxy->Update(table);
  std::optional<ListenerStatus> status = proxy->Status("shop/web:80");
  ASSERT_TRUE(status);
  ASSERT_TRUE(status->listening) << status->error;
  std::map<std::string, int> seen;
  for (int i = 0; i < 9; ++i) ++seen[ReadAll(status->port)];
  EXPECT_EQ(seen, (std::map<std::string, int>{{"one", 3}, {"three", 3}, {"two", 3}}));

  // An unchanged table keeps the listener (and its OS-chosen port).
  proxy->Update(table);
  EXPECT_EQ(proxy->Status("shop/web:80")->port, status->port);
  EXPECT_EQ(ReadAll(status->port).empty(), false);

  // Without the Service, its listener closes.
  proxy->Update(RouteTable{});
  EXPECT_FALSE(proxy->Status("shop/web:80"));
  EXPECT_EQ(ReadAll(status->port), "");
}

TEST(Proxy, ServiceConnectionsCountInFlightUntilBothSidesAreDone) {
  // A pod that accepts connections (the kernel completes them from the backlog) but never
  // answers or closes.
  net::io_context ioc;
  tcp::acceptor silent(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  std::string pod = "127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  ProxyOptions options;
  options.idle_timeout = 300ms;
  auto proxy = StartProxy(options);
  RouteTable table;
  table.services = {Service("db", 0, {At(silent.local_endpoint().port(), "db-1")})};
  proxy->Update(table);

  tcp::socket client(ioc);
  client.connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), proxy->Status("shop/db:80")->port));
  for (int i = 0; i < 200 && proxy->InFlight(pod) == 0; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(proxy->InFlight(pod), 1u);
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(proxy->InFlight(pod), 1u) << "an open connection without traffic stays";

  // The client says it is done; the pod never does: after idle_timeout of silence both go.
  client.shutdown(tcp::socket::shutdown_send);
  EXPECT_FALSE(proxy->WaitDrained(pod, 100ms));
  EXPECT_TRUE(proxy->WaitDrained(pod, 2s));
}

TEST(Proxy, PortInUseIsReportedAndTheRestWorks) {
  NameServer one("one");
  net::io_context ioc;
  tcp::acceptor taken(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  uint16_t busy = taken.local_endpoint().port();
  auto proxy = StartProxy();
  RouteTable table;
  table.services = {Service("a", busy, {At(one.port(), "p1")}),
                    Service("b", 0, {At(one.port(), "p1")})};
  proxy->Update(table);
  std::vector<ListenerStatus> listeners = proxy->Listeners();
  ASSERT_EQ(listeners.size(), 2u);
  EXPECT_FALSE(listeners[0].listening);
  EXPECT_EQ(listeners[0].error, "127.0.0.1:" + std::to_string(busy) + ": address already in use");
  EXPECT_TRUE(listeners[1].listening);
  EXPECT_EQ(ReadAll(listeners[1].port), "one");

  // Once the port is free, the next Update binds it.
  taken.close();
  proxy->Update(table);
  EXPECT_TRUE(proxy->Status("shop/a:80")->listening);
  EXPECT_EQ(ReadAll(busy), "one");
}

TEST(Proxy, MetricsByServiceAndVersion) {
  TestUpstream stable("stable"), canary("canary");
  NameServer one("one");
  ProxyOptions options;
  options.metrics_listen = "127.0.0.1:0";
  auto proxy = StartProxy(options);
  RouteTable table;
  HttpRoute route = Route("", "/", To("web", {At(stable.port(), "web-1")}));
  route.canary = To("web-canary", {At(canary.port(), "canary-1", "v2")});
  route.canary_policy.header = "X-Canary";
  table.http = {route, Route("empty", "/", To("gone", {}))};
  table.services = {Service("db", 0, {At(one.port(), "db-1", "15")})};
  proxy->Update(table);
  TestClient client(proxy->http_port());
  for (int i = 0; i < 3; ++i) client.Get("a", "/");
  client.Get("a", "/", {{"X-Canary", "always"}});
  client.Get("empty", "/");
  ReadAll(proxy->Status("shop/db:80")->port);

  std::string text = proxy->MetricsText();
  for (const char* line : {
           "capstan_proxy_requests_total{namespace=\"shop\",service=\"web\",version=\"v1\","
           "code_class=\"2xx\"} 3\n",
           "capstan_proxy_requests_total{namespace=\"shop\",service=\"web-canary\","
           "version=\"v2\",code_class=\"2xx\"} 1\n",
           "capstan_proxy_requests_total{namespace=\"shop\",service=\"gone\",version=\"\","
           "code_class=\"5xx\"} 1\n",
           "capstan_proxy_request_duration_seconds_count{namespace=\"shop\",service=\"web\","
           "version=\"v1\"} 3\n",
           "capstan_proxy_request_duration_seconds_bucket{namespace=\"shop\",service=\"web\","
           "version=\"v1\",le=\"+Inf\"} 3\n",
           "capstan_proxy_in_flight_requests{namespace=\"shop\",service=\"web\",version=\"v1\"} "
           "0\n",
           "capstan_proxy_tcp_connections_total{namespace=\"shop\",service=\"db\",port=\"80\","
           "version=\"15\"} 1\n",
           "# TYPE capstan_proxy_request_duration_seconds histogram\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "in:\n" << text;
  }
  TestClient scrape(proxy->metrics_port());
  Reply metrics = scrape.Get("localhost", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("capstan_proxy_requests_total"), std::string::npos);
}

TEST(Proxy, StartFailsClearlyWhenTheHttpPortIsTaken) {
  net::io_context ioc;
  tcp::acceptor taken(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  ProxyOptions options;
  options.http_listen = "127.0.0.1:" + std::to_string(taken.local_endpoint().port());
  auto proxy = Proxy::Start(options);
  ASSERT_FALSE(proxy.ok());
  EXPECT_EQ(proxy.error().message(),
            "proxy HTTP listener: " + options.http_listen.substr(0) + ": address already in use");
}

}  // namespace
}  // namespace capstan::target::local::proxy
