#include "target/local/proxy/internal/ingress_routes.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <tuple>

#include "target/local/proxy/internal/endpoints.h"

namespace capstan::target::local::proxy::internal {
namespace {

constexpr std::string_view kAnnotationPrefix = "nginx.ingress.kubernetes.io/";
constexpr int kDefaultWeightTotal = 100;

// One path of one Ingress, before main and canary Ingresses are joined.
struct PathRule {
  std::string host;
  std::string path;
  PathType type = PathType::kPrefix;
  Backend backend;
  std::string field;  // e.g. "spec.rules[0].http.paths[1]"
  bool from_default_backend = false;
};

using RouteKey = std::tuple<std::string, std::string, PathType>;

std::string Annotation(const Value& ingress, std::string_view name) {
  std::string key = std::string(kAnnotationPrefix) + std::string(name);
  return std::string(ingress.StringAt({"metadata", "annotations", key}));
}

bool IsCanary(const Value& ingress) { return Annotation(ingress, "canary") == "true"; }

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The Service port an Ingress backend names, resolved to endpoints; nullopt (and an error)
// when the Service or port is missing.
std::optional<Backend> ResolveBackend(const Value& ingress, const Value& backend,
                                      const std::string& field, const ServiceIndex& services,
                                      const std::vector<Value>& pods,
                                      std::vector<std::string>& errors) {
  std::string ns(ingress.StringAt({"metadata", "namespace"}, "default"));
  const Value* service_ref = backend.Find("service");
  if (service_ref == nullptr || !service_ref->is_object()) {
    errors.push_back(fmt::format("{}: {}.service: missing (resource backends are not supported)",
                                 ObjectName(ingress), field));
    return std::nullopt;
  }
  std::string name(service_ref->StringAt({"name"}));
  auto found = services.find(ns + "/" + name);
  if (name.empty() || found == services.end()) {
    errors.push_back(fmt::format("{}: {}.service.name: Service \"{}\" not found in namespace {}",
                                 ObjectName(ingress), field, name, ns));
    return std::nullopt;
  }
  const Value& service = *found->second;
  const Value* number = service_ref->At({"port", "number"});
  std::string_view port_name = service_ref->StringAt({"port", "name"});
  const Value* ports = service.At({"spec", "ports"});
  for (size_t i = 0; ports != nullptr && ports->is_array() && i < ports->size(); ++i) {
    const Value& entry = ports->as_array()[i];
    const Value* port = entry.Find("port");
    if (port == nullptr || !port->is_int()) continue;
    bool match = (number != nullptr && number->is_int())
                     ? port->as_int() == number->as_int()
                     : entry.StringAt({"name"}) == port_name && !port_name.empty();
    if (!match) continue;
    std::vector<std::string> ignored;  // the Service's own route reports pod problems
    return Backend{.namespace_ = ns,
                   .service = name,
                   .port = static_cast<int>(port->as_int()),
                   .endpoints = ServicePortEndpoints(service, i, pods, ignored)};
  }
  std::string wanted = (number != nullptr && number->is_int())
                           ? fmt::format("number {}", number->as_int())
                           : fmt::format("name \"{}\"", port_name);
  errors.push_back(fmt::format("{}: {}.service.port: Service \"{}\" has no port with {}",
                               ObjectName(ingress), field, name, wanted));
  return std::nullopt;
}

std::optional<PathType> ParsePathType(std::string_view text) {
  if (text == "Exact") return PathType::kExact;
  // ingress-nginx reads ImplementationSpecific as a prefix; so does capstan.
  if (text == "Prefix" || text == "ImplementationSpecific" || text.empty()) {
    return PathType::kPrefix;
  }
  return std::nullopt;
}

// "/foo/" and "/foo" are one Prefix path (Kubernetes ignores a trailing slash).
std::string NormalizePath(std::string_view path, PathType type) {
  std::string out = path.empty() ? "/" : std::string(path);
  if (type == PathType::kPrefix) {
    while (out.size() > 1 && out.back() == '/') out.pop_back();
  }
  return out;
}

std::vector<PathRule> RulesOf(const Value& ingress, const ServiceIndex& services,
                              const std::vector<Value>& pods, std::vector<std::string>& errors) {
  std::vector<PathRule> rules;
  std::vector<std::string> hosts;
  const Value* spec_rules = ingress.At({"spec", "rules"});
  for (size_t i = 0; spec_rules != nullptr && spec_rules->is_array() && i < spec_rules->size();
       ++i) {
    const Value& rule = spec_rules->as_array()[i];
    std::string host = Lower(rule.StringAt({"host"}));
    if (std::find(hosts.begin(), hosts.end(), host) == hosts.end()) hosts.push_back(host);
    const Value* paths = rule.At({"http", "paths"});
    for (size_t j = 0; paths != nullptr && paths->is_array() && j < paths->size(); ++j) {
      const Value& path = paths->as_array()[j];
      std::string field = fmt::format("spec.rules[{}].http.paths[{}]", i, j);
      std::optional<PathType> type = ParsePathType(path.StringAt({"pathType"}));
      if (!type) {
        errors.push_back(
            fmt::format("{}: {}.pathType: \"{}\" is not Exact, Prefix or ImplementationSpecific",
                        ObjectName(ingress), field, path.StringAt({"pathType"})));
        continue;
      }
      std::string_view raw_path = path.StringAt({"path"}, "/");
      if (raw_path.empty() || raw_path.front() != '/') {
        errors.push_back(fmt::format("{}: {}.path: \"{}\" must begin with \"/\"",
                                     ObjectName(ingress), field, raw_path));
        continue;
      }
      const Value* backend = path.Find("backend");
      if (backend == nullptr || !backend->is_object()) {
        errors.push_back(fmt::format("{}: {}.backend: missing", ObjectName(ingress), field));
        continue;
      }
      std::optional<Backend> resolved =
          ResolveBackend(ingress, *backend, field + ".backend", services, pods, errors);
      if (!resolved) continue;
      rules.push_back(PathRule{.host = host,
                               .path = NormalizePath(raw_path, *type),
                               .type = *type,
                               .backend = std::move(*resolved),
                               .field = field,
                               .from_default_backend = false});
    }
  }
  // ingress-nginx serves spec.defaultBackend at "/" of each host of the Ingress (below any
  // explicit "/"), and for any host when the Ingress has no host rules.
  const Value* default_backend = ingress.At({"spec", "defaultBackend"});
  if (default_backend != nullptr && default_backend->is_object()) {
    std::optional<Backend> resolved =
        ResolveBackend(ingress, *default_backend, "spec.defaultBackend", services, pods, errors);
    if (hosts.empty()) hosts.push_back("");
    for (const std::string& host : hosts) {
      if (!resolved) break;
      rules.push_back(PathRule{.host = host,
                               .path = "/",
                               .type = PathType::kPrefix,
                               .backend = *resolved,
                               .field = "spec.defaultBackend",
                               .from_default_backend = true});
    }
  }
  return rules;
}

std::optional<int> ParseInt(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<CanaryPolicy> ParseCanaryPolicy(const Value& ingress,
                                              std::vector<std::string>& errors) {
  CanaryPolicy policy;
  policy.header = Annotation(ingress, "canary-by-header");
  policy.header_value = Annotation(ingress, "canary-by-header-value");
  policy.cookie = Annotation(ingress, "canary-by-cookie");
  std::string total_text = Annotation(ingress, "canary-weight-total");
  std::string weight_text = Annotation(ingress, "canary-weight");
  std::optional<int> total = total_text.empty() ? kDefaultWeightTotal : ParseInt(total_text);
  if (!total || *total <= 0) {
    errors.push_back(
        fmt::format("{}: metadata.annotations[{}canary-weight-total]: \"{}\" is not "
                    "a positive integer",
                    ObjectName(ingress), kAnnotationPrefix, total_text));
    return std::nullopt;
  }
  std::optional<int> weight = weight_text.empty() ? 0 : ParseInt(weight_text);
  if (!weight || *weight < 0 || *weight > *total) {
    errors.push_back(fmt::format(
        "{}: metadata.annotations[{}canary-weight]: \"{}\" is not an integer from 0 to {}",
        ObjectName(ingress), kAnnotationPrefix, weight_text, *total));
    return std::nullopt;
  }
  policy.weight = *weight;
  policy.weight_total = *total;
  return policy;
}

std::string Describe(const PathRule& rule) {
  return fmt::format("host \"{}\" path \"{}\" ({})", rule.host, rule.path,
                     rule.type == PathType::kExact ? "Exact" : "Prefix");
}

}  // namespace

std::vector<HttpRoute> IngressRoutes(const std::vector<Value>& ingresses,
                                     const ServiceIndex& services, const std::vector<Value>& pods,
                                     std::vector<std::string>& errors) {
  // The oldest Ingress wins a contested host and path, as in ingress-nginx.
  std::vector<const Value*> ordered;
  for (const Value& ingress : ingresses) {
    if (ingress.StringAt({"kind"}, "Ingress") == "Ingress") ordered.push_back(&ingress);
  }
  auto order = [](const Value* ingress) {
    return std::make_tuple(ingress->StringAt({"metadata", "creationTimestamp"}),
                           ingress->StringAt({"metadata", "namespace"}, "default"),
                           ingress->StringAt({"metadata", "name"}));
  };
  std::stable_sort(ordered.begin(), ordered.end(),
                   [&](const Value* a, const Value* b) { return order(a) < order(b); });

  std::map<RouteKey, HttpRoute> routes;
  for (const Value* ingress : ordered) {
    if (IsCanary(*ingress)) continue;
    std::string id = fmt::format("{}/{}", ingress->StringAt({"metadata", "namespace"}, "default"),
                                 ingress->StringAt({"metadata", "name"}));
    for (PathRule& rule : RulesOf(*ingress, services, pods, errors)) {
      RouteKey key{rule.host, rule.path, rule.type};
      auto existing = routes.find(key);
      if (existing != routes.end()) {
        HttpRoute& held = existing->second;
        if (rule.from_default_backend) continue;  // an explicit path beats a defaultBackend
        if (!held.from_default_backend) {
          errors.push_back(fmt::format("{}: {}: {} is already routed by Ingress {}",
                                       ObjectName(*ingress), rule.field, Describe(rule),
                                       held.ingress));
          continue;
        }
      }
      HttpRoute& route = routes[key];
      route = HttpRoute{};
      route.host = rule.host;
      route.path = rule.path;
      route.path_type = rule.type;
      route.ingress = id;
      route.backend = std::move(rule.backend);
      route.from_default_backend = rule.from_default_backend;
    }
  }
  for (const Value* ingress : ordered) {
    if (!IsCanary(*ingress)) continue;
    std::optional<CanaryPolicy> policy = ParseCanaryPolicy(*ingress, errors);
    if (!policy) continue;
    for (PathRule& rule : RulesOf(*ingress, services, pods, errors)) {
      if (rule.from_default_backend) {
        errors.push_back(fmt::format("{}: spec.defaultBackend: not supported on a canary Ingress",
                                     ObjectName(*ingress)));
        break;
      }
      auto main = routes.find(RouteKey{rule.host, rule.path, rule.type});
      if (main == routes.end() || main->second.from_default_backend) {
        errors.push_back(
            fmt::format("{}: {}: canary for {} has no main Ingress with that host "
                        "and path",
                        ObjectName(*ingress), rule.field, Describe(rule)));
        continue;
      }
      if (main->second.canary) {
        errors.push_back(fmt::format("{}: {}: {} already has a canary Ingress",
                                     ObjectName(*ingress), rule.field, Describe(rule)));
        continue;
      }
      main->second.canary = std::move(rule.backend);
      main->second.canary_policy = *policy;
    }
  }
  std::vector<HttpRoute> out;
  out.reserve(routes.size());
  for (auto& [key, route] : routes) out.push_back(std::move(route));
  return out;
}

}  // namespace capstan::target::local::proxy::internal
