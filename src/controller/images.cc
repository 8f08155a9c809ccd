#include "controller/images.h"

#include <set>

namespace capstan::controller {

namespace {

void CollectPodSpec(const Value* pod_spec, std::set<std::string>& images) {
  if (pod_spec == nullptr) return;
  for (const char* list : {"initContainers", "containers"}) {
    const Value* containers = pod_spec->Find(list);
    if (containers == nullptr || !containers->is_array()) continue;
    for (const Value& container : containers->as_array()) {
      std::string_view image = container.StringAt({"image"});
      if (!image.empty()) images.emplace(image);
    }
  }
}

}  // namespace

std::vector<std::string> ImagesOf(const std::vector<Manifest>& objects) {
  std::set<std::string> images;
  for (const Manifest& manifest : objects) {
    const Value& object = manifest.object;
    CollectPodSpec(
        object.At({"spec"}) != nullptr && KindOf(object) == "Pod" ? object.At({"spec"}) : nullptr,
        images);
    CollectPodSpec(object.At({"spec", "template", "spec"}), images);
    CollectPodSpec(object.At({"spec", "jobTemplate", "spec", "template", "spec"}), images);
  }
  return {images.begin(), images.end()};
}

}  // namespace capstan::controller
