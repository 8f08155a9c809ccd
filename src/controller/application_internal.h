// Internal to application*.cc: a field reader that latches the first error, so parsing
// code reads as a list of fields and checks once at the end.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/application.h"
#include "core/result.h"
#include "core/value.h"

namespace capstan::controller::internal {

class FieldReader {
 public:
  // `where` prefixes every error: "apps/web.yaml: Application web".
  FieldReader(std::string where, Application* app) : where_(std::move(where)), app_(app) {}

  bool failed() const { return error_.has_value(); }
  // REQUIRES: failed().
  Error TakeError() { return std::move(*error_); }
  const std::string& where() const { return where_; }

  void Fail(std::string_view field, std::string_view message);
  void Warn(std::string_view field, std::string_view message);
  void MarkUnsupported(std::string field, std::string reason, bool in_source);

  // Each reads member `key` of `map` (whose path is `path`); a missing or null member
  // leaves `out` as it is. A wrong type latches an error.
  void String(const Value& map, std::string_view path, std::string_view key, std::string& out);
  void Bool(const Value& map, std::string_view path, std::string_view key, bool& out);
  void Int(const Value& map, std::string_view path, std::string_view key, int64_t& out);
  void Strings(const Value& map, std::string_view path, std::string_view key,
               std::vector<std::string>& out);
  void StringMap(const Value& map, std::string_view path, std::string_view key,
                 std::map<std::string, std::string>& out);
  // The member if it is a map; nullptr when missing or null; latches an error otherwise.
  const Value* Map(const Value& map, std::string_view path, std::string_view key);
  const Value* List(const Value& map, std::string_view path, std::string_view key);

  // Members of `map` not in `known`: an error when `strict`, else a warning each.
  void CheckKeys(const Value& map, std::string_view path,
                 std::initializer_list<std::string_view> known, bool strict);

 private:
  std::string where_;
  Application* app_;
  std::optional<Error> error_;
};

std::string Join(std::string_view path, std::string_view key);

// spec.source or an element of spec.sources, at `path`.
ApplicationSource ReadSource(FieldReader& reader, const Value& map, const std::string& path);

// spec.syncPolicy.
SyncPolicy ReadSyncPolicy(FieldReader& reader, const Value& map, const std::string& path);

// The capstan.dev/ annotations.
CapstanSettings ReadCapstanSettings(FieldReader& reader,
                                    const std::map<std::string, std::string>& annotations);

}  // namespace capstan::controller::internal
