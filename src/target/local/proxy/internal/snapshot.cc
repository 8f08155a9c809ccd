#include "target/local/proxy/internal/snapshot.h"

namespace capstan::target::local::proxy::internal {
namespace {

std::unique_ptr<LiveBackend> MakeBackend(const std::string& ns, const std::string& service,
                                         int port, const std::vector<Endpoint>& endpoints,
                                         bool http, EndpointRegistry& registry, Metrics& metrics,
                                         std::set<std::string>& active) {
  auto backend = std::make_unique<LiveBackend>();
  backend->namespace_ = ns;
  backend->service = service;
  backend->port = port;
  if (http) backend->unversioned = metrics.Http(ns, service, "");
  for (const Endpoint& endpoint : endpoints) {
    LiveEndpoint live;
    live.endpoint = endpoint;
    live.key = endpoint.AddressPort();
    live.state = registry.Get(live.key);
    if (http) {
      live.http = metrics.Http(ns, service, endpoint.version);
    } else {
      live.tcp = metrics.Tcp(ns, service, port, endpoint.version);
    }
    if (!endpoint.draining) active.insert(live.key);
    backend->endpoints.push_back(std::move(live));
  }
  return backend;
}

}  // namespace

InFlightGuard::InFlightGuard(std::shared_ptr<EndpointState> state, std::atomic<int64_t>* gauge)
    : state_(std::move(state)), gauge_(gauge) {
  state_->in_flight.fetch_add(1, std::memory_order_relaxed);
  if (gauge_ != nullptr) gauge_->fetch_add(1, std::memory_order_relaxed);
}

InFlightGuard::~InFlightGuard() {
  if (gauge_ != nullptr) gauge_->fetch_sub(1, std::memory_order_relaxed);
  // Release: WaitDrained's acquire load of 0 sees everything this request did.
  state_->in_flight.fetch_sub(1, std::memory_order_release);
}

std::shared_ptr<EndpointState> EndpointRegistry::Get(const std::string& address_port) {
  std::lock_guard lock(mu_);
  std::weak_ptr<EndpointState>& weak = states_[address_port];
  std::shared_ptr<EndpointState> state = weak.lock();
  if (!state) {
    state = std::make_shared<EndpointState>();
    weak = state;
  }
  return state;
}

void EndpointRegistry::SetActive(const std::set<std::string>& active) {
  std::lock_guard lock(mu_);
  for (auto it = states_.begin(); it != states_.end();) {
    std::shared_ptr<EndpointState> state = it->second.lock();
    if (!state) {
      it = states_.erase(it);
      continue;
    }
    state->active.store(active.count(it->first) > 0, std::memory_order_relaxed);
    ++it;
  }
}

size_t EndpointRegistry::InFlight(const std::string& address_port) const {
  std::lock_guard lock(mu_);
  auto it = states_.find(address_port);
  if (it == states_.end()) return 0;
  std::shared_ptr<EndpointState> state = it->second.lock();
  if (!state) return 0;
  int64_t count = state->in_flight.load(std::memory_order_acquire);
  return count > 0 ? static_cast<size_t>(count) : 0;
}

const LiveEndpoint* LiveBackend::Pick(const LiveEndpoint* avoid) const {
  size_t n = endpoints.size();
  if (n == 0) return nullptr;
  uint32_t start = next.fetch_add(1, std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i) {
    const LiveEndpoint& candidate = endpoints[(start + i) % n];
    if (candidate.endpoint.draining || &candidate == avoid) continue;
    return &candidate;
  }
  return nullptr;
}

bool LiveBackend::HasServing() const {
  for (const LiveEndpoint& endpoint : endpoints) {
    if (!endpoint.endpoint.draining) return true;
  }
  return false;
}

std::shared_ptr<const Snapshot> BuildSnapshot(const RouteTable& table, EndpointRegistry& registry,
                                              Metrics& metrics) {
  auto snapshot = std::make_shared<Snapshot>(table);
  std::set<std::string>& active = snapshot->active_endpoints;
  for (const HttpRoute& route : snapshot->table.http) {
    LiveHttpRoute live;
    const Backend& b = route.backend;
    live.stable =
        MakeBackend(b.namespace_, b.service, b.port, b.endpoints, true, registry, metrics, active);
    if (route.canary) {
      const Backend& c = *route.canary;
      live.canary = MakeBackend(c.namespace_, c.service, c.port, c.endpoints, true, registry,
                                metrics, active);
    }
    snapshot->http.push_back(std::move(live));
  }
  for (const ServiceRoute& service : snapshot->table.services) {
    snapshot->services[service.Key()] =
        MakeBackend(service.namespace_, service.name, service.port, service.endpoints, false,
                    registry, metrics, active);
  }
  return snapshot;
}

}  // namespace capstan::target::local::proxy::internal
