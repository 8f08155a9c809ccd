// dangling-hpa: a HorizontalPodAutoscaler that scales a workload missing from the set, or
// whose metrics have no target, does nothing useful (or scales on a default nobody chose).
#include <fmt/format.h>

#include <cctype>

#include "core/object.h"
#include "policy/internal/check.h"
#include "policy/internal/workload.h"

namespace capstan::policy::internal {
namespace {

bool IsHpa(const Value& object) {
  return KindOf(object) == "HorizontalPodAutoscaler" &&
         GroupOf(object.StringAt({"apiVersion"})) == "autoscaling";
}

bool Has(const Value* v, std::string_view field) {
  const Value* f = v != nullptr ? v->Find(field) : nullptr;
  return f != nullptr && !f->is_null();
}

void CheckTarget(const CheckInput& input, size_t index, FindingSink& sink) {
  const Value& hpa = input.manifests[index].object;
  const Value* ref = hpa.At({"spec", "scaleTargetRef"});
  if (ref == nullptr || !ref->is_object()) {
    sink.Add(index, "spec.scaleTargetRef", std::nullopt,
             "has no scaleTargetRef: name the workload to scale");
    return;
  }
  std::string_view kind = ref->StringAt({"kind"});
  std::string_view name = ref->StringAt({"name"});
  std::string_view api_version = ref->StringAt({"apiVersion"});
  for (const Manifest& m : input.manifests) {
    if (KindOf(m.object) != kind || NameOf(m.object) != name) continue;
    if (!api_version.empty() &&
        GroupOf(m.object.StringAt({"apiVersion"})) != GroupOf(api_version)) {
      continue;
    }
    if (SameNamespace(NamespaceOf(m.object), NamespaceOf(hpa))) return;
  }
  sink.Add(index, "spec.scaleTargetRef.name", Value(name),
           fmt::format("scales {} \"{}\", which is not in this set: fix scaleTargetRef or add "
                       "the workload",
                       kind, name));
}

// autoscaling/v2 (and v2beta2): metrics[].<source>.target with the value its type names;
// v2beta1's targetAverageUtilization / targetAverageValue / targetValue are accepted too.
void CheckMetric(const Value& metric, const std::string& path, size_t index, FindingSink& sink) {
  std::string_view type = metric.StringAt({"type"});
  std::string source = std::string(type);
  if (!source.empty()) source[0] = static_cast<char>(std::tolower(source[0]));
  const Value* spec = source.empty() ? nullptr : metric.Find(source);
  if (spec == nullptr || !spec->is_object()) {
    sink.Add(index, path, std::nullopt,
             fmt::format("metric has no {} section: give the metric a type and a target",
                         source.empty() ? "type" : source));
    return;
  }
  if (Has(spec, "targetAverageUtilization") || Has(spec, "targetAverageValue") ||
      Has(spec, "targetValue")) {
    return;
  }
  const Value* target = spec->Find("target");
  std::string target_path = AppendKey(AppendKey(path, source), "target");
  std::string_view target_type = target != nullptr ? target->StringAt({"type"}) : "";
  std::string_view needed;
  if (target_type == "Utilization") needed = "averageUtilization";
  if (target_type == "AverageValue") needed = "averageValue";
  if (target_type == "Value") needed = "value";
  bool ok = needed.empty() ? Has(target, "averageUtilization") || Has(target, "averageValue") ||
                                 Has(target, "value")
                           : Has(target, needed);
  if (ok) return;
  sink.Add(index, target_path, std::nullopt,
           fmt::format(
               "{} metric has no target value: set target.{}", type,
               needed.empty() ? "type and its averageUtilization, averageValue or value" : needed));
}

void CheckMetrics(const Value& hpa, size_t index, FindingSink& sink) {
  if (hpa.StringAt({"apiVersion"}) == "autoscaling/v1") {
    if (Has(hpa.Find("spec"), "targetCPUUtilizationPercentage")) return;
    sink.Add(index, "spec.targetCPUUtilizationPercentage", std::nullopt,
             "no target value, so it scales on a default of 80% CPU: set "
             "targetCPUUtilizationPercentage");
    return;
  }
  const Value* metrics = hpa.At({"spec", "metrics"});
  if (metrics == nullptr || !metrics->is_array() || metrics->empty()) {
    sink.Add(index, "spec.metrics", std::nullopt,
             "no metrics, so it scales on a default of 80% CPU: list the metrics and their "
             "targets");
    return;
  }
  for (size_t m = 0; m < metrics->size(); ++m) {
    const Value& metric = metrics->as_array()[m];
    if (metric.is_object()) CheckMetric(metric, AppendIndex("spec.metrics", m), index, sink);
  }
}

}  // namespace

void CheckDanglingHpa(const CheckInput& input, FindingSink& sink) {
  for (size_t i = 0; i < input.manifests.size(); ++i) {
    const Value& object = input.manifests[i].object;
    if (!IsHpa(object)) continue;
    CheckTarget(input, i, sink);
    CheckMetrics(object, i, sink);
  }
}

}  // namespace capstan::policy::internal
