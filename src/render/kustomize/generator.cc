#include "render/kustomize/generator.h"

#include <fmt/format.h>

#include <map>

#include "render/kustomize/kv_sources.h"

namespace capstan::render::kustomize {
namespace {

constexpr size_t kBase64LineLength = 70;

GeneratorOptions MergeOptions(const std::optional<GeneratorOptions>& local,
                              const std::optional<GeneratorOptions>& global, bool* has_options) {
  *has_options = local.has_value() || global.has_value();
  GeneratorOptions merged = local.value_or(GeneratorOptions{});
  if (!global) return merged;
  for (const auto& [key, value] : global->labels) merged.labels.emplace(key, value);
  for (const auto& [key, value] : global->annotations) merged.annotations.emplace(key, value);
  merged.disable_name_suffix_hash |= global->disable_name_suffix_hash;
  merged.immutable |= global->immutable;
  return merged;
}

Result<Resource> MakeBase(std::string_view kind, const GeneratorArgs& args,
                          const std::optional<GeneratorOptions>& global, const FileLoader& loader,
                          std::string_view field) {
  if (args.name.empty()) {
    return Error::Invalid(fmt::format("{}: {}: name is required", loader.file(), field));
  }
  Resource resource;
  Value& object = resource.object;
  object = Value::MakeObject();
  object.Set("apiVersion", "v1");
  object.Set("kind", std::string(kind));
  Value metadata = Value::MakeObject();
  metadata.Set("name", args.name);
  if (!args.ns.empty()) metadata.Set("namespace", args.ns);
  object.Set("metadata", std::move(metadata));
  bool has_options = false;
  GeneratorOptions options = MergeOptions(args.options, global, &has_options);
  resource.needs_hash = !has_options || !options.disable_name_suffix_hash;
  resource.behavior = ParseGenerationBehavior(args.behavior);
  resource.source = loader.file();
  for (const auto& [key, value] : options.labels) object["metadata"]["labels"].Set(key, value);
  for (const auto& [key, value] : options.annotations) {
    object["metadata"]["annotations"].Set(key, value);
  }
  if (options.immutable) object.Set("immutable", true);
  return resource;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t length = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    if (length == 0 || i + length > text.size()) return false;
    uint32_t code = length == 1 ? c : c & (0xFF >> (length + 1));
    for (size_t k = 1; k < length; ++k) {
      unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kMin[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

std::string EncodeGeneratedBase64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string encoded;
  encoded.reserve((data.size() + 2) / 3 * 4);
  for (size_t i = 0; i < data.size(); i += 3) {
    uint32_t chunk = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) chunk |= static_cast<unsigned char>(data[i + 1]) << 8;
    if (i + 2 < data.size()) chunk |= static_cast<unsigned char>(data[i + 2]);
    encoded.push_back(kAlphabet[(chunk >> 18) & 63]);
    encoded.push_back(kAlphabet[(chunk >> 12) & 63]);
    encoded.push_back(i + 1 < data.size() ? kAlphabet[(chunk >> 6) & 63] : '=');
    encoded.push_back(i + 2 < data.size() ? kAlphabet[chunk & 63] : '=');
  }
  // kustomize breaks the text into 70-character lines, each ending in a newline, as soon
  // as it is at least one full line long.
  if (encoded.size() < kBase64LineLength) return encoded;
  std::string wrapped;
  for (size_t i = 0; i < encoded.size(); i += kBase64LineLength) {
    wrapped.append(encoded, i, kBase64LineLength);
    wrapped.push_back('\n');
  }
  return wrapped;
}

Result<Resource> GenerateConfigMap(const GeneratorArgs& args,
                                   const std::optional<GeneratorOptions>& global,
                                   const FileLoader& loader, std::string_view field) {
  auto resource = MakeBase("ConfigMap", args, global, loader, field);
  if (!resource.ok()) return resource;
  auto pairs = LoadKeyValues(args, loader, field);
  if (!pairs.ok()) return std::move(pairs).error();
  Value& object = resource->object;
  for (const auto& [key, value] : *pairs) {
    if (IsValidUtf8(value)) {
      object["data"].Set(key, value);
    } else {
      object["binaryData"].Set(key, EncodeGeneratedBase64(value));
    }
  }
  return resource;
}

Result<Resource> GenerateSecret(const GeneratorArgs& args,
                                const std::optional<GeneratorOptions>& global,
                                const FileLoader& loader, std::string_view field) {
  auto resource = MakeBase("Secret", args, global, loader, field);
  if (!resource.ok()) return resource;
  auto pairs = LoadKeyValues(args, loader, field);
  if (!pairs.ok()) return std::move(pairs).error();
  Value& object = resource->object;
  object.Set("type", args.type.empty() ? std::string("Opaque") : args.type);
  Value data = Value::MakeObject();
  for (const auto& [key, value] : *pairs) data.Set(key, EncodeGeneratedBase64(value));
  object.Set("data", std::move(data));
  return resource;
}

}  // namespace capstan::render::kustomize
