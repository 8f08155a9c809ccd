// Template arguments: reading spec.args and substituting `{{args.NAME}}`, as Argo's
// utils/template does with fasttemplate (every `{{...}}` tag must resolve).
#include <charconv>
#include <cmath>
#include <map>
#include <string>

#include "rollout/analysis/analysis.h"
#include "rollout/analysis/internal/fields.h"

namespace capstan::rollout::analysis {

using internal::Field;
using internal::FieldError;
using internal::Item;

namespace {

// The text of a scalar arg value: YAML `value: 9090` is the string "9090" to Argo's users.
Result<std::string> ScalarText(const Value& value, std::string_view path) {
  switch (value.type()) {
    case Value::Type::kString:
      return value.as_string();
    case Value::Type::kInt:
      return std::to_string(value.as_int());
    case Value::Type::kBool:
      return std::string(value.as_bool() ? "true" : "false");
    case Value::Type::kDouble: {
      char buffer[64];
      auto written = std::to_chars(buffer, buffer + sizeof buffer, value.as_double());
      return std::string(buffer, written.ptr);
    }
    default:
      return FieldError(path, "expected a string, found " + std::string(TypeName(value.type())));
  }
}

Result<Argument> ParseArgument(const Value& entry, std::string_view path) {
  if (!entry.is_object()) return FieldError(path, "expected a map with name and value");
  CAPSTAN_TRY(internal::OnlyKnownFields(entry, {"name", "value", "valueFrom"}, path));
  Argument arg;
  auto name = internal::RequiredString(entry, "name", path);
  if (!name.ok()) return std::move(name).error();
  arg.name = std::move(*name);
  if (const Value* value = entry.Find("value"); value != nullptr && !value->is_null()) {
    auto text = ScalarText(*value, Field(path, "value"));
    if (!text.ok()) return std::move(text).error();
    arg.value = std::move(*text);
  }
  auto value_from = internal::OptionalMap(entry, "valueFrom", path);
  if (!value_from.ok()) return std::move(value_from).error();
  if (*value_from == nullptr) return arg;
  const Value& from = **value_from;
  std::string from_path = Field(path, "valueFrom");
  CAPSTAN_TRY(internal::OnlyKnownFields(from, {"secretKeyRef", "fieldRef", "podTemplateHashValue"},
                                        from_path));
  int sources = 0;
  auto secret = internal::OptionalMap(from, "secretKeyRef", from_path);
  if (!secret.ok()) return std::move(secret).error();
  if (*secret != nullptr) {
    ++sources;
    std::string secret_path = Field(from_path, "secretKeyRef");
    CAPSTAN_TRY(internal::OnlyKnownFields(**secret, {"name", "key"}, secret_path));
    auto secret_name = internal::RequiredString(**secret, "name", secret_path);
    if (!secret_name.ok()) return std::move(secret_name).error();
    auto key = internal::RequiredString(**secret, "key", secret_path);
    if (!key.ok()) return std::move(key).error();
    arg.secret_key_ref = SecretKeyRef{std::move(*secret_name), std::move(*key)};
  }
  auto field_ref = internal::OptionalMap(from, "fieldRef", from_path);
  if (!field_ref.ok()) return std::move(field_ref).error();
  if (*field_ref != nullptr) {
    ++sources;
    auto field_path =
        internal::RequiredString(**field_ref, "fieldPath", Field(from_path, "fieldRef"));
    if (!field_path.ok()) return std::move(field_path).error();
    arg.field_ref = std::move(*field_path);
  }
  auto hash = internal::OptionalString(from, "podTemplateHashValue", from_path);
  if (!hash.ok()) return std::move(hash).error();
  if (hash->has_value()) {
    ++sources;
    if (**hash != "Stable" && **hash != "Latest") {
      return FieldError(Field(from_path, "podTemplateHashValue"),
                        "must be Stable or Latest, found \"" + **hash + "\"");
    }
    arg.pod_template_hash_value = std::move(**hash);
  }
  if (sources > 1)
    return FieldError(from_path, "set only one of secretKeyRef, fieldRef, podTemplateHashValue");
  return arg;
}

}  // namespace

Result<std::vector<Argument>> ParseArguments(const Value& list, std::string_view path) {
  std::vector<Argument> args;
  if (list.is_null()) return args;
  if (!list.is_array()) return FieldError(path, "expected a list");
  for (size_t i = 0; i < list.as_array().size(); ++i) {
    auto arg = ParseArgument(list.as_array()[i], Item(path, i));
    if (!arg.ok()) return std::move(arg).error();
    for (const Argument& previous : args) {
      if (previous.name == arg->name) {
        return FieldError(Item(path, i), "duplicate arg \"" + arg->name + "\"");
      }
    }
    args.push_back(std::move(*arg));
  }
  return args;
}

Value ArgumentsToValue(const std::vector<Argument>& args) {
  Value list = Value::MakeArray();
  for (const Argument& arg : args) {
    Value entry = Value::MakeObject();
    entry.Set("name", arg.name);
    if (arg.value) entry.Set("value", *arg.value);
    Value from = Value::MakeObject();
    if (arg.secret_key_ref) {
      from.Set("secretKeyRef", Value(Value::Object{{"name", arg.secret_key_ref->name},
                                                   {"key", arg.secret_key_ref->key}}));
    }
    if (arg.field_ref) from.Set("fieldRef", Value(Value::Object{{"fieldPath", *arg.field_ref}}));
    if (arg.pod_template_hash_value) from.Set("podTemplateHashValue", *arg.pod_template_hash_value);
    if (!from.empty()) entry.Set("valueFrom", std::move(from));
    list.as_array().push_back(std::move(entry));
  }
  return list;
}

namespace {

Status SubstituteIn(Value& value, const std::map<std::string, std::string, std::less<>>& values) {
  switch (value.type()) {
    case Value::Type::kString: {
      const std::string& text = value.as_string();
      if (!internal::HasPlaceholder(text)) return OkStatus();
      std::string out;
      size_t at = 0;
      while (true) {
        size_t open = text.find("{{", at);
        if (open == std::string::npos) break;
        size_t close = text.find("}}", open + 2);
        if (close == std::string::npos) {
          return Error::Invalid("cannot find the closing \"}}\" of \"" +
                                text.substr(open, std::min<size_t>(40, text.size() - open)) + "\"");
        }
        out.append(text, at, open - at);
        std::string_view tag(text.data() + open + 2, close - open - 2);
        std::string_view trimmed = tag;
        while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front())))
          trimmed.remove_prefix(1);
        while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back())))
          trimmed.remove_suffix(1);
        auto found = values.find(trimmed);
        if (found == values.end()) {
          return Error::Invalid("failed to resolve {{" + std::string(tag) + "}}");
        }
        out += found->second;
        at = close + 2;
      }
      out.append(text, at);
      value = Value(std::move(out));
      return OkStatus();
    }
    case Value::Type::kArray:
      for (Value& item : value.as_array()) CAPSTAN_TRY(SubstituteIn(item, values));
      return OkStatus();
    case Value::Type::kObject:
      for (auto& [key, item] : value.as_object()) CAPSTAN_TRY(SubstituteIn(item, values));
      return OkStatus();
    default:
      return OkStatus();
  }
}

}  // namespace

Result<Value> SubstituteArgs(const Value& metric, const std::vector<Argument>& args) {
  std::map<std::string, std::string, std::less<>> values;
  for (const Argument& arg : args) {
    if (!arg.value) return Error::Invalid("argument \"" + arg.name + "\" was not supplied");
    values["args." + arg.name] = *arg.value;
  }
  Value resolved = metric;
  CAPSTAN_TRY(SubstituteIn(resolved, values));
  return resolved;
}

}  // namespace capstan::rollout::analysis
