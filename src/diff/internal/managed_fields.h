// Server-side apply's record of who owns which field (metadata.managedFields, format
// FieldsV1), read so ignoreDifferences.managedFieldsManagers can drop a manager's fields.
//
// A FieldsV1 set is a tree of keys: `f:name` a map member, `k:{"name":"web"}` the list
// element whose key fields have these values, `v:"x"` the set element equal to a value,
// `i:3` the list element at an index, and `.` the node itself (present when the node is
// owned and has owned children).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace capstan::diff::internal {

struct FieldPathElement {
  enum class Kind { kField, kKey, kValue, kIndex };
  Kind kind = Kind::kField;
  std::string field;  // kField
  Value value;        // kKey: map of key fields; kValue: the element
  size_t index = 0;   // kIndex
};
using FieldPath = std::vector<FieldPathElement>;

// The owned leaves (nodes with no owned children) of every entry of `managed_fields`
// whose manager is in `managers`. Entries of another fieldsType are skipped. Invalid when
// a key is malformed, naming the manager and the key.
Result<std::vector<FieldPath>> ManagedLeaves(const Value& managed_fields,
                                             const std::vector<std::string>& managers);

// Removes the node `path` names from `root`, if it is there. List elements are found by
// their key fields or value, so the same path works on desired and live.
void RemoveFieldPath(Value& root, const FieldPath& path);

// "spec.template.spec.containers[name=web].image", for messages and tests.
std::string FieldPathString(const FieldPath& path);

}  // namespace capstan::diff::internal
