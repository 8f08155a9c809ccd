#include "render/kustomize/overrides.h"

#include <fmt/format.h>

namespace capstan::render::kustomize {

namespace {

struct ImageRef {
  std::string name, tag, digest;
};

// "registry:5000/org/app:1.2" → name "registry:5000/org/app", tag "1.2": a ':' only starts
// a tag after the last '/', so a registry port is not mistaken for one.
ImageRef SplitImage(std::string_view text) {
  ImageRef ref;
  if (auto at = text.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(text.substr(at + 1));
    text = text.substr(0, at);
  }
  size_t slash = text.rfind('/');
  size_t colon = text.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = std::string(text.substr(colon + 1));
    text = text.substr(0, colon);
  }
  ref.name = std::string(text);
  return ref;
}

}  // namespace

Result<ImageEntry> ParseImageOverride(std::string_view argument) {
  ImageEntry entry;
  if (auto equals = argument.find('='); equals != std::string_view::npos) {
    entry.name = std::string(argument.substr(0, equals));
    ImageRef next = SplitImage(argument.substr(equals + 1));
    entry.new_name = next.name;
    entry.new_tag = next.tag;
    entry.digest = next.digest;
  } else {
    ImageRef ref = SplitImage(argument);
    entry.name = ref.name;
    entry.new_tag = ref.tag;
    entry.digest = ref.digest;
  }
  if (entry.name.empty() ||
      (entry.new_name.empty() && entry.new_tag.empty() && entry.digest.empty())) {
    return Error::Invalid(
        fmt::format("spec.source.kustomize.images: \"{}\": expected name=newName:tag, name:tag or "
                    "name@digest",
                    argument));
  }
  return entry;
}

Status ApplyOverrides(Kustomization& k, const KustomizeOverrides& overrides) {
  for (const std::string& argument : overrides.images) {
    auto parsed = ParseImageOverride(argument);
    if (!parsed.ok()) return parsed.error();
    ImageEntry* existing = nullptr;
    for (ImageEntry& image : k.images) {
      if (image.name == parsed->name) existing = &image;
    }
    if (existing == nullptr) {
      k.images.push_back(std::move(*parsed));
      continue;
    }
    // A new tag replaces a digest and the other way round, as `kustomize edit` does.
    if (!parsed->new_name.empty()) existing->new_name = parsed->new_name;
    if (!parsed->new_tag.empty()) {
      existing->new_tag = parsed->new_tag;
      existing->digest.clear();
    }
    if (!parsed->digest.empty()) {
      existing->digest = parsed->digest;
      existing->new_tag.clear();
    }
  }
  if (!overrides.name_prefix.empty()) k.name_prefix = overrides.name_prefix;
  if (!overrides.name_suffix.empty()) k.name_suffix = overrides.name_suffix;
  if (!overrides.namespace_.empty()) k.ns = overrides.namespace_;
  for (const auto& [name, value] : overrides.common_labels) k.common_labels[name] = value;
  for (const auto& [name, value] : overrides.common_annotations) {
    k.common_annotations[name] = value;
  }
  return OkStatus();
}

}  // namespace capstan::render::kustomize
