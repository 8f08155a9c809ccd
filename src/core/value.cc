#include "core/value.h"

#include <algorithm>

namespace capstan {

double Value::as_double() const {
  if (is_int()) return static_cast<double>(as_int());
  return std::get<double>(data_);
}

size_t Value::size() const {
  if (is_array()) return as_array().size();
  if (is_object()) return as_object().size();
  return 0;
}

const Value* Value::Find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : as_object()) {
    if (k == key) return &v;
  }
  return nullptr;
}

Value* Value::Find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Value*>(this)->Find(key));
}

Value& Value::operator[](std::string_view key) {
  if (is_null()) data_ = Object{};
  if (Value* existing = Find(key)) return *existing;
  auto& members = as_object();
  members.emplace_back(std::string(key), Value());
  return members.back().second;
}

Value& Value::Set(std::string_view key, Value value) {
  Value& slot = (*this)[key];
  slot = std::move(value);
  return slot;
}

bool Value::Erase(std::string_view key) {
  if (!is_object()) return false;
  auto& members = as_object();
  auto it =
      std::find_if(members.begin(), members.end(), [&](const Member& m) { return m.first == key; });
  if (it == members.end()) return false;
  members.erase(it);
  return true;
}

const Value* Value::At(Path path) const {
  const Value* current = this;
  for (std::string_view key : path) {
    current = current->Find(key);
    if (current == nullptr) return nullptr;
  }
  return current;
}

Value* Value::At(Path path) {
  return const_cast<Value*>(static_cast<const Value*>(this)->At(path));
}

std::string_view Value::StringAt(Path path, std::string_view fallback) const {
  const Value* v = At(path);
  if (v == nullptr || !v->is_string()) return fallback;
  return v->as_string();
}

bool operator==(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
    return a.as_double() == b.as_double();
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Value::Type::kNull:
      return true;
    case Value::Type::kBool:
      return a.as_bool() == b.as_bool();
    case Value::Type::kString:
      return a.as_string() == b.as_string();
    case Value::Type::kArray:
      return a.as_array() == b.as_array();
    case Value::Type::kObject: {
      if (a.size() != b.size()) return false;
      for (const auto& [key, value] : a.as_object()) {
        const Value* other = b.Find(key);
        if (other == nullptr || !(*other == value)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

size_t Value::NodeCount() const {
  size_t count = 1;
  if (is_array()) {
    for (const Value& v : as_array()) count += v.NodeCount();
  } else if (is_object()) {
    for (const auto& member : as_object()) count += member.second.NodeCount();
  }
  return count;
}

std::string_view TypeName(Value::Type type) {
  switch (type) {
    case Value::Type::kNull:
      return "null";
    case Value::Type::kBool:
      return "boolean";
    case Value::Type::kInt:
      return "integer";
    case Value::Type::kDouble:
      return "number";
    case Value::Type::kString:
      return "string";
    case Value::Type::kArray:
      return "list";
    case Value::Type::kObject:
      return "map";
  }
  return "unknown";
}

}  // namespace capstan
