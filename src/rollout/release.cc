// Release identity: the three versions of a release and the role of its ReplicaSet.
#include "rollout/release.h"

#include <fmt/format.h>

#include <cctype>

#include "rollout/rollout.h"
#include "target/local/workload/internal/objects.h"

namespace capstan::rollout {

namespace {

constexpr size_t kMaxLabelValue = 63;

std::string LabelValue(std::string text) {
  for (char& c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '-';
  }
  if (text.size() > kMaxLabelValue) text.resize(kMaxLabelValue);
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && !alnum(text.back())) text.pop_back();
  size_t start = 0;
  while (start < text.size() && !alnum(text[start])) ++start;
  return text.substr(start);
}

void AddImages(const Value* containers, std::vector<ImageVersion>& out) {
  if (containers == nullptr || !containers->is_array()) return;
  for (const Value& container : containers->as_array()) {
    out.push_back(ParseImage(container.StringAt({"name"}), container.StringAt({"image"})));
  }
}

std::string Role(const RolloutStatus& status, const std::string& hash, bool blue_green) {
  if (hash.empty()) return "";
  if (blue_green) {
    if (status.blue_green.active_selector == hash) return "active";
    if (status.blue_green.preview_selector == hash || status.current_pod_hash == hash) {
      return "preview";
    }
    return "";
  }
  if (status.stable_rs == hash) return "stable";
  if (status.current_pod_hash == hash) return "canary";
  return "";
}

}  // namespace

ImageVersion ParseImage(std::string_view container, std::string_view image) {
  ImageVersion out{std::string(container), std::string(image), "", ""};
  std::string_view name = image;
  if (size_t at = name.find('@'); at != std::string_view::npos) {
    out.digest = std::string(name.substr(at + 1));
    name = name.substr(0, at);
  }
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  // A colon before the last slash is a registry's port, not a tag.
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    out.tag = std::string(name.substr(colon + 1));
  }
  if (out.tag.empty() && out.digest.empty()) out.tag = "latest";
  return out;
}

std::string ImageTagLabelValue(const Value& pod_template) {
  const Value* containers = pod_template.At({"spec", "containers"});
  if (containers == nullptr || !containers->is_array() || containers->empty()) return "";
  const Value& first = containers->as_array().front();
  ImageVersion image = ParseImage(first.StringAt({"name"}), first.StringAt({"image"}));
  if (!image.tag.empty()) return LabelValue(image.tag);
  std::string digest = image.digest;
  if (size_t colon = digest.find(':'); colon != std::string::npos) digest[colon] = '-';
  return LabelValue(digest);
}

ReleaseIdentity ReleaseId(const Value& rollout, const Value& replica_set) {
  ReleaseIdentity out;
  out.revision = target::local::workload::internal::IntAnnotation(replica_set, kRevisionAnnotation)
                     .value_or(0);
  out.pod_template_hash =
      std::string(replica_set.StringAt({"metadata", "labels", kPodTemplateHashLabel}));
  const Value* pod_template = replica_set.At({"spec", "template"});
  if (pod_template != nullptr) {
    out.app_version = std::string(pod_template->StringAt({"metadata", "labels", kAppVersionLabel}));
    AddImages(pod_template->At({"spec", "containers"}), out.images);
    AddImages(pod_template->At({"spec", "initContainers"}), out.images);
  }
  bool blue_green = rollout.At({"spec", "strategy", "blueGreen"}) != nullptr;
  out.role = Role(ReadRolloutStatus(rollout), out.pod_template_hash, blue_green);
  return out;
}

std::string ReleaseIdentity::ToString() const {
  std::string text = fmt::format("revision {} ({})", revision, pod_template_hash);
  if (!app_version.empty()) text += fmt::format(", app {}", app_version);
  std::vector<std::string> images_text;
  for (const ImageVersion& image : images) {
    images_text.push_back(
        fmt::format("{}:{}", image.container, image.tag.empty() ? image.digest : image.tag));
  }
  if (!images_text.empty()) text += fmt::format(", images {}", fmt::join(images_text, " "));
  if (!role.empty()) text += fmt::format(", {}", role);
  return text;
}

}  // namespace capstan::rollout
