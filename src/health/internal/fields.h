// Reading status fields the way Kubernetes' typed structs would: a missing field is its
// zero value. A field of the wrong type is reported (FieldError) so the check can answer
// Unknown instead of guessing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/value.h"
#include "health/health.h"

namespace capstan::health::internal {

// Collects the first field of the wrong type met while reading one object.
class FieldReader {
 public:
  explicit FieldReader(const Value& object) : object_(object) {}

  // The integer at `path`; `fallback` when missing; 0 and an error when not an integer.
  int64_t Int(Value::Path path, int64_t fallback = 0);
  // Whether the integer at `path` is present at all.
  bool Has(Value::Path path) const { return object_.At(path) != nullptr; }
  bool Bool(Value::Path path);
  std::string String(Value::Path path);

  // The first condition in status.conditions whose type is `type`, or nullptr.
  const Value* Condition(std::string_view type);

  // "status.replicas: expected an integer, got string" for the first bad field; empty
  // when every field read so far was well-typed.
  const std::string& error() const { return error_; }

 private:
  void Fail(Value::Path path, std::string_view expected, const Value& got);

  const Value& object_;
  std::string error_;
};

// `health`, unless `reader` met a field of the wrong type: then Unknown naming that field,
// as Argo CD answers Unknown when it cannot convert an object to its typed struct.
Health Checked(const FieldReader& reader, Health health);

// A condition's string field ("status", "reason", "message"), "" when missing.
std::string ConditionField(const Value* condition, std::string_view field);

// Go's %q for plain names: the text in double quotes.
std::string Quoted(std::string_view text);

}  // namespace capstan::health::internal
