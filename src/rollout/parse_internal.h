// Reading a Rollout's fields with errors that name the object, the field and the file.
// Shared by rollout_parse*.cc; not part of the module's interface.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/value.h"
#include "rollout/rollout.h"

namespace capstan::rollout::internal {

class FieldReader {
 public:
  // `object` starts every message ("argoproj.io/Rollout default/web"); `source` ends it.
  FieldReader(std::string object, std::string source)
      : object_(std::move(object)), source_(std::move(source)) {}

  // "<object>: <path>: <what> (<source>)".
  Error Invalid(std::string_view path, std::string_view what) const;

  // The member `key` of `parent` (whose path is `path`), or nullopt when missing or null.
  // Invalid when it has another type.
  Result<std::optional<int64_t>> Int(const Value& parent, std::string_view key,
                                     std::string_view path) const;
  Result<std::optional<std::string>> String(const Value& parent, std::string_view key,
                                            std::string_view path) const;
  Result<std::optional<bool>> Bool(const Value& parent, std::string_view key,
                                   std::string_view path) const;
  // An integer that may not be negative.
  Result<std::optional<int64_t>> Count(const Value& parent, std::string_view key,
                                       std::string_view path) const;
  // An object whose members are strings ({} when missing).
  Result<Value> StringMap(const Value& parent, std::string_view key, std::string_view path) const;
  // Several string (or count) members of `parent` at once, into the given fields.
  Status Strings(const Value& parent, std::string_view path,
                 std::initializer_list<std::pair<const char*, std::string*>> fields) const;
  Status Counts(
      const Value& parent, std::string_view path,
      std::initializer_list<std::pair<const char*, std::optional<int64_t>*>> fields) const;
  // Invalid when `object` has one of `unsupported` (fields capstan does not implement).
  Status Refuse(const Value& object, std::string_view path,
                std::initializer_list<std::string_view> unsupported) const;
  // Invalid unless `value` is an object (or missing, when `optional`).
  Status RequireObject(const Value* value, std::string_view path, bool optional) const;

  Result<PodMetadata> Metadata(const Value& value, std::string_view path) const;
  Result<RolloutAnalysis> Analysis(const Value& value, std::string_view path) const;

 private:
  std::string object_;
  std::string source_;
};

// "parent.key" (or "key" when parent is empty).
std::string Join(std::string_view parent, std::string_view key);
// "parent[index]".
std::string Index(std::string_view parent, size_t index);

// Strategy readers (rollout_parse_canary.cc, rollout_parse_bluegreen.cc).
Result<CanaryStrategy> ReadCanary(const FieldReader& reader, const Value& canary);
Result<BlueGreenStrategy> ReadBlueGreen(const FieldReader& reader, const Value& blue_green);
// spec.strategy.canary.trafficRouting (rollout_parse_traffic.cc).
Result<TrafficRouting> ReadTrafficRouting(const FieldReader& reader, const Value& routing);
// An int-or-percent field (maxSurge, maxUnavailable); null when missing.
Result<Value> ReadIntOrPercent(const FieldReader& reader, const Value& parent, std::string_view key,
                               std::string_view path);

}  // namespace capstan::rollout::internal
