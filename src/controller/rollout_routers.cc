#include "controller/rollout_routers.h"

#include <fmt/format.h>

namespace capstan::controller {
namespace {

constexpr char kIngressClassAnnotation[] = "kubernetes.io/ingress.class";

// Rewrites every backend of `from` to `to` in an Ingress spec; returns how many.
int RetargetBackends(Value& node, const std::string& from, const std::string& to) {
  int count = 0;
  if (node.is_object()) {
    if (Value* service = node.Find("service");
        service != nullptr && service->is_object() && service->StringAt({"name"}) == from) {
      service->Set("name", to);
      ++count;
    }
    for (auto& [key, value] : node.as_object()) count += RetargetBackends(value, from, to);
  } else if (node.is_array()) {
    for (Value& value : node.as_array()) count += RetargetBackends(value, from, to);
  }
  return count;
}

Value OwnerReference(const rollout::RolloutSpec& spec) {
  Value owner = Value::MakeObject();
  owner.Set("apiVersion", "argoproj.io/v1alpha1");
  owner.Set("kind", "Rollout");
  owner.Set("name", spec.name);
  owner.Set("uid", spec.uid);
  owner.Set("controller", true);
  owner.Set("blockOwnerDeletion", true);
  return owner;
}

}  // namespace

std::string CanaryIngressName(const std::string& rollout, const std::string& stable_ingress) {
  return fmt::format("{}-{}-canary", rollout, stable_ingress);
}

Result<Value> BuildCanaryIngress(const rollout::RolloutSpec& spec, const Value& stable_ingress,
                                 const rollout::TrafficState& traffic) {
  const rollout::NginxRouting& nginx = *spec.canary->traffic_routing->nginx;
  std::string stable_name(NameOf(stable_ingress));
  // As Argo's nginx router: the rules that reach the stable Service (their backends sent to
  // the canary Service), the TLS section and the ingress class; nothing else of the spec.
  Value rules = Value::MakeArray();
  if (const Value* stable_rules = stable_ingress.At({"spec", "rules"});
      stable_rules != nullptr && stable_rules->is_array()) {
    for (Value rule : stable_rules->as_array()) {
      if (RetargetBackends(rule, traffic.stable_service, traffic.canary_service) > 0) {
        rules.as_array().push_back(std::move(rule));
      }
    }
  }
  if (rules.empty()) {
    return Error::Invalid(fmt::format(
        "{}: spec.strategy.canary.trafficRouting.nginx.stableIngress: Ingress {} has no "
        "rule with a backend for the stable Service {}",
        spec.Describe(), stable_name, traffic.stable_service));
  }
  Value ingress_spec = Value::MakeObject();
  for (const char* field : {"ingressClassName", "tls"}) {
    if (const Value* value = stable_ingress.At({"spec", field}); value != nullptr) {
      ingress_spec.Set(field, *value);
    }
  }
  ingress_spec.Set("rules", std::move(rules));
  const std::string& prefix = nginx.annotation_prefix;
  Value annotations = Value::MakeObject();
  // ingress-nginx reads an Ingress only when its class is the controller's; the canary
  // Ingress must carry the stable one's (Argo copies this one annotation, no other).
  if (const Value* ingress_class =
          stable_ingress.At({"metadata", "annotations", kIngressClassAnnotation});
      ingress_class != nullptr) {
    annotations.Set(kIngressClassAnnotation, *ingress_class);
  }
  if (nginx.additional_ingress_annotations.is_object()) {
    for (const auto& [key, value] : nginx.additional_ingress_annotations.as_object()) {
      annotations.Set(key.starts_with(prefix) ? key : fmt::format("{}/{}", prefix, key), value);
    }
  }
  if (nginx.canary_ingress_annotations.is_object()) {
    for (const auto& [key, value] : nginx.canary_ingress_annotations.as_object()) {
      annotations.Set(key, value);
    }
  }
  annotations.Set(prefix + "/canary", "true");
  annotations.Set(prefix + "/canary-weight", std::to_string(traffic.canary_weight));
  if (traffic.max_weight != 100) {
    annotations.Set(prefix + "/canary-weight-total", std::to_string(traffic.max_weight));
  }
  for (const rollout::HeaderRoute& route : traffic.header_routes) {
    if (route.match.empty()) continue;
    const rollout::HeaderMatch& match = route.match.front();
    annotations.Set(prefix + "/canary-by-header", match.header_name);
    if (!match.header_value.exact.empty()) {
      annotations.Set(prefix + "/canary-by-header-value", match.header_value.exact);
    } else if (!match.header_value.regex.empty() || !match.header_value.prefix.empty()) {
      std::string pattern = !match.header_value.regex.empty() ? match.header_value.regex
                                                              : match.header_value.prefix + ".*";
      annotations.Set(prefix + "/canary-by-header-pattern", pattern);
    }
    break;  // ingress-nginx has one header rule per canary Ingress
  }
  Value ingress = Value::MakeObject();
  ingress.Set("apiVersion", "networking.k8s.io/v1");
  ingress.Set("kind", "Ingress");
  Value& metadata = ingress["metadata"];
  metadata.Set("name", CanaryIngressName(spec.name, stable_name));
  metadata.Set("namespace", spec.ns);
  metadata.Set("annotations", std::move(annotations));
  metadata.Set("ownerReferences", Value::Array{OwnerReference(spec)});
  ingress.Set("spec", std::move(ingress_spec));
  return ingress;
}

Result<Value> BuildHttpRouteWeights(const Value& route, const rollout::TrafficState& traffic) {
  Value rules =
      route.At({"spec", "rules"}) != nullptr ? *route.At({"spec", "rules"}) : Value::MakeArray();
  bool found = false;
  if (rules.is_array()) {
    for (Value& rule : rules.as_array()) {
      Value* backends = rule.Find("backendRefs");
      if (backends == nullptr || !backends->is_array()) continue;
      bool stable = false;
      bool canary = false;
      for (Value& backend : backends->as_array()) {
        std::string_view name = backend.StringAt({"name"});
        if (name == traffic.stable_service) {
          backend.Set("weight", traffic.max_weight - traffic.canary_weight);
          stable = true;
        } else if (name == traffic.canary_service) {
          backend.Set("weight", traffic.canary_weight);
          canary = true;
        }
      }
      found |= stable && canary;
    }
  }
  if (!found) {
    return Error::Invalid(fmt::format("HTTPRoute {}/{}: no rule has backendRefs to both {} and {}",
                                      NamespaceOf(route), NameOf(route), traffic.stable_service,
                                      traffic.canary_service));
  }
  Value out = Value::MakeObject();
  out.Set("apiVersion", std::string(route.StringAt({"apiVersion"})));
  out.Set("kind", "HTTPRoute");
  out["metadata"].Set("name", std::string(NameOf(route)));
  out["metadata"].Set("namespace", std::string(NamespaceOf(route)));
  out["spec"].Set("rules", std::move(rules));
  return out;
}

}  // namespace capstan::controller
