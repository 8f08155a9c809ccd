// RunProbe against real sockets: a small HTTP (and HTTPS) server started by the test, a port
// nobody listens on, and exec callbacks.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "target/local/pod/probe.h"

namespace capstan::target::local {
namespace {

using namespace std::chrono_literals;

// A listening socket on 127.0.0.1 and a free port number.
int Listen(int& port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  EXPECT_EQ(listen(fd, 16), 0);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  return fd;
}

// A self-signed certificate for the HTTPS server (the prober does not verify it).
SSL_CTX* ServerTlsContext() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("probe-test"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_use_certificate(ctx, cert);
  SSL_CTX_use_PrivateKey(ctx, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  return ctx;
}

// Answers GETs by path: /ok 200, /fail 500, /slow 200 after 2 s, /found 302 to /ok,
// /elsewhere 302 to another host, /loop 302 to itself, /moved 301 without Location.
// Keeps every request it received.
class TestServer {
 public:
  explicit TestServer(bool tls = false) {
    if (tls) ctx_ = ServerTlsContext();
    fd_ = Listen(port_);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TestServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
    for (std::thread& handler : handlers_) handler.join();
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  }
  int port() const { return port_; }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Serve() {
    while (!stop_) {
      int client = accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      handlers_.emplace_back([this, client] { Handle(client); });
    }
  }
  void Handle(int client) {
    SSL* ssl = nullptr;
    if (ctx_ != nullptr) {
      ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, client);
      if (SSL_accept(ssl) != 1) {
        SSL_free(ssl);
        close(client);
        return;
      }
    }
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      int n = ssl != nullptr ? SSL_read(ssl, buffer, sizeof buffer)
                             : static_cast<int>(recv(client, buffer, sizeof buffer, 0));
      if (n <= 0) break;
      request.append(buffer, static_cast<size_t>(n));
    }
    if (request.size() < 5) {  // a TCP probe: connected and closed
      if (ssl != nullptr) SSL_free(ssl);
      close(client);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
    }
    std::string path = request.substr(4, request.find(' ', 4) - 4);
    std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    if (path == "/fail")
      response = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";
    if (path == "/found")
      response = "HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 0\r\n\r\n";
    if (path == "/elsewhere") {
      response = "HTTP/1.1 302 Found\r\nLocation: http://elsewhere.invalid/x\r\n\r\n";
    }
    if (path == "/loop") response = "HTTP/1.1 302 Found\r\nlocation: /loop\r\n\r\n";
    if (path == "/moved") response = "HTTP/1.1 301 Moved Permanently\r\n\r\n";
    if (path == "/slow") std::this_thread::sleep_for(2s);
    if (ssl != nullptr) {
      SSL_write(ssl, response.data(), static_cast<int>(response.size()));
      SSL_shutdown(ssl);
      SSL_free(ssl);
    } else {
      send(client, response.data(), response.size(), MSG_NOSIGNAL);
    }
    close(client);
  }

  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<std::thread> handlers_;  // touched by thread_ only, until it is joined
  std::mutex mu_;
  std::vector<std::string> requests_;
};

ProbeSpec Http(ProbeType type, int port, std::string path) {
  ProbeSpec spec;
  spec.type = type;
  spec.handler = ProbeHandler::kHttpGet;
  spec.port = port;
  spec.path = std::move(path);
  return spec;
}

// A port nobody listens on: bound, then closed again.
int ClosedPort() {
  int port = 0;
  close(Listen(port));
  return port;
}

TEST(RunProbe, HttpStatusCodesAsTheKubelet) {
  TestServer server;
  struct Case {
    std::string path;
    ProbeOutcome::Result result;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"/ok", ProbeOutcome::Result::kSuccess, ""},
      {"/fail", ProbeOutcome::Result::kFailure,
       "Readiness probe failed: HTTP probe failed with statuscode: 500"},
      {"/found", ProbeOutcome::Result::kSuccess, ""},  // followed to /ok on the same host
      {"/elsewhere", ProbeOutcome::Result::kSuccess,
       "Readiness probe warning: Probe terminated redirects, Response body: "},
      {"/moved", ProbeOutcome::Result::kSuccess,
       "Readiness probe warning: Probe terminated redirects, Response body: "},
      {"/loop", ProbeOutcome::Result::kFailure,
       "Readiness probe failed: Get \"/loop\": stopped after 10 redirects"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    ProbeOutcome outcome =
        RunProbe(Http(ProbeType::kReadiness, server.port(), c.path), "127.0.0.1", {});
    EXPECT_EQ(outcome.result, c.result);
    EXPECT_EQ(outcome.message, c.message);
  }
}

TEST(RunProbe, HttpSendsTheKubeletsHeaders) {
  TestServer server;
  ProbeSpec spec = Http(ProbeType::kLiveness, server.port(), "/ok?full=1");
  spec.http_headers = {{"X-Probe", "yes"}, {"Accept", "application/json"}};
  ASSERT_TRUE(RunProbe(spec, "127.0.0.1", {}).success());
  std::vector<std::string> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const std::string& request = requests[0];
  EXPECT_EQ(request.rfind("GET /ok?full=1 HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"),
            std::string::npos);
  EXPECT_NE(request.find("User-Agent: kube-probe/"), std::string::npos);
  EXPECT_NE(request.find("Accept: application/json\r\n"), std::string::npos);
  EXPECT_EQ(request.find("Accept: */*"), std::string::npos);
  EXPECT_NE(request.find("X-Probe: yes\r\n"), std::string::npos);

  // An empty path is "/" on the wire; a Host header replaces the address.
  ProbeSpec plain = Http(ProbeType::kLiveness, server.port(), "");
  plain.http_headers = {{"Host", "web.example"}};
  ASSERT_TRUE(RunProbe(plain, "127.0.0.1", {}).success());
  requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].rfind("GET / HTTP/1.1\r\nHost: web.example\r\n", 0), 0u) << requests[1];
}

TEST(RunProbe, HttpSlowerThanTheTimeoutFails) {
  TestServer server;
  ProbeSpec spec = Http(ProbeType::kLiveness, server.port(), "/slow");
  auto start = std::chrono::steady_clock::now();
  ProbeOutcome outcome = RunProbe(spec, "127.0.0.1", {});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(outcome.result, ProbeOutcome::Result::kFailure);
  EXPECT_EQ(outcome.message,
            "Liveness probe failed: Get \"http://127.0.0.1:" + std::to_string(server.port()) +
                "/slow\": context deadline exceeded (Client.Timeout exceeded "
                "while awaiting headers)");
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 1800ms);  // timeoutSeconds 1, not the server's 2 s
}

TEST(RunProbe, HttpToAClosedPortIsRefused) {
  int port = ClosedPort();
  ProbeOutcome outcome = RunProbe(Http(ProbeType::kReadiness, port, "/healthz"), "127.0.0.1", {});
  std::string address = "127.0.0.1:" + std::to_string(port);
  EXPECT_EQ(outcome.result, ProbeOutcome::Result::kFailure);
  EXPECT_EQ(outcome.message, "Readiness probe failed: Get \"http://" + address +
                                 "/healthz\": dial tcp " + address +
                                 ": connect: connection refused");
}

TEST(RunProbe, HttpsWithoutCertificateVerification) {
  TestServer server(/*tls=*/true);
  ProbeSpec spec = Http(ProbeType::kReadiness, server.port(), "/fail");
  spec.scheme = "HTTPS";
  ProbeOutcome outcome = RunProbe(spec, "127.0.0.1", {});
  EXPECT_EQ(outcome.message, "Readiness probe failed: HTTP probe failed with statuscode: 500");
  spec.path = "/ok";
  EXPECT_TRUE(RunProbe(spec, "127.0.0.1", {}).success());
}

TEST(RunProbe, TcpConnects) {
  TestServer server;
  ProbeSpec spec;
  spec.type = ProbeType::kLiveness;
  spec.handler = ProbeHandler::kTcpSocket;
  spec.port = server.port();
  EXPECT_TRUE(RunProbe(spec, "127.0.0.1", {}).success());

  spec.port = ClosedPort();
  ProbeOutcome outcome = RunProbe(spec, "127.0.0.1", {});
  EXPECT_EQ(outcome.result, ProbeOutcome::Result::kFailure);
  EXPECT_EQ(outcome.output,
            "dial tcp 127.0.0.1:" + std::to_string(spec.port) + ": connect: connection refused");
  EXPECT_EQ(outcome.message, "Liveness probe failed: " + outcome.output);
}

TEST(RunProbe, ExecThroughTheCallback) {
  ProbeSpec spec;
  spec.type = ProbeType::kLiveness;
  spec.handler = ProbeHandler::kExec;
  spec.command = {"cat", "/tmp/healthy"};
  spec.timeout_seconds = 3;
  std::vector<std::string> ran;
  std::chrono::seconds timeout{0};
  auto exec_with = [&](const Result<ExecResult>& result) {
    return [&, result](const std::vector<std::string>& command, std::chrono::seconds limit) {
      ran = command;
      timeout = limit;
      return result;
    };
  };
  EXPECT_TRUE(RunProbe(spec, "", exec_with(ExecResult{0, "fine", false})).success());
  EXPECT_EQ(ran, spec.command);
  EXPECT_EQ(timeout, std::chrono::seconds(3));

  ProbeOutcome failed = RunProbe(
      spec, "", exec_with(ExecResult{1, "cat: /tmp/healthy: No such file or directory", false}));
  EXPECT_EQ(failed.result, ProbeOutcome::Result::kFailure);
  EXPECT_EQ(failed.message, "Liveness probe failed: cat: /tmp/healthy: No such file or directory");

  ProbeOutcome timed_out = RunProbe(spec, "", exec_with(ExecResult{-1, "", true}));
  EXPECT_EQ(timed_out.result, ProbeOutcome::Result::kFailure);
  EXPECT_EQ(timed_out.message, "Liveness probe failed: command \"cat /tmp/healthy\" timed out");

  ProbeOutcome error =
      RunProbe(spec, "", exec_with(Error::Unavailable("container web is not running")));
  EXPECT_EQ(error.result, ProbeOutcome::Result::kError);
  EXPECT_EQ(error.message, "Liveness probe errored: container web is not running");
}

}  // namespace
}  // namespace capstan::target::local
