// Kubernetes objects as Values: identity (ObjectKey) and the handful of accessors every
// module needs. An "object" here is any Value with apiVersion, kind and metadata.name.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/value.h"

namespace capstan {

// Identifies one object: API group (empty for the core group), kind, namespace (empty for
// cluster-scoped objects or when not set) and name.
struct ObjectKey {
  std::string group;
  std::string kind;
  std::string ns;
  std::string name;

  auto operator<=>(const ObjectKey&) const = default;

  // "apps/Deployment default/web", "/Namespace /demo" style, as in error messages.
  std::string ToString() const;
};

// "apps/v1" -> "apps"; "v1" -> "".
std::string_view GroupOf(std::string_view api_version);

// The key of `object`; fields that are missing are left empty.
ObjectKey KeyOf(const Value& object);

std::string_view KindOf(const Value& object);
std::string_view NameOf(const Value& object);
std::string_view NamespaceOf(const Value& object);

// Checks that `object` is a map with string apiVersion, kind and metadata.name (or
// metadata.generateName). The error names the missing field.
Status ValidateObject(const Value& object);

// A rendered object with the file it came from, for messages and reports.
struct Manifest {
  Value object;
  std::string source;  // path relative to the source root, or "" when generated
};

}  // namespace capstan
