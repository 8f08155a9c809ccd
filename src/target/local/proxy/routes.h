// The local proxy's route table, and the pure translation from Kubernetes Services,
// Ingresses and Pods to it (what kube-proxy and ingress-nginx compute on a cluster).
//
// The lead recomputes a RouteTable whenever pods, services or ingresses change and pushes
// it to Proxy::Update (proxy.h). Everything here is plain data: copyable, no I/O, no
// threads; BuildRoutes never throws and never fails as a whole — a bad object is left out
// and described in RouteTable::errors, the rest still routes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/value.h"

namespace capstan::target::local::proxy {

// One pod a Service port or Ingress backend sends traffic to.
struct Endpoint {
  std::string address;  // the pod's IP (status.podIP), e.g. "10.88.0.5"
  uint16_t port = 0;    // the resolved container port
  std::string pod;      // "namespace/name" of the pod, for status and logs
  // The pod's release for metrics: label app.kubernetes.io/version, else version, else
  // pod-template-hash, else "".
  std::string version;
  // A draining endpoint gets no new requests or connections; in-flight ones finish.
  // BuildRoutes never sets it (terminating pods are left out instead); the lead may set it
  // to drain a pod before removing it.
  bool draining = false;

  // "10.88.0.5:8080": the key of Proxy::InFlight and Proxy::WaitDrained.
  std::string AddressPort() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// One Service port: a TCP listener on the host that forwards to `endpoints`.
struct ServiceRoute {
  std::string namespace_;
  std::string name;
  int port = 0;           // spec.ports[].port
  std::string port_name;  // spec.ports[].name, may be empty
  // Host port to listen on: PortAssignments[Key()], or 0 to let the OS pick (the chosen
  // port is reported by Proxy::Status).
  uint16_t listen_port = 0;
  std::vector<Endpoint> endpoints;  // ready pods only, sorted by pod name

  // "namespace/name:port", e.g. "shop/web:80": the key of PortAssignments and Proxy::Status.
  std::string Key() const;
  friend bool operator==(const ServiceRoute&, const ServiceRoute&) = default;
};

// Where an Ingress path sends requests: one Service port resolved to its endpoints.
struct Backend {
  std::string namespace_;
  std::string service;
  int port = 0;  // the Service port (spec.ports[].port)
  std::vector<Endpoint> endpoints;
  friend bool operator==(const Backend&, const Backend&) = default;
};

// ingress-nginx canary rules, taken from the canary Ingress's annotations
// (nginx.ingress.kubernetes.io/canary-*). Evaluated header, then cookie, then weight.
struct CanaryPolicy {
  std::string header;        // canary-by-header: request header name, "" = unused
  std::string header_value;  // canary-by-header-value: exact value that selects the canary
  std::string cookie;        // canary-by-cookie: cookie name ("always"/"never"), "" = unused
  int weight = 0;            // canary-weight: share of the remaining requests…
  int weight_total = 100;    // …out of canary-weight-total
  friend bool operator==(const CanaryPolicy&, const CanaryPolicy&) = default;
};

enum class PathType {
  kExact,   // the request path equals `path`
  kPrefix,  // `path` is a prefix by path element: "/foo" matches "/foo/bar", not "/foobar"
};

// One Ingress path (or an Ingress's defaultBackend) on the shared HTTP listener.
struct HttpRoute {
  std::string host;  // lower case; "" = any host; "*.example.com" = one label wildcard
  std::string path;  // begins with "/"
  PathType path_type = PathType::kPrefix;
  std::string ingress;  // "namespace/name" of the main Ingress, for errors and status
  Backend backend;
  std::optional<Backend> canary;  // from an Ingress with canary: "true" on the same host+path
  CanaryPolicy canary_policy;
  // True for routes made from spec.defaultBackend: an explicit path "/" takes precedence.
  bool from_default_backend = false;
  friend bool operator==(const HttpRoute&, const HttpRoute&) = default;
};

struct RouteTable {
  std::vector<ServiceRoute> services;  // sorted by Key()
  std::vector<HttpRoute> http;         // sorted by host, then path
  // One sentence per object left out or partly used, naming the object and the field:
  // `Ingress shop/web: spec.rules[0].http.paths[1].backend.service.name: Service "api" not
  // found in namespace shop`.
  std::vector<std::string> errors;
  friend bool operator==(const RouteTable&, const RouteTable&) = default;
};

// "namespace/name:port" → host port, chosen by the lead from its configuration. A Service
// port missing here listens on a port the OS picks.
using PortAssignments = std::map<std::string, uint16_t>;

// The route table for these objects (each a Kubernetes object as a Value: v1 Service,
// networking.k8s.io/v1 Ingress, v1 Pod). Objects of other kinds in a list are ignored.
//
// Services (any type): each spec.ports[] entry becomes a ServiceRoute; protocols other than
// TCP are reported in errors. Endpoints are the pods of the Service's namespace matching
// spec.selector (a Service without a selector has none) that are Ready (status.conditions
// Ready=True), not terminating (no metadata.deletionTimestamp) and have status.podIP; the
// port is targetPort (a number, or a name looked up in the pod's containers[].ports[]),
// defaulting to port.
//
// Ingresses: rules[].http.paths[] and spec.defaultBackend, resolved to Services of the
// Ingress's namespace (backend.service.port.number or .name). An Ingress annotated
// nginx.ingress.kubernetes.io/canary: "true" becomes the canary of the main Ingress with
// the same host and path. When two main Ingresses claim one host and path, the older one
// (metadata.creationTimestamp, then namespace/name) wins and the other is reported.
RouteTable BuildRoutes(const std::vector<Value>& services, const std::vector<Value>& ingresses,
                       const std::vector<Value>& pods, const PortAssignments& assigned);

}  // namespace capstan::target::local::proxy
