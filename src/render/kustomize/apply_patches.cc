#include "render/kustomize/apply_patches.h"

#include <fmt/format.h>

#include <optional>

#include "core/yaml.h"
#include "render/kustomize/patch.h"
#include "render/kustomize/resource_reader.h"

namespace capstan::render {
namespace kustomize {
namespace {

std::string Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

// A small object holding only what a selector looks at, with a given name and namespace.
Value SelectorView(const Value& object, const std::string& name, const std::string& ns) {
  Value view = Value::MakeObject();
  view.Set("apiVersion", object.StringAt({"apiVersion"}));
  view.Set("kind", object.StringAt({"kind"}));
  Value metadata = Value::MakeObject();
  metadata.Set("name", name);
  metadata.Set("namespace", ns);
  for (const char* field : {"labels", "annotations"}) {
    if (const Value* map = object.At({"metadata", field})) metadata.Set(field, *map);
  }
  view.Set("metadata", std::move(metadata));
  return view;
}

// kustomize matches a target's name against the object's original or current name, and
// its namespace against the original or current effective namespace ("default" when
// unset).
Result<std::vector<size_t>> Select(const ResMap& resources, const Value& target,
                                   std::string_view where) {
  auto selector = ParseTargetSelector(target);
  if (!selector.ok()) return std::move(selector).error().Wrap(fmt::format("{}: target", where));
  std::vector<size_t> selected;
  for (size_t i = 0; i < resources.size(); ++i) {
    ResId org = resources[i].OrgId();
    ResId cur = resources[i].CurId();
    bool matched = false;
    for (const std::string* name : {&org.name, &cur.name}) {
      for (const std::string& ns : {EffectiveNamespace(org), EffectiveNamespace(cur)}) {
        if (matched) break;
        auto match = Matches(*selector, SelectorView(resources[i].object, *name, ns));
        if (!match.ok()) return std::move(match).error().Wrap(fmt::format("{}: target", where));
        matched = *match;
      }
    }
    if (matched) selected.push_back(i);
  }
  return selected;
}

struct SmPatch {
  Value patch;
  bool allow_name_change = false;
  bool allow_kind_change = false;
};

// Applies one strategic-merge patch to resources[index] as kustomize does: the patch takes
// the target's apiVersion, and the target keeps its kind and name (unless the patch
// allows changing them) and always its namespace. Sets *deleted for `$patch: delete`.
Status ApplySmPatchTo(Resource& resource, const SmPatch& sm, std::string_view where,
                      bool* deleted) {
  Value patch = sm.patch;
  patch.Set("apiVersion", resource.object.StringAt({"apiVersion"}));
  std::string name(resource.object.StringAt({"metadata", "name"}));
  std::string ns(resource.object.StringAt({"metadata", "namespace"}));
  std::string kind(resource.object.StringAt({"kind"}));
  if (sm.allow_name_change || sm.allow_kind_change) resource.StorePreviousId();
  SmpOptions options;
  options.allow_name_change = sm.allow_name_change;
  options.allow_kind_change = sm.allow_kind_change;
  auto status = ApplyStrategicMergePatch(resource.object, patch, options);
  if (!status.ok()) {
    return std::move(status).error().Wrap(
        fmt::format("{}: patching {}", where, resource.CurId().ToString()));
  }
  if (resource.IsEmpty()) {
    *deleted = true;
    return OkStatus();
  }
  if (!sm.allow_kind_change) resource.object.Set("kind", kind);
  if (!sm.allow_name_change) resource.object["metadata"].Set("name", name);
  if (ns.empty()) {
    if (Value* metadata = resource.object.Find("metadata")) metadata->Erase("namespace");
  } else {
    resource.object["metadata"].Set("namespace", ns);
  }
  return OkStatus();
}

void DropDeleted(ResMap& resources, const std::vector<bool>& deleted) {
  ResMap kept;
  for (size_t i = 0; i < resources.size(); ++i) {
    if (!deleted[i]) kept.push_back(std::move(resources[i]));
  }
  resources = std::move(kept);
}

// Patches the one object any of whose ids equals the patch's own id.
Status ApplyByOwnId(ResMap& resources, const SmPatch& sm, std::string_view where) {
  Resource patch_resource;
  patch_resource.object = sm.patch;
  ResId id = patch_resource.CurId();
  std::vector<size_t> matches = MatchAnyId(resources, id);
  if (matches.size() != 1) {
    return Error::NotFound(
        fmt::format("{}: {} objects match the patch for {} {}{}; exactly one "
                    "must",
                    where, matches.size() == 0 ? "no" : "several", id.kind, id.name,
                    id.ns.empty() ? "" : " in namespace " + id.ns));
  }
  std::vector<bool> deleted(resources.size(), false);
  bool gone = false;
  CAPSTAN_TRY(ApplySmPatchTo(resources[matches.front()], sm, where, &gone));
  deleted[matches.front()] = gone;
  DropDeleted(resources, deleted);
  return OkStatus();
}

Status ApplyToSelected(ResMap& resources, const std::vector<size_t>& selected, const SmPatch& sm,
                       std::string_view where) {
  std::vector<bool> deleted(resources.size(), false);
  for (size_t index : selected) {
    bool gone = false;
    CAPSTAN_TRY(ApplySmPatchTo(resources[index], sm, where, &gone));
    deleted[index] = gone;
  }
  DropDeleted(resources, deleted);
  return OkStatus();
}

// Parses JSON 6902 operations written as JSON or YAML; nullopt when `text` is not a list.
Result<std::optional<Value>> ParseOperations(const std::string& text, std::string_view where) {
  auto documents = ParseYamlStream(text, where);
  if (!documents.ok()) return std::move(documents).error();
  for (auto& document : *documents) {
    if (document.value.is_null()) continue;
    if (document.value.is_array()) return std::optional<Value>(std::move(document.value));
    return std::optional<Value>();
  }
  return std::optional<Value>();
}

Status ApplyJsonPatch(ResMap& resources, const std::vector<size_t>& selected,
                      const Value& operations, bool store_previous, std::string_view where) {
  for (size_t index : selected) {
    Resource& resource = resources[index];
    if (store_previous) resource.StorePreviousId();
    auto status = ApplyJson6902(resource.object, operations);
    if (!status.ok()) {
      return std::move(status).error().Wrap(
          fmt::format("{}: patching {}", where, resource.CurId().ToString()));
    }
  }
  return OkStatus();
}

Result<std::string> PatchText(const PatchEntry& entry, const FileLoader& loader,
                              std::string_view field) {
  if (!entry.patch.empty() && !entry.path.empty()) {
    return Error::Invalid(
        fmt::format("{}: {}: set either patch or path, not both", loader.file(), field));
  }
  if (!entry.path.empty()) return loader.Read(entry.path, fmt::format("{}.path", field));
  if (Trim(entry.patch).empty()) {
    return Error::Invalid(fmt::format("{}: {}: patch or path is required", loader.file(), field));
  }
  return Trim(entry.patch);
}

}  // namespace

Status ApplyPatchesStrategicMerge(ResMap& resources, const Kustomization& k,
                                  const FileLoader& loader) {
  for (size_t i = 0; i < k.patches_strategic_merge.size(); ++i) {
    const std::string& entry = k.patches_strategic_merge[i];
    std::string where = fmt::format("{}: patchesStrategicMerge[{}]", loader.file(), i);
    // For backward compatibility kustomize first tries the entry as inline patch text.
    auto inline_patches = ReadObjects(entry, where);
    std::vector<Value> patches;
    if (inline_patches.ok() && !inline_patches->empty()) {
      patches = std::move(*inline_patches);
    } else {
      auto text = loader.Read(entry, "patchesStrategicMerge");
      if (!text.ok()) return std::move(text).error();
      auto parsed = ReadObjects(*text, (loader.fs().Display(loader.dir()) + "/" + entry));
      if (!parsed.ok()) return std::move(parsed).error();
      patches = std::move(*parsed);
    }
    if (patches.empty()) return Error::Invalid(fmt::format("{}: the patch is empty", where));
    for (const auto& patch : patches) CAPSTAN_TRY(ApplyByOwnId(resources, SmPatch{patch}, where));
  }
  return OkStatus();
}

Status ApplyPatches(ResMap& resources, const Kustomization& k, const FileLoader& loader) {
  for (size_t i = 0; i < k.patches.size(); ++i) {
    const PatchEntry& entry = k.patches[i];
    std::string field = fmt::format("patches[{}]", i);
    std::string where = fmt::format("{}: {}", loader.file(), field);
    auto text = PatchText(entry, loader, field);
    if (!text.ok()) return std::move(text).error();
    auto operations = ParseOperations(*text, where);
    if (!operations.ok()) return std::move(operations).error();
    if (operations->has_value()) {
      if (!entry.target) {
        return Error::Invalid(fmt::format("{}: a JSON 6902 patch needs a target", where));
      }
      auto selected = Select(resources, *entry.target, where);
      if (!selected.ok()) return std::move(selected).error();
      CAPSTAN_TRY(ApplyJsonPatch(resources, *selected, **operations, true, where));
      continue;
    }
    auto patches = ReadObjects(*text, where);
    if (!patches.ok()) {
      return std::move(patches).error().Wrap(
          fmt::format("{}: neither a strategic-merge patch nor a JSON 6902 patch", where));
    }
    if (patches->empty()) return Error::Invalid(fmt::format("{}: the patch is empty", where));
    if (entry.target) {
      if (patches->size() > 1) {
        return Error::Invalid(
            fmt::format("{}: a patch with a target must hold one strategic-merge patch, not {}",
                        where, patches->size()));
      }
      auto selected = Select(resources, *entry.target, where);
      if (!selected.ok()) return std::move(selected).error();
      SmPatch sm{patches->front(), entry.allow_name_change, entry.allow_kind_change};
      CAPSTAN_TRY(ApplyToSelected(resources, *selected, sm, where));
      continue;
    }
    for (const auto& patch : *patches) {
      SmPatch sm{patch, entry.allow_name_change, entry.allow_kind_change};
      CAPSTAN_TRY(ApplyByOwnId(resources, sm, where));
    }
  }
  return OkStatus();
}

Status ApplyPatchesJson6902(ResMap& resources, const Kustomization& k, const FileLoader& loader) {
  for (size_t i = 0; i < k.patches_json6902.size(); ++i) {
    const PatchEntry& entry = k.patches_json6902[i];
    std::string field = fmt::format("patchesJson6902[{}]", i);
    std::string where = fmt::format("{}: {}", loader.file(), field);
    if (!entry.target || entry.target->StringAt({"name"}).empty()) {
      return Error::Invalid(fmt::format("{}: target.name is required", where));
    }
    auto text = PatchText(entry, loader, field);
    if (!text.ok()) return std::move(text).error();
    auto operations = ParseOperations(*text, where);
    if (!operations.ok()) return std::move(operations).error();
    if (!operations->has_value() || (*operations)->empty()) {
      return Error::Invalid(
          fmt::format("{}: expected a non-empty list of JSON 6902 operations", where));
    }
    auto selected = Select(resources, *entry.target, where);
    if (!selected.ok()) return std::move(selected).error();
    CAPSTAN_TRY(ApplyJsonPatch(resources, *selected, **operations, false, where));
  }
  return OkStatus();
}

}  // namespace kustomize
}  // namespace capstan::render
