#include "policy/internal/workload.h"

#include <fmt/format.h>

#include <cctype>

#include "core/object.h"

namespace capstan::policy::internal {
namespace {

bool IsIdentifier(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

// Where the pod template sits in each workload kind: the prefix of `template` or, for a
// bare Pod, of the pod itself (metadata + spec at the top).
struct TemplateLocation {
  std::vector<std::string_view> template_path;  // empty for a Pod
  bool long_running;
};

std::optional<TemplateLocation> LocationOf(std::string_view group, std::string_view kind) {
  if (group == "apps" || group == "extensions") {
    if (kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" ||
        kind == "ReplicaSet") {
      return TemplateLocation{{"spec", "template"}, true};
    }
  }
  if (group == "batch") {
    if (kind == "Job") return TemplateLocation{{"spec", "template"}, false};
    if (kind == "CronJob") {
      return TemplateLocation{{"spec", "jobTemplate", "spec", "template"}, false};
    }
  }
  if (group.empty() && kind == "Pod") return TemplateLocation{{}, true};
  if (group == "argoproj.io" && kind == "Rollout") {
    return TemplateLocation{{"spec", "template"}, true};
  }
  return std::nullopt;
}

std::string JoinPath(const std::vector<std::string_view>& parts) {
  std::string out;
  for (std::string_view part : parts) out = AppendKey(out, part);
  return out;
}

}  // namespace

std::string AppendKey(std::string_view path, std::string_view key) {
  if (!IsIdentifier(key)) {
    std::string escaped;
    for (char c : key) {
      if (c == '"' || c == '\\') escaped += '\\';
      escaped += c;
    }
    return fmt::format("{}[\"{}\"]", path, escaped);
  }
  if (path.empty()) return std::string(key);
  return fmt::format("{}.{}", path, key);
}

std::string AppendIndex(std::string_view path, size_t index) {
  return fmt::format("{}[{}]", path, index);
}

bool IsWorkload(const Value& object) {
  return LocationOf(GroupOf(object.StringAt({"apiVersion"})), KindOf(object)).has_value();
}

std::optional<PodTemplate> PodTemplateOf(const Value& object) {
  auto location = LocationOf(GroupOf(object.StringAt({"apiVersion"})), KindOf(object));
  if (!location) return std::nullopt;
  const Value* pod = &object;
  for (std::string_view step : location->template_path) {
    pod = pod->Find(step);
    if (pod == nullptr) return std::nullopt;
  }
  const Value* spec = pod->Find("spec");
  if (spec == nullptr || !spec->is_object()) return std::nullopt;

  PodTemplate out;
  out.spec = spec;
  out.labels = pod->At({"metadata", "labels"});
  std::string prefix = JoinPath(location->template_path);
  out.spec_path = AppendKey(prefix, "spec");
  out.labels_path = AppendKey(AppendKey(prefix, "metadata"), "labels");
  out.long_running = location->long_running;
  if (location->template_path.empty()) {
    // A bare Pod that does not restart is a one-off task, like a Job's pod.
    std::string_view restart = spec->StringAt({"restartPolicy"}, "Always");
    out.long_running = restart == "Always";
  }
  return out;
}

std::vector<ContainerRef> ContainersOf(const PodTemplate& pod, ContainerSet set) {
  std::vector<ContainerRef> out;
  auto collect = [&](std::string_view field, bool init) {
    const Value* list = pod.spec->Find(field);
    if (list == nullptr || !list->is_array()) return;
    const Value::Array& items = list->as_array();
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_object()) continue;
      out.push_back({&items[i], AppendIndex(AppendKey(pod.spec_path, field), i),
                     std::string(items[i].StringAt({"name"})), i, init});
    }
  };
  collect("containers", false);
  if (set == ContainerSet::kMainAndInit) collect("initContainers", true);
  return out;
}

std::string DescribeContainer(const ContainerRef& ref) {
  std::string_view what = ref.init ? "init container" : "container";
  if (ref.name.empty()) return fmt::format("{} #{}", what, ref.index);
  return fmt::format("{} \"{}\"", what, ref.name);
}

}  // namespace capstan::policy::internal
