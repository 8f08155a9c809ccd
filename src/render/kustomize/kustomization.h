// Internal to the kustomize builder: one kustomization file, read and checked.
//
// Reading is as strict as kustomize's: an unknown field, or a value of the wrong type, is
// an error naming the field and the file. Fields that capstan does not build natively
// (helmCharts, generators, transformers, vars, ...) are read but listed in `unsupported`,
// so the caller can fall back to the real kustomize or refuse with their names.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/fs.h"
#include "core/result.h"
#include "core/value.h"
#include "render/kustomize/field_spec.h"

namespace capstan::render::kustomize {

// The file names kustomize recognises, in the order it looks for them.
inline constexpr const char* kKustomizationFileNames[] = {"kustomization.yaml", "kustomization.yml",
                                                          "Kustomization"};

struct GeneratorOptions {
  std::map<std::string, std::string> labels, annotations;
  bool disable_name_suffix_hash = false;
  bool immutable = false;
};

struct GeneratorArgs {
  std::string name, ns, behavior;
  std::vector<std::string> literals, files, envs;
  std::string type;  // secrets only
  std::optional<GeneratorOptions> options;
};

struct LabelEntry {
  std::map<std::string, std::string> pairs;
  bool include_selectors = false;
  bool include_templates = false;
  std::vector<FieldSpec> fields;
};

struct ImageEntry {
  std::string name, new_name, new_tag, digest, tag_suffix;
};

struct ReplicaEntry {
  std::string name;
  int64_t count = 0;
};

// One entry of `patches` or `patchesJson6902` (which reads `patch` as JSON-patch text).
struct PatchEntry {
  std::string path, patch;
  std::optional<Value> target;  // the raw selector, for ParseTargetSelector
  bool allow_name_change = false, allow_kind_change = false;
};

struct SortOptions {
  std::string order;  // "legacy" or "fifo"
  std::optional<std::vector<std::string>> order_first, order_last;
};

struct Kustomization {
  std::filesystem::path dir;  // absolute folder holding the file
  std::string file;           // the file, relative to the repository root, for messages
  bool is_component = false;

  std::vector<std::string> resources;  // `bases` appended, as kustomize does
  std::vector<std::string> components;
  std::string ns, name_prefix, name_suffix;
  std::map<std::string, std::string> common_labels, common_annotations;
  std::vector<LabelEntry> labels;
  std::vector<ImageEntry> images;  // `imageTags` appended
  std::vector<ReplicaEntry> replicas;
  std::vector<GeneratorArgs> config_maps, secrets;
  std::optional<GeneratorOptions> generator_options;
  std::vector<PatchEntry> patches;
  std::vector<std::string> patches_strategic_merge;  // file paths or inline patches
  std::vector<PatchEntry> patches_json6902;
  Value replacements;  // list as written; `path:` entries are loaded by the pipeline
  std::optional<SortOptions> sort_options;

  // Fields present that capstan does not build natively, e.g. "helmCharts".
  std::vector<std::string> unsupported;
};

// Finds and reads the kustomization file in `dir` (absolute, inside fs.root()).
// Errors: NotFound when the folder has none, Invalid when it has several, is not valid
// YAML (file:line:col), has an unknown field or a value of the wrong type, or is empty.
Result<Kustomization> LoadKustomization(const RootedFs& fs, const std::filesystem::path& dir);

// Parses an already-read kustomization document (exposed for tests).
Result<Kustomization> ParseKustomization(const Value& document, std::string_view file);

}  // namespace capstan::render::kustomize
