// `replacements`: entries given by `path:` are loaded here; the objects' earlier ids go
// along so sources and targets can be named as they were before prefixes and namespaces.
#include <fmt/format.h>

#include "core/yaml.h"
#include "render/kustomize/apply_patches.h"
#include "render/kustomize/patch.h"

namespace capstan::render {
namespace kustomize {

Status ApplyReplacementsField(ResMap& resources, const Kustomization& k, const FileLoader& loader) {
  if (!k.replacements.is_array() || k.replacements.empty()) return OkStatus();
  Value list = Value::MakeArray();
  for (size_t i = 0; i < k.replacements.as_array().size(); ++i) {
    const Value& entry = k.replacements.as_array()[i];
    std::string where = fmt::format("{}: replacements[{}]", loader.file(), i);
    const Value* path = entry.Find("path");
    if (path == nullptr) {
      list.as_array().push_back(entry);
      continue;
    }
    if (!path->is_string()) return Error::Invalid(where + ".path: expected a string");
    if (entry.Contains("source") || entry.Contains("targets")) {
      return Error::Invalid(where + ": set either path or source and targets, not both");
    }
    auto text = loader.Read(path->as_string(), "replacements");
    if (!text.ok()) return std::move(text).error();
    auto loaded = ParseYaml(*text, loader.fs().Display(loader.dir()) + "/" + path->as_string());
    if (!loaded.ok()) return std::move(loaded).error();
    if (loaded->is_array()) {
      for (const auto& item : loaded->as_array()) list.as_array().push_back(item);
    } else if (loaded->is_object()) {
      list.as_array().push_back(*loaded);
    } else {
      return Error::Invalid(where + ": the file must hold a replacement or a list of them");
    }
  }
  std::vector<Manifest> manifests;
  manifests.reserve(resources.size());
  for (const auto& resource : resources)
    manifests.push_back(Manifest{resource.object, resource.source});
  std::vector<std::vector<ObjectKey>> previous;
  previous.reserve(resources.size());
  for (const auto& resource : resources) {
    std::vector<ObjectKey> ids;
    for (const auto& id : resource.previous) ids.push_back(ObjectKey{"", id.kind, id.ns, id.name});
    previous.push_back(std::move(ids));
  }
  auto status = ApplyReplacements(manifests, list, previous);
  if (!status.ok()) return std::move(status).error().Wrap(loader.file() + ": replacements");
  for (size_t i = 0; i < resources.size() && i < manifests.size(); ++i) {
    resources[i].object = std::move(manifests[i].object);
  }
  return OkStatus();
}

}  // namespace kustomize
}  // namespace capstan::render
