// How generator output joins the objects already accumulated (kustomize's "absorb"):
// `behavior: merge` and `behavior: replace` take over the identity of the object they
// target, so references to it and its eventual hash suffix keep working.
#include <fmt/format.h>

#include <map>

#include "render/kustomize/resource.h"

namespace capstan::render::kustomize {
namespace {

std::map<std::string, std::string> StringMap(const Value* map) {
  std::map<std::string, std::string> result;
  if (map == nullptr || !map->is_object()) return result;
  for (const auto& [key, value] : map->as_object()) result[key] = ScalarText(value);
  return result;
}

// Sets metadata.<field> to `old` overlaid with `incoming`, removing it when empty.
void MergeMetadataMap(Value& object, const Value& old, std::string_view field) {
  auto merged = StringMap(old.At({"metadata", field}));
  for (auto& [key, value] : StringMap(object.At({"metadata", field}))) merged[key] = value;
  Value& metadata = object["metadata"];
  if (merged.empty()) {
    metadata.Erase(field);
    return;
  }
  Value result = Value::MakeObject();
  for (auto& [key, value] : merged) result.Set(key, value);
  metadata.Set(field, std::move(result));
}

void SetOrErase(Value& parent, std::string_view field, std::string_view value) {
  if (value.empty()) {
    parent.Erase(field);
  } else {
    parent.Set(field, std::string(value));
  }
}

// The incoming object keeps its own content but takes over labels and annotations (its
// own winning), the old name and namespace, and the old identity history.
void CopyMergeMetadata(Resource& incoming, const Resource& old) {
  MergeMetadataMap(incoming.object, old.object, "labels");
  MergeMetadataMap(incoming.object, old.object, "annotations");
  Value& metadata = incoming.object["metadata"];
  SetOrErase(metadata, "name", old.object.StringAt({"metadata", "name"}));
  SetOrErase(metadata, "namespace", old.object.StringAt({"metadata", "namespace"}));
  incoming.needs_hash = incoming.needs_hash && old.needs_hash;
  incoming.behavior = old.behavior;
  incoming.previous = old.previous;
  incoming.prefixes = old.prefixes;
  incoming.suffixes = old.suffixes;
}

void MergeDataField(Value& object, const Value& old, std::string_view field) {
  auto merged = StringMap(old.Find(field));
  for (auto& [key, value] : StringMap(object.Find(field))) merged[key] = value;
  object.Erase(field);
  if (merged.empty()) return;
  Value result = Value::MakeObject();
  for (auto& [key, value] : merged) result.Set(key, value);
  object.Set(field, std::move(result));
}

}  // namespace

Status AbsorbGenerated(ResMap& map, Resource resource) {
  ResId id = resource.CurId();
  std::vector<size_t> matches = MatchAnyId(map, id);
  GenerationBehavior behavior = resource.behavior;
  if (matches.empty()) {
    if (behavior == GenerationBehavior::kMerge || behavior == GenerationBehavior::kReplace) {
      return Error::NotFound(fmt::format(
          "{} {}: behavior {} needs an existing object of that name from a base, and there is "
          "none",
          id.kind, id.name, behavior == GenerationBehavior::kMerge ? "merge" : "replace"));
    }
    return AppendResource(map, std::move(resource));
  }
  if (matches.size() > 1) {
    return Error::Conflict(fmt::format("{} {}: {} objects could accept this generator's output",
                                       id.kind, id.name, matches.size()));
  }
  Resource& old = map[matches.front()];
  switch (behavior) {
    case GenerationBehavior::kReplace:
      CopyMergeMetadata(resource, old);
      break;
    case GenerationBehavior::kMerge:
      CopyMergeMetadata(resource, old);
      MergeDataField(resource.object, old.object, "data");
      MergeDataField(resource.object, old.object, "binaryData");
      break;
    default:
      return Error::Conflict(
          fmt::format("{} {}: an object of that name already exists; set behavior: merge or "
                      "behavior: replace to change it",
                      id.kind, id.name));
  }
  old = std::move(resource);
  return OkStatus();
}

}  // namespace capstan::render::kustomize
