#include "target/local/pod/internal/net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace capstan::target::local::internal {

namespace {

constexpr size_t kReadChunk = 16u * 1024;

// Go's syscall.Errno text: the C library's, starting lower-case ("connection refused").
std::string ErrnoText(int error) {
  std::string text = std::strerror(error);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

int RemainingMillis(Deadline deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

std::string TlsErrorText() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "tls: handshake failure";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return std::string("tls: ") + text;
}

}  // namespace

bool IsIpLiteral(const std::string& host) {
  in6_addr v6{};
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

std::string JoinHostPort(std::string_view host, int port) {
  if (host.find(':') != std::string_view::npos) {
    return "[" + std::string(host) + "]:" + std::to_string(port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

struct Stream::TlsState {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  ~TlsState() {
    if (ssl != nullptr) SSL_free(ssl);
    if (ctx != nullptr) SSL_CTX_free(ctx);
  }
};

Stream::Stream(int fd) : fd_(fd) {}

std::unique_ptr<Stream> Stream::Dial(const std::string& host, int port, Deadline deadline,
                                     std::optional<IoError>& error) {
  std::string address = JoinHostPort(host, port);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = IsIpLiteral(host) ? AI_NUMERICHOST : 0;
  addrinfo* found = nullptr;
  int status = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (status != 0 || found == nullptr) {
    error = IoError{"dial tcp: lookup " + host + ": no such host", false};
    return nullptr;
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> owner(found, freeaddrinfo);
  int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = IoError{"dial tcp " + address + ": socket: " + ErrnoText(errno), false};
    return nullptr;
  }
  std::unique_ptr<Stream> stream(new Stream(fd));
  if (connect(fd, found->ai_addr, found->ai_addrlen) != 0 && errno != EINPROGRESS) {
    error = IoError{"dial tcp " + address + ": connect: " + ErrnoText(errno), false};
    return nullptr;
  }
  if (std::optional<IoError> wait = stream->Wait(true, deadline)) {
    error = IoError{"dial tcp " + address + ": " + wait->text, wait->timeout};
    return nullptr;
  }
  int socket_error = 0;
  socklen_t length = sizeof socket_error;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &socket_error, &length);
  if (socket_error != 0) {
    error = IoError{"dial tcp " + address + ": connect: " + ErrnoText(socket_error), false};
    return nullptr;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return stream;
}

Stream::~Stream() {
  tls_.reset();
  if (fd_ >= 0) close(fd_);
}

std::optional<IoError> Stream::Wait(bool for_write, Deadline deadline) {
  for (;;) {
    int millis = RemainingMillis(deadline);
    if (millis == 0) return IoError{"i/o timeout", true};
    pollfd entry{fd_, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    int ready = poll(&entry, 1, millis);
    if (ready > 0) return std::nullopt;
    if (ready < 0 && errno != EINTR) return IoError{"poll: " + ErrnoText(errno), false};
  }
}

std::optional<IoError> Stream::StartTls(const std::string& server_name, Deadline deadline) {
  tls_ = std::make_unique<TlsState>();
  tls_->ctx = SSL_CTX_new(TLS_client_method());
  if (tls_->ctx == nullptr) return IoError{TlsErrorText(), false};
  SSL_CTX_set_verify(tls_->ctx, SSL_VERIFY_NONE, nullptr);  // the kubelet's InsecureSkipVerify
  tls_->ssl = SSL_new(tls_->ctx);
  if (tls_->ssl == nullptr || SSL_set_fd(tls_->ssl, fd_) != 1)
    return IoError{TlsErrorText(), false};
  if (!server_name.empty()) SSL_set_tlsext_host_name(tls_->ssl, server_name.c_str());
  for (;;) {
    int result = SSL_connect(tls_->ssl);
    if (result == 1) return std::nullopt;
    int reason = SSL_get_error(tls_->ssl, result);
    if (reason != SSL_ERROR_WANT_READ && reason != SSL_ERROR_WANT_WRITE) {
      return IoError{TlsErrorText(), false};
    }
    if (std::optional<IoError> wait = Wait(reason == SSL_ERROR_WANT_WRITE, deadline)) return wait;
  }
}

std::optional<IoError> Stream::WriteAll(std::string_view data, Deadline deadline) {
  while (!data.empty()) {
    if (tls_ != nullptr) {
      size_t written = 0;
      if (SSL_write_ex(tls_->ssl, data.data(), data.size(), &written) == 1) {
        data.remove_prefix(written);
        continue;
      }
      int reason = SSL_get_error(tls_->ssl, 0);
      if (reason != SSL_ERROR_WANT_READ && reason != SSL_ERROR_WANT_WRITE) {
        return IoError{TlsErrorText(), false};
      }
      if (auto wait = Wait(reason == SSL_ERROR_WANT_WRITE, deadline)) return wait;
      continue;
    }
    ssize_t written = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (written > 0) {
      data.remove_prefix(static_cast<size_t>(written));
    } else if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (auto wait = Wait(true, deadline)) return wait;
    } else if (written < 0 && errno != EINTR) {
      return IoError{"write: " + ErrnoText(errno), false};
    }
  }
  return std::nullopt;
}

std::optional<IoError> Stream::Read(std::string& buffer, bool& eof, Deadline deadline) {
  eof = false;
  char chunk[kReadChunk];
  for (;;) {
    if (tls_ != nullptr) {
      size_t read = 0;
      if (SSL_read_ex(tls_->ssl, chunk, sizeof chunk, &read) == 1) {
        buffer.append(chunk, read);
        return std::nullopt;
      }
      int reason = SSL_get_error(tls_->ssl, 0);
      if (reason == SSL_ERROR_ZERO_RETURN) {
        eof = true;
        return std::nullopt;
      }
      if (reason == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {  // closed without notify
        eof = true;
        return std::nullopt;
      }
      if (reason != SSL_ERROR_WANT_READ && reason != SSL_ERROR_WANT_WRITE) {
        return IoError{TlsErrorText(), false};
      }
      if (auto wait = Wait(reason == SSL_ERROR_WANT_WRITE, deadline)) return wait;
      continue;
    }
    ssize_t read = recv(fd_, chunk, sizeof chunk, 0);
    if (read > 0) {
      buffer.append(chunk, static_cast<size_t>(read));
      return std::nullopt;
    }
    if (read == 0) {
      eof = true;
      return std::nullopt;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (auto wait = Wait(false, deadline)) return wait;
    } else if (errno == ECONNRESET) {
      return IoError{"read: connection reset by peer", false};
    } else if (errno != EINTR) {
      return IoError{"read: " + ErrnoText(errno), false};
    }
  }
}

}  // namespace capstan::target::local::internal
