// BuildRoutes: Kubernetes objects in, route table out. Each case is a small YAML stream of
// Services, Ingresses and Pods.
#include "target/local/proxy/routes.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/yaml.h"

namespace capstan::target::local::proxy {
namespace {

struct Objects {
  std::vector<Value> services, ingresses, pods;
};

Objects Parse(std::string_view yaml) {
  Objects out;
  auto docs = ParseYamlStream(yaml, "case.yaml");
  EXPECT_TRUE(docs.ok()) << docs.error().message();
  for (auto& doc : *docs) {
    std::string_view kind = doc.value.StringAt({"kind"});
    if (kind == "Service") out.services.push_back(doc.value);
    if (kind == "Ingress") out.ingresses.push_back(doc.value);
    if (kind == "Pod") out.pods.push_back(doc.value);
  }
  return out;
}

RouteTable Build(std::string_view yaml, const PortAssignments& assigned = {}) {
  Objects objects = Parse(yaml);
  return BuildRoutes(objects.services, objects.ingresses, objects.pods, assigned);
}

// A ready pod "name" in namespace "ns" with labels app=<app> and extra label lines.
std::string Pod(std::string_view name, std::string_view ip, std::string_view extra = "",
                std::string_view ns = "shop", std::string_view ready = "True") {
  return fmt::format(R"(---
kind: Pod
metadata:
  name: {0}
  namespace: {3}
  labels:
    app: web
{2}
spec:
  containers:
  - name: main
    ports:
    - name: http
      containerPort: 8080
status:
  podIP: "{1}"
  conditions:
  - type: Ready
    status: "{4}"
)",
                     name, ip, extra, ns, ready);
}

constexpr std::string_view kWebService = R"(---
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
)";

std::vector<std::string> Pods(const std::vector<Endpoint>& endpoints) {
  std::vector<std::string> out;
  for (const Endpoint& e : endpoints) out.push_back(e.pod + "=" + e.AddressPort());
  return out;
}

struct EndpointCase {
  EndpointCase(std::string n, std::string y, std::vector<std::string> w, size_t e = 0)
      : name(std::move(n)), yaml(std::move(y)), want(std::move(w)), want_errors(e) {}
  std::string name;
  std::string yaml;
  std::vector<std::string> want;  // "ns/pod=ip:port"
  size_t want_errors;
};

TEST(BuildRoutes, ServiceEndpoints) {
  std::string terminating = Pod("gone", "10.88.0.9");
  terminating.replace(terminating.find("  namespace"), 0,
                      "  deletionTimestamp: \"2026-01-01T00:00:00Z\"\n");
  const std::vector<EndpointCase> cases = {
      {"ready pods matching the selector, sorted by name",
       std::string(kWebService) + Pod("b", "10.88.0.3") + Pod("a", "10.88.0.2"),
       {"shop/a=10.88.0.2:8080", "shop/b=10.88.0.3:8080"}},
      {"pods of other namespaces are not endpoints",
       std::string(kWebService) + Pod("a", "10.88.0.2", "", "other"),
       {}},
      {"pods not Ready are not endpoints",
       std::string(kWebService) + Pod("a", "10.88.0.2", "", "shop", "False") +
           Pod("b", "10.88.0.3"),
       {"shop/b=10.88.0.3:8080"}},
      {"terminating pods are not endpoints", std::string(kWebService) + terminating, {}},
      {"pods without an IP are not endpoints", std::string(kWebService) + Pod("a", ""), {}},
      {"labels that do not match the selector",
       R"(---
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web, tier: front}
  ports: [{port: 80, targetPort: 9090}]
)" + Pod("a", "10.88.0.2") +
           Pod("b", "10.88.0.3", "    tier: front"),
       {"shop/b=10.88.0.3:9090"}},
      {"no targetPort means the service port",
       R"(---
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 81}]
)" + Pod("a", "10.88.0.2"),
       {"shop/a=10.88.0.2:81"}},
      {"a service without a selector has no endpoints",
       R"(---
kind: Service
metadata: {name: web, namespace: shop}
spec:
  ports: [{port: 80}]
)" + Pod("a", "10.88.0.2"),
       {}},
      {"a named targetPort missing in a pod leaves the pod out and says so",
       R"(---
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: metrics}]
)" + Pod("a", "10.88.0.2"),
       {},
       1},
  };
  for (const EndpointCase& c : cases) {
    SCOPED_TRACE(c.name);
    RouteTable table = Build(c.yaml);
    ASSERT_EQ(table.services.size(), 1u);
    EXPECT_EQ(Pods(table.services[0].endpoints), c.want);
    EXPECT_EQ(table.errors.size(), c.want_errors) << (table.errors.empty() ? "" : table.errors[0]);
  }
}

TEST(BuildRoutes, NamedTargetPortResolvesPerPod) {
  std::string other = Pod("b", "10.88.0.3");
  other.replace(other.find("containerPort: 8080"), 19, "containerPort: 9000");
  RouteTable table = Build(std::string(kWebService) + Pod("a", "10.88.0.2") + other);
  ASSERT_EQ(table.services.size(), 1u);
  EXPECT_EQ(Pods(table.services[0].endpoints),
            (std::vector<std::string>{"shop/a=10.88.0.2:8080", "shop/b=10.88.0.3:9000"}));
}

TEST(BuildRoutes, VersionLabelPrecedence) {
  RouteTable table =
      Build(std::string(kWebService) +
            Pod("a", "10.88.0.2",
                "    app.kubernetes.io/version: v2\n    version: v1\n    pod-template-hash: abc") +
            Pod("b", "10.88.0.3", "    version: v1\n    pod-template-hash: abc") +
            Pod("c", "10.88.0.4", "    pod-template-hash: abc") + Pod("d", "10.88.0.5"));
  ASSERT_EQ(table.services.size(), 1u);
  std::vector<std::string> versions;
  for (const Endpoint& e : table.services[0].endpoints) versions.push_back(e.version);
  EXPECT_EQ(versions, (std::vector<std::string>{"v2", "v1", "abc", ""}));
}

TEST(BuildRoutes, PortsProtocolsAndAssignments) {
  RouteTable table = Build(R"(---
kind: Service
metadata: {name: dns, namespace: kube}
spec:
  selector: {app: dns}
  ports:
  - {name: udp, port: 53, protocol: UDP}
  - {name: tcp, port: 53, protocol: TCP}
  - {name: bad, port: 70000}
)",
                           {{"kube/dns:53", 5353}});
  ASSERT_EQ(table.services.size(), 1u);
  EXPECT_EQ(table.services[0].Key(), "kube/dns:53");
  EXPECT_EQ(table.services[0].port_name, "tcp");
  EXPECT_EQ(table.services[0].listen_port, 5353);
  ASSERT_EQ(table.errors.size(), 2u);
  EXPECT_EQ(table.errors[0],
            "Service kube/dns: spec.ports[0].protocol: UDP is not supported by the local proxy "
            "(only TCP)");
  EXPECT_EQ(table.errors[1],
            "Service kube/dns: spec.ports[2].port: expected an integer from 1 "
            "to 65535");
}

std::string Ingress(std::string_view name, std::string_view rules,
                    std::string_view annotations = "", std::string_view created = "") {
  return fmt::format(R"(---
kind: Ingress
metadata:
  name: {0}
  namespace: shop
  creationTimestamp: "{3}"
  annotations: {{{2}}}
spec:
{1}
)",
                     name, rules, annotations, created);
}

constexpr std::string_view kServices = R"(---
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
kind: Service
metadata: {name: web-canary, namespace: shop}
spec:
  selector: {app: web-canary}
  ports: [{name: http, port: 80, targetPort: 8080}]
)";

std::string Rule(std::string_view host, std::string_view path, std::string_view service,
                 std::string_view type = "Prefix", std::string_view port = "number: 80") {
  return fmt::format(R"(  rules:
  - host: {}
    http:
      paths:
      - path: {}
        pathType: {}
        backend: {{service: {{name: {}, port: {{{}}}}}}})",
                     host, path, type, service, port);
}

TEST(BuildRoutes, IngressPathsAndDefaultBackend) {
  RouteTable table = Build(
      std::string(kServices) + Pod("a", "10.88.0.2") +
      Ingress("main",
              Rule("Shop.Example.com", "/api/", "web", "ImplementationSpecific", "name: http") +
                  "\n  defaultBackend: {service: {name: web-canary, port: {number: 80}}}") +
      Ingress("exact", Rule("other.example.com", "/x", "web", "Exact")));
  ASSERT_TRUE(table.errors.empty()) << table.errors[0];
  ASSERT_EQ(table.http.size(), 3u);
  EXPECT_EQ(table.http[0].host, "other.example.com");
  EXPECT_EQ(table.http[0].path_type, PathType::kExact);
  EXPECT_EQ(table.http[1].host, "shop.example.com");
  EXPECT_EQ(table.http[1].path, "/");
  EXPECT_TRUE(table.http[1].from_default_backend);
  EXPECT_EQ(table.http[1].backend.service, "web-canary");
  EXPECT_EQ(table.http[2].path, "/api");
  EXPECT_EQ(table.http[2].ingress, "shop/main");
  EXPECT_EQ(table.http[2].backend.port, 80);
  EXPECT_EQ(Pods(table.http[2].backend.endpoints),
            (std::vector<std::string>{"shop/a=10.88.0.2:8080"}));
}

CanaryPolicy Policy(std::string header, std::string value, std::string cookie, int weight,
                    int total) {
  CanaryPolicy p;
  p.header = std::move(header);
  p.header_value = std::move(value);
  p.cookie = std::move(cookie);
  p.weight = weight;
  p.weight_total = total;
  return p;
}

struct CanaryCase {
  CanaryCase(std::string n, std::string y, CanaryPolicy w, bool c = true, std::string e = "")
      : name(std::move(n)),
        yaml(std::move(y)),
        want(std::move(w)),
        want_canary(c),
        want_error(std::move(e)) {}
  std::string name;
  std::string yaml;
  CanaryPolicy want;
  bool want_canary;
  std::string want_error;
};

TEST(BuildRoutes, CanaryIngresses) {
  const std::string main =
      Ingress("web", Rule("shop.example.com", "/", "web"), "", "2026-01-01T00:00:00Z");
  const std::string canary_rule = Rule("shop.example.com", "/", "web-canary");
  const std::string p = "nginx.ingress.kubernetes.io/";
  const std::vector<CanaryCase> cases = {
      {"weight",
       main + Ingress("c", canary_rule, p + "canary: 'true', " + p + "canary-weight: '10'"),
       Policy("", "", "", 10, 100)},
      {"header, value, cookie and total",
       main + Ingress("c", canary_rule,
                      p + "canary: 'true', " + p + "canary-by-header: X-Canary, " + p +
                          "canary-by-header-value: yes-please, " + p + "canary-by-cookie: beta, " +
                          p + "canary-weight: '3', " + p + "canary-weight-total: '1000'"),
       Policy("X-Canary", "yes-please", "beta", 3, 1000)},
      {"canary: false is a second main Ingress (conflict, older wins)",
       main + Ingress("c", canary_rule, p + "canary: 'false'", "2026-02-01T00:00:00Z"),
       CanaryPolicy{}, false,
       "Ingress shop/c: spec.rules[0].http.paths[0]: host \"shop.example.com\" path \"/\" "
       "(Prefix) is already routed by Ingress shop/web"},
      {"a canary without a main Ingress",
       main + Ingress("c", Rule("shop.example.com", "/other", "web-canary"), p + "canary: 'true'"),
       CanaryPolicy{}, false,
       "Ingress shop/c: spec.rules[0].http.paths[0]: canary for host \"shop.example.com\" path "
       "\"/other\" (Prefix) has no main Ingress with that host and path"},
      {"a weight above the total",
       main + Ingress("c", canary_rule, p + "canary: 'true', " + p + "canary-weight: '101'"),
       CanaryPolicy{}, false,
       "Ingress shop/c: metadata.annotations[nginx.ingress.kubernetes.io/canary-weight]: \"101\" "
       "is not an integer from 0 to 100"},
      {"a canary backend naming an unknown service",
       main + Ingress("c", Rule("shop.example.com", "/", "nope"), p + "canary: 'true'"),
       CanaryPolicy{}, false,
       "Ingress shop/c: spec.rules[0].http.paths[0].backend.service.name: Service \"nope\" not "
       "found in namespace shop"},
      {"a backend port name the service lacks",
       main + Ingress("c", Rule("shop.example.com", "/", "web-canary", "Prefix", "name: grpc"),
                      p + "canary: 'true'"),
       CanaryPolicy{}, false,
       "Ingress shop/c: spec.rules[0].http.paths[0].backend.service.port: Service \"web-canary\" "
       "has no port with name \"grpc\""},
  };
  for (const CanaryCase& c : cases) {
    SCOPED_TRACE(c.name);
    RouteTable table = Build(std::string(kServices) + c.yaml);
    ASSERT_EQ(table.http.size(), 1u);
    EXPECT_EQ(table.http[0].ingress, "shop/web");
    EXPECT_EQ(table.http[0].canary.has_value(), c.want_canary);
    if (c.want_canary) {
      EXPECT_EQ(table.http[0].canary->service, "web-canary");
      EXPECT_EQ(table.http[0].canary_policy, c.want);
    }
    if (c.want_error.empty()) {
      EXPECT_TRUE(table.errors.empty()) << table.errors[0];
    } else {
      ASSERT_EQ(table.errors.size(), 1u);
      EXPECT_EQ(table.errors[0], c.want_error);
    }
  }
}

TEST(BuildRoutes, BadInputNeverThrows) {
  RouteTable table = Build(R"(---
kind: Service
metadata: {name: a}
spec: {ports: "nope", selector: [1]}
---
kind: Ingress
metadata: {name: b}
spec: {rules: [{http: {paths: [{path: "x", backend: {}}, {pathType: Weird}, {backend: {resource: {}}}]}}]}
)");
  EXPECT_TRUE(table.services.empty());
  EXPECT_TRUE(table.http.empty());
  EXPECT_EQ(table.errors.size(), 4u);
}

}  // namespace
}  // namespace capstan::target::local::proxy
