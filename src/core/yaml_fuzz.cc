// libFuzzer target: any byte string must parse or fail cleanly, and whatever parses must
// survive emit -> parse unchanged (the codec's round-trip contract).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/json.h"
#include "core/yaml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  capstan::YamlOptions options;
  options.max_alias_nodes = 100'000;  // keep each input fast
  auto documents = capstan::ParseYamlStream(text, "fuzz.yaml", options);
  if (!documents.ok()) return 0;
  for (const auto& document : *documents) {
    std::string emitted = capstan::EmitYaml(document.value);
    auto back = capstan::ParseYaml(emitted, "emitted.yaml");
    // NaN never equals itself; compare through canonical JSON, where NaN becomes null.
    if (!back.ok() ||
        capstan::EmitCanonicalJson(*back) != capstan::EmitCanonicalJson(document.value)) {
      std::abort();
    }
    (void)capstan::ParseJson(capstan::EmitJson(document.value), "emitted.json");
  }
  return 0;
}
