// Internals of kustomize replacements (replacements*.cc): object ids and options,
// reading the source, and field paths ("spec.template.spec.containers.[name=app].image",
// "metadata.annotations.[a.b/c]", "spec.ports.0.port", "spec.containers.*.image").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/object.h"
#include "core/result.h"
#include "core/value.h"

namespace capstan::render::replacements {

inline constexpr std::string_view kDefaultFieldPath = "metadata.name";

// One id of an object as replacements compare it (apiVersion split into group and version).
struct Id {
  std::string group, version, kind, name, ns;
};

// The object's current id, then its earlier ones (`previous`, oldest first).
std::vector<Id> IdsOf(const Value& object, const std::vector<ObjectKey>& previous);

// The earlier ids kustomize records in its build annotations
// (config.kubernetes.io/previousNames, previousNamespaces, previousKinds), if present.
std::vector<ObjectKey> AnnotatedPrevious(const Value& object);

// kustomize's ResId.IsSelectedBy, for sources and targets alike: exact fields, empty
// selector fields match anything, namespaces compared with "" meaning "default".
bool Selects(const Id& selector, const Id& id);

// A source's or target's `options`.
struct Options {
  std::string delimiter;
  int64_t index = 0;
  bool create = false;
};

// Reads `options` (absent means defaults); `where` prefixes errors.
Result<Options> ReadOptions(const Value* raw, std::string_view where);

// Splits a field path on dots, as kustomize does: "a\.b" keeps the dot, "[a.b/c]"
// (brackets without '=') is the single key "a.b/c", "[name=a.b]" stays one
// list-element selector.
std::vector<std::string> SplitFieldPath(std::string_view path);

// Reads a source field. Steps: a map key; "[key=value]" the first list element whose
// key's text equals value exactly ("[=value]" for lists of scalars); a number the element
// at that index; "-" the last element. Returns nullptr when any step finds nothing.
// A wildcard "*" or a step into a value of the wrong kind is an error.
Result<const Value*> LookupSource(const Value& object, const std::vector<std::string>& path);

// Finds every target field a path names, creating missing ones when `create` is set (a
// missing last field is created as a map, list or null according to `create_kind`).
// Steps as above, except that "[key=regex]" selects every element whose key matches the
// regular expression anywhere in its text (kustomize does not anchor it; when none
// matches and `create` is set, an element {key: regex} is appended), "*" selects every
// element, and a number equal to the list's length appends an element when creating.
// The pointers stay valid until `object` is next modified structurally.
struct TargetField {
  Value* node = nullptr;
  bool created = false;  // a scalar leaf this call created (it has no type yet)
};
Result<std::vector<TargetField>> FindTargets(Value& object, const std::vector<std::string>& path,
                                             bool create, Value::Type create_kind);

// The value a replacement carries. `untyped` for a sourceValue, whose type (like that of
// a scalar field kustomize creates) comes from reading its text as plain YAML 1.2.
struct Carried {
  Value value;
  bool untyped = false;
};

// Writes `carried` into `target` as kustomize does: a scalar target keeps its type and
// takes the carried value's text (an error when the text is not of that type, e.g.
// "db:5432" into an integer, or when the target is null); with `delimiter`, only part
// `index` of the target's text is replaced (index < 0 prepends, index past the end
// appends); a map or list target is replaced by the carried value. `field` names the
// target field in errors.
Status WriteValue(const TargetField& target, const Carried& carried, const std::string& delimiter,
                  int64_t index, std::string_view field);

// Splits `text` on every `delimiter`.
std::vector<std::string> Split(const std::string& text, const std::string& delimiter);

// The value replacement `replacement` carries: its sourceValue, or the source object's
// field (after the source's delimiter option). `previous` holds each object's earlier ids.
// Errors name `where` ("replacements[2]") and the source.
Result<Carried> ReadSource(const std::vector<Manifest>& objects,
                           const std::vector<std::vector<ObjectKey>>& previous,
                           const Value& replacement, std::string_view where);

}  // namespace capstan::render::replacements
