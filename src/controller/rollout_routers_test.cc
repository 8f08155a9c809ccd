// The canary Ingress as Argo Rollouts' nginx router builds it from the stable Ingress.
#include "controller/rollout_routers.h"

#include <gtest/gtest.h>

#include "core/yaml.h"

namespace capstan::controller {
namespace {

Value Yaml(std::string_view text) { return *ParseYaml(text, "test"); }

constexpr char kRollout[] = R"(
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop, uid: 0b7c6d1e}
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: "web:v1"}]}}
  strategy:
    canary:
      canaryService: web-canary
      stableService: web-stable
      trafficRouting:
        nginx:
          stableIngress: web
          additionalIngressAnnotations:
            canary-by-header: X-Canary
            nginx.ingress.kubernetes.io/canary-by-cookie: canary
      steps: [{setWeight: 20}]
)";

constexpr char kStableIngress[] = R"(
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations:
    kubernetes.io/ingress.class: nginx
    nginx.ingress.kubernetes.io/rewrite-target: /
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: web-stable, port: {number: 80}}}
  tls: [{hosts: [shop.example], secretName: shop-tls}]
  rules:
  - host: shop.example
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web-stable, port: {number: 80}}}}
  - host: admin.shop.example
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: admin, port: {number: 80}}}}
)";

rollout::TrafficState Traffic(int64_t weight) {
  rollout::TrafficState traffic;
  traffic.canary_weight = weight;
  traffic.canary_service = "web-canary";
  traffic.stable_service = "web-stable";
  return traffic;
}

TEST(CanaryIngress, IsTheStableIngressRulesForTheStableServiceSentToTheCanary) {
  auto spec = rollout::ParseRollout(Yaml(kRollout));
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  auto canary = BuildCanaryIngress(*spec, Yaml(kStableIngress), Traffic(20));
  ASSERT_TRUE(canary.ok()) << canary.error().message();
  EXPECT_EQ(NameOf(*canary), "web-web-canary");
  EXPECT_EQ(*canary->At({"metadata", "annotations"}), Yaml(R"({
    kubernetes.io/ingress.class: nginx,
    nginx.ingress.kubernetes.io/canary: "true",
    nginx.ingress.kubernetes.io/canary-weight: "20",
    nginx.ingress.kubernetes.io/canary-by-header: X-Canary,
    nginx.ingress.kubernetes.io/canary-by-cookie: canary})"))
      << "the class, the canary annotations and the additional ones (prefixed once); no other "
         "annotation of the stable Ingress";
  EXPECT_EQ(*canary->Find("spec"), Yaml(R"(
ingressClassName: nginx
tls: [{hosts: [shop.example], secretName: shop-tls}]
rules:
- host: shop.example
  http:
    paths:
    - {path: /, pathType: Prefix, backend: {service: {name: web-canary, port: {number: 80}}}}
)")) << "only the rules reaching the stable Service, and no default backend";
  const Value* owners = canary->At({"metadata", "ownerReferences"});
  ASSERT_TRUE(owners != nullptr && owners->is_array() && owners->size() == 1u);
  EXPECT_EQ(owners->as_array()[0].StringAt({"uid"}), "0b7c6d1e");
}

TEST(CanaryIngress, WithoutARuleForTheStableServiceIsRefused) {
  auto spec = rollout::ParseRollout(Yaml(kRollout));
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  Value stable = Yaml(kStableIngress);
  stable["spec"]["rules"].as_array().erase(stable["spec"]["rules"].as_array().begin());
  auto canary = BuildCanaryIngress(*spec, stable, Traffic(20));
  ASSERT_FALSE(canary.ok());
  EXPECT_NE(canary.error().message().find("has no rule with a backend for the stable Service "
                                          "web-stable"),
            std::string::npos)
      << canary.error().message();
}

}  // namespace
}  // namespace capstan::controller
