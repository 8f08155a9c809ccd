#include "target/local/traffic.h"

#include <fmt/format.h>

#include "core/log.h"
#include "core/time.h"

namespace capstan::target::local {
namespace {

constexpr char kHostPortsCondition[] = "HostPortsListening";

Value LoadBalancerStatus(Value ports) {
  Value ingress = Value::MakeObject();
  ingress.Set("ip", "127.0.0.1");
  if (!ports.empty()) ingress.Set("ports", std::move(ports));
  Value status = Value::MakeObject();
  status["loadBalancer"].Set("ingress", Value::Array{std::move(ingress)});
  return status;
}

// A metav1.Condition, keeping lastTransitionTime while the status stays the same.
Value Condition(const Value* old_status, bool ok, const std::string& reason,
                const std::string& message) {
  std::string status = ok ? "True" : "False";
  std::string since = FormatRfc3339(std::chrono::system_clock::now());
  if (old_status != nullptr) {
    if (const Value* conditions = old_status->Find("conditions");
        conditions != nullptr && conditions->is_array()) {
      for (const Value& condition : conditions->as_array()) {
        if (condition.StringAt({"type"}) == kHostPortsCondition &&
            condition.StringAt({"status"}) == status) {
          since = std::string(condition.StringAt({"lastTransitionTime"}, since));
        }
      }
    }
  }
  return Value(Value::Object{{"type", kHostPortsCondition},
                             {"status", status},
                             {"reason", reason},
                             {"message", message},
                             {"lastTransitionTime", since}});
}

}  // namespace

Traffic::Traffic(ObjectStore& objects, proxy::Proxy& proxy, proxy::PortAssignments ports)
    : objects_(objects), proxy_(proxy), ports_(std::move(ports)) {}

void Traffic::Sync() {
  std::lock_guard lock(mu_);
  proxy::RouteTable table =
      proxy::BuildRoutes(objects_.List({"", "Service", "", {}}),
                         objects_.List({"networking.k8s.io", "Ingress", "", {}}),
                         objects_.List({"", "Pod", "", {}}), ports_);
  // A Service port that could not listen is tried again on every sync (Update retries the
  // bind), so a port freed later is taken without waiting for another change.
  bool retry = false;
  for (const proxy::ListenerStatus& listener : proxy_.Listeners()) retry |= !listener.listening;
  if (!pushed_ || retry || !(table == current_)) {
    for (const std::string& error : table.errors) {
      if (std::find(current_.errors.begin(), current_.errors.end(), error) ==
          current_.errors.end()) {
        Log(LogLevel::kWarning, "local proxy: {}", error);
      }
    }
    proxy_.Update(table);
    current_ = std::move(table);
    pushed_ = true;
  }
  WriteServiceStatuses();
  WriteIngressStatuses();
}

std::vector<std::string> Traffic::EndpointsOf(const std::string& pod) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  auto add = [&](const proxy::Endpoint& endpoint) {
    if (endpoint.pod == pod &&
        std::find(out.begin(), out.end(), endpoint.AddressPort()) == out.end()) {
      out.push_back(endpoint.AddressPort());
    }
  };
  for (const auto& service : current_.services) {
    for (const auto& endpoint : service.endpoints) add(endpoint);
  }
  for (const auto& route : current_.http) {
    for (const auto& endpoint : route.backend.endpoints) add(endpoint);
    if (route.canary) {
      for (const auto& endpoint : route.canary->endpoints) add(endpoint);
    }
  }
  return out;
}

void Traffic::WriteServiceStatuses() {
  for (const Value& service : objects_.List({"", "Service", "", {}})) {
    std::string prefix = fmt::format("{}/{}:", NamespaceOf(service), NameOf(service));
    Value ports = Value::MakeArray();
    std::string errors;
    for (const proxy::ListenerStatus& listener : proxy_.Listeners()) {
      if (listener.service.rfind(prefix, 0) != 0) continue;
      Value port = Value::MakeObject();
      port.Set("port", static_cast<int64_t>(listener.port));
      port.Set("protocol", "TCP");
      if (!listener.listening) {
        port.Set("error", listener.error);
        errors += (errors.empty() ? "" : "; ") + listener.error;
      }
      ports.as_array().push_back(std::move(port));
    }
    const Value* old = service.Find("status");
    Value status = LoadBalancerStatus(std::move(ports));
    status.Set("conditions",
               Value::Array{errors.empty() ? Condition(old, true, "Listening",
                                                       "every port listens on the host")
                                           : Condition(old, false, "PortInUse", errors)});
    (void)objects_.UpdateStatus(KeyOf(service), status);
  }
}

void Traffic::WriteIngressStatuses() {
  uint16_t port = proxy_.http_port();
  for (const Value& ingress : objects_.List({"networking.k8s.io", "Ingress", "", {}})) {
    Value ports = Value::MakeArray();
    if (port != 0) {
      ports.as_array().push_back(
          Value(Value::Object{{"port", static_cast<int64_t>(port)}, {"protocol", "TCP"}}));
    }
    (void)objects_.UpdateStatus(KeyOf(ingress), LoadBalancerStatus(std::move(ports)));
  }
}

}  // namespace capstan::target::local
