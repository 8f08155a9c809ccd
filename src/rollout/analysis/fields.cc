#include "rollout/analysis/internal/fields.h"

#include <cmath>

namespace capstan::rollout::analysis::internal {

std::string Field(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

std::string Item(std::string_view path, size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

Error FieldError(std::string_view path, std::string_view message) {
  return Error::Invalid(std::string(path) + ": " + std::string(message));
}

namespace {

Error WrongType(std::string_view path, std::string_view wanted, const Value& found) {
  return FieldError(
      path, "expected " + std::string(wanted) + ", found " + std::string(TypeName(found.type())));
}

}  // namespace

Result<std::optional<std::string>> OptionalString(const Value& object, std::string_view key,
                                                  std::string_view path) {
  const Value* field = object.Find(key);
  if (field == nullptr || field->is_null()) return std::optional<std::string>();
  if (!field->is_string()) return WrongType(Field(path, key), "a string", *field);
  return std::optional<std::string>(field->as_string());
}

Result<std::string> RequiredString(const Value& object, std::string_view key,
                                   std::string_view path) {
  auto text = OptionalString(object, key, path);
  if (!text.ok()) return std::move(text).error();
  if (!text->has_value() || (*text)->empty()) return FieldError(Field(path, key), "required");
  return std::move(**text);
}

Result<std::optional<bool>> OptionalBool(const Value& object, std::string_view key,
                                         std::string_view path) {
  const Value* field = object.Find(key);
  if (field == nullptr || field->is_null()) return std::optional<bool>();
  if (!field->is_bool()) return WrongType(Field(path, key), "true or false", *field);
  return std::optional<bool>(field->as_bool());
}

Result<std::optional<int64_t>> OptionalInt(const Value& object, std::string_view key,
                                           std::string_view path) {
  const Value* field = object.Find(key);
  if (field == nullptr || field->is_null()) return std::optional<int64_t>();
  if (field->is_int()) return std::optional<int64_t>(field->as_int());
  if (field->is_double() && std::trunc(field->as_double()) == field->as_double() &&
      std::fabs(field->as_double()) < 9e18) {
    return std::optional<int64_t>(static_cast<int64_t>(field->as_double()));
  }
  return WrongType(Field(path, key), "an integer", *field);
}

Result<const Value::Array*> OptionalList(const Value& object, std::string_view key,
                                         std::string_view path) {
  static const Value::Array kEmpty;
  const Value* field = object.Find(key);
  if (field == nullptr || field->is_null()) return &kEmpty;
  if (!field->is_array()) return WrongType(Field(path, key), "a list", *field);
  return &field->as_array();
}

Result<const Value*> OptionalMap(const Value& object, std::string_view key, std::string_view path) {
  const Value* field = object.Find(key);
  if (field == nullptr || field->is_null()) return static_cast<const Value*>(nullptr);
  if (!field->is_object()) return WrongType(Field(path, key), "a map", *field);
  return field;
}

Status OnlyKnownFields(const Value& object, std::initializer_list<std::string_view> known,
                       std::string_view path) {
  if (!object.is_object()) return OkStatus();
  for (const auto& [key, value] : object.as_object()) {
    bool found = false;
    for (std::string_view k : known) found |= k == key;
    if (!found) {
      std::string where = path.empty() ? std::string("the object") : std::string(path);
      return FieldError(where, "unknown field \"" + key + "\"");
    }
  }
  return OkStatus();
}

bool HasPlaceholder(std::string_view text) { return text.find("{{") != std::string_view::npos; }

}  // namespace capstan::rollout::analysis::internal
