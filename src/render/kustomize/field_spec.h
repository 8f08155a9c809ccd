// Internal to the kustomize builder: field specs, kustomize's way of saying "this field
// of objects of this kind" (e.g. {kind: Deployment, path: spec/selector/matchLabels}),
// and the walk that finds (and optionally creates) those fields.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "render/kustomize/resource.h"

namespace capstan::render::kustomize {

struct FieldSpec {
  Gvk gvk;              // empty parts match any object
  std::string path;     // "spec/template/metadata/labels"; `\/` escapes a slash in a key;
                        // lists on the way are walked element by element; "containers[]"
                        // marks a list that is never created
  bool create = false;  // create missing fields on the way (maps) and at the end
};

// What to create at the end of the path when it is missing and the spec says create.
enum class CreateKind { kNone, kScalar, kMap };

// Called on each field found; may change it in place.
using FieldSetter = std::function<Status(Value& field)>;

// Applies `setter` to every field `spec` names in `object`, if the object's apiVersion and
// kind match the spec. A scalar met where the path continues is an error naming the
// field, as in kustomize.
Status ApplyFieldSpec(Value& object, const FieldSpec& spec, CreateKind create_kind,
                      const FieldSetter& setter);

// Splits "metadata/annotations/a\/b" into {"metadata", "annotations", "a/b"}.
std::vector<std::string> SplitFieldPath(std::string_view path);

// Whether `spec`'s group/version/kind select `object`.
bool SpecSelects(const FieldSpec& spec, const Value& object);

// Parses a user-written field spec ({path, group, version, kind, create}); `where` names
// the file and field for errors.
Result<FieldSpec> ParseFieldSpec(const Value& value, std::string_view where);

}  // namespace capstan::render::kustomize
