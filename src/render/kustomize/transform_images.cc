// images and replicas.
#include <fmt/format.h>

#include <cctype>
#include <optional>
#include <regex>
#include <string_view>

#include "render/kustomize/builtin_config.h"
#include "render/kustomize/transformers.h"

namespace capstan::render::kustomize {
namespace {

// kustomize matches the configured name as a regular expression, followed by an
// optional tag and an optional sha256 digest:
//   ^NAME(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$
// Compiling that std::regex once per container dominated the render of large overlays, so
// the common case, a NAME whose only metacharacter is '.', is matched by hand (same
// answer: '.' matches any character); other names compile their regex once per entry.
class ImageMatcher {
 public:
  explicit ImageMatcher(const std::string& name) : name_(name) {
    literal_ = name.find_first_of("\\^$|?*+()[]{}") == std::string::npos;
    if (literal_) return;
    try {
      pattern_.emplace("^" + name + "(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$");
    } catch (const std::regex_error&) {
      pattern_.reset();  // kustomize skips a name that is not a valid expression
    }
  }

  bool Matches(const std::string& image) const {
    if (!literal_) return pattern_ && std::regex_match(image, *pattern_);
    if (image.size() < name_.size()) return false;
    for (size_t i = 0; i < name_.size(); ++i) {
      if (name_[i] != '.' && name_[i] != image[i]) return false;
    }
    return TailMatches(std::string_view(image).substr(name_.size()));
  }

 private:
  static bool IsTagChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '{' ||
           c == '}' || c == '-';
  }
  static size_t SkipTagChars(std::string_view s, size_t i) {
    while (i < s.size() && IsTagChar(s[i])) ++i;
    return i;
  }
  // (:[tag chars]*)?(@sha256:[tag chars]*)?$
  static bool TailMatches(std::string_view rest) {
    size_t i = 0;
    if (i < rest.size() && rest[i] == ':') i = SkipTagChars(rest, i + 1);
    constexpr std::string_view kDigest = "@sha256:";
    if (rest.substr(i, kDigest.size()) == kDigest) i = SkipTagChars(rest, i + kDigest.size());
    return i == rest.size();
  }

  std::string name_;
  bool literal_ = true;
  std::optional<std::regex> pattern_;
};

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

Status UpdateImage(Value& field, const ImageEntry& entry, const ImageMatcher& matcher) {
  if (field.is_object() || field.is_array()) {
    return Error::Invalid("image: expected a string, found a " +
                          std::string(TypeName(field.type())));
  }
  std::string image = ScalarText(field);
  if (!matcher.Matches(image)) return OkStatus();
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
Status WalkContainers(Value& node, const ImageEntry& entry, const ImageMatcher& matcher) {
  if (node.is_array()) {
    for (Value& element : node.as_array()) CAPSTAN_TRY(WalkContainers(element, entry, matcher));
    return OkStatus();
  }
  if (!node.is_object()) return OkStatus();
  for (auto& [key, value] : node.as_object()) {
    CAPSTAN_TRY(WalkContainers(value, entry, matcher));
    if ((key == "containers" || key == "initContainers") && value.is_array()) {
      for (Value& container : value.as_array()) {
        if (Value* image = container.Find("image"); image && !image->is_null()) {
          CAPSTAN_TRY(UpdateImage(*image, entry, matcher));
        }
      }
    }
  }
  return OkStatus();
}

}  // namespace

Status ApplyImage(ResMap& resources, const ImageEntry& entry) {
  const ImageMatcher matcher(entry.name);
  for (auto& resource : resources) {
    if (resource.object.StringAt({"kind"}) == "CustomResourceDefinition") continue;
    auto status = WalkContainers(resource.object, entry, matcher);
    for (const auto& spec : ImageSpecs()) {
      if (!status.ok()) break;
      status = ApplyFieldSpec(
          resource.object, spec, CreateKind::kNone,
          [&](Value& field) -> Status { return UpdateImage(field, entry, matcher); });
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
