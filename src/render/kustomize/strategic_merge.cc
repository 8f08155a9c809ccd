// Strategic merge as kustomize does it (kyaml merge2): maps merge key by key, a null in the
// patch removes, `$patch: delete|replace|merge` directives on maps and lists, lists whose
// schema says "merge" merge element by element (strategic_merge_list.cc), every other
// list is replaced. `$retainKeys`, `$setElementOrder/...` and `$deleteFromPrimitiveList/...`
// are not directives for kustomize: they are copied like any other field.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/object.h"
#include "render/kustomize/patch.h"
#include "render/kustomize/strategic_merge_internal.h"

namespace capstan::render {
namespace smp {
namespace {

constexpr std::string_view kDirectiveKey = "$patch";

enum class Directive { kMerge, kReplace, kDelete, kUnknown };

bool MissingOrNull(const Value* v) { return v == nullptr || v->is_null(); }

Directive ParseDirective(const Value& value) {
  if (!value.is_string()) return Directive::kUnknown;
  const std::string& s = value.as_string();
  if (s == "merge") return Directive::kMerge;
  if (s == "replace") return Directive::kReplace;
  if (s == "delete") return Directive::kDelete;
  return Directive::kUnknown;
}

std::string Child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

std::string KindWord(const Value& v) {
  if (v.is_object()) return "map";
  if (v.is_array()) return "list";
  return "scalar";
}

// kyaml refuses to merge nodes of different kinds (a map patch onto a list, ...).
Status CheckSameKind(const Value* target, const Value* patch, const std::string& path) {
  if (MissingOrNull(target) || MissingOrNull(patch)) return OkStatus();
  if (KindWord(*target) == KindWord(*patch)) return OkStatus();
  return Error::Invalid(fmt::format("{}: cannot merge a {} from the patch into a {}",
                                    path.empty() ? "." : path, KindWord(*patch),
                                    KindWord(*target)));
}

// Objects without a schema from their parent get one from their own apiVersion and kind,
// as kyaml does for every node it walks.
FieldSchema WithOwnSchema(const FieldSchema& schema, const Value* target, const Value* patch) {
  if (!schema.type.empty()) return schema;
  for (const Value* v : {target, patch}) {
    if (MissingOrNull(v) || !v->is_object()) continue;
    const Value* api_version = v->Find("apiVersion");
    const Value* kind = v->Find("kind");
    if (api_version == nullptr || kind == nullptr) continue;
    if (!api_version->is_string() || !kind->is_string()) continue;
    SchemaType type = SchemaForResource(api_version->as_string(), kind->as_string());
    if (!type.empty()) return FieldSchema{type, schema.merge_list, schema.keys};
  }
  return schema;
}

Result<Merged> WalkMap(const Value* target, const Value* patch, const FieldSchema& schema,
                       const std::string& path) {
  Value elided;
  const Value* origin = patch;
  auto elide = [&] {
    elided = *patch;
    elided.Erase(kDirectiveKey);
    origin = &elided;
  };
  const Value* base = nullptr;
  bool kept_target = false;
  if (MissingOrNull(target)) {
    if (patch != nullptr && patch->is_object() && patch->Contains(kDirectiveKey)) {
      Directive d = ParseDirective(*patch->Find(kDirectiveKey));
      if (d == Directive::kDelete) return Merged{};
      // An unknown directive on new content is not an error for kyaml: it stays a field.
      if (d != Directive::kUnknown) elide();
    }
    // A null the target spells out survives when the patch does not mention the field.
    if (patch == nullptr && target != nullptr) return Merged{Value(nullptr), true};
    base = origin;
  } else {
    if (patch != nullptr && patch->is_null()) return Merged{};
    Directive d = Directive::kMerge;
    if (patch != nullptr && patch->Contains(kDirectiveKey)) {
      d = ParseDirective(*patch->Find(kDirectiveKey));
      if (d == Directive::kUnknown) {
        return Error::Invalid(fmt::format("{}: unknown patch strategy {}",
                                          Child(path, kDirectiveKey),
                                          EmitJson(*patch->Find(kDirectiveKey))));
      }
      elide();
    }
    if (d == Directive::kDelete) return Merged{};
    if (d == Directive::kReplace) {
      base = origin;
    } else {
      base = target;
      kept_target = true;
    }
  }
  if (MissingOrNull(base)) return Merged{};

  Value result = *base;
  std::vector<std::string> fields;
  for (const auto& [key, _] : result.as_object()) fields.push_back(key);
  if (origin != nullptr && origin->is_object()) {
    for (const auto& [key, _] : origin->as_object()) fields.push_back(key);
  }
  std::sort(fields.begin(), fields.end());
  fields.erase(std::unique(fields.begin(), fields.end()), fields.end());

  for (const std::string& key : fields) {
    const Value* from_patch =
        origin != nullptr && origin->is_object() ? origin->Find(key) : nullptr;
    std::optional<Value> current;
    if (const Value* v = result.Find(key)) current = *v;
    auto merged = Walk(current ? &*current : nullptr, from_patch, FieldOf(schema.type, key),
                       Child(path, key));
    if (!merged.ok()) return std::move(merged).error();
    if (merged->value.has_value()) {
      result.Set(key, std::move(*merged->value));
    } else {
      result.Erase(key);
    }
  }
  return Merged{std::move(result), kept_target};
}

}  // namespace

std::string ScalarText(const Value& value) {
  switch (value.type()) {
    case Value::Type::kNull:
      return "null";
    case Value::Type::kBool:
      return value.as_bool() ? "true" : "false";
    case Value::Type::kInt:
      return std::to_string(value.as_int());
    case Value::Type::kDouble: {
      double d = value.as_double();
      if (std::isnan(d)) return ".nan";
      if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
      return fmt::format("{}", d);
    }
    case Value::Type::kString:
      return value.as_string();
    default:
      return "";
  }
}

Result<Merged> Walk(const Value* target, const Value* patch, const FieldSchema& field_schema,
                    const std::string& path) {
  CAPSTAN_TRY(CheckSameKind(target, patch, path));
  const Value* first = !MissingOrNull(target) ? target : (!MissingOrNull(patch) ? patch : nullptr);
  FieldSchema schema = WithOwnSchema(field_schema, target, patch);
  if (first == nullptr || first->is_object()) return WalkMap(target, patch, schema, path);
  if (first->is_array()) {
    if (schema.merge_list) return WalkMergeList(target, patch, schema, path);
    // Lists without a merge strategy are replaced whole by the patch's.
    if (patch == nullptr) return Merged{*target, true};
    if (patch->is_null()) return Merged{};
    return Merged{*patch, false};
  }
  if (patch == nullptr) return Merged{*target, true};
  if (patch->is_null()) return Merged{};
  return Merged{*patch, false};
}

}  // namespace smp

Status ApplyStrategicMergePatch(Value& target, const Value& patch) {
  if (!target.is_object()) return Error::Invalid("strategic merge patch: the target is not a map");
  if (!patch.is_object()) return Error::Invalid("strategic merge patch: the patch is not a map");
  auto merged = smp::Walk(&target, &patch, smp::FieldSchema{}, "");
  if (!merged.ok()) return std::move(merged).error();
  if (!merged->value.has_value() || !merged->value->is_object()) {
    target = Value(nullptr);
  } else {
    target = std::move(*merged->value);
  }
  return OkStatus();
}

Status ApplyStrategicMergePatch(Value& target, const Value& patch, const SmpOptions& options) {
  const std::string kind(KindOf(target));
  const std::string name(NameOf(target));
  const std::string ns(NamespaceOf(target));
  CAPSTAN_TRY(ApplyStrategicMergePatch(target, patch));
  if (target.is_null()) return OkStatus();
  if (!options.allow_kind_change) target.Set("kind", kind);
  Value& metadata = target["metadata"];
  if (!metadata.is_object()) metadata = Value::MakeObject();
  if (!options.allow_name_change) metadata.Set("name", name);
  if (ns.empty()) {
    metadata.Erase("namespace");
  } else {
    metadata.Set("namespace", ns);
  }
  return OkStatus();
}

}  // namespace capstan::render
