// Pod spec defaults (v1.20 SetDefaults_PodSpec, _Container, _Probe, _Volume and friends),
// shared by every kind that holds a pod template.
#include <string_view>

#include "diff/internal/defaults.h"

namespace capstan::diff::internal {
namespace {

constexpr int kTerminationGracePeriodSeconds = 30;
constexpr int kVolumeDefaultMode = 0644;  // 420: what every live object shows
constexpr int kProbeTimeoutSeconds = 1;
constexpr int kProbePeriodSeconds = 10;
constexpr int kProbeSuccessThreshold = 1;
constexpr int kProbeFailureThreshold = 3;

// "nginx" and "nginx:latest" are pulled Always, anything with another tag or a digest
// IfNotPresent. The tag is after the last ':' of the last path segment (a registry
// port is not a tag).
std::string_view PullPolicyFor(std::string_view image) {
  std::string_view last =
      image.substr(image.rfind('/') == std::string_view::npos ? 0 : image.rfind('/') + 1);
  if (last.find('@') != std::string_view::npos) {
    std::string_view before_digest = last.substr(0, last.find('@'));
    auto colon = before_digest.find(':');
    if (colon == std::string_view::npos) return "IfNotPresent";
    return before_digest.substr(colon + 1) == "latest" ? "Always" : "IfNotPresent";
  }
  auto colon = last.find(':');
  if (colon == std::string_view::npos) return "Always";
  return last.substr(colon + 1) == "latest" ? "Always" : "IfNotPresent";
}

void DefaultHttpGet(Value& handler) {
  Value* http = handler.Find("httpGet");
  if (http == nullptr || !http->is_object()) return;
  SetDefault(*http, "path", "/");
  SetDefault(*http, "scheme", "HTTP");
}

void DefaultProbe(Value& container, std::string_view key) {
  Value* probe = container.Find(key);
  if (probe == nullptr || !probe->is_object()) return;
  SetDefault(*probe, "timeoutSeconds", kProbeTimeoutSeconds);
  SetDefault(*probe, "periodSeconds", kProbePeriodSeconds);
  SetDefault(*probe, "successThreshold", kProbeSuccessThreshold);
  SetDefault(*probe, "failureThreshold", kProbeFailureThreshold);
  DefaultHttpGet(*probe);
}

void DefaultFieldRefs(Value& holder) {
  if (Value* field_ref = holder.Find("fieldRef"); field_ref != nullptr) {
    SetDefault(*field_ref, "apiVersion", "v1");
  }
  if (Value* resource_ref = holder.Find("resourceFieldRef"); resource_ref != nullptr) {
    SetDefault(*resource_ref, "divisor", "0");
  }
}

void DefaultContainer(Value& container) {
  SetDefault(container, "terminationMessagePath", "/dev/termination-log");
  SetDefault(container, "terminationMessagePolicy", "File");
  if (const Value* image = container.Find("image"); image != nullptr && image->is_string()) {
    SetDefault(container, "imagePullPolicy", PullPolicyFor(image->as_string()));
  }
  ForEachElement(container, "ports", [](Value& port) { SetDefault(port, "protocol", "TCP"); });
  for (std::string_view probe : {"livenessProbe", "readinessProbe", "startupProbe"}) {
    DefaultProbe(container, probe);
  }
  if (Value* lifecycle = container.Find("lifecycle"); lifecycle != nullptr) {
    for (std::string_view hook : {"postStart", "preStop"}) {
      if (Value* handler = lifecycle->Find(hook); handler != nullptr) DefaultHttpGet(*handler);
    }
  }
  ForEachElement(container, "env", [](Value& env) {
    if (Value* from = env.Find("valueFrom"); from != nullptr) DefaultFieldRefs(*from);
  });
}

void DefaultVolume(Value& volume) {
  // A volume naming no source is an emptyDir.
  if (volume.size() == 1 && volume.Find("name") != nullptr) {
    volume.Set("emptyDir", Value::MakeObject());
  }
  for (std::string_view source : {"secret", "configMap", "downwardAPI", "projected"}) {
    if (Value* s = volume.Find(source); s != nullptr)
      SetDefault(*s, "defaultMode", kVolumeDefaultMode);
  }
  if (Value* downward = volume.Find("downwardAPI"); downward != nullptr) {
    ForEachElement(*downward, "items", [](Value& item) { DefaultFieldRefs(item); });
  }
  if (Value* host_path = volume.Find("hostPath"); host_path != nullptr) {
    SetDefault(*host_path, "type", "");
  }
}

}  // namespace

void DefaultPodSpec(Value& spec) {
  SetDefault(spec, "dnsPolicy", "ClusterFirst");
  SetDefault(spec, "restartPolicy", "Always");
  SetDefault(spec, "terminationGracePeriodSeconds", kTerminationGracePeriodSeconds);
  SetDefault(spec, "securityContext", Value::MakeObject());
  SetDefault(spec, "schedulerName", "default-scheduler");
  for (std::string_view list : {"initContainers", "containers", "ephemeralContainers"}) {
    ForEachElement(spec, list, DefaultContainer);
  }
  ForEachElement(spec, "volumes", DefaultVolume);
}

void DefaultPodTemplate(Value& template_spec) {
  if (Value* spec = MapMember(template_spec, "spec")) DefaultPodSpec(*spec);
}

}  // namespace capstan::diff::internal
