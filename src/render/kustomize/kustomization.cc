#include "render/kustomize/kustomization.h"

#include <fmt/format.h>

#include <system_error>

#include "core/yaml.h"
#include "render/kustomize/kustomization_parts.h"
#include "render/kustomize/typed_reader.h"

namespace capstan::render::kustomize {
namespace {

namespace stdfs = std::filesystem;

constexpr size_t kMaxKustomizationBytes = 4u << 20;
constexpr std::string_view kKustomizationApiVersion = "kustomize.config.k8s.io/v1beta1";
constexpr std::string_view kComponentApiVersion = "kustomize.config.k8s.io/v1alpha1";

// Every top-level field of kustomize 5.6's Kustomization type.
const std::vector<std::string_view> kKnownFields = {"apiVersion",
                                                    "kind",
                                                    "metadata",
                                                    "openapi",
                                                    "namePrefix",
                                                    "nameSuffix",
                                                    "namespace",
                                                    "commonLabels",
                                                    "labels",
                                                    "commonAnnotations",
                                                    "patchesStrategicMerge",
                                                    "patchesJson6902",
                                                    "patches",
                                                    "images",
                                                    "imageTags",
                                                    "replacements",
                                                    "replicas",
                                                    "vars",
                                                    "sortOptions",
                                                    "resources",
                                                    "components",
                                                    "crds",
                                                    "bases",
                                                    "configMapGenerator",
                                                    "secretGenerator",
                                                    "helmGlobals",
                                                    "helmCharts",
                                                    "helmChartInflationGenerator",
                                                    "generatorOptions",
                                                    "configurations",
                                                    "generators",
                                                    "transformers",
                                                    "validators",
                                                    "buildMetadata"};

// Fields kustomize knows and capstan does not build natively.
const std::vector<std::string_view> kUnsupportedFields = {
    "openapi",        "vars",         "crds",
    "helmGlobals",    "helmCharts",   "helmChartInflationGenerator",
    "configurations", "generators",   "transformers",
    "validators",     "buildMetadata"};

Status CheckKind(const TypedReader& reader, Kustomization& out) {
  std::string kind, api_version;
  CAPSTAN_TRY(reader.String("kind", kind));
  CAPSTAN_TRY(reader.String("apiVersion", api_version));
  if (!kind.empty() && kind != "Kustomization" && kind != "Component") {
    return Error::Invalid(
        fmt::format("{}: kind: must be Kustomization or Component, not \"{}\"", out.file, kind));
  }
  out.is_component = kind == "Component";
  std::string_view required = out.is_component ? kComponentApiVersion : kKustomizationApiVersion;
  if (!api_version.empty() && api_version != required) {
    return Error::Invalid(fmt::format("{}: apiVersion: a {} must have apiVersion {}, not \"{}\"",
                                      out.file, out.is_component ? "Component" : "Kustomization",
                                      required, api_version));
  }
  return OkStatus();
}

bool IsEmpty(const Value& document) {
  for (const auto& [key, value] : document.as_object()) {
    if (key == "apiVersion" || key == "kind") continue;
    if (value.is_null()) continue;
    if ((value.is_array() || value.is_object() || value.is_string()) && value.empty()) continue;
    if (value.is_string() && value.as_string().empty()) continue;
    return false;
  }
  return true;
}

}  // namespace

Result<Kustomization> ParseKustomization(const Value& document, std::string_view file) {
  Kustomization out;
  out.file = std::string(file);
  if (document.is_null()) {
    return Error::Invalid(fmt::format("{}: the kustomization is empty", file));
  }
  TypedReader reader(document, out.file, "");
  CAPSTAN_TRY(reader.CheckKnown(kKnownFields));
  CAPSTAN_TRY(CheckKind(reader, out));
  if (IsEmpty(document)) return Error::Invalid(fmt::format("{}: the kustomization is empty", file));
  if (const Value* metadata = reader.Find("metadata"); metadata && !metadata->is_object()) {
    return reader.Mistyped("metadata", "a map");
  }

  CAPSTAN_TRY(reader.StringList("resources", out.resources));
  CAPSTAN_TRY(reader.StringList("bases", out.resources));
  CAPSTAN_TRY(reader.StringList("components", out.components));
  CAPSTAN_TRY(reader.String("namespace", out.ns));
  CAPSTAN_TRY(reader.String("namePrefix", out.name_prefix));
  CAPSTAN_TRY(reader.String("nameSuffix", out.name_suffix));
  CAPSTAN_TRY(reader.StringMap("commonLabels", out.common_labels));
  CAPSTAN_TRY(reader.StringMap("commonAnnotations", out.common_annotations));
  CAPSTAN_TRY(reader.MapList("labels", [&](const TypedReader& r) -> Status {
    CAPSTAN_TRY(ParseLabelEntry(r, out.labels));
    return OkStatus();
  }));
  for (const char* key : {"images", "imageTags"}) {
    CAPSTAN_TRY(
        reader.MapList(key, [&](const TypedReader& r) { return ParseImage(r, out.images); }));
  }
  CAPSTAN_TRY(reader.MapList("replicas",
                             [&](const TypedReader& r) { return ParseReplica(r, out.replicas); }));
  CAPSTAN_TRY(reader.MapList("configMapGenerator", [&](const TypedReader& r) {
    return ParseGenerator(r, /*secret=*/false, out.config_maps);
  }));
  CAPSTAN_TRY(reader.MapList("secretGenerator", [&](const TypedReader& r) {
    return ParseGenerator(r, /*secret=*/true, out.secrets);
  }));
  if (reader.Find("generatorOptions") != nullptr) {
    TypedReader options(*reader.Find("generatorOptions"), out.file, "generatorOptions");
    GeneratorOptions parsed;
    CAPSTAN_TRY(ParseGeneratorOptions(options, parsed));
    out.generator_options = std::move(parsed);
  }
  CAPSTAN_TRY(
      reader.MapList("patches", [&](const TypedReader& r) { return ParsePatch(r, out.patches); }));
  CAPSTAN_TRY(reader.MapList("patchesJson6902", [&](const TypedReader& r) {
    return ParsePatch(r, out.patches_json6902);
  }));
  CAPSTAN_TRY(reader.StringList("patchesStrategicMerge", out.patches_strategic_merge));
  if (const Value* replacements = reader.Find("replacements")) {
    if (!replacements->is_array()) return reader.Mistyped("replacements", "a list");
    out.replacements = *replacements;
  }
  if (reader.Find("sortOptions") != nullptr) {
    TypedReader sort(*reader.Find("sortOptions"), out.file, "sortOptions");
    SortOptions parsed;
    CAPSTAN_TRY(ParseSortOptions(sort, parsed));
    out.sort_options = std::move(parsed);
  }
  for (std::string_view field : kUnsupportedFields) {
    const Value* value = reader.Find(field);
    if (value != nullptr && !value->empty()) out.unsupported.emplace_back(field);
  }
  return out;
}

Result<Kustomization> LoadKustomization(const RootedFs& fs, const std::filesystem::path& dir) {
  std::vector<stdfs::path> found;
  for (const char* name : kKustomizationFileNames) {
    std::error_code ec;
    if (stdfs::is_regular_file(dir / name, ec)) found.push_back(dir / name);
  }
  if (found.empty()) {
    return Error::NotFound(
        fmt::format("{}: no kustomization.yaml, kustomization.yml or Kustomization in this folder",
                    fs.Display(dir)));
  }
  if (found.size() > 1) {
    return Error::Invalid(fmt::format("{}: found more than one kustomization file ({} and {})",
                                      fs.Display(dir), found[0].filename().string(),
                                      found[1].filename().string()));
  }
  std::string display = fs.Display(found.front());
  // The file itself may be a symbolic link; it must still resolve inside the root.
  auto resolved = fs.Resolve(stdfs::path(fs.Display(dir)), found.front().filename().string());
  if (!resolved.ok()) return std::move(resolved).error().Wrap(display);
  auto text = ReadFileBounded(*resolved, kMaxKustomizationBytes);
  if (!text.ok()) return std::move(text).error();
  auto document = ParseYaml(*text, display);
  if (!document.ok()) return std::move(document).error();
  auto parsed = ParseKustomization(*document, display);
  if (!parsed.ok()) return parsed;
  parsed->dir = dir;
  return parsed;
}

}  // namespace capstan::render::kustomize
