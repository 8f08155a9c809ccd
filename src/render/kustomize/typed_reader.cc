#include "render/kustomize/typed_reader.h"

#include <fmt/format.h>

#include <algorithm>

namespace capstan::render::kustomize {
namespace {

std::string_view Article(Value::Type type) {
  switch (type) {
    case Value::Type::kInt:
    case Value::Type::kArray:
    case Value::Type::kObject:
      return "an ";
    default:
      return "a ";
  }
}

}  // namespace

std::string TypedReader::Path(std::string_view key) const {
  if (field_.empty()) return std::string(key);
  return fmt::format("{}.{}", field_, key);
}

Error TypedReader::Mistyped(std::string_view key, std::string_view expected) const {
  const Value* value = Find(key);
  Value::Type type = value == nullptr ? Value::Type::kNull : value->type();
  return Error::Invalid(fmt::format("{}: {}: expected {}, found {}{}", file_, Path(key), expected,
                                    Article(type), TypeName(type)));
}

const Value* TypedReader::Find(std::string_view key) const {
  const Value* value = map_.Find(key);
  if (value == nullptr || value->is_null()) return nullptr;
  return value;
}

Status TypedReader::CheckKnown(const std::vector<std::string_view>& known) const {
  if (!map_.is_object()) {
    return Error::Invalid(fmt::format("{}: {}: expected a map, found {}{}", file_,
                                      field_.empty() ? "document" : field_, Article(map_.type()),
                                      TypeName(map_.type())));
  }
  for (const auto& [key, value] : map_.as_object()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return Error::Invalid(fmt::format("{}: unknown field \"{}\"", file_, Path(key)));
    }
  }
  return OkStatus();
}

Status TypedReader::String(std::string_view key, std::string& out) const {
  const Value* value = Find(key);
  if (value == nullptr) return OkStatus();
  if (!value->is_string()) return Mistyped(key, "a string");
  out = value->as_string();
  return OkStatus();
}

Status TypedReader::Bool(std::string_view key, bool& out) const {
  const Value* value = Find(key);
  if (value == nullptr) return OkStatus();
  if (!value->is_bool()) return Mistyped(key, "true or false");
  out = value->as_bool();
  return OkStatus();
}

Status TypedReader::Int(std::string_view key, int64_t& out) const {
  const Value* value = Find(key);
  if (value == nullptr) return OkStatus();
  if (!value->is_int()) return Mistyped(key, "an integer");
  out = value->as_int();
  return OkStatus();
}

Status TypedReader::StringList(std::string_view key, std::vector<std::string>& out) const {
  const Value* value = Find(key);
  if (value == nullptr) return OkStatus();
  if (!value->is_array()) return Mistyped(key, "a list of strings");
  for (size_t i = 0; i < value->as_array().size(); ++i) {
    const Value& element = value->as_array()[i];
    if (!element.is_string()) {
      return Error::Invalid(fmt::format("{}: {}[{}]: expected a string, found {}{}", file_,
                                        Path(key), i, Article(element.type()),
                                        TypeName(element.type())));
    }
    out.push_back(element.as_string());
  }
  return OkStatus();
}

Status TypedReader::StringMap(std::string_view key, std::map<std::string, std::string>& out) const {
  const Value* value = Find(key);
  if (value == nullptr) return OkStatus();
  if (!value->is_object()) return Mistyped(key, "a map of strings");
  for (const auto& [name, element] : value->as_object()) {
    // kustomize reads these into map[string]string: a number or boolean is refused
    // (quote it), a null is an empty string.
    if (element.is_null()) {
      out[name] = "";
    } else if (element.is_string()) {
      out[name] = element.as_string();
    } else {
      return Error::Invalid(fmt::format("{}: {}.{}: expected a string, found {}{} (quote it)",
                                        file_, Path(key), name, Article(element.type()),
                                        TypeName(element.type())));
    }
  }
  return OkStatus();
}

Status TypedReader::MapList(std::string_view key,
                            const std::function<Status(const TypedReader&)>& each) const {
  const Value* value = Find(key);
  if (value == nullptr) return OkStatus();
  if (!value->is_array()) return Mistyped(key, "a list");
  for (size_t i = 0; i < value->as_array().size(); ++i) {
    TypedReader element(value->as_array()[i], file_, fmt::format("{}[{}]", Path(key), i));
    CAPSTAN_TRY(each(element));
  }
  return OkStatus();
}

}  // namespace capstan::render::kustomize
