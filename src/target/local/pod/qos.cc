// QosClass: Kubernetes' GetPodQOS over cpu and memory requests and limits.
#include <map>
#include <set>
#include <string>

#include "target/local/pod/pod_spec.h"
#include "target/local/pod/quantity.h"

namespace capstan::target::local {

namespace {

// cpu in millicores, memory in bytes: the resources QoS looks at.
std::optional<int64_t> Amount(const std::string& resource, const Value& value) {
  std::optional<Quantity> quantity = Quantity::FromValue(value);
  if (!quantity) return std::nullopt;
  return resource == "cpu" ? quantity->Millis() : quantity->Units();
}

}  // namespace

std::string QosClass(const Value& pod_spec) {
  std::map<std::string, int64_t> requests;
  std::map<std::string, int64_t> limits;
  bool guaranteed = true;
  for (std::string_view list : {"initContainers", "containers"}) {
    const Value* containers = pod_spec.Find(list);
    if (containers == nullptr || !containers->is_array()) continue;
    for (const Value& container : containers->as_array()) {
      const Value* container_limits = container.At({"resources", "limits"});
      const Value* container_requests = container.At({"resources", "requests"});
      std::set<std::string> limits_found;
      for (const std::string resource : {"cpu", "memory"}) {
        std::optional<int64_t> limit;
        if (const Value* value =
                container_limits != nullptr ? container_limits->Find(resource) : nullptr) {
          limit = Amount(resource, *value);
        }
        std::optional<int64_t> request = limit;  // the API server defaults requests to limits
        if (const Value* value =
                container_requests != nullptr ? container_requests->Find(resource) : nullptr) {
          request = Amount(resource, *value);
        }
        if (request && *request > 0) requests[resource] += *request;
        if (limit && *limit > 0) {
          limits_found.insert(resource);
          limits[resource] += *limit;
        }
      }
      if (limits_found.size() != 2) guaranteed = false;
    }
  }
  if (requests.empty() && limits.empty()) return "BestEffort";
  if (guaranteed) {
    for (const auto& [resource, request] : requests) {
      auto limit = limits.find(resource);
      if (limit == limits.end() || limit->second != request) guaranteed = false;
    }
  }
  return guaranteed && requests.size() == limits.size() ? "Guaranteed" : "Burstable";
}

}  // namespace capstan::target::local
