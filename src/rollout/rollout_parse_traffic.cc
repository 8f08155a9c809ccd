// spec.strategy.canary.trafficRouting: ingress-nginx and the Argo Gateway API plugin's
// configuration; every other router is refused by name.
#include <fmt/format.h>

#include "rollout/parse_internal.h"

namespace capstan::rollout::internal {

namespace {

constexpr std::string_view kCanaryPath = "spec.strategy.canary";
constexpr std::string_view kGatewayApiPlugin = "argoproj-labs/gatewayAPI";

bool Present(const Value& object, std::string_view key) {
  const Value* value = object.Find(key);
  return value != nullptr && !value->is_null();
}

Result<NginxRouting> ReadNginx(const FieldReader& reader, const Value& nginx,
                               const std::string& path) {
  CAPSTAN_TRY(reader.RequireObject(&nginx, path, false));
  NginxRouting out;
  auto stable = reader.String(nginx, "stableIngress", path);
  if (!stable.ok()) return stable.error();
  out.stable_ingress = stable->value_or("");
  if (const Value* list = nginx.Find("stableIngresses"); list != nullptr && !list->is_null()) {
    if (!list->is_array()) return reader.Invalid(Join(path, "stableIngresses"), "expected a list");
    for (const Value& name : list->as_array()) {
      if (!name.is_string()) {
        return reader.Invalid(Join(path, "stableIngresses"), "expected a list of names");
      }
      out.stable_ingresses.push_back(name.as_string());
    }
  }
  if (out.stable_ingress.empty() && out.stable_ingresses.empty()) {
    return reader.Invalid(Join(path, "stableIngress"), "required");
  }
  auto prefix = reader.String(nginx, "annotationPrefix", path);
  if (!prefix.ok()) return prefix.error();
  if (prefix->has_value()) out.annotation_prefix = **prefix;
  auto additional = reader.StringMap(nginx, "additionalIngressAnnotations", path);
  if (!additional.ok()) return additional.error();
  out.additional_ingress_annotations = std::move(*additional);
  auto canary = reader.StringMap(nginx, "canaryIngressAnnotations", path);
  if (!canary.ok()) return canary.error();
  out.canary_ingress_annotations = std::move(*canary);
  return out;
}

Result<GatewayApiRouting> ReadGatewayApi(const FieldReader& reader, const Value& config,
                                         const std::string& path) {
  CAPSTAN_TRY(reader.RequireObject(&config, path, false));
  CAPSTAN_TRY(reader.Refuse(config, path, {"grpcRoute", "grpcRoutes", "tcpRoute", "tcpRoutes"}));
  GatewayApiRouting out;
  auto route = reader.String(config, "httpRoute", path);
  if (!route.ok()) return route.error();
  if (route->has_value()) out.http_routes.push_back(**route);
  if (const Value* routes = config.Find("httpRoutes"); routes != nullptr && !routes->is_null()) {
    std::string routes_path = Join(path, "httpRoutes");
    if (!routes->is_array()) return reader.Invalid(routes_path, "expected a list");
    for (size_t i = 0; i < routes->size(); ++i) {
      auto name = reader.String(routes->as_array()[i], "name", Index(routes_path, i));
      if (!name.ok()) return name.error();
      if (!name->has_value())
        return reader.Invalid(Join(Index(routes_path, i), "name"), "required");
      out.http_routes.push_back(**name);
    }
  }
  if (out.http_routes.empty()) return reader.Invalid(Join(path, "httpRoute"), "required");
  auto ns = reader.String(config, "namespace", path);
  if (!ns.ok()) return ns.error();
  out.ns = ns->value_or("");
  return out;
}

}  // namespace

Result<TrafficRouting> ReadTrafficRouting(const FieldReader& reader, const Value& routing) {
  std::string path = Join(kCanaryPath, "trafficRouting");
  CAPSTAN_TRY(reader.RequireObject(&routing, path, false));
  CAPSTAN_TRY(reader.Refuse(routing, path,
                            {"istio", "alb", "smi", "ambassador", "appMesh", "traefik", "apisix"}));
  TrafficRouting out;
  if (Present(routing, "nginx")) {
    auto nginx = ReadNginx(reader, *routing.Find("nginx"), Join(path, "nginx"));
    if (!nginx.ok()) return nginx.error();
    out.nginx = std::move(*nginx);
  }
  if (Present(routing, "plugins")) {
    const Value& plugins = *routing.Find("plugins");
    std::string plugins_path = Join(path, "plugins");
    CAPSTAN_TRY(reader.RequireObject(&plugins, plugins_path, false));
    for (const auto& [plugin, config] : plugins.as_object()) {
      if (plugin != kGatewayApiPlugin) {
        return reader.Invalid(Join(plugins_path, plugin),
                              fmt::format("not supported by capstan (only {})", kGatewayApiPlugin));
      }
      auto gateway = ReadGatewayApi(reader, config, Join(plugins_path, plugin));
      if (!gateway.ok()) return gateway.error();
      out.gateway_api = std::move(*gateway);
    }
  }
  if (!out.nginx.has_value() && !out.gateway_api.has_value()) {
    return reader.Invalid(path, fmt::format("set nginx or plugins.{}", kGatewayApiPlugin));
  }
  auto max_weight = reader.Int(routing, "maxTrafficWeight", path);
  if (!max_weight.ok()) return max_weight.error();
  out.max_traffic_weight = max_weight->value_or(out.max_traffic_weight);
  if (out.max_traffic_weight <= 0) {
    return reader.Invalid(Join(path, "maxTrafficWeight"), "must be greater than 0");
  }
  if (const Value* routes = routing.Find("managedRoutes");
      routes != nullptr && !routes->is_null()) {
    std::string routes_path = Join(path, "managedRoutes");
    if (!routes->is_array()) return reader.Invalid(routes_path, "expected a list");
    for (size_t i = 0; i < routes->size(); ++i) {
      auto name = reader.String(routes->as_array()[i], "name", Index(routes_path, i));
      if (!name.ok()) return name.error();
      if (!name->has_value())
        return reader.Invalid(Join(Index(routes_path, i), "name"), "required");
      out.managed_routes.push_back(**name);
    }
  }
  return out;
}

}  // namespace capstan::rollout::internal
