// The security rules: what a container may do to its node. Init containers run with the
// same powers as the main ones, so they are checked too.
#include <fmt/format.h>

#include "policy/internal/check.h"
#include "policy/internal/workload.h"

namespace capstan::policy::internal {
namespace {

// The container's securityContext field, falling back to the pod's (the container wins,
// as in Kubernetes), with the path where the effective value is written.
struct Effective {
  const Value* value = nullptr;
  std::string path;
};

Effective EffectiveSecurityField(const PodTemplate& pod, const ContainerRef& c,
                                 std::string_view field) {
  if (const Value* v = c.container->At({"securityContext", field}); v && !v->is_null()) {
    return {v, AppendKey(AppendKey(c.path, "securityContext"), field)};
  }
  if (const Value* v = pod.spec->At({"securityContext", field}); v && !v->is_null()) {
    return {v, AppendKey(AppendKey(pod.spec_path, "securityContext"), field)};
  }
  return {};
}

bool IsTrue(const Value* v) { return v != nullptr && v->is_bool() && v->as_bool(); }

template <typename Fn>
void ForEachContainer(const CheckInput& input, Fn fn) {
  for (size_t i = 0; i < input.manifests.size(); ++i) {
    auto pod = PodTemplateOf(input.manifests[i].object);
    if (!pod) continue;
    for (const ContainerRef& c : ContainersOf(*pod, ContainerSet::kMainAndInit)) fn(i, *pod, c);
  }
}

}  // namespace

void CheckPrivilegedContainer(const CheckInput& input, FindingSink& sink) {
  ForEachContainer(input, [&](size_t i, const PodTemplate&, const ContainerRef& c) {
    const Value* privileged = c.container->At({"securityContext", "privileged"});
    if (!IsTrue(privileged)) return;
    sink.Add(i, AppendKey(AppendKey(c.path, "securityContext"), "privileged"), *privileged,
             fmt::format("{} runs privileged, with every device and capability of its node: "
                         "remove privileged and add only the capabilities it needs",
                         DescribeContainer(c)));
  });
}

void CheckPrivilegeEscalation(const CheckInput& input, FindingSink& sink) {
  ForEachContainer(input, [&](size_t i, const PodTemplate&, const ContainerRef& c) {
    std::string path = AppendKey(AppendKey(c.path, "securityContext"), "allowPrivilegeEscalation");
    const Value* allow = c.container->At({"securityContext", "allowPrivilegeEscalation"});
    if (allow != nullptr && allow->is_bool() && !allow->as_bool()) return;
    if (IsTrue(allow)) {
      sink.Add(i, path, *allow,
               fmt::format("{} lets its processes gain more privileges than their parent "
                           "(setuid binaries): set allowPrivilegeEscalation to false",
                           DescribeContainer(c)));
      return;
    }
    sink.Add(i, path, std::nullopt,
             fmt::format("{} does not set allowPrivilegeEscalation, which defaults to true: "
                         "set it to false",
                         DescribeContainer(c)));
  });
}

void CheckRunAsNonRoot(const CheckInput& input, FindingSink& sink) {
  ForEachContainer(input, [&](size_t i, const PodTemplate& pod, const ContainerRef& c) {
    Effective user = EffectiveSecurityField(pod, c, "runAsUser");
    Effective non_root = EffectiveSecurityField(pod, c, "runAsNonRoot");
    if (user.value != nullptr && user.value->is_int() && user.value->as_int() == 0) {
      sink.Add(i, user.path, *user.value,
               fmt::format("{} runs as root (uid 0): run as a non-zero uid and set "
                           "runAsNonRoot to true",
                           DescribeContainer(c)));
      return;
    }
    if (IsTrue(non_root.value)) return;
    if (user.value != nullptr && user.value->is_int() && user.value->as_int() > 0) return;
    std::string path = non_root.value != nullptr
                           ? non_root.path
                           : AppendKey(AppendKey(c.path, "securityContext"), "runAsNonRoot");
    std::optional<Value> value;
    if (non_root.value != nullptr) value = *non_root.value;
    sink.Add(i, path, value,
             fmt::format("{} may run as root: set runAsNonRoot to true in the pod or container "
                         "securityContext, and a non-zero runAsUser if the image has no user",
                         DescribeContainer(c)));
  });
}

void CheckHostPath(const CheckInput& input, FindingSink& sink) {
  for (size_t i = 0; i < input.manifests.size(); ++i) {
    auto pod = PodTemplateOf(input.manifests[i].object);
    if (!pod) continue;
    const Value* volumes = pod->spec->Find("volumes");
    if (volumes == nullptr || !volumes->is_array()) continue;
    for (size_t v = 0; v < volumes->size(); ++v) {
      const Value& volume = volumes->as_array()[v];
      const Value* host_path = volume.Find("hostPath");
      if (host_path == nullptr) continue;
      std::optional<Value> shown;
      if (const Value* p = host_path->Find("path"); p != nullptr) shown = *p;
      sink.Add(i, AppendKey(AppendIndex(AppendKey(pod->spec_path, "volumes"), v), "hostPath"),
               shown,
               fmt::format("volume \"{}\" mounts a directory of the node, which ties the pod to "
                           "one machine and exposes the host: use a persistentVolumeClaim, "
                           "configMap, secret or emptyDir",
                           volume.StringAt({"name"})));
    }
  }
}

void CheckHostNetwork(const CheckInput& input, FindingSink& sink) {
  for (size_t i = 0; i < input.manifests.size(); ++i) {
    auto pod = PodTemplateOf(input.manifests[i].object);
    if (!pod) continue;
    const Value* host_network = pod->spec->Find("hostNetwork");
    if (!IsTrue(host_network)) continue;
    sink.Add(i, AppendKey(pod->spec_path, "hostNetwork"), *host_network,
             "the pods share the node's network namespace and can reach every local port: "
             "remove hostNetwork and expose the pods through a Service");
  }
}

}  // namespace capstan::policy::internal
