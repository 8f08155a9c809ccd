// Reading typed fields out of manifests with errors that name the field's path
// (fields.cc). Paths are written as Argo's validation writes them: spec.metrics[0].interval.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/value.h"

namespace capstan::rollout::analysis::internal {

std::string Field(std::string_view path, std::string_view key);  // "a.b"
std::string Item(std::string_view path, size_t index);           // "a[3]"

// "spec.x: message"
Error FieldError(std::string_view path, std::string_view message);

// Missing or null: nullopt. Wrong type: an error naming the path and the type found.
Result<std::optional<std::string>> OptionalString(const Value& object, std::string_view key,
                                                  std::string_view path);
Result<std::string> RequiredString(const Value& object, std::string_view key,
                                   std::string_view path);
Result<std::optional<bool>> OptionalBool(const Value& object, std::string_view key,
                                         std::string_view path);
Result<std::optional<int64_t>> OptionalInt(const Value& object, std::string_view key,
                                           std::string_view path);
// A list (missing or null: empty) / a map (missing or null: nullptr).
Result<const Value::Array*> OptionalList(const Value& object, std::string_view key,
                                         std::string_view path);
Result<const Value*> OptionalMap(const Value& object, std::string_view key, std::string_view path);

// Refuses keys of `object` not in `known`: `spec.metrics[0]: unknown field "successCondtion"`.
Status OnlyKnownFields(const Value& object, std::initializer_list<std::string_view> known,
                       std::string_view path);

// Whether a string still holds an args placeholder.
bool HasPlaceholder(std::string_view text);

}  // namespace capstan::rollout::analysis::internal
