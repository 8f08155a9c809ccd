// A TCP connection (optionally TLS, without certificate verification, as the kubelet's
// probes) whose every operation ends by a deadline. Errors read like Go's net package, since
// the kubelet's probe messages quote them: "dial tcp 10.88.0.5:8080: connect: connection
// refused", "dial tcp 10.88.0.5:8080: i/o timeout".
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace capstan::target::local::internal {

using Deadline = std::chrono::steady_clock::time_point;

struct IoError {
  std::string text;
  bool timeout = false;  // the deadline passed
};

// "10.88.0.5:8080", "[fd00::1]:8080" (Go's net.JoinHostPort).
std::string JoinHostPort(std::string_view host, int port);
// Whether `host` is an IPv4 or IPv6 address rather than a name.
bool IsIpLiteral(const std::string& host);

class Stream {
 public:
  // Connects to host:port (an IP address or a name to resolve).
  static std::unique_ptr<Stream> Dial(const std::string& host, int port, Deadline deadline,
                                      std::optional<IoError>& error);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Switches to TLS, trusting any certificate. `server_name` is sent as SNI unless empty.
  std::optional<IoError> StartTls(const std::string& server_name, Deadline deadline);
  std::optional<IoError> WriteAll(std::string_view data, Deadline deadline);
  // Appends what arrives next to `buffer`; sets `eof` when the peer closed instead.
  std::optional<IoError> Read(std::string& buffer, bool& eof, Deadline deadline);

 private:
  explicit Stream(int fd);
  // Waits until the socket is readable (or writable) or the deadline passes.
  std::optional<IoError> Wait(bool for_write, Deadline deadline);

  int fd_;
  struct TlsState;
  std::unique_ptr<TlsState> tls_;
};

}  // namespace capstan::target::local::internal
