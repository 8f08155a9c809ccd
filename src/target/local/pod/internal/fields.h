// Reading a pod manifest field by field: typed accessors that note, instead of failing at
// once, every field of the wrong type or unknown to the local target, so one error can name
// them all ("spec.hostNetwork: ...; spec.volumes[0].hostPath: ...").
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/value.h"

namespace capstan::target::local::internal {

class Problems {
 public:
  // "<field>: <message>".
  void Add(std::string_view field, std::string_view message);
  // A message that already names its field (another parser's error).
  void AddRaw(std::string message) { items_.push_back(std::move(message)); }
  // "<field>: not supported by the local target (<supported>)".
  void Unsupported(std::string_view field, std::string_view supported);
  bool empty() const { return items_.empty(); }
  // Every problem, joined with "; ".
  std::string Join() const;

 private:
  std::vector<std::string> items_;
};

// "spec.containers" + 0 -> "spec.containers[0]"; "spec" + "volumes" -> "spec.volumes".
std::string Index(std::string_view path, size_t index);
std::string Child(std::string_view path, std::string_view key);

// Notes every key of `object` outside `known` as unsupported, with `supported` (the list a
// user can act on) in the message. A non-object `object` is noted as such.
void CheckKnownFields(const Value& object, std::string_view path,
                      std::initializer_list<std::string_view> known, std::string_view supported,
                      Problems& problems);

// Typed reads of `object[key]` (path names `object`). Missing or null gives the fallback;
// a value of another type is noted and gives the fallback too.
std::string ReadString(const Value& object, std::string_view key, std::string_view path,
                       Problems& problems);
std::optional<int64_t> ReadInt(const Value& object, std::string_view key, std::string_view path,
                               Problems& problems);
bool ReadBool(const Value& object, std::string_view key, std::string_view path, Problems& problems);
// nullptr when missing or null; noted when not an array / object.
const Value::Array* ReadArray(const Value& object, std::string_view key, std::string_view path,
                              Problems& problems);
const Value* ReadObject(const Value& object, std::string_view key, std::string_view path,
                        Problems& problems);
// A list of strings (command, args); noted when an element is not a string.
std::vector<std::string> ReadStrings(const Value& object, std::string_view key,
                                     std::string_view path, Problems& problems);

// Go's %q of a string, for messages quoting manifest values: "12XB" -> "\"12XB\"".
std::string Quote(std::string_view text);

}  // namespace capstan::target::local::internal
