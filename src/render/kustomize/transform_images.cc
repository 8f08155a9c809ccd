// images and replicas.
#include <fmt/format.h>

#include <regex>

#include "render/kustomize/builtin_config.h"
#include "render/kustomize/transformers.h"

namespace capstan::render::kustomize {
namespace {

// kustomize matches the configured name as a regular expression, followed by an
// optional tag and an optional sha256 digest.
bool ImageMatches(const std::string& image, const std::string& name) {
  try {
    std::regex pattern("^" + name + "(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$");
    return std::regex_match(image, pattern);
  } catch (const std::regex_error&) {
    return false;
  }
}

// Splits "host:5000/app:1.2@sha256:..." into name, tag and digest; a ':' before the first
// '/' is a registry port, not a tag.
void SplitImage(const std::string& image, std::string* name, std::string* tag,
                std::string* digest) {
  size_t slash = image.find('/');
  size_t search_from = (slash != std::string::npos && slash > 0) ? slash : 0;
  size_t at = image.find('@', search_from);
  size_t colon = image.find(':', search_from);
  tag->clear();
  digest->clear();
  if (at == std::string::npos && colon == std::string::npos) {
    *name = image;
  } else if (at != std::string::npos && (colon == std::string::npos || at < colon)) {
    *name = image.substr(0, at);
    *digest = image.substr(at + 1);
  } else if (at != std::string::npos) {
    *name = image.substr(0, colon);
    *tag = image.substr(colon + 1, at - colon - 1);
    *digest = image.substr(at + 1);
  } else {
    *name = image.substr(0, colon);
    *tag = image.substr(colon + 1);
  }
}

Status UpdateImage(Value& field, const ImageEntry& entry) {
  if (field.is_object() || field.is_array()) {
    return Error::Invalid("image: expected a string, found a " +
                          std::string(TypeName(field.type())));
  }
  std::string image = ScalarText(field);
  if (!ImageMatches(image, entry.name)) return OkStatus();
  std::string name, tag, digest;
  SplitImage(image, &name, &tag, &digest);
  if (!entry.new_name.empty()) name = entry.new_name;
  if (!entry.new_tag.empty() && !entry.digest.empty()) {
    tag = entry.new_tag;
    digest = entry.digest;
  } else if (!entry.new_tag.empty()) {
    tag = entry.new_tag;
    digest.clear();
  } else if (!entry.digest.empty()) {
    tag.clear();
    digest = entry.digest;
  } else if (!entry.tag_suffix.empty()) {
    tag += entry.tag_suffix;
    digest.clear();
  }
  if (!tag.empty()) name += ":" + tag;
  if (!digest.empty()) name += "@" + digest;
  field = Value(name);
  return OkStatus();
}

// kustomize's first pass: every `containers` or `initContainers` list anywhere in the
// object, innermost first.
Status WalkContainers(Value& node, const ImageEntry& entry) {
  if (node.is_array()) {
    for (Value& element : node.as_array()) CAPSTAN_TRY(WalkContainers(element, entry));
    return OkStatus();
  }
  if (!node.is_object()) return OkStatus();
  for (auto& [key, value] : node.as_object()) {
    CAPSTAN_TRY(WalkContainers(value, entry));
    if ((key == "containers" || key == "initContainers") && value.is_array()) {
      for (Value& container : value.as_array()) {
        if (Value* image = container.Find("image"); image && !image->is_null()) {
          CAPSTAN_TRY(UpdateImage(*image, entry));
        }
      }
    }
  }
  return OkStatus();
}

}  // namespace

Status ApplyImage(ResMap& resources, const ImageEntry& entry) {
  for (auto& resource : resources) {
    if (resource.object.StringAt({"kind"}) == "CustomResourceDefinition") continue;
    auto status = WalkContainers(resource.object, entry);
    for (const auto& spec : ImageSpecs()) {
      if (!status.ok()) break;
      status = ApplyFieldSpec(resource.object, spec, CreateKind::kNone,
                              [&](Value& field) -> Status { return UpdateImage(field, entry); });
    }
    if (!status.ok()) {
      return std::move(status).error().Wrap(
          fmt::format("images {}: {}", entry.name, resource.CurId().ToString()));
    }
  }
  return OkStatus();
}

Status ApplyReplicas(ResMap& resources, const ReplicaEntry& entry) {
  bool found = false;
  for (const auto& spec : ReplicaSpecs()) {
    for (auto& resource : resources) {
      std::vector<ResId> ids = resource.PrevIds();
      ids.push_back(resource.CurId());
      bool selected = false;
      for (const auto& id : ids) selected |= id.name == entry.name && GvkSelects(spec.gvk, id);
      if (!selected) continue;
      found = true;
      CAPSTAN_TRY(
          ApplyFieldSpec(resource.object, spec, CreateKind::kScalar, [&](Value& field) -> Status {
            field = Value(entry.count);
            return OkStatus();
          }));
    }
  }
  if (!found) {
    return Error::NotFound(fmt::format(
        "replicas: no Deployment, ReplicationController, ReplicaSet or StatefulSet is named {}",
        entry.name));
  }
  return OkStatus();
}

}  // namespace capstan::render::kustomize
