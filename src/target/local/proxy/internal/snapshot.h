// A route table compiled for the data plane: endpoints joined with their shared drain
// state and metric series, HTTP routes indexed by host. Built once per Proxy::Update and
// then read-only (apart from the round-robin counters), shared by every I/O thread.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "target/local/proxy/internal/http_match.h"
#include "target/local/proxy/internal/metrics.h"
#include "target/local/proxy/routes.h"

namespace capstan::target::local::proxy::internal {

// What all routes to one pod address share: the in-flight count that drain waits on.
struct EndpointState {
  std::atomic<int64_t> in_flight{0};
  // In the current table and not draining: finished connections may go back to the pool.
  std::atomic<bool> active{true};
};

// Counts one request or connection in flight for as long as it lives.
class InFlightGuard {
 public:
  InFlightGuard(std::shared_ptr<EndpointState> state, std::atomic<int64_t>* gauge);
  ~InFlightGuard();
  InFlightGuard(const InFlightGuard&) = delete;
  InFlightGuard& operator=(const InFlightGuard&) = delete;

 private:
  std::shared_ptr<EndpointState> state_;
  std::atomic<int64_t>* gauge_;
};

// address:port → state, for as long as a snapshot or a request holds it. Thread-safe.
class EndpointRegistry {
 public:
  std::shared_ptr<EndpointState> Get(const std::string& address_port);
  // Marks exactly the endpoints in `active` as active.
  void SetActive(const std::set<std::string>& active);
  size_t InFlight(const std::string& address_port) const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::weak_ptr<EndpointState>> states_;  // guarded by mu_
};

struct LiveEndpoint {
  Endpoint endpoint;
  std::string key;  // endpoint.AddressPort()
  std::shared_ptr<EndpointState> state;
  std::shared_ptr<HttpSeries> http;  // set for Ingress backends
  std::shared_ptr<TcpSeries> tcp;    // set for Service listeners
};

struct LiveBackend {
  std::string namespace_;
  std::string service;
  int port = 0;
  std::vector<LiveEndpoint> endpoints;
  std::shared_ptr<HttpSeries> unversioned;  // for answers no pod gave (503)
  mutable std::atomic<uint32_t> next{0};    // round-robin position

  // The next endpoint that is not draining and not `avoid`, round-robin; nullptr if none.
  const LiveEndpoint* Pick(const LiveEndpoint* avoid = nullptr) const;
  bool HasServing() const;
};

struct LiveHttpRoute {
  std::unique_ptr<LiveBackend> stable;
  std::unique_ptr<LiveBackend> canary;  // null without a canary Ingress
};

struct Snapshot {
  RouteTable table;
  std::vector<LiveHttpRoute> http;  // parallel to table.http
  HttpRouter router{table.http};
  std::map<std::string, std::unique_ptr<LiveBackend>> services;  // by ServiceRoute::Key()
  std::set<std::string> active_endpoints;  // address:port of every non-draining endpoint

  explicit Snapshot(RouteTable t) : table(std::move(t)) {}
};

std::shared_ptr<const Snapshot> BuildSnapshot(const RouteTable& table, EndpointRegistry& registry,
                                              Metrics& metrics);

}  // namespace capstan::target::local::proxy::internal
