// A small blocking HTTP/1.1 client for tests that count requests: keep-alive (or a new
// connection per request), Content-Length, chunked and read-to-close bodies, time-outs. curl
// costs a process per request, too slow for thousands of them. Header-only; not thread-safe
// (one client per thread).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace capstan::it {

struct HttpResult {
  int status = 0;  // 0: no response (see error)
  std::string body;
  std::string error;  // why there was no response: "connect: Connection refused", ...
};

class HttpClient {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  // `address` is "IPv4:port". keep_alive false: every request opens its own connection and
  // asks the server to close it (what curl does once per process).
  explicit HttpClient(std::string address, bool keep_alive = true,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : address_(std::move(address)), keep_alive_(keep_alive), timeout_(timeout) {}
  ~HttpClient() { Close(); }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // GET `path` with `headers` (a "Host" among them, such as an Ingress rule's host, replaces
  // the default: the address). A kept-alive connection the server closed while idle is
  // reopened once before anything was sent back, as browsers and curl do; retries() counts
  // those.
  HttpResult Get(std::string_view path, const Headers& headers = {}) {
    bool reused = fd_ >= 0;
    HttpResult result = Once(path, headers);
    if (result.status == 0 && reused && nothing_received_) {
      ++retries_;
      result = Once(path, headers);
    }
    return result;
  }

  int retries() const { return retries_; }

  // Whether the kept-alive connection was closed by the server (or there is none): what a
  // connection pool checks before it reuses one. Does not block.
  bool ClosedByPeer() {
    if (fd_ < 0) return true;
    char byte;
    ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  HttpResult Once(std::string_view path, const Headers& headers) {
    HttpResult result;
    nothing_received_ = true;
    if (fd_ < 0 && !Connect(&result.error)) return result;
    bool has_host = std::any_of(headers.begin(), headers.end(),
                                [](const auto& header) { return Lower(header.first) == "host"; });
    std::string request = "GET " + std::string(path) + " HTTP/1.1\r\n";
    if (!has_host) request += "Host: " + address_ + "\r\n";
    for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
    if (!keep_alive_) request += "Connection: close\r\n";
    request += "\r\n";
    if (!SendAll(request, &result.error)) {
      Close();
      return result;
    }
    // The header.
    size_t end = std::string::npos;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadMore(&result.error, "reading the response header")) {
        Close();
        return result;
      }
    }
    std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    if (head.rfind("HTTP/1.", 0) != 0 || head.size() < 12) {
      result.error = "not an HTTP response: " + head.substr(0, 80);
      Close();
      return result;
    }
    int status = std::atoi(head.c_str() + 9);
    long content_length = -1;
    bool chunked = false;
    bool close = !keep_alive_;
    size_t line_start = head.find("\r\n");
    while (line_start != std::string::npos) {
      line_start += 2;
      size_t line_end = head.find("\r\n", line_start);
      std::string line = head.substr(
          line_start, line_end == std::string::npos ? std::string::npos : line_end - line_start);
      line_start = line_end;
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = Lower(line.substr(0, colon));
      std::string value = Lower(Trim(line.substr(colon + 1)));
      if (name == "content-length") content_length = std::atol(value.c_str());
      if (name == "transfer-encoding" && value.find("chunked") != std::string::npos) chunked = true;
      if (name == "connection" && value == "close") close = true;
    }
    std::string body;
    if (chunked) {
      while (true) {
        size_t eol;
        while ((eol = buffer_.find("\r\n")) == std::string::npos) {
          if (!ReadMore(&result.error, "reading a chunk size")) return Fail(&result);
        }
        long size = std::strtol(buffer_.c_str(), nullptr, 16);
        buffer_.erase(0, eol + 2);
        while (buffer_.size() < static_cast<size_t>(size) + 2) {
          if (!ReadMore(&result.error, "reading a chunk")) return Fail(&result);
        }
        body.append(buffer_, 0, static_cast<size_t>(size));
        buffer_.erase(0, static_cast<size_t>(size) + 2);
        if (size == 0) break;  // (trailers are not used by the proxy or the demo app)
      }
    } else if (content_length >= 0) {
      while (buffer_.size() < static_cast<size_t>(content_length)) {
        if (!ReadMore(&result.error, "reading the body")) return Fail(&result);
      }
      body = buffer_.substr(0, static_cast<size_t>(content_length));
      buffer_.erase(0, static_cast<size_t>(content_length));
    } else {
      std::string ignored;
      while (ReadMore(&ignored, "")) {
      }
      body = std::move(buffer_);
      buffer_.clear();
      close = true;
    }
    result.status = status;
    result.body = std::move(body);
    if (close) Close();
    return result;
  }

  HttpResult& Fail(HttpResult* result) {
    Close();
    return *result;
  }

  bool Connect(std::string* error) {
    size_t colon = address_.rfind(':');
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(std::atoi(address_.c_str() + colon + 1)));
    if (colon == std::string::npos ||
        ::inet_pton(AF_INET, address_.substr(0, colon).c_str(), &addr.sin_addr) != 1) {
      *error = "not an IPv4 address:port: " + address_;
      return false;
    }
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      *error = std::string("socket: ") + std::strerror(errno);
      return false;
    }
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout_.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout_.count() % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));  // bounds connect too
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      *error = "connect " + address_ + ": " + std::strerror(errno);
      Close();
      return false;
    }
    buffer_.clear();
    return true;
  }

  bool SendAll(const std::string& data, std::string* error) {
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        *error = std::string("send: ") + std::strerror(errno);
        return false;
      }
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  // Appends what arrives to buffer_; false on end of stream, error or time-out.
  bool ReadMore(std::string* error, const char* what) {
    char chunk[16384];
    while (true) {
      ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        nothing_received_ = false;
        buffer_.append(chunk, static_cast<size_t>(n));
        return true;
      }
      if (n == 0) {
        *error = std::string("connection closed ") + what;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        *error = std::string("timed out ") + what;
      } else {
        *error = std::string(std::strerror(errno)) + " " + what;
      }
      return false;
    }
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buffer_.clear();
  }

  static std::string Lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  }
  static std::string Trim(std::string text) {
    size_t begin = text.find_first_not_of(" \t");
    size_t end = text.find_last_not_of(" \t");
    return begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
  }

  const std::string address_;
  const bool keep_alive_;
  const std::chrono::milliseconds timeout_;
  int fd_ = -1;
  std::string buffer_;  // received and not yet used
  bool nothing_received_ = true;
  int retries_ = 0;
};

}  // namespace capstan::it
