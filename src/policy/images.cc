// latest-tag: an image must name a version. `latest` (written or implied by a missing tag)
// moves under you, so two syncs of the same commit can run different code and a rollback
// cannot go back.
#include <string_view>

#include "policy/internal/check.h"
#include "policy/internal/workload.h"

namespace capstan::policy::internal {
namespace {

enum class Pin { kDigest, kTag, kLatest, kNoTag };

// An image reference is `[registry[:port]/]repository[:tag][@digest]`: the tag is what
// follows the last ':' after the last '/', so a registry port is not mistaken for one.
Pin PinOf(std::string_view image) {
  if (image.find('@') != std::string_view::npos) return Pin::kDigest;
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash)) {
    return Pin::kNoTag;
  }
  return image.substr(colon + 1) == "latest" ? Pin::kLatest : Pin::kTag;
}

}  // namespace

void CheckLatestTag(const CheckInput& input, FindingSink& sink) {
  for (size_t i = 0; i < input.manifests.size(); ++i) {
    auto pod = PodTemplateOf(input.manifests[i].object);
    if (!pod) continue;
    for (const ContainerRef& c : ContainersOf(*pod, ContainerSet::kMainAndInit)) {
      const Value* image = c.container->Find("image");
      if (image == nullptr || !image->is_string() || image->as_string().empty()) continue;
      Pin pin = PinOf(image->as_string());
      if (pin == Pin::kLatest) {
        sink.Add(i, AppendKey(c.path, "image"), *image,
                 "latest is not a version: pin a tag or digest");
      } else if (pin == Pin::kNoTag) {
        sink.Add(i, AppendKey(c.path, "image"), *image,
                 "no tag means latest, and latest is not a version: pin a tag or digest");
      }
    }
  }
}

}  // namespace capstan::policy::internal
