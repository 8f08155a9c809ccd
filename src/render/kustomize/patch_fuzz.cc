// libFuzzer target for the patching primitives: the first YAML document is a patch (a map:
// strategic merge; a list: JSON 6902 operations and replacements), the others are
// objects. Nothing may crash, and a failed strategic merge or JSON patch must leave its
// target unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/yaml.h"
#include "render/kustomize/patch.h"

namespace {
// NaN never equals itself; canonical JSON writes it as null, so compare through that.
bool Same(const capstan::Value& a, const capstan::Value& b) {
  return capstan::EmitCanonicalJson(a) == capstan::EmitCanonicalJson(b);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  capstan::YamlOptions options;
  options.max_alias_nodes = 10'000;  // keep each input fast
  auto documents = capstan::ParseYamlStream(text, "fuzz.yaml", options);
  if (!documents.ok() || documents->size() < 2) return 0;
  const capstan::Value& patch = (*documents)[0].value;
  std::vector<capstan::Manifest> objects;
  for (size_t i = 1; i < documents->size(); ++i) {
    capstan::Value target = (*documents)[i].value;
    if (!target.is_object()) continue;
    const capstan::Value before = target;
    if (patch.is_object()) {
      auto status =
          capstan::render::ApplyStrategicMergePatch(target, patch, capstan::render::SmpOptions{});
      if (!status.ok() && !Same(target, before)) std::abort();
      if (patch.Find("target") != nullptr) {
        auto selector = capstan::render::ParseTargetSelector(*patch.Find("target"));
        if (selector.ok()) (void)capstan::render::Matches(*selector, before);
      }
    } else if (patch.is_array()) {
      auto status = capstan::render::ApplyJson6902(target, patch);
      if (!status.ok() && !Same(target, before)) std::abort();
    }
    objects.push_back({before, ""});
  }
  if (patch.is_array()) (void)capstan::render::ApplyReplacements(objects, patch);
  return 0;
}
