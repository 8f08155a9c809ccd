// libFuzzer target: any policy file and any set of manifests must evaluate without crashing,
// and the JSON and SARIF reports must always parse back. The input is a policy file and a
// YAML stream of manifests separated by a line "==="; without one, it is all manifests and
// the built-in rules run alone.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/json.h"
#include "core/yaml.h"
#include "policy/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view manifests_text = input;
  capstan::policy::PolicyConfig config;
  if (size_t split = input.find("\n===\n"); split != std::string_view::npos) {
    auto parsed = capstan::policy::ParsePolicy(input.substr(0, split), "fuzz-policy.yaml");
    if (parsed.ok()) config = std::move(parsed).value();
    manifests_text = input.substr(split + 5);
  }
  capstan::YamlOptions options;
  options.max_alias_nodes = 100'000;  // keep each input fast
  auto documents = capstan::ParseYamlStream(manifests_text, "fuzz.yaml", options);
  if (!documents.ok()) return 0;
  std::vector<capstan::Manifest> manifests;
  for (auto& document : *documents) {
    if (!document.value.is_null()) manifests.push_back({std::move(document.value), "fuzz.yaml"});
  }
  config.expected_namespace = "fuzz";
  capstan::policy::Report report = capstan::policy::Evaluate(manifests, config);
  (void)capstan::policy::FormatText(report);
  if (!capstan::ParseJson(capstan::policy::FormatJson(report), "report.json").ok() ||
      !capstan::ParseJson(capstan::policy::FormatSarif(report), "report.sarif").ok()) {
    std::abort();
  }
  return 0;
}
