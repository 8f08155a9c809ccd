// Traffic: keeps the proxy's route table equal to the Services, Ingresses and Pods in the
// object store (what kube-proxy and an ingress controller do on a cluster), and writes
// where each Service and Ingress listens into its status:
//   status.loadBalancer.ingress: [{ip: 127.0.0.1, ports: [{port: 18080, protocol: TCP}]}]
// with a port's `error` and a HostPortsListening=False condition (reason PortInUse) when
// its listener could not bind, so `capstan app get` shows why a Service is unreachable.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "target/local/object_store.h"
#include "target/local/proxy/proxy.h"

namespace capstan::target::local {

class Traffic {
 public:
  // Neither is owned; both must outlive this.
  Traffic(ObjectStore& objects, proxy::Proxy& proxy, proxy::PortAssignments ports);

  // Recomputes the routes from the store and pushes them when they changed; then writes
  // Service and Ingress statuses. Cheap when nothing changed. Thread-safe (serialised).
  void Sync();

  // The endpoints (pod address:port) of a pod in the current routes, for draining.
  std::vector<std::string> EndpointsOf(const std::string& pod_namespace_name) const;

 private:
  void WriteServiceStatuses();
  void WriteIngressStatuses();

  ObjectStore& objects_;
  proxy::Proxy& proxy_;
  const proxy::PortAssignments ports_;

  mutable std::mutex mu_;
  proxy::RouteTable current_;  // guarded by mu_
  bool pushed_ = false;        // guarded by mu_
};

}  // namespace capstan::target::local
