#include "target/local/pod/internal/fields.h"

#include <fmt/format.h>

#include <algorithm>

namespace capstan::target::local::internal {

void Problems::Add(std::string_view field, std::string_view message) {
  items_.push_back(fmt::format("{}: {}", field, message));
}

void Problems::Unsupported(std::string_view field, std::string_view supported) {
  Add(field, fmt::format("not supported by the local target ({})", supported));
}

std::string Problems::Join() const {
  std::string out;
  for (const std::string& item : items_) out += (out.empty() ? "" : "; ") + item;
  return out;
}

std::string Index(std::string_view path, size_t index) {
  return fmt::format("{}[{}]", path, index);
}

std::string Child(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

namespace {

std::string_view TypeWord(const Value& value) {
  switch (value.type()) {
    case Value::Type::kNull:
      return "null";
    case Value::Type::kBool:
      return "a boolean";
    case Value::Type::kInt:
    case Value::Type::kDouble:
      return "a number";
    case Value::Type::kString:
      return "a string";
    case Value::Type::kArray:
      return "a list";
    case Value::Type::kObject:
      return "a map";
  }
  return "a value";
}

void WrongType(const Value& value, std::string_view field, std::string_view want,
               Problems& problems) {
  problems.Add(field, fmt::format("expected {}, got {}", want, TypeWord(value)));
}

// The member `key`, nullptr when missing or null.
const Value* Present(const Value& object, std::string_view key) {
  const Value* value = object.Find(key);
  return value == nullptr || value->is_null() ? nullptr : value;
}

}  // namespace

void CheckKnownFields(const Value& object, std::string_view path,
                      std::initializer_list<std::string_view> known, std::string_view supported,
                      Problems& problems) {
  if (!object.is_object()) {
    if (!object.is_null()) WrongType(object, path, "a map", problems);
    return;
  }
  for (const auto& [key, value] : object.as_object()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      problems.Unsupported(Child(path, key), supported);
    }
  }
}

std::string ReadString(const Value& object, std::string_view key, std::string_view path,
                       Problems& problems) {
  const Value* value = Present(object, key);
  if (value == nullptr) return {};
  if (!value->is_string()) {
    WrongType(*value, Child(path, key), "a string", problems);
    return {};
  }
  return value->as_string();
}

std::optional<int64_t> ReadInt(const Value& object, std::string_view key, std::string_view path,
                               Problems& problems) {
  const Value* value = Present(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_int()) {
    WrongType(*value, Child(path, key), "an integer", problems);
    return std::nullopt;
  }
  return value->as_int();
}

bool ReadBool(const Value& object, std::string_view key, std::string_view path,
              Problems& problems) {
  const Value* value = Present(object, key);
  if (value == nullptr) return false;
  if (!value->is_bool()) {
    WrongType(*value, Child(path, key), "true or false", problems);
    return false;
  }
  return value->as_bool();
}

const Value::Array* ReadArray(const Value& object, std::string_view key, std::string_view path,
                              Problems& problems) {
  const Value* value = Present(object, key);
  if (value == nullptr) return nullptr;
  if (!value->is_array()) {
    WrongType(*value, Child(path, key), "a list", problems);
    return nullptr;
  }
  return &value->as_array();
}

const Value* ReadObject(const Value& object, std::string_view key, std::string_view path,
                        Problems& problems) {
  const Value* value = Present(object, key);
  if (value == nullptr) return nullptr;
  if (!value->is_object()) {
    WrongType(*value, Child(path, key), "a map", problems);
    return nullptr;
  }
  return value;
}

std::vector<std::string> ReadStrings(const Value& object, std::string_view key,
                                     std::string_view path, Problems& problems) {
  std::vector<std::string> out;
  const Value::Array* items = ReadArray(object, key, path, problems);
  if (items == nullptr) return out;
  std::string field = Child(path, key);
  for (size_t i = 0; i < items->size(); ++i) {
    const Value& item = (*items)[i];
    if (!item.is_string()) {
      WrongType(item, Index(field, i), "a string", problems);
      continue;
    }
    out.push_back(item.as_string());
  }
  return out;
}

std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace capstan::target::local::internal
