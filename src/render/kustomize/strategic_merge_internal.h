// Internals of the strategic merge (strategic_merge*.cc). kustomize merges a patch with
// kyaml's merge2 walker, not with apimachinery's strategicpatch; this reproduces that
// walker over Values, quirks included, because the output must equal `kustomize build`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "render/kustomize/strategic_merge_schema.h"

namespace capstan::render::smp {

// What walking one (target, patch) pair of nodes yields.
struct Merged {
  // The merged value; nullopt when the field or element is to be removed.
  std::optional<Value> value;
  // The merge kept the target's own node (and edited it in place) rather than taking the
  // patch's. kyaml's list merge depends on this identity (see strategic_merge_list.cc).
  bool kept_target = false;
};

// Merges `patch` into `target`; `schema` describes the field holding them. Either may be
// nullptr (absent). `path` names the field for error messages
// ("spec.template.spec.containers").
Result<Merged> Walk(const Value* target, const Value* patch, const FieldSchema& schema,
                    const std::string& path);

// Merges two lists whose schema says merge (`field.merge_list`). `target` may be absent
// or null; `patch` may be absent.
Result<Merged> WalkMergeList(const Value* target, const Value* patch, const FieldSchema& field,
                             const std::string& path);

// The text kyaml compares list keys by: a scalar as written (numbers and booleans in their
// canonical spelling), "" for maps and lists, "null" for null.
std::string ScalarText(const Value& value);

}  // namespace capstan::render::smp
