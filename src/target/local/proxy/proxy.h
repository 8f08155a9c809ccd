// capstan's traffic proxy for the local target: kube-proxy and ingress-nginx on one machine.
//
// Service ports get TCP listeners on the host that forward connections round-robin to ready
// pods (L4). Ingress rules share one HTTP/1.1 listener that routes by host and path, splits
// traffic between stable and canary backends (ingress-nginx's canary annotations), counts
// requests per backend version, and drains endpoints on request.
// docs/proxy.md is the user manual; docs/decisions/0008-proxy-on-beast.md says why it is
// built on Boost.Beast rather than running haproxy or nginx.
//
// This header includes no Boost; proxy.cc and internal/*.cc hold the Asio code.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "target/local/proxy/routes.h"

namespace capstan::target::local::proxy {

// Default tunables; each ProxyOptions field says what it trades.
inline constexpr std::chrono::milliseconds kDefaultConnectTimeout{5'000};
inline constexpr std::chrono::milliseconds kDefaultResponseHeaderTimeout{60'000};
inline constexpr std::chrono::milliseconds kDefaultIdleTimeout{60'000};
inline constexpr size_t kDefaultMaxHeaderBytes = 64 * 1024;
inline constexpr size_t kDefaultMaxIdlePerEndpoint = 64;

struct ProxyOptions {
  // host:port of the Ingress (HTTP) listener; port 0 = the OS picks (see http_port()).
  // Empty = no HTTP listener. Default "127.0.0.1:0".
  std::string http_listen = "127.0.0.1:0";
  // Address Service port listeners bind to. Default 127.0.0.1 (only this machine); "0.0.0.0"
  // exposes Services to the network, as a NodePort would.
  std::string service_bind_address = "127.0.0.1";
  // I/O threads. Each connection stays on one thread; more threads use more cores.
  // Default 2.
  int threads = 2;
  // Time-outs of the HTTP listener are checked every 100 ms, so they fire up to 100 ms late.
  // Time to open a connection to a pod before trying another (or answering 502).
  std::chrono::milliseconds connect_timeout = kDefaultConnectTimeout;
  // Time from sending a request to a pod until its response header arrives; past it the
  // client gets 504. Long-polling backends need more.
  std::chrono::milliseconds response_header_timeout = kDefaultResponseHeaderTimeout;
  // Time a keep-alive connection (client or pooled upstream) may sit idle, the longest
  // pause inside a request or response body, and the silence allowed on a Service
  // connection after one side has closed its half, before it is closed.
  std::chrono::milliseconds idle_timeout = kDefaultIdleTimeout;
  // Largest request or response header accepted (431 / 502 past it).
  size_t max_header_bytes = kDefaultMaxHeaderBytes;
  // Idle upstream connections kept per pod and I/O thread for reuse.
  size_t max_idle_per_endpoint = kDefaultMaxIdlePerEndpoint;
  // host:port of an own /metrics listener (port 0 = the OS picks); empty = none, and the
  // owner serves MetricsText() itself.
  std::string metrics_listen;
};

// The state of one Service port listener.
struct ListenerStatus {
  std::string service;  // ServiceRoute::Key(), "namespace/name:port"
  std::string address;  // bind address
  uint16_t port = 0;    // the port listened on (chosen by the OS when asked for 0)
  bool listening = false;
  // Why it is not listening, e.g. "127.0.0.1:8080: address already in use"; "" when it is.
  std::string error;
  friend bool operator==(const ListenerStatus&, const ListenerStatus&) = default;
};

// Thread safety: every method may be called from any thread at any time, concurrently.
class Proxy {
 public:
  // Starts the I/O threads and the HTTP (and metrics) listeners, with an empty route table.
  // Unavailable when a listener cannot bind, naming the address and the reason.
  static Result<std::unique_ptr<Proxy>> Start(const ProxyOptions& options);

  // Stops: closes listeners and connections and joins the threads (in-flight requests are
  // cut; drain endpoints first for a graceful stop).
  ~Proxy();

  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // Installs a new route table. Cheap (an immutable snapshot is swapped in); requests and
  // connections already running keep their endpoint. Service listeners are opened for new
  // Service ports, closed for removed ones, and kept when the requested port is unchanged;
  // a listener that failed to bind is tried again on each Update. Endpoints that are gone
  // or draining get no new work; their pooled connections are closed once idle.
  void Update(const RouteTable& table);

  // The port of the HTTP listener (0 when there is none).
  uint16_t http_port() const;
  // The port of the own metrics listener (0 when there is none).
  uint16_t metrics_port() const;

  // Every Service port listener of the current table, sorted by service key.
  std::vector<ListenerStatus> Listeners() const;
  // The listener of one Service port ("namespace/name:port"); nullopt when the current
  // table has no such Service port.
  std::optional<ListenerStatus> Status(const std::string& service_key) const;

  // HTTP requests and TCP connections in flight to a pod address ("10.88.0.5:8080",
  // Endpoint::AddressPort()), through any route.
  size_t InFlight(const std::string& address_port) const;
  // Waits until InFlight(address_port) is 0; false when `timeout` passes first. Use after an
  // Update that removed (or marked draining) the endpoint, before stopping the pod.
  bool WaitDrained(const std::string& address_port, std::chrono::milliseconds timeout) const;

  // All metrics in Prometheus' text format (docs/proxy.md lists them).
  std::string MetricsText() const;

  struct Impl;

 private:
  explicit Proxy(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace capstan::target::local::proxy
