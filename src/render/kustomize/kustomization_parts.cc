#include "render/kustomize/kustomization_parts.h"

#include <fmt/format.h>

namespace capstan::render::kustomize {

Status ParseGeneratorOptions(const TypedReader& reader, GeneratorOptions& out) {
  CAPSTAN_TRY(reader.CheckKnown({"labels", "annotations", "disableNameSuffixHash", "immutable"}));
  CAPSTAN_TRY(reader.StringMap("labels", out.labels));
  CAPSTAN_TRY(reader.StringMap("annotations", out.annotations));
  CAPSTAN_TRY(reader.Bool("disableNameSuffixHash", out.disable_name_suffix_hash));
  CAPSTAN_TRY(reader.Bool("immutable", out.immutable));
  return OkStatus();
}

Status ParseGenerator(const TypedReader& reader, bool secret, std::vector<GeneratorArgs>& out) {
  std::vector<std::string_view> known = {"name",  "namespace", "behavior", "literals",
                                         "files", "envs",      "env",      "options"};
  if (secret) known.push_back("type");
  CAPSTAN_TRY(reader.CheckKnown(known));
  GeneratorArgs args;
  CAPSTAN_TRY(reader.String("name", args.name));
  CAPSTAN_TRY(reader.String("namespace", args.ns));
  CAPSTAN_TRY(reader.String("behavior", args.behavior));
  CAPSTAN_TRY(reader.StringList("literals", args.literals));
  CAPSTAN_TRY(reader.StringList("files", args.files));
  CAPSTAN_TRY(reader.StringList("envs", args.envs));
  std::string env;
  CAPSTAN_TRY(reader.String("env", env));
  if (!env.empty()) args.envs.push_back(env);
  if (secret) CAPSTAN_TRY(reader.String("type", args.type));
  if (const Value* options = reader.Find("options")) {
    GeneratorOptions parsed;
    CAPSTAN_TRY(ParseGeneratorOptions(TypedReader(*options, reader.file(), reader.Path("options")),
                                      parsed));
    args.options = std::move(parsed);
  }
  out.push_back(std::move(args));
  return OkStatus();
}

Status ParseLabelEntry(const TypedReader& reader, std::vector<LabelEntry>& out) {
  CAPSTAN_TRY(reader.CheckKnown({"pairs", "includeSelectors", "includeTemplates", "fields"}));
  LabelEntry entry;
  CAPSTAN_TRY(reader.StringMap("pairs", entry.pairs));
  CAPSTAN_TRY(reader.Bool("includeSelectors", entry.include_selectors));
  CAPSTAN_TRY(reader.Bool("includeTemplates", entry.include_templates));
  if (const Value* fields = reader.Find("fields")) {
    if (!fields->is_array()) return reader.Mistyped("fields", "a list of field specs");
    for (size_t i = 0; i < fields->as_array().size(); ++i) {
      auto spec = ParseFieldSpec(fields->as_array()[i], fmt::format("{}: {}[{}]", reader.file(),
                                                                    reader.Path("fields"), i));
      if (!spec.ok()) return std::move(spec).error();
      entry.fields.push_back(*spec);
    }
  }
  out.push_back(std::move(entry));
  return OkStatus();
}

Status ParseImage(const TypedReader& reader, std::vector<ImageEntry>& out) {
  CAPSTAN_TRY(reader.CheckKnown({"name", "newName", "newTag", "digest", "tagSuffix"}));
  ImageEntry image;
  CAPSTAN_TRY(reader.String("name", image.name));
  CAPSTAN_TRY(reader.String("newName", image.new_name));
  CAPSTAN_TRY(reader.String("newTag", image.new_tag));
  CAPSTAN_TRY(reader.String("digest", image.digest));
  CAPSTAN_TRY(reader.String("tagSuffix", image.tag_suffix));
  out.push_back(std::move(image));
  return OkStatus();
}

Status ParseReplica(const TypedReader& reader, std::vector<ReplicaEntry>& out) {
  CAPSTAN_TRY(reader.CheckKnown({"name", "count"}));
  ReplicaEntry replica;
  CAPSTAN_TRY(reader.String("name", replica.name));
  CAPSTAN_TRY(reader.Int("count", replica.count));
  out.push_back(std::move(replica));
  return OkStatus();
}

Status ParsePatch(const TypedReader& reader, std::vector<PatchEntry>& out) {
  CAPSTAN_TRY(reader.CheckKnown({"path", "patch", "target", "options"}));
  PatchEntry patch;
  CAPSTAN_TRY(reader.String("path", patch.path));
  CAPSTAN_TRY(reader.String("patch", patch.patch));
  if (const Value* target = reader.Find("target")) {
    if (!target->is_object()) return reader.Mistyped("target", "a map (group, kind, name...)");
    patch.target = *target;
  }
  if (const Value* options = reader.Find("options")) {
    TypedReader opts(*options, reader.file(), reader.Path("options"));
    CAPSTAN_TRY(opts.CheckKnown({"allowNameChange", "allowKindChange"}));
    CAPSTAN_TRY(opts.Bool("allowNameChange", patch.allow_name_change));
    CAPSTAN_TRY(opts.Bool("allowKindChange", patch.allow_kind_change));
  }
  out.push_back(std::move(patch));
  return OkStatus();
}

Status ParseSortOptions(const TypedReader& reader, SortOptions& out) {
  CAPSTAN_TRY(reader.CheckKnown({"order", "legacySortOptions"}));
  CAPSTAN_TRY(reader.String("order", out.order));
  if (out.order != "legacy" && out.order != "fifo") {
    return Error::Invalid(fmt::format("{}: {}: must be legacy or fifo, not \"{}\"", reader.file(),
                                      reader.Path("order"), out.order));
  }
  if (const Value* legacy = reader.Find("legacySortOptions")) {
    if (out.order != "legacy") {
      return Error::Invalid(fmt::format("{}: {}: is set but the order is \"{}\", not legacy",
                                        reader.file(), reader.Path("legacySortOptions"),
                                        out.order));
    }
    TypedReader options(*legacy, reader.file(), reader.Path("legacySortOptions"));
    CAPSTAN_TRY(options.CheckKnown({"orderFirst", "orderLast"}));
    std::vector<std::string> first, last;
    CAPSTAN_TRY(options.StringList("orderFirst", first));
    CAPSTAN_TRY(options.StringList("orderLast", last));
    out.order_first = std::move(first);
    out.order_last = std::move(last);
  }
  return OkStatus();
}

}  // namespace capstan::render::kustomize
