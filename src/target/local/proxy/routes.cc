#include "target/local/proxy/routes.h"

#include <fmt/format.h>

#include <algorithm>

#include "target/local/proxy/internal/endpoints.h"
#include "target/local/proxy/internal/ingress_routes.h"

namespace capstan::target::local::proxy {
namespace {

constexpr int64_t kMaxPort = 65535;

// Why spec.ports[index] cannot be served, or "" when it can.
std::string PortProblem(const Value& entry) {
  const Value* port = entry.Find("port");
  if (port == nullptr || !port->is_int() || port->as_int() <= 0 || port->as_int() > kMaxPort) {
    return "port: expected an integer from 1 to 65535";
  }
  std::string_view protocol = entry.StringAt({"protocol"}, "TCP");
  if (protocol != "TCP") {
    return fmt::format("protocol: {} is not supported by the local proxy (only TCP)", protocol);
  }
  const Value* target = entry.Find("targetPort");
  if (target != nullptr && !target->is_null()) {
    bool number_ok = target->is_int() && target->as_int() > 0 && target->as_int() <= kMaxPort;
    bool name_ok = target->is_string() && !target->as_string().empty();
    if (!number_ok && !name_ok) {
      return "targetPort: expected a port number from 1 to 65535 or a container port name";
    }
  }
  return "";
}

void AddServiceRoutes(const Value& service, const std::vector<Value>& pods,
                      const PortAssignments& assigned, RouteTable& table) {
  const Value* ports = service.At({"spec", "ports"});
  if (ports == nullptr || !ports->is_array()) {
    table.errors.push_back(fmt::format("{}: spec.ports: missing", internal::ObjectName(service)));
    return;
  }
  for (size_t i = 0; i < ports->size(); ++i) {
    const Value& entry = ports->as_array()[i];
    if (std::string problem = PortProblem(entry); !problem.empty()) {
      table.errors.push_back(
          fmt::format("{}: spec.ports[{}].{}", internal::ObjectName(service), i, problem));
      continue;
    }
    ServiceRoute route{
        .namespace_ = std::string(service.StringAt({"metadata", "namespace"}, "default")),
        .name = std::string(service.StringAt({"metadata", "name"})),
        .port = static_cast<int>(entry.Find("port")->as_int()),
        .port_name = std::string(entry.StringAt({"name"})),
        .listen_port = 0,
        .endpoints = {},
    };
    auto host_port = assigned.find(route.Key());
    if (host_port != assigned.end()) route.listen_port = host_port->second;
    route.endpoints = internal::ServicePortEndpoints(service, i, pods, table.errors);
    table.services.push_back(std::move(route));
  }
}

}  // namespace

std::string Endpoint::AddressPort() const {
  // IPv6 pod addresses are bracketed so that the port stays unambiguous.
  if (address.find(':') != std::string::npos) return fmt::format("[{}]:{}", address, port);
  return fmt::format("{}:{}", address, port);
}

std::string ServiceRoute::Key() const { return fmt::format("{}/{}:{}", namespace_, name, port); }

RouteTable BuildRoutes(const std::vector<Value>& services, const std::vector<Value>& ingresses,
                       const std::vector<Value>& pods, const PortAssignments& assigned) {
  RouteTable table;
  internal::ServiceIndex index;
  for (const Value& service : services) {
    if (service.StringAt({"kind"}, "Service") != "Service") continue;
    if (service.StringAt({"metadata", "name"}).empty()) {
      table.errors.push_back("Service without metadata.name: left out");
      continue;
    }
    index[fmt::format("{}/{}", service.StringAt({"metadata", "namespace"}, "default"),
                      service.StringAt({"metadata", "name"}))] = &service;
    AddServiceRoutes(service, pods, assigned, table);
  }
  std::sort(table.services.begin(), table.services.end(),
            [](const ServiceRoute& a, const ServiceRoute& b) {
              return std::tie(a.namespace_, a.name, a.port) <
                     std::tie(b.namespace_, b.name, b.port);
            });
  table.http = internal::IngressRoutes(ingresses, index, pods, table.errors);
  return table;
}

}  // namespace capstan::target::local::proxy
