// Internal to the kustomize builder: strict typed reads from a parsed YAML map, with
// errors that name the file and the dotted field ("overlays/prod/kustomization.yaml:
// images[0].newTag: expected a string, found an integer"), the way kustomize refuses a
// value of the wrong type.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace capstan::render::kustomize {

class TypedReader {
 public:
  // `file` and `field` name the map being read, for messages.
  TypedReader(const Value& map, std::string file, std::string field)
      : map_(map), file_(std::move(file)), field_(std::move(field)) {}

  // Fails when the value is not a map, or has a key not in `known`.
  Status CheckKnown(const std::vector<std::string_view>& known) const;

  // Each reads the member `key` into `out`, leaving it unchanged when absent or null.
  Status String(std::string_view key, std::string& out) const;
  Status Bool(std::string_view key, bool& out) const;
  Status Int(std::string_view key, int64_t& out) const;
  Status StringList(std::string_view key, std::vector<std::string>& out) const;
  Status StringMap(std::string_view key, std::map<std::string, std::string>& out) const;
  // Calls `each` with a reader for every element of the list `key` (which must hold maps).
  Status MapList(std::string_view key,
                 const std::function<Status(const TypedReader& element)>& each) const;

  const Value* Find(std::string_view key) const;
  std::string Path(std::string_view key) const;  // "images[0].newTag"
  Error Mistyped(std::string_view key, std::string_view expected) const;
  const std::string& file() const { return file_; }

 private:
  const Value& map_;
  std::string file_;
  std::string field_;
};

}  // namespace capstan::render::kustomize
