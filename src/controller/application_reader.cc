// The latching field reader behind ParseApplication.
#include <fmt/format.h>

#include "controller/application_internal.h"

namespace capstan::controller::internal {

std::string Join(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return fmt::format("{}.{}", path, key);
}

void FieldReader::Fail(std::string_view field, std::string_view message) {
  if (error_) return;  // the first error is the one worth reading
  error_ = Error::Invalid(fmt::format("{}: {}: {}", where_, field, message));
}

void FieldReader::Warn(std::string_view field, std::string_view message) {
  app_->warnings.push_back(fmt::format("{}: {}", field, message));
}

void FieldReader::MarkUnsupported(std::string field, std::string reason, bool in_source) {
  app_->unsupported.push_back(Unsupported{std::move(field), std::move(reason), in_source});
}

namespace {

// The member `key`, or nullptr when it is missing or null (YAML `key:` with no value).
const Value* Member(const Value& map, std::string_view key) {
  const Value* v = map.Find(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

}  // namespace

void FieldReader::String(const Value& map, std::string_view path, std::string_view key,
                         std::string& out) {
  const Value* v = Member(map, key);
  if (v == nullptr) return;
  if (!v->is_string()) return Fail(Join(path, key), "expected a string");
  out = v->as_string();
}

void FieldReader::Bool(const Value& map, std::string_view path, std::string_view key, bool& out) {
  const Value* v = Member(map, key);
  if (v == nullptr) return;
  if (!v->is_bool()) return Fail(Join(path, key), "expected true or false");
  out = v->as_bool();
}

void FieldReader::Int(const Value& map, std::string_view path, std::string_view key, int64_t& out) {
  const Value* v = Member(map, key);
  if (v == nullptr) return;
  if (!v->is_int()) return Fail(Join(path, key), "expected an integer");
  out = v->as_int();
}

void FieldReader::Strings(const Value& map, std::string_view path, std::string_view key,
                          std::vector<std::string>& out) {
  const Value* list = List(map, path, key);
  if (list == nullptr) return;
  for (size_t i = 0; i < list->size(); ++i) {
    const Value& item = list->as_array()[i];
    if (!item.is_string()) {
      return Fail(fmt::format("{}[{}]", Join(path, key), i), "expected a string");
    }
    out.push_back(item.as_string());
  }
}

void FieldReader::StringMap(const Value& map, std::string_view path, std::string_view key,
                            std::map<std::string, std::string>& out) {
  const Value* m = Map(map, path, key);
  if (m == nullptr) return;
  for (const auto& [k, v] : m->as_object()) {
    if (!v.is_string()) {
      return Fail(fmt::format("{}[\"{}\"]", Join(path, key), k), "expected a string");
    }
    out[k] = v.as_string();
  }
}

const Value* FieldReader::Map(const Value& map, std::string_view path, std::string_view key) {
  const Value* v = Member(map, key);
  if (v == nullptr) return nullptr;
  if (!v->is_object()) {
    Fail(Join(path, key), "expected a map");
    return nullptr;
  }
  return v;
}

const Value* FieldReader::List(const Value& map, std::string_view path, std::string_view key) {
  const Value* v = Member(map, key);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    Fail(Join(path, key), "expected a list");
    return nullptr;
  }
  return v;
}

void FieldReader::CheckKeys(const Value& map, std::string_view path,
                            std::initializer_list<std::string_view> known, bool strict) {
  if (!map.is_object()) return;
  for (const auto& [key, value] : map.as_object()) {
    bool found = false;
    for (std::string_view k : known) found = found || k == key;
    if (found) continue;
    if (strict) {
      std::string list;
      for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return Fail(Join(path, key), fmt::format("unknown field (expected one of {})", list));
    }
    Warn(Join(path, key), "unknown field, ignored");
  }
}

}  // namespace capstan::controller::internal
