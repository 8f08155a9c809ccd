#include "health/internal/fields.h"

#include <fmt/format.h>

namespace capstan::health::internal {

namespace {

std::string JoinPath(Value::Path path) {
  std::string out;
  for (std::string_view part : path) {
    if (!out.empty()) out += '.';
    out += part;
  }
  return out;
}

}  // namespace

void FieldReader::Fail(Value::Path path, std::string_view expected, const Value& got) {
  if (!error_.empty()) return;
  error_ = fmt::format("{}: expected {}, got {}", JoinPath(path), expected, TypeName(got.type()));
}

int64_t FieldReader::Int(Value::Path path, int64_t fallback) {
  const Value* value = object_.At(path);
  if (value == nullptr || value->is_null()) return fallback;
  if (value->is_int()) return value->as_int();
  Fail(path, "an integer", *value);
  return 0;
}

bool FieldReader::Bool(Value::Path path) {
  const Value* value = object_.At(path);
  if (value == nullptr || value->is_null()) return false;
  if (value->is_bool()) return value->as_bool();
  Fail(path, "a boolean", *value);
  return false;
}

std::string FieldReader::String(Value::Path path) {
  const Value* value = object_.At(path);
  if (value == nullptr || value->is_null()) return {};
  if (value->is_string()) return value->as_string();
  Fail(path, "a string", *value);
  return {};
}

const Value* FieldReader::Condition(std::string_view type) {
  const Value* conditions = object_.At({"status", "conditions"});
  if (conditions == nullptr || conditions->is_null()) return nullptr;
  if (!conditions->is_array()) {
    Fail({"status", "conditions"}, "a list", *conditions);
    return nullptr;
  }
  for (const Value& condition : conditions->as_array()) {
    if (condition.StringAt({"type"}) == type) return &condition;
  }
  return nullptr;
}

Health Checked(const FieldReader& reader, Health health) {
  if (reader.error().empty()) return health;
  return {HealthStatus::kUnknown, "cannot read status: " + reader.error()};
}

std::string ConditionField(const Value* condition, std::string_view field) {
  if (condition == nullptr) return {};
  return std::string(condition->StringAt({field}));
}

std::string Quoted(std::string_view text) { return fmt::format("\"{}\"", text); }

}  // namespace capstan::health::internal
