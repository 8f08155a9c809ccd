// fault_proxy: a test stand-in (see fault_proxy.h). One thread per connection, blocking
// sockets; everything a thread blocks on is shut down by the destructor.
#include "fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace capstan::testing {
namespace {

// A request head longer than this is refused: the API client sends a few hundred bytes.
constexpr size_t kMaxHeadBytes = 64 << 10;
// Request bodies are manifests; a larger one is refused.
constexpr size_t kMaxBodyBytes = 16 << 20;
// How often blocked loops look at the stop flag.
constexpr int kPollMs = 100;
constexpr char kStatus429[] =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
    R"("message":"fault_proxy: injected 429, too many requests","reason":"TooManyRequests",)"
    R"("details":{"retryAfterSeconds":1},"code":429})";

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Reads until `done` says the buffer is complete, EOF, an error or the stop flag.
template <typename Done>
bool ReadUntil(SSL* ssl, int fd, std::string& buffer, const std::atomic<bool>& stopping,
               size_t limit, Done done) {
  char chunk[16 << 10];
  while (!done(buffer)) {
    if (stopping || buffer.size() > limit) return false;
    if (SSL_pending(ssl) == 0) {
      pollfd p{fd, POLLIN, 0};
      int ready = poll(&p, 1, kPollMs);
      if (ready < 0) return false;
      if (ready == 0) continue;
    }
    int n = SSL_read(ssl, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  return true;
}

bool WriteAll(SSL* ssl, std::string_view data) {
  while (!data.empty()) {
    int n = SSL_write(ssl, data.data(), static_cast<int>(data.size()));
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string Response(int code, std::string_view reason, std::string_view content_type,
                     std::string_view body, std::string_view extra_headers = "") {
  std::ostringstream out;
  out << "HTTP/1.1 " << code << ' ' << reason << "\r\n"
      << extra_headers << "Content-Type: " << content_type << "\r\n"
      << "Content-Length: " << body.size() << "\r\nConnection: close\r\n\r\n"
      << body;
  return out.str();
}

struct Request {
  std::string method, target;
  std::string head;  // rewritten for upstream: Connection: close
  size_t content_length = 0;
  bool chunked = false;
};

// Parses the head (up to and including the blank line) and rewrites its connection headers.
Request ParseHead(std::string_view head) {
  Request request;
  std::istringstream lines{std::string(head)};
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    if (first) {
      std::istringstream words(line);
      words >> request.method >> request.target;
      request.head = line + "\r\n";
      first = false;
      continue;
    }
    size_t colon = line.find(':');
    std::string name = Lower(line.substr(0, colon));
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    if (name == "connection" || name == "keep-alive") continue;
    if (name == "content-length") request.content_length = std::stoul(value);
    if (name == "transfer-encoding") request.chunked = true;
    request.head += line + "\r\n";
  }
  request.head += "Connection: close\r\n\r\n";
  return request;
}

int ConnectTcp(const std::string& host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void ResetConnection(int fd) {
  linger hard{1, 0};  // close with RST instead of FIN
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
}

}  // namespace

std::string_view FaultName(Fault fault) {
  switch (fault) {
    case Fault::kNone:
      return "none";
    case Fault::k429:
      return "429";
    case Fault::k500:
      return "500";
    case Fault::k503:
      return "503";
    case Fault::kReset:
      return "reset";
    case Fault::kStall:
      return "stall";
  }
  return "?";
}

FaultProxy::FaultProxy(const Options& options)
    : options_(options), rates_(options.faults), rng_state_(options.seed) {}

Result<std::unique_ptr<FaultProxy>> FaultProxy::Start(const Options& options) {
  // A write to a connection the client reset must not kill the test.
  signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<FaultProxy> proxy(new FaultProxy(options));
  SSL_CTX* server = SSL_CTX_new(TLS_server_method());
  proxy->ssl_ctx_ = server;
  if (SSL_CTX_use_certificate_chain_file(server, options.cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(server, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Error::Invalid("fault_proxy: cannot load certificate " + options.cert_file + " or key " +
                          options.key_file);
  }
  SSL_CTX* client = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(client, SSL_VERIFY_NONE, nullptr);
  proxy->upstream_ctx_ = client;

  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(fd, 64) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    return Error::Unavailable("fault_proxy: cannot listen on 127.0.0.1");
  }
  proxy->listen_fd_ = fd;
  proxy->port_ = ntohs(addr.sin_port);
  proxy->acceptor_ = std::thread([p = proxy.get()] { p->AcceptLoop(); });
  return proxy;
}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::lock_guard lock(mu_);
    for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
  }
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (std::thread& worker : workers) worker.join();
  if (listen_fd_ >= 0) close(listen_fd_);
  SSL_CTX_free(static_cast<SSL_CTX*>(ssl_ctx_));
  SSL_CTX_free(static_cast<SSL_CTX*>(upstream_ctx_));
}

void FaultProxy::SetFaults(const FaultRates& rates) {
  std::lock_guard lock(mu_);
  rates_ = rates;
  consecutive_.clear();
}

std::vector<FaultRecord> FaultProxy::Records() const {
  std::lock_guard lock(mu_);
  return records_;
}

int FaultProxy::Count(Fault fault) const {
  std::lock_guard lock(mu_);
  return static_cast<int>(std::count_if(records_.begin(), records_.end(),
                                        [&](const FaultRecord& r) { return r.fault == fault; }));
}

int FaultProxy::Injected() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(std::count_if(records_.begin(), records_.end(), [](const FaultRecord& r) {
    return r.fault != Fault::kNone;
  }));
}

void FaultProxy::Record(FaultRecord record) {
  std::lock_guard lock(mu_);
  records_.push_back(std::move(record));
}

Fault FaultProxy::Decide(const std::string& request) {
  std::lock_guard lock(mu_);
  // splitmix64: small, seeded, the same sequence on every platform.
  uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  double u = static_cast<double>(z >> 11) * 0x1.0p-53;
  Fault fault = Fault::kNone;
  int& consecutive = consecutive_[request];
  if (options_.max_consecutive_faults == 0 || consecutive < options_.max_consecutive_faults) {
    const std::pair<double, Fault> table[] = {{rates_.status_429, Fault::k429},
                                              {rates_.status_500, Fault::k500},
                                              {rates_.status_503, Fault::k503},
                                              {rates_.reset, Fault::kReset},
                                              {rates_.stall, Fault::kStall}};
    double edge = 0;
    for (auto [rate, candidate] : table) {
      edge += rate;
      if (u < edge) {
        fault = candidate;
        break;
      }
    }
  }
  consecutive = fault == Fault::kNone ? 0 : consecutive + 1;
  return fault;
}

void FaultProxy::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, kPollMs) <= 0) continue;
    int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::lock_guard lock(mu_);
    open_fds_.push_back(client);
    workers_.emplace_back([this, client] { Serve(client); });
  }
}

void FaultProxy::Serve(int client_fd) {
  SSL* down = SSL_new(static_cast<SSL_CTX*>(ssl_ctx_));
  SSL* up = nullptr;
  int upstream_fd = -1;
  bool reset = false;
  auto finish = [&] {
    std::lock_guard lock(mu_);
    for (int fd : {client_fd, upstream_fd}) {
      if (fd < 0) continue;
      open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
    }
    if (reset) {
      ResetConnection(client_fd);
    } else {
      SSL_shutdown(down);
    }
    SSL_free(down);
    if (up != nullptr) SSL_free(up);
    close(client_fd);
    if (upstream_fd >= 0) close(upstream_fd);
  };

  SSL_set_fd(down, client_fd);
  std::string buffer;
  auto head_done = [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; };
  if (SSL_accept(down) != 1 ||
      !ReadUntil(down, client_fd, buffer, stopping_, kMaxHeadBytes, head_done)) {
    finish();
    return;
  }
  size_t head_end = buffer.find("\r\n\r\n") + 4;
  Request request = ParseHead(std::string_view(buffer).substr(0, head_end));
  if (request.chunked || request.content_length > kMaxBodyBytes) {
    WriteAll(down,
             Response(400, "Bad Request", "text/plain",
                      "fault_proxy: chunked or oversized request bodies are not supported\n"));
    finish();
    return;
  }
  size_t want = head_end + request.content_length;
  if (!ReadUntil(down, client_fd, buffer, stopping_, want,
                 [want](const std::string& b) { return b.size() >= want; })) {
    finish();
    return;
  }
  std::string body = buffer.substr(head_end, request.content_length);

  Fault fault = Decide(request.method + " " + request.target);
  Record({request.method, request.target, fault});
  switch (fault) {
    case Fault::k429:
      WriteAll(down, Response(429, "Too Many Requests", "application/json", kStatus429,
                              "Retry-After: 1\r\n"));
      break;
    case Fault::k500:
      WriteAll(down, Response(500, "Internal Server Error", "text/plain",
                              "fault_proxy: injected 500 Internal Server Error\n"));
      break;
    case Fault::k503:
      WriteAll(down, Response(503, "Service Unavailable", "text/plain",
                              "fault_proxy: injected 503 Service Unavailable\n"));
      break;
    case Fault::kReset:
      reset = true;
      break;
    case Fault::kStall: {
      auto until = std::chrono::steady_clock::now() + options_.stall;
      while (!stopping_ && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
      }
      reset = true;  // the client has given up long ago; do not answer
      break;
    }
    case Fault::kNone: {
      upstream_fd = ConnectTcp(options_.upstream_host, options_.upstream_port);
      if (upstream_fd < 0) {
        WriteAll(down, Response(502, "Bad Gateway", "text/plain",
                                "fault_proxy: cannot reach the upstream server\n"));
        break;
      }
      {
        std::lock_guard lock(mu_);
        open_fds_.push_back(upstream_fd);
      }
      up = SSL_new(static_cast<SSL_CTX*>(upstream_ctx_));
      SSL_set_fd(up, upstream_fd);
      if (SSL_connect(up) != 1 || !WriteAll(up, request.head) || !WriteAll(up, body)) {
        WriteAll(down, Response(502, "Bad Gateway", "text/plain",
                                "fault_proxy: upstream TLS or write failed\n"));
        break;
      }
      // Copy the response as it arrives (watches stream) until the server closes, the
      // client goes away, or the proxy stops.
      char chunk[16 << 10];
      while (!stopping_) {
        if (SSL_pending(up) == 0) {
          pollfd fds[2] = {{upstream_fd, POLLIN, 0}, {client_fd, POLLIN, 0}};
          int ready = poll(fds, 2, kPollMs);
          if (ready < 0) break;
          if (ready == 0) continue;
          if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) break;  // client left
          if (fds[0].revents == 0) continue;
        }
        int n = SSL_read(up, chunk, sizeof chunk);
        if (n <= 0) break;
        if (!WriteAll(down, std::string_view(chunk, static_cast<size_t>(n)))) break;
      }
      break;
    }
  }
  finish();
}

}  // namespace capstan::testing
