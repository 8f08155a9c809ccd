#include "target/local/proxy/internal/endpoints.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "core/label_selector.h"

namespace capstan::target::local::proxy::internal {
namespace {

constexpr int64_t kMaxPort = 65535;

bool HasReadyCondition(const Value& pod) {
  const Value* conditions = pod.At({"status", "conditions"});
  if (conditions == nullptr || !conditions->is_array()) return false;
  for (const Value& condition : conditions->as_array()) {
    if (condition.StringAt({"type"}) == "Ready") return condition.StringAt({"status"}) == "True";
  }
  return false;
}

// The containerPort named `name` in any of the pod's containers.
std::optional<uint16_t> NamedContainerPort(const Value& pod, std::string_view name) {
  const Value* containers = pod.At({"spec", "containers"});
  if (containers == nullptr || !containers->is_array()) return std::nullopt;
  for (const Value& container : containers->as_array()) {
    const Value* ports = container.Find("ports");
    if (ports == nullptr || !ports->is_array()) continue;
    for (const Value& port : ports->as_array()) {
      const Value* number = port.Find("containerPort");
      if (port.StringAt({"name"}) == name && number != nullptr && number->is_int() &&
          number->as_int() > 0 && number->as_int() <= kMaxPort) {
        return static_cast<uint16_t>(number->as_int());
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::string ObjectName(const Value& object) {
  return fmt::format("{} {}/{}", object.StringAt({"kind"}, "object"),
                     object.StringAt({"metadata", "namespace"}, "default"),
                     object.StringAt({"metadata", "name"}));
}

bool PodServes(const Value& pod) {
  const Value* deletion = pod.At({"metadata", "deletionTimestamp"});
  if (deletion != nullptr && !deletion->is_null()) return false;
  if (pod.StringAt({"status", "podIP"}).empty()) return false;
  return HasReadyCondition(pod);
}

std::string PodVersion(const Value& pod) {
  for (std::string_view label : {"app.kubernetes.io/version", "version", "pod-template-hash"}) {
    std::string_view value = pod.StringAt({"metadata", "labels", label});
    if (!value.empty()) return std::string(value);
  }
  return "";
}

std::vector<Endpoint> ServicePortEndpoints(const Value& service, size_t port_index,
                                           const std::vector<Value>& pods,
                                           std::vector<std::string>& errors) {
  std::vector<Endpoint> endpoints;
  const Value* selector_value = service.At({"spec", "selector"});
  // A Service without a selector has its endpoints managed by hand in Kubernetes; the
  // local target has no Endpoints objects, so it has none.
  if (selector_value == nullptr || !selector_value->is_object() || selector_value->empty()) {
    return endpoints;
  }
  Result<LabelSelector> selector = LabelSelector::FromValue(*selector_value);
  if (!selector.ok()) {
    errors.push_back(
        fmt::format("{}: spec.selector: {}", ObjectName(service), selector.error().message()));
    return endpoints;
  }
  const Value& port_entry = service.At({"spec", "ports"})->as_array()[port_index];
  const Value* target = port_entry.Find("targetPort");
  int64_t service_port = port_entry.Find("port")->as_int();
  std::string_view ns = service.StringAt({"metadata", "namespace"}, "default");
  for (const Value& pod : pods) {
    if (pod.StringAt({"kind"}, "Pod") != "Pod") continue;
    if (pod.StringAt({"metadata", "namespace"}, "default") != ns) continue;
    if (!selector->Matches(pod.At({"metadata", "labels"})) || !PodServes(pod)) continue;
    std::optional<uint16_t> port;
    if (target == nullptr || target->is_null()) {
      port = static_cast<uint16_t>(service_port);
    } else if (target->is_int() && target->as_int() > 0 && target->as_int() <= kMaxPort) {
      port = static_cast<uint16_t>(target->as_int());
    } else if (target->is_string()) {
      port = NamedContainerPort(pod, target->as_string());
      if (!port) {
        errors.push_back(
            fmt::format("{}: spec.ports[{}].targetPort: no container port named "
                        "\"{}\" in Pod {}/{}",
                        ObjectName(service), port_index, target->as_string(), ns,
                        pod.StringAt({"metadata", "name"})));
      }
    }
    if (!port) continue;
    endpoints.push_back(Endpoint{
        .address = std::string(pod.StringAt({"status", "podIP"})),
        .port = *port,
        .pod = fmt::format("{}/{}", ns, pod.StringAt({"metadata", "name"})),
        .version = PodVersion(pod),
        .draining = false,
    });
  }
  std::sort(endpoints.begin(), endpoints.end(),
            [](const Endpoint& a, const Endpoint& b) { return a.pod < b.pod; });
  return endpoints;
}

}  // namespace capstan::target::local::proxy::internal
