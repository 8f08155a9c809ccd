#include "http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>

namespace demo {

namespace {

constexpr size_t kMaxHeaderBytes = 16 * 1024;
constexpr size_t kMaxBodyBytes = 1 << 20;
constexpr int kPollMillis = 100;  // how quickly an idle connection notices Stop()
constexpr int kIdleTimeoutMillis = 120 * 1000;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string UrlDecode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size() &&
               std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

void ParseTarget(std::string_view target, Request* request) {
  size_t question = target.find('?');
  request->path = UrlDecode(target.substr(0, question));
  if (question == std::string_view::npos) return;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (!pair.empty()) {
      request->query[UrlDecode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

// Parses the request line and headers (without the blank line). False when malformed.
bool ParseHead(std::string_view head, Request* request, std::string* version) {
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return false;
  request->method = std::string(line.substr(0, sp1));
  ParseTarget(line.substr(sp1 + 1, sp2 - sp1 - 1), request);
  *version = std::string(line.substr(sp2 + 1));
  while (eol != std::string_view::npos) {
    head.remove_prefix(eol + 2);
    eol = head.find("\r\n");
    std::string_view header = head.substr(0, eol);
    size_t colon = header.find(':');
    if (colon == std::string_view::npos) {
      if (header.empty()) continue;
      return false;
    }
    std::string_view value = header.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    request->headers[Lower(std::string(header.substr(0, colon)))] = std::string(value);
  }
  return true;
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 431:
      return "Request Header Fields Too Large";
    case 413:
      return "Content Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool SendResponse(int fd, const Response& response, bool keep_alive) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + Reason(response.status) +
                    "\r\nContent-Type: " + response.content_type +
                    "\r\nContent-Length: " + std::to_string(response.body.size()) +
                    "\r\nConnection: " + (keep_alive ? "keep-alive" : "close") + "\r\n\r\n" +
                    response.body;
  return WriteAll(fd, out);
}

}  // namespace

bool HttpServer::Listen(int port, std::string* error) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listen_fd_, 128) != 0) {
    *error = "bind 0.0.0.0:" + std::to_string(port) + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

void HttpServer::Serve(const Handler& handler) {
  while (!stopping_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      break;  // Stop() shut the socket down
    }
    if (stopping_) {
      ::close(fd);
      break;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++connections_;
    }
    std::thread([this, fd, &handler] {
      ServeConnection(fd, handler);
      ::close(fd);
      std::lock_guard<std::mutex> lock(mu_);
      if (--connections_ == 0) idle_.notify_all();
    }).detach();
  }
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return connections_ == 0; });
}

void HttpServer::Stop() {
  stopping_ = true;
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
}

void HttpServer::ServeConnection(int fd, const Handler& handler) {
  std::string buffer;
  int idle_millis = 0;
  char chunk[8192];
  while (true) {
    size_t head_end = buffer.find("\r\n\r\n");
    if (head_end == std::string::npos) {
      if (buffer.size() > kMaxHeaderBytes) {
        SendResponse(fd, {431, "request header too large\n"}, false);
        return;
      }
      // Between requests a stopping server closes the connection; a request that has
      // begun to arrive is read to its end and answered.
      if (buffer.empty() && stopping_) return;
      pollfd p{fd, POLLIN, 0};
      int ready = ::poll(&p, 1, kPollMillis);
      if (ready == 0) {
        idle_millis += kPollMillis;
        if (idle_millis >= kIdleTimeoutMillis) return;
        continue;
      }
      if (ready < 0 && errno == EINTR) continue;
      ssize_t n = ready > 0 ? ::recv(fd, chunk, sizeof(chunk), 0) : -1;
      if (n <= 0) return;
      idle_millis = 0;
      buffer.append(chunk, static_cast<size_t>(n));
      continue;
    }

    Request request;
    std::string version;
    if (!ParseHead(std::string_view(buffer).substr(0, head_end), &request, &version)) {
      SendResponse(fd, {400, "malformed request\n"}, false);
      return;
    }
    buffer.erase(0, head_end + 4);
    size_t body_bytes = 0;
    if (auto it = request.headers.find("content-length"); it != request.headers.end()) {
      body_bytes = std::strtoull(it->second.c_str(), nullptr, 10);
    }
    if (request.headers.count("transfer-encoding") > 0 || body_bytes > kMaxBodyBytes) {
      SendResponse(fd, {413, "request bodies are not supported\n"}, false);
      return;
    }
    while (buffer.size() < body_bytes) {
      ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) return;
      buffer.append(chunk, static_cast<size_t>(n));
    }
    buffer.erase(0, body_bytes);

    std::string connection = Lower(request.headers["connection"]);
    bool keep_alive = version == "HTTP/1.1" ? connection != "close" : connection == "keep-alive";
    Response response = handler(request);
    keep_alive = keep_alive && !stopping_ && !response.after;
    bool written = SendResponse(fd, response, keep_alive);
    if (response.after) {
      ::shutdown(fd, SHUT_WR);
      response.after();
    }
    if (!written || !keep_alive) return;
  }
}

}  // namespace demo
