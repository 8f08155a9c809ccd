// The steps of Diff (diff.h), one file each, in the order diff.cc runs them. Internal to
// src/diff: nothing outside this folder includes this header.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/object.h"
#include "core/result.h"
#include "core/value.h"
#include "diff/diff.h"

namespace capstan::diff::internal {

// scope.cc: the key an object is compared under: metadata.namespace filled with
// `default_namespace` for namespaced kinds, cleared for cluster-scoped ones.
ObjectKey ComparedKey(const Value& object, const DiffOptions& options);

// normalize.cc: removes what only the server writes and rewrites values the server
// canonicalizes (quantities, Secret data), leaving the object as it would be compared.
// Sets metadata.namespace to `key.ns` (or removes it when empty).
void Normalize(Value& object, const ObjectKey& key);

// defaults.cc: fills the fields a v1.20 API server defaults for the object's kind.
// Kinds without a defaults table are left alone.
void ApplyDefaults(Value& object);

// ignore.cc: the entries of `options` that apply to `key`; Invalid when an entry uses
// jqPathExpressions (not supported) or a malformed JSON pointer.
Result<std::vector<const IgnoreDifference*>> MatchingIgnores(const ObjectKey& key,
                                                             const DiffOptions& options);
// Removes the fields named by `ignores` from `object`. Managed-fields managers are looked
// up in `live_managed_fields` (the live object's metadata.managedFields; null if none).
Status ApplyIgnores(const std::vector<const IgnoreDifference*>& ignores,
                    const Value* live_managed_fields, Value& object);

// json_pointer.cc: removes the field an RFC 6901 pointer names; false if it is absent.
// Invalid when the pointer is malformed (does not start with "/", bad "~" escape).
Result<bool> RemoveJsonPointer(Value& root, std::string_view pointer);

// align.cc: see diff.h, step 3. `desired` has defaults filled in; `written` is the same
// object before defaults (equal to `desired` when defaults are off); `last_applied` is the
// normalized last applied configuration, or null. Also reorders live's map members to
// follow desired's.
void Align(Value& desired, const Value& written, Value& live, const Value* last_applied);

// redact.cc: masks a Secret's data and stringData values on the sides given (either may
// be null); equal values get kMask on both sides, differing ones kMask and kChangedMask.
inline constexpr std::string_view kMask = "++++++++";
inline constexpr std::string_view kChangedMask = "++++++++ (changed)";
void RedactSecret(Value* desired, Value* live);

// compare.cc: the fields that differ between two aligned objects, in desired's order.
std::vector<FieldChange> Compare(const Value& desired, const Value& live);
// "spec.template" + "containers" -> "spec.template.containers"; odd keys are bracketed.
std::string JoinPath(std::string_view parent, std::string_view key);

// pairing.cc: which element of `live` each element of `desired` is compared with.
// Elements with a unique name (or mountPath, containerPort/port and protocol, ip) on both
// sides are paired by it when the common ones keep their order; otherwise by index.
// Pairs come in desired's order, then live-only elements in live's order.
struct ElementPair {
  std::optional<size_t> desired;
  std::optional<size_t> live;
};
std::vector<ElementPair> PairElements(std::string_view field, const Value::Array& desired,
                                      const Value::Array& live);

// Absent, null, {} and [] all mean "not set" to the API server.
bool IsEmptyValue(const Value& value);

}  // namespace capstan::diff::internal
